// Older forms a treatment definition may still be declared in, and how they
// are read: a plugin built before a field was typed keeps loading, and
// everything past the plugin host (the catalog, records, Inventory) sees only
// the current form. Called by the plugin host (and so clinic-plugin-check),
// by the definition history when it reads what an older host stored, and by
// tests that read built plugins. Pure functions without I/O.
//
// The one older form today: CartridgeRequirement.needle_configurations, text
// such as "36" or "nano", which became typed `needles`.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_UPGRADE_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_UPGRADE_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "clinic/v1/treatment.pb.h"
#include "common/core/status.h"

namespace clinic {

// The highest needle count the text form accepts: "1" to "100", as it always
// did. Typed needles go up to kMaxNeedleCount (definition_validator.h).
inline constexpr int kMaxLegacyNeedleCount = 100;

// One needle configuration as the text form writes it: a needle count "1" to
// "100" without leading zeros, or "nano" in lowercase. nullopt for any other
// text ("036", "Nano", "101", "36 "), which the validator refuses.
absl::optional<v1::NeedleConfiguration> ParseLegacyNeedleConfiguration(absl::string_view text);

// Rewrites older forms into current ones, in place: each cartridge's
// needle_configurations text becomes `needles` entries, in order, and the
// text is cleared. Meant for a definition ValidateTreatmentDefinition
// accepted; a cartridge with text that does not parse is left as it is, so
// nothing is lost or invented. Returns whether anything changed.
bool UpgradeTreatmentDefinition(v1::TreatmentDefinition& definition);

// How a definition a plugin declares is read: validated as declared, so
// every violation names a field the author wrote (e.g.
// "cartridges[0].needle_configurations[1]"), then, when it is valid,
// upgraded. Returns the violations (empty when the definition is valid and
// was upgraded); an invalid definition is left as it was.
std::vector<FieldViolation> AcceptTreatmentDefinition(v1::TreatmentDefinition& definition);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_UPGRADE_H_
