// The checks of what a session uses up: cartridge requirements (their needle
// configurations, typed or in the older text form, and whether they reach the
// protocol's depths) and other consumables (definition_checks.h).
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/definition/definition_checks.h"
#include "common/definition/definition_upgrade.h"
#include "common/definition/definition_validator.h"
#include "common/definition/definition_wording.h"

namespace clinic::definition_checks {

void Validator::CheckCartridges() {
  if (d_.cartridges().empty()) {
    Add("cartridges", "at least one cartridge requirement is required");
  }
  for (int i = 0; i < d_.cartridges_size(); ++i) {
    CheckCartridge(Index("cartridges", i), d_.cartridges(i));
  }
}

void Validator::CheckNeedleConfigurations(const std::string& path,
                                          const v1::CartridgeRequirement& c) {
  const std::string legacy_path = Field(path, "needle_configurations");
  const std::string needles_path = Field(path, "needles");
  if (c.needle_configurations().empty() && c.needles().empty()) {
    Add(needles_path,
        "at least one needle configuration is required, e.g. { needle_count: 36 } or "
        "{ nano: true }");
    return;
  }
  if (!c.needle_configurations().empty() && !c.needles().empty()) {
    // Which of the two lists the author meant to keep cannot be told.
    Add(legacy_path,
        "is the older form of needles, and this cartridge declares needles too; move every "
        "configuration into needles, e.g. { needle_count: 36 }");
  }
  CheckLegacyNeedleConfigurations(legacy_path, c);
  CheckNeedles(needles_path, c);
}

void Validator::CheckLegacyNeedleConfigurations(const std::string& path,
                                                const v1::CartridgeRequirement& c) {
  std::map<std::string, int> listed;  // configuration -> first index
  for (int j = 0; j < c.needle_configurations_size(); ++j) {
    const std::string& config = c.needle_configurations(j);
    if (!ParseLegacyNeedleConfiguration(config).has_value()) {
      Add(Index(path, j),
          absl::StrCat(Quoted(config), " must be a needle count from \"1\" to \"",
                       kMaxLegacyNeedleCount, "\" without leading zeros, or \"nano\""));
    } else if (auto [first, inserted] = listed.emplace(config, j); !inserted) {
      Add(Index(path, j), absl::StrCat(Quoted(config), " is already listed at ",
                                       "needle_configurations[", first->second, "]"));
    }
  }
}

void Validator::CheckNeedles(const std::string& path, const v1::CartridgeRequirement& c) {
  // (nano, needle count) -> first index
  std::map<std::pair<bool, int>, int> listed;
  for (int j = 0; j < c.needles_size(); ++j) {
    const v1::NeedleConfiguration& needles = c.needles(j);
    const std::string entry = Index(path, j);
    if (needles.nano() && needles.needle_count() != 0) {
      Add(entry, absl::StrCat("sets both needle_count (", needles.needle_count(),
                              ") and nano; a nano cartridge has no needles, so set one of the "
                              "two"));
      continue;
    }
    if (!needles.nano() && needles.needle_count() == 0) {
      Add(entry,
          "sets neither needle_count nor nano; set one, e.g. { needle_count: 36 } or "
          "{ nano: true }");
      continue;
    }
    if (!needles.nano() && !CheckBounded(Field(entry, "needle_count"), needles.needle_count(),
                                         {1, kMaxNeedleCount, kNeedles})) {
      continue;
    }
    if (auto [first, inserted] =
            listed.emplace(std::make_pair(needles.nano(), needles.needle_count()), j);
        !inserted) {
      Add(entry, absl::StrCat(needles.nano() ? "nano" : Amount(needles.needle_count(), kNeedles),
                              " is already listed at needles[", first->second, "]"));
    }
  }
}

void Validator::CheckCartridge(const std::string& path, const v1::CartridgeRequirement& c) {
  CheckId(path, c.id(), requirement_ids_);
  CheckName(Field(path, "display_name"), c.display_name());
  CheckNeedleConfigurations(path, c);

  // The deepest depth among the areas the cartridge covers.
  Reach deepest;
  std::string deepest_area;
  auto consider = [&](const std::string& area_id) {
    const Reach& reach = areas_.at(area_id);
    if (reach.depth_um > deepest.depth_um) {
      deepest = reach;
      deepest_area = area_id;
    }
  };
  CheckAreaIds(Field(path, "area_ids"), c.area_ids(),
               "is empty; name an area of the protocol (no area_ids means every area)", consider);
  if (c.area_ids().empty()) {
    for (const v1::TreatmentArea& area : d_.protocol().areas()) {
      if (!area.id().empty()) consider(area.id());
    }
  }

  const std::string length_path = Field(path, "min_needle_length_um");
  if (CheckBounded(length_path, c.min_needle_length_um(),
                   {1, kMaxNeedleDepthUm, kMicrometres, "longer than"},
                   TooDeepHint(c.min_needle_length_um(), kMaxNeedleDepthUm)) &&
      c.min_needle_length_um() < deepest.depth_um) {
    Add(length_path,
        absl::StrCat(
            c.min_needle_length_um(), " um cannot reach the ", deepest.depth_um, " um that area ",
            Named(deepest_area), " allows",
            deepest.indication.empty()
                ? ""
                : absl::StrCat(" for indication ", Named(deepest.indication)),
            c.area_ids().empty() ? " (a cartridge without area_ids covers every area)" : "",
            TooShortHint(c.min_needle_length_um(), deepest.depth_um)));
  }
  if (c.quantity_per_session() < 1) {
    Add(Field(path, "quantity_per_session"),
        c.quantity_per_session() == 0
            ? std::string("is not set (0); it must be at least 1")
            : absl::StrCat(c.quantity_per_session(), " must be at least 1"));
  }
}

void Validator::CheckConsumables() {
  for (int i = 0; i < d_.consumables_size(); ++i) {
    CheckConsumable(Index("consumables", i), d_.consumables(i));
  }
}

void Validator::CheckConsumable(const std::string& path, const v1::ConsumableRequirement& c) {
  CheckId(path, c.id(), requirement_ids_);
  CheckName(Field(path, "display_name"), c.display_name());

  const std::string kind_path = Field(path, "kind");
  if (c.kind() == v1::CONSUMABLE_KIND_UNSPECIFIED) {
    Add(kind_path, "is required, e.g. CONSUMABLE_KIND_PRP_KIT");
  } else if (c.kind() == v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE) {
    Add(kind_path,
        "cannot be CONSUMABLE_KIND_NEEDLE_CARTRIDGE: declare cartridges in cartridges, where "
        "their needles and needle length are matched");
  } else if (!v1::ConsumableKind_IsValid(c.kind())) {
    Add(kind_path,
        absl::StrCat(static_cast<int>(c.kind()), " is not a consumable kind this host knows"));
  }

  const std::string category_path = Field(path, "category");
  if (c.category().empty()) {
    Add(category_path,
        "is required: the category of the products that fit, e.g. \"lidocaine_cream\"; a kind "
        "alone would let any product of that kind stand in");
  } else if (!IsDefinitionId(c.category())) {
    Add(category_path, absl::StrCat(Quoted(c.category()), kIdShape));
  }

  CheckBounded(Field(path, "quantity_per_session"), c.quantity_per_session(),
               {1, kMaxConsumableQuantity, kUnits});
  CheckAreaIds(Field(path, "area_ids"), c.area_ids(),
               "is empty; name an area of the protocol (no area_ids means every area)",
               [](const std::string&) {});
}

}  // namespace clinic::definition_checks
