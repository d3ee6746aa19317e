// A charted treatment against the definition it is charted with: the treated
// areas and what the session used up. See treatment_validation.h.
#include "services/client_records/treatment_validation.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/optional.h"
#include "common/core/resource_name.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/storage/inventory_names.h"
#include "services/client_records/field_paths.h"

namespace clinic::client_records {
namespace {

// A requirement of the definition a consumable use can name: a cartridge or
// another consumable.
struct Requirement {
  const v1::CartridgeRequirement* cartridge;
  const v1::ConsumableRequirement* consumable;

  const std::string& id() const {
    return cartridge != nullptr ? cartridge->id() : consumable->id();
  }
  // Single-use cartridges always are.
  bool lot_required() const { return cartridge != nullptr || consumable->lot_required(); }
  const google::protobuf::RepeatedPtrField<std::string>& area_ids() const {
    return cartridge != nullptr ? cartridge->area_ids() : consumable->area_ids();
  }
};

// The ids of `value`, a name of `pattern`; nullopt after appending why not,
// worded as every service words it (common/core/resource_name.h).
absl::optional<ResourceName> ParseName(const ResourcePattern& pattern, absl::string_view value,
                                       const std::string& field, std::vector<FieldViolation>& out) {
  absl::StatusOr<ResourceName> name = pattern.Parse(value, field);
  if (name.ok()) return *std::move(name);
  for (FieldViolation& violation : GetFieldViolations(name.status())) {
    out.push_back(std::move(violation));
  }
  return absl::nullopt;
}

// The areas of the record one consumable use was used on: its area_ids, each
// one of the record's `treated` areas and listed once, or every treated area
// when it lists none. Appends what is wrong with area_ids; a list longer than
// the protocol's areas is only counted.
std::vector<std::string> CheckUseAreas(const v1::ConsumableUse& use, int protocol_areas,
                                       const std::set<std::string>& treated,
                                       const std::vector<std::string>& treated_ids,
                                       const std::string& path, std::vector<FieldViolation>& out) {
  const std::string field = Child(path, "area_ids");
  if (use.area_ids().empty()) return treated_ids;
  if (use.area_ids_size() > protocol_areas) {
    out.push_back({field, absl::StrCat("lists ", use.area_ids_size(), " areas; the protocol has ",
                                       protocol_areas, ", and each may be listed once")});
    return {};
  }
  std::vector<std::string> used_on;
  std::map<std::string, int> first_listed;
  for (int j = 0; j < use.area_ids_size(); ++j) {
    const std::string& area_id = use.area_ids(j);
    const std::string area_field = Indexed(field, j);
    if (area_id.empty()) {
      out.push_back(
          {area_field, "is empty; name an area of this record, or list none for all of them"});
    } else if (treated.count(area_id) == 0) {
      out.push_back({area_field, absl::StrCat(Quote(area_id, kQuotedChars, '\''),
                                              " is not an area this record treats",
                                              ListIfShort("areas", treated_ids))});
    } else if (const auto [first, inserted] = first_listed.emplace(area_id, j); !inserted) {
      out.push_back({area_field, absl::StrCat("'", area_id, "' is already listed at ",
                                              Indexed(field, first->second))});
    } else {
      used_on.push_back(area_id);
    }
  }
  return used_on;
}

}  // namespace

void ValidateTreatedAreas(const v1::TreatmentDefinition& definition,
                          const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                          absl::string_view field, std::vector<FieldViolation>& out) {
  if (areas.empty()) {
    out.push_back({std::string(field), "at least one treated area is required"});
    return;
  }
  std::map<std::string, const v1::TreatmentArea*> by_id;
  std::vector<std::string> area_ids;
  for (const v1::TreatmentArea& area : definition.protocol().areas()) {
    by_id.emplace(area.id(), &area);
    area_ids.push_back(area.id());
  }
  std::set<std::string> indications;
  std::vector<std::string> indication_ids;
  for (const v1::Indication& indication : definition.indications()) {
    indications.insert(indication.id());
    indication_ids.push_back(indication.id());
  }
  const std::string type = absl::StrCat("treatment type '", definition.id(), "'");
  std::map<std::string, int> first_charted;
  for (int i = 0; i < areas.size(); ++i) {
    const v1::TreatedArea& treated = areas.Get(i);
    const std::string path = Indexed(field, i);
    if (treated.area_id().empty()) {
      out.push_back({Child(path, "area_id"), absl::StrCat("is required: an area of ", type,
                                                          ListIfShort("areas", area_ids))});
      continue;
    }
    const auto it = by_id.find(treated.area_id());
    if (it == by_id.end()) {
      out.push_back({Child(path, "area_id"),
                     absl::StrCat(Quote(treated.area_id(), kQuotedChars, '\''),
                                  " is not an area of ", type, ListIfShort("areas", area_ids))});
      continue;
    }
    const v1::TreatmentArea& area = *it->second;
    const auto [first, inserted] = first_charted.emplace(area.id(), i);
    if (!inserted) {
      out.push_back({Child(path, "area_id"),
                     absl::StrCat("'", area.id(), "' is charted twice (first at ",
                                  Indexed(field, first->second), "); chart each area once")});
    }

    const std::string& indication = treated.indication_id();
    const bool known_indication = !indication.empty() && indications.count(indication) > 0;
    if (!indication.empty() && !known_indication) {
      out.push_back(
          {Child(path, "indication_id"),
           absl::StrCat(Quote(indication, kQuotedChars, '\''), " is not an indication of ", type,
                        ListIfShort("indications", indication_ids))});
    }

    const v1::DepthOverride* in_effect = nullptr;
    if (known_indication) {
      for (const v1::DepthOverride& o : area.depth_overrides()) {
        if (o.indication_id() == indication) in_effect = &o;
      }
    }
    const int depth = treated.needle_depth_um();
    const int max_depth = in_effect != nullptr ? in_effect->max_depth_um() : area.max_depth_um();
    if (depth < area.min_depth_um() || depth > max_depth) {
      std::string message = absl::StrCat(depth, " um is outside the ", area.min_depth_um(), " to ",
                                         max_depth, " um allowed on '", area.id(), "'");
      if (in_effect != nullptr) {
        absl::StrAppend(&message, " for ", indication);
      } else if (depth > max_depth) {
        // Too deep may be right for another indication: say which, so the
        // practitioner can chart the indication rather than lower the depth.
        std::vector<std::string> others;
        for (const v1::DepthOverride& o : area.depth_overrides()) {
          others.push_back(absl::StrCat("up to ", o.max_depth_um(), " um for ", o.indication_id()));
        }
        if (!others.empty()) absl::StrAppend(&message, " (", absl::StrJoin(others, ", "), ")");
      }
      out.push_back({Child(path, "needle_depth_um"), std::move(message)});
    }

    if (treated.passes() < area.min_passes() || treated.passes() > area.max_passes()) {
      out.push_back({Child(path, "passes"),
                     absl::StrCat(treated.passes(), " is outside the ", area.min_passes(), " to ",
                                  area.max_passes(), " passes allowed on '", area.id(), "'")});
    }
  }
}

void ValidateConsumableUses(const v1::TreatmentDefinition& definition,
                            const google::protobuf::RepeatedPtrField<v1::ConsumableUse>& uses,
                            const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                            absl::string_view field, std::vector<FieldViolation>& out) {
  const std::string list(field);
  if (uses.empty()) {
    out.push_back({list,
                   "at least one is required: the cartridge used, by its requirement of the "
                   "definition (and optionally the lot scanned)"});
    return;
  }
  if (uses.size() > kMaxConsumableUses) {
    // Counted, not checked: the work and the message must not grow with the
    // request.
    out.push_back({list, absl::StrCat("has ", uses.size(), " entries; at most ", kMaxConsumableUses,
                                      " are allowed")});
    return;
  }
  const std::string type = absl::StrCat("treatment type '", definition.id(), "'");
  std::map<std::string, Requirement> requirements;
  std::vector<std::string> requirement_ids;
  std::vector<std::string> cartridge_ids;
  for (const v1::CartridgeRequirement& c : definition.cartridges()) {
    requirements.emplace(c.id(), Requirement{&c, nullptr});
    requirement_ids.push_back(c.id());
    cartridge_ids.push_back(c.id());
  }
  for (const v1::ConsumableRequirement& c : definition.consumables()) {
    requirements.emplace(c.id(), Requirement{nullptr, &c});
    requirement_ids.push_back(c.id());
  }
  // The record's areas that are areas of the protocol, in order: only they
  // are quoted, so no message repeats what the caller sent.
  std::set<std::string> protocol_areas;
  for (const v1::TreatmentArea& area : definition.protocol().areas()) {
    protocol_areas.insert(area.id());
  }
  std::set<std::string> treated;
  std::vector<std::string> treated_ids;
  for (const v1::TreatedArea& area : areas) {
    if (protocol_areas.count(area.area_id()) > 0 && treated.insert(area.area_id()).second) {
      treated_ids.push_back(area.area_id());
    }
  }

  bool every_requirement_known = true;
  bool any_cartridge = false;
  std::map<std::string, int> first_listed;  // requirement id + lot -> index
  for (int i = 0; i < uses.size(); ++i) {
    const v1::ConsumableUse& use = uses.Get(i);
    const std::string path = Indexed(list, i);

    const std::string requirement_field = Child(path, "requirement_id");
    const Requirement* requirement = nullptr;
    if (use.requirement_id().empty()) {
      out.push_back(
          {requirement_field, absl::StrCat("is required: the id of a cartridge or consumable of ",
                                           type, ListIfShort("requirements", requirement_ids))});
    } else if (const auto it = requirements.find(use.requirement_id()); it == requirements.end()) {
      out.push_back(
          {requirement_field, absl::StrCat(Quote(use.requirement_id(), kQuotedChars, '\''),
                                           " is not a cartridge or consumable of ", type,
                                           ListIfShort("requirements", requirement_ids))});
    } else {
      requirement = &it->second;
      any_cartridge = any_cartridge || requirement->cartridge != nullptr;
    }
    every_requirement_known = every_requirement_known && requirement != nullptr;

    // Optional: any product that fits the requirement is taken when empty;
    // when named, it is the scanned lot's, which Inventory checks fits.
    const absl::optional<ResourceName> product =
        use.product().empty()
            ? absl::nullopt
            : ParseName(storage::kProductName, use.product(), Child(path, "product"), out);
    if (product.has_value() && use.lot().empty()) {
      out.push_back({Child(path, "product"),
                     "is set without lot: name the lot scanned (the product is its product), or "
                     "leave both empty for any lot that fits the requirement"});
    }
    absl::optional<ResourceName> lot;
    const std::string lot_field = Child(path, "lot");
    // Inventory fills in the lot number from the lot it consumes.
    if (!use.lot_number().empty()) {
      out.push_back({Child(path, "lot_number"),
                     "is output only: Inventory fills it in from the lot it consumes; name the "
                     "lot scanned in lot, \"products/{product_id}/lots/{lot_id}\""});
    }
    if (!use.lot().empty()) {
      lot = ParseName(storage::kLotName, use.lot(), lot_field, out);
      if (lot.has_value() && product.has_value() &&
          lot->id("product_id") != product->id("product_id")) {
        out.push_back(
            {lot_field, absl::StrCat("is a lot of another product than ", use.product())});
      }
    }

    if (use.quantity() < 0 || use.quantity() > kMaxConsumableUseQuantity) {
      out.push_back({Child(path, "quantity"),
                     absl::StrCat(use.quantity(), " is outside 1 to ", kMaxConsumableUseQuantity,
                                  " units (or 0 for the requirement's quantity per session)")});
    }

    const std::vector<std::string> used_on =
        CheckUseAreas(use, definition.protocol().areas_size(), treated, treated_ids, path, out);
    if (requirement != nullptr && !requirement->area_ids().empty()) {
      const std::set<std::string> fits(requirement->area_ids().begin(),
                                       requirement->area_ids().end());
      for (const std::string& area_id : used_on) {
        if (fits.count(area_id) > 0) continue;
        out.push_back({requirement_field,
                       absl::StrCat("'", requirement->id(), "' is a ",
                                    requirement->cartridge != nullptr ? "cartridge" : "consumable",
                                    " for ", absl::StrJoin(requirement->area_ids(), ", "),
                                    ", not for area '", area_id, "'")});
      }
    }

    // Only well-formed names are compared, so a malformed one is reported
    // once, as malformed. Entries without a lot are each another unit of
    // whatever fits.
    if (requirement != nullptr && lot.has_value()) {
      if (const auto [first, inserted] =
              first_listed.emplace(absl::StrCat(requirement->id(), "\n", use.lot()), i);
          !inserted) {
        out.push_back({lot_field, absl::StrCat("the same lot is listed for '", requirement->id(),
                                               "' at ", Indexed(list, first->second),
                                               "; record the units there, in its quantity")});
      }
    }
  }
  if (every_requirement_known && !any_cartridge) {
    out.push_back({list, absl::StrCat("names no cartridge: every session of ", type, " uses one",
                                      ListIfShort("cartridges", cartridge_ids))});
  }
}

}  // namespace clinic::client_records
