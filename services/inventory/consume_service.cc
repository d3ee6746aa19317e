// Inventory's consumption RPCs: ConsumeStock (one thing) and
// ConsumeTreatmentStock (everything one treatment used, all or nothing).
// Both read what to consume the same way: a requirement of the loaded
// definition or a product, units, and optionally the lot scanned.
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/definition/definition_wording.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/inventory_service.h"
#include "services/inventory/inventory_validation.h"

namespace clinic::inventory {
namespace {

constexpr absl::string_view kDomain = "clinic.v1.Inventory";
constexpr size_t kMaxReferenceChars = 200;
constexpr size_t kMaxDeviceChars = 100;
constexpr int kMaxConsumeUnits = 100;
constexpr int kMaxTreatmentUses = 20;

// What to consume, as either request spells it.
struct Use {
  const v1::RequirementRef* requirement = nullptr;  // set when by requirement
  const std::string* product = nullptr;             // set when by product
  int32_t quantity = 0;
  const std::string& lot;
};

void Collect(const absl::Status& status, std::vector<FieldViolation>& out) {
  for (FieldViolation& v : GetFieldViolations(status)) out.push_back(std::move(v));
}

// Reads `use` (its fields under `prefix`, e.g. "uses[2]." or "") into
// `order`. Returns a status only for what is not a field's fault (a
// treatment type that is not loaded); field problems go to `violations`.
absl::Status ReadUse(const plugins::CatalogSnapshot& snapshot, const Use& use,
                     const std::string& prefix, ConsumeOrder& order,
                     std::vector<FieldViolation>& violations) {
  v1::Consumption& consumption = order.consumption;
  int64_t per_session = 0;
  if (use.quantity < 0 || use.quantity > kMaxConsumeUnits) {
    violations.push_back(
        {prefix + "quantity",
         absl::StrCat("must be 1 to ", kMaxConsumeUnits,
                      ", or 0 for the requirement's quantity; got ", use.quantity)});
  }
  if (!use.lot.empty()) {
    absl::StatusOr<ResourceName> lot = kLotName.Parse(use.lot, prefix + "lot");
    if (lot.ok()) {
      order.lot_product_id = lot->id("product_id");
      order.lot_id = lot->id("lot_id");
    } else {
      Collect(lot.status(), violations);
    }
  }
  if (use.requirement != nullptr) {
    const v1::RequirementRef& ref = *use.requirement;
    absl::StatusOr<ResourceName> type = plugins::kTreatmentTypeName.Parse(
        ref.treatment_type(), prefix + "requirement.treatment_type");
    if (!type.ok()) Collect(type.status(), violations);
    const std::string id_field = prefix + "requirement.requirement_id";
    if (ref.requirement_id().empty()) {
      violations.push_back(
          {id_field, "is required: a cartridge or consumable id of the definition"});
    } else if (!definition_wording::IsDefinitionId(ref.requirement_id())) {
      violations.push_back({id_field, absl::StrCat(Quote(ref.requirement_id()),
                                                   " is not an id as definitions write them")});
    }
    if (!type.ok() || !violations.empty()) return absl::OkStatus();
    const v1::TreatmentType* found = snapshot.Find(type->id("id"));
    if (found == nullptr) return plugins::TreatmentTypeNotLoaded(type->id("id"), kDomain);
    const v1::TreatmentDefinition& definition = found->definition();
    for (const v1::CartridgeRequirement& cartridge : definition.cartridges()) {
      if (cartridge.id() == ref.requirement_id()) order.need.cartridge = &cartridge;
    }
    for (const v1::ConsumableRequirement& consumable : definition.consumables()) {
      if (consumable.id() == ref.requirement_id()) order.need.consumable = &consumable;
    }
    if (order.need.cartridge != nullptr) {
      per_session = order.need.cartridge->quantity_per_session();
      consumption.set_lot_required(true);
    } else if (order.need.consumable != nullptr) {
      per_session = order.need.consumable->quantity_per_session();
      consumption.set_lot_required(order.need.consumable->lot_required());
    } else {
      violations.push_back({id_field, absl::StrCat(Quote(ref.requirement_id()),
                                                   " is not a cartridge or consumable of ",
                                                   definition.id(), " ", definition.version())});
      return absl::OkStatus();
    }
    *consumption.mutable_requirement() = ref;
    consumption.set_definition_version(definition.version());
  } else if (use.product != nullptr) {
    absl::StatusOr<ResourceName> product = kProductName.Parse(*use.product, prefix + "product");
    if (!product.ok()) {
      Collect(product.status(), violations);
      return absl::OkStatus();
    }
    order.need.product_id = product->id("product_id");
    consumption.set_lot_required(true);
    if (use.quantity == 0) {
      violations.push_back({prefix + "quantity", "is required when consuming a named product"});
    }
  } else {
    violations.push_back(
        {prefix + "requirement", "is required: name a requirement of the treatment, or a product"});
  }
  order.quantity = use.quantity > 0 ? use.quantity : per_session;
  return absl::OkStatus();
}

// The fields both requests share: the site, the treatment, the client, the
// device and the request id.
template <typename Request>
void CheckTreatmentFields(const config::Sites& sites, const Request& request,
                          std::vector<FieldViolation>& violations) {
  sites.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  ValidateText(request.treatment_reference(), "treatment_reference", /*required=*/true,
               kMaxReferenceChars, violations);
  ValidateText(request.device(), "device", /*required=*/false, kMaxDeviceChars, violations);
  absl::StatusOr<ResourceName> client = kClientName.Parse(request.client(), "client");
  if (!client.ok()) Collect(client.status(), violations);
  storage::CheckRequestId(request.request_id(), violations);
}

// The answer's fields that do not come from the allocation.
template <typename Request>
void Describe(const server::Call& call, const Request& request, absl::Time now,
              ConsumeOrder& order) {
  order.need.device = request.device();
  v1::Consumption& consumption = order.consumption;
  consumption.set_name(kConsumptionName.Format(request.site_id(), storage::NewId()));
  consumption.set_treatment_reference(request.treatment_reference());
  consumption.set_client(request.client());
  *consumption.mutable_create_time() = ToTimestampMillis(now);
  consumption.set_recorded_by(call.principal());
}

}  // namespace

absl::Status InventoryService::ConsumeStock(const server::Call& call,
                                            const v1::ConsumeStockRequest& request,
                                            v1::Consumption& response) {
  std::vector<FieldViolation> violations;
  CheckTreatmentFields(sites_, request, violations);
  // One snapshot for the call, so the requirement read and the version
  // recorded come from the same definition; it keeps `order.need`'s
  // pointers valid until the store is done.
  const auto snapshot = plugins_.Current();
  ConsumeOrder order;
  const Use use{
      request.what_case() == v1::ConsumeStockRequest::kRequirement ? &request.requirement()
                                                                   : nullptr,
      request.what_case() == v1::ConsumeStockRequest::kProduct ? &request.product() : nullptr,
      request.quantity(), request.lot()};
  if (absl::Status s = ReadUse(*snapshot, use, "", order, violations); !s.ok()) return s;
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  Describe(call, request, absl::Now(), order);
  absl::StatusOr<v1::Consumption> consumed = store_->Consume(request, call.request_scope(), order);
  if (!consumed.ok()) return consumed.status();
  response = *std::move(consumed);
  return absl::OkStatus();
}

absl::Status InventoryService::ConsumeTreatmentStock(
    const server::Call& call, const v1::ConsumeTreatmentStockRequest& request,
    v1::TreatmentConsumption& response) {
  std::vector<FieldViolation> violations;
  CheckTreatmentFields(sites_, request, violations);
  if (request.uses().empty()) {
    violations.push_back({"uses", "at least one is required: what the treatment used"});
  } else if (request.uses_size() > kMaxTreatmentUses) {
    // Counted, not read: the work and the answer must not grow with the
    // request.
    violations.push_back({"uses", absl::StrCat("has ", request.uses_size(), " entries; at most ",
                                               kMaxTreatmentUses, " are allowed")});
    return Violations(violations);
  }
  const auto snapshot = plugins_.Current();
  const absl::Time now = absl::Now();
  std::vector<ConsumeOrder> orders(request.uses_size());
  for (int i = 0; i < request.uses_size(); ++i) {
    const v1::StockUse& in = request.uses(i);
    const Use use{in.what_case() == v1::StockUse::kRequirement ? &in.requirement() : nullptr,
                  in.what_case() == v1::StockUse::kProduct ? &in.product() : nullptr, in.quantity(),
                  in.lot()};
    if (absl::Status s =
            ReadUse(*snapshot, use, absl::StrCat("uses[", i, "]."), orders[i], violations);
        !s.ok()) {
      return s;
    }
    Describe(call, request, now, orders[i]);
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::TreatmentConsumption> consumed =
      store_->ConsumeForTreatment(request, call.request_scope(), orders);
  if (!consumed.ok()) return consumed.status();
  response = *std::move(consumed);
  return absl::OkStatus();
}

}  // namespace clinic::inventory
