// CreateTreatmentRecord: the treatment flow across the services
// (docs/treatment-flow.md). The checks run in the order the contract states
// and refuse before anything is consumed or written; Inventory consumes
// everything at once; the record and its charge are written in one local
// transaction, and the charge goes to Billing afterwards from the outbox.
// Each call to another service carries a request id derived from the
// caller's, so a retried request consumes once, records once and charges
// once.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/billing.grpc.pb.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "common/auth/authorizer.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/plugins/plugin_host.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "services/client_records/client_records_names.h"
#include "services/client_records/client_records_service.h"
#include "services/client_records/client_validation.h"
#include "services/client_records/treatment_validation.h"

namespace clinic::client_records {
namespace {

constexpr absl::string_view kDomain = "clinic.v1.ClientRecords";
constexpr size_t kMaxDeviceChars = 100;
constexpr size_t kMaxOverrideReasonChars = 1000;
// Findings quoted in a NOT_ELIGIBLE message; the rest are counted.
constexpr int kQuotedFindings = 3;

absl::Status Refused(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::FailedPreconditionError(message), reason, kDomain);
}

std::string DayText(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// Whether the person the call is for may override a course interval at
// `site_id`: their own roles, and when a service acts for them, the
// service's on_behalf grants too (auth/authorizer.h).
bool MayOverrideInterval(const server::Call& call, absl::string_view site_id) {
  const auth::Identity& who = call.identity();
  constexpr v1::Permission kOverride = v1::PERMISSION_TREATMENT_INTERVAL_OVERRIDE;
  if (!auth::Holds(who.effective().roles(), kOverride, site_id, /*chain_wide=*/false)) return false;
  return !who.on_behalf_of ||
         auth::HoldsOnBehalf(who.principal.roles(), kOverride, site_id, /*chain_wide=*/false);
}

}  // namespace

absl::Status ClientRecordsService::CreateTreatmentRecord(
    const server::Call& call, const v1::CreateTreatmentRecordRequest& request,
    v1::TreatmentRecord& response) {
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  const std::string& client_id = parent->id("client_id");
  const absl::Time now = absl::Now();
  const v1::TreatmentRecord& in = request.treatment_record();
  // The definition is read once; the snapshot keeps it stable while checked.
  const auto catalog = plugins_.Current();
  const v1::TreatmentType* type =
      in.treatment_type_id().empty() ? nullptr : catalog->Find(in.treatment_type_id());
  std::vector<FieldViolation> violations;
  if (in.treatment_type_id().empty()) {
    violations.push_back({"treatment_record.treatment_type_id", "is required"});
  } else if (type == nullptr) {
    violations.push_back(
        {"treatment_record.treatment_type_id",
         absl::StrCat("treatment type '", in.treatment_type_id(), "' is not loaded")});
  }
  sites_.CheckSite(in.site_id(), "treatment_record.site_id", /*required=*/true, violations);
  ValidateText(in.practitioner(), "treatment_record.practitioner", true, 200, violations);
  CheckEventTime(in.perform_time(), in.has_perform_time(), /*required=*/true, now,
                 "treatment_record.perform_time", violations);
  if (type != nullptr) {
    ValidateTreatedAreas(type->definition(), in.areas(), "treatment_record.areas", violations);
    ValidateConsumableUses(type->definition(), in.consumables(), in.areas(),
                           "treatment_record.consumables", violations);
  }
  // The single cartridge is how records charted before consumables read;
  // taking it now would chart a cartridge without its product and lot.
  if (in.has_cartridge()) {
    std::vector<absl::string_view> set;
    if (!in.cartridge().product().empty()) set.push_back("product");
    if (!in.cartridge().lot_number().empty()) set.push_back("lot_number");
    if (!in.cartridge().requirement_id().empty()) set.push_back("requirement_id");
    violations.push_back(
        {"treatment_record.cartridge",
         absl::StrCat(
             "is only on records charted before consumables existed",
             set.empty() ? "" : absl::StrCat(" (this one sets ", absl::StrJoin(set, ", "), ")"),
             "; list the cartridge in consumables, by its requirement")});
  }
  ValidateText(in.device(), "treatment_record.device", false, kMaxDeviceChars, violations);
  ValidateText(in.interval_override_reason(), "treatment_record.interval_override_reason", false,
               kMaxOverrideReasonChars, violations);
  ValidateText(in.notes(), "treatment_record.notes", false, 10000, violations);
  ValidateAdverseEvents(in.adverse_events(), now, "treatment_record.adverse_events", violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;

  // A retry of a request that was recorded answers with the record, and
  // asks no other service anything.
  absl::StatusOr<absl::optional<v1::TreatmentRecord>> done =
      store_->FindCreatedRecord(request, call.request_scope());
  if (!done.ok()) return done.status();
  if (done->has_value()) {
    response = **std::move(done);
    return absl::OkStatus();
  }

  // Named by the request alone, so a retry after Inventory consumed names
  // the same record, and Inventory's replay matches.
  const std::string scope = call.request_scope();
  const std::string record_id = storage::DerivedId(FromTimestamp(in.perform_time()),
                                                   absl::StrCat(scope, "\n", request.request_id()));
  const std::string record_name = kTreatmentRecordName.Format(client_id, record_id);

  const v1::TreatmentDefinition& definition = type->definition();
  absl::StatusOr<v1::Eligibility> eligibility = CheckEligibility(call, client_id, in);
  if (!eligibility.ok()) return eligibility.status();
  if (absl::Status s = CheckConsent(client_id, in); !s.ok()) return s;
  if (absl::Status s = CheckInterval(call, client_id, record_name, definition, in); !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::TreatmentConsumption> consumed =
      Consume(call, client_id, record_name, request);
  if (!consumed.ok()) return consumed.status();

  v1::TreatmentRecord record = in;
  record.set_name(record_name);
  record.set_definition_version(definition.version());
  record.set_screening(eligibility->screening());
  // Output only: what the caller sent there is not the record's.
  record.clear_addenda();
  record.clear_charge();
  record.clear_lot_recalls();
  record.clear_consumables();
  for (int i = 0; i < in.consumables_size(); ++i) {
    const v1::ConsumableUse& asked = in.consumables(i);
    for (const v1::Allocation& allocation : consumed->consumptions(i).allocations()) {
      v1::ConsumableUse& use = *record.add_consumables();
      use.set_product(allocation.product());
      use.set_lot(allocation.lot());
      use.set_lot_number(allocation.lot_number());
      use.set_quantity(static_cast<int32_t>(allocation.quantity()));
      use.set_requirement_id(asked.requirement_id());
      use.mutable_area_ids()->CopyFrom(asked.area_ids());
    }
  }
  record.set_recorded_by(call.principal());
  *record.mutable_create_time() = ToTimestamp(now);

  v1::ChargeTreatmentRequest charge;
  charge.set_site_id(in.site_id());
  charge.set_treatment_record(record_name);
  charge.set_treatment_type_id(in.treatment_type_id());
  for (const v1::TreatedArea& area : in.areas()) charge.add_area_ids(area.area_id());
  charge.set_request_id(storage::DerivedRequestId(scope, request.request_id(), "charge"));
  storage::OutboxEntry entry;
  entry.kind = kChargeOutboxKind;
  entry.subject = record_name;
  entry.acting_for = call.principal();
  entry.request_id = call.request_id();
  entry.payload = charge.SerializeAsString();
  entry.create_time = now;

  absl::StatusOr<v1::TreatmentRecord> stored =
      store_->CreateTreatmentRecord(request, scope, client_id, record_id, record, entry);
  if (!stored.ok()) return stored.status();
  response = *std::move(stored);
  return absl::OkStatus();
}

absl::StatusOr<v1::Eligibility> ClientRecordsService::CheckEligibility(
    const server::Call& call, const std::string& client_id, const v1::TreatmentRecord& record) {
  v1::CheckEligibilityRequest request;
  request.set_client(kClientName.Format(client_id));
  request.set_treatment_type(plugins::kTreatmentTypeName.Format(record.treatment_type_id()));
  request.set_site_id(record.site_id());
  for (const v1::TreatedArea& area : record.areas()) request.add_area_ids(area.area_id());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = screening_.channel();
  if (!channel.ok()) return channel.status();
  grpc::ClientContext context;
  screening_.Prepare(context, call);
  v1::Eligibility eligibility;
  grpc::Status status =
      v1::Screening::NewStub(*channel)->CheckEligibility(&context, request, &eligibility);
  if (!status.ok()) return server::UpstreamError(screening_, "checking eligibility", status);

  const std::string treatment = absl::StrCat(record.treatment_type_id(), " at ", record.site_id());
  if (!eligibility.eligible()) {
    std::vector<std::string> said;
    for (const v1::EligibilityFinding& finding : eligibility.reasons()) {
      if (static_cast<int>(said.size()) == kQuotedFindings) break;
      said.push_back(Truncate(finding.message(), 300));
    }
    std::string message =
        absl::StrCat("the client is not eligible for ", treatment, ": ", absl::StrJoin(said, "; "));
    if (eligibility.reasons_size() > kQuotedFindings) {
      absl::StrAppend(&message, " (and ", eligibility.reasons_size() - kQuotedFindings,
                      " more reasons: CheckEligibility lists them)");
    }
    return Refused("NOT_ELIGIBLE", message);
  }
  for (const v1::TreatedArea& area : record.areas()) {
    for (const v1::DepthLimit& limit : eligibility.depth_limits()) {
      if (limit.area_id() != area.area_id() || area.needle_depth_um() <= limit.max_depth_um()) {
        continue;
      }
      return Refused(
          "DEPTH_OVER_LIMIT",
          absl::StrCat(area.needle_depth_um(), " um on '", area.area_id(), "' is deeper than the ",
                       limit.max_depth_um(), " um this client's screening allows there (",
                       absl::StrJoin(limit.sources(), ", "), ")"));
    }
  }
  return eligibility;
}

absl::Status ClientRecordsService::CheckConsent(const std::string& client_id,
                                                const v1::TreatmentRecord& record) {
  absl::StatusOr<ClientRecordsStore::ConsentOnFile> consent =
      store_->FindConsent(client_id, record.treatment_type_id());
  if (!consent.ok()) return consent.status();
  if (consent->active.has_value()) return absl::OkStatus();
  if (consent->withdrawn.has_value()) {
    return Refused("CONSENT_MISSING",
                   absl::StrCat("the client withdrew their consent to ", record.treatment_type_id(),
                                " (", consent->withdrawn->name(),
                                "); record a new consent (RecordConsent) before treating"));
  }
  return Refused("CONSENT_MISSING",
                 absl::StrCat("no consent to ", record.treatment_type_id(),
                              " is on file for the client; record it (RecordConsent) first"));
}

absl::Status ClientRecordsService::CheckInterval(const server::Call& call,
                                                 const std::string& client_id,
                                                 const std::string& record_name,
                                                 const v1::TreatmentDefinition& definition,
                                                 const v1::TreatmentRecord& record) {
  const int min_days = definition.protocol().course().min_interval_days();
  if (min_days <= 0) return absl::OkStatus();
  const absl::Time at = FromTimestamp(record.perform_time());
  const absl::TimeZone zone = sites_.ZoneOf(record.site_id());
  // Days count at the site's calendar: a session on the 1st and one on the
  // 29th are 28 days apart whatever the hours.
  const absl::CivilDay day = absl::ToCivilDay(at, zone);
  const absl::Duration margin = absl::Hours(24 * (min_days + 1));
  absl::StatusOr<std::vector<v1::TreatmentRecord>> near = store_->SessionsBetween(
      client_id, record.treatment_type_id(), at - margin, at + margin, /*limit=*/8);
  if (!near.ok()) return near.status();
  const v1::TreatmentRecord* closest = nullptr;
  int64_t closest_days = 0;
  for (const v1::TreatmentRecord& other : *near) {
    // This request's own record, written by a twin of this call still in
    // flight when this one checked for it (a caller that gave up and
    // retried): it is the same session, not an earlier one.
    if (other.name() == record_name) continue;
    const int64_t days =
        std::abs(day - absl::ToCivilDay(FromTimestamp(other.perform_time()), zone));
    if (days < min_days && (closest == nullptr || days < closest_days)) {
      closest = &other;
      closest_days = days;
    }
  }
  if (closest == nullptr) return absl::OkStatus();
  if (!record.interval_override_reason().empty()) {
    if (MayOverrideInterval(call, record.site_id())) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(
        call.principal(), " may not override the ", min_days, "-day interval of ", definition.id(),
        " at site ", record.site_id(),
        ": that needs PERMISSION_TREATMENT_INTERVAL_OVERRIDE (practitioners hold it)"));
  }
  const absl::CivilDay other_day = absl::ToCivilDay(FromTimestamp(closest->perform_time()), zone);
  std::string message = absl::StrCat(
      "the client had a ", definition.id(), " session on ", DayText(other_day), " (",
      closest->name(), "), ", closest_days, " days ", other_day <= day ? "before" : "after",
      " this one; the course needs at least ", min_days, " days between sessions");
  if (other_day <= day)
    absl::StrAppend(&message, ", so the next from ", DayText(other_day + min_days));
  absl::StrAppend(&message,
                  ". To treat anyway, give interval_override_reason (needs "
                  "PERMISSION_TREATMENT_INTERVAL_OVERRIDE)");
  return Refused("INTERVAL_TOO_SHORT", message);
}

absl::StatusOr<v1::TreatmentConsumption> ClientRecordsService::Consume(
    const server::Call& call, const std::string& client_id, const std::string& record_name,
    const v1::CreateTreatmentRecordRequest& request) {
  const v1::TreatmentRecord& in = request.treatment_record();
  v1::ConsumeTreatmentStockRequest consume;
  consume.set_site_id(in.site_id());
  consume.set_device(in.device());
  consume.set_treatment_reference(record_name);
  consume.set_client(kClientName.Format(client_id));
  consume.set_request_id(
      storage::DerivedRequestId(call.request_scope(), request.request_id(), "consume"));
  for (const v1::ConsumableUse& use : in.consumables()) {
    v1::StockUse& out = *consume.add_uses();
    // Always by requirement, so Inventory checks that what it takes (or
    // the lot scanned) fits it; a product the caller named is the lot's
    // (checked with the request).
    out.mutable_requirement()->set_treatment_type(
        plugins::kTreatmentTypeName.Format(in.treatment_type_id()));
    out.mutable_requirement()->set_requirement_id(use.requirement_id());
    out.set_quantity(use.quantity());
    out.set_lot(use.lot());
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = inventory_.channel();
  if (!channel.ok()) return channel.status();
  grpc::ClientContext context;
  inventory_.Prepare(context, call);
  v1::TreatmentConsumption consumed;
  grpc::Status status =
      v1::Inventory::NewStub(*channel)->ConsumeTreatmentStock(&context, consume, &consumed);
  if (!status.ok()) {
    return server::UpstreamError(inventory_, "consuming what the treatment used", status);
  }
  if (consumed.consumptions_size() != in.consumables_size()) {
    return absl::InternalError(absl::StrCat("Inventory answered ", consumed.consumptions_size(),
                                            " consumptions for ", in.consumables_size(), " uses"));
  }
  return consumed;
}

storage::DeliveryOutcome ClientRecordsService::DeliverCharge(
    const storage::OutboxEntry& entry) const {
  v1::ChargeTreatmentRequest request;
  if (!request.ParseFromString(entry.payload)) {
    return {false, "the stored charge could not be read"};
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = billing_.channel();
  if (!channel.ok()) return {false, std::string(channel.status().message())};
  grpc::ClientContext context;
  billing_.Prepare(context, entry.acting_for, entry.request_id);
  v1::TreatmentCharge charge;
  grpc::Status status = v1::Billing::NewStub(*channel)->ChargeTreatment(&context, request, &charge);
  if (status.ok()) return {true, charge.name()};
  const absl::Status refused = server::UpstreamError(billing_, "charging the treatment", status);
  // Charged by another request (by hand at the desk): the work is done.
  if (GetReason(refused) == "ALREADY_CHARGED") return {true, ""};
  return server::FailedDelivery(refused);
}

}  // namespace clinic::client_records
