// Reading older forms of a treatment definition; see definition_upgrade.h.
#include "common/definition/definition_upgrade.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "common/definition/definition_validator.h"

namespace clinic {

absl::optional<v1::NeedleConfiguration> ParseLegacyNeedleConfiguration(absl::string_view text) {
  v1::NeedleConfiguration needles;
  if (text == "nano") {
    needles.set_nano(true);
    return needles;
  }
  // At most three digits before converting, so no text can overflow.
  int count = 0;
  if (text.empty() || text.size() > 3 || text[0] == '0' ||
      !std::all_of(text.begin(), text.end(),
                   [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }) ||
      !absl::SimpleAtoi(text, &count) || count > kMaxLegacyNeedleCount) {
    return absl::nullopt;
  }
  needles.set_needle_count(count);
  return needles;
}

bool UpgradeTreatmentDefinition(v1::TreatmentDefinition& definition) {
  bool changed = false;
  for (v1::CartridgeRequirement& cartridge : *definition.mutable_cartridges()) {
    if (cartridge.needle_configurations().empty()) continue;
    std::vector<v1::NeedleConfiguration> parsed;
    for (const std::string& text : cartridge.needle_configurations()) {
      absl::optional<v1::NeedleConfiguration> needles = ParseLegacyNeedleConfiguration(text);
      if (!needles.has_value()) break;
      parsed.push_back(*std::move(needles));
    }
    if (parsed.size() != static_cast<size_t>(cartridge.needle_configurations_size())) continue;
    for (v1::NeedleConfiguration& needles : parsed) *cartridge.add_needles() = std::move(needles);
    cartridge.clear_needle_configurations();
    changed = true;
  }
  return changed;
}

std::vector<FieldViolation> AcceptTreatmentDefinition(v1::TreatmentDefinition& definition) {
  std::vector<FieldViolation> violations = ValidateTreatmentDefinition(definition);
  if (violations.empty()) UpgradeTreatmentDefinition(definition);
  return violations;
}

}  // namespace clinic
