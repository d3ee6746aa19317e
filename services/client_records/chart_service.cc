// The chart RPCs of ClientRecords: medical history, consents, treatment
// records (CreateTreatmentRecord, the treatment flow, is in
// treatment_service.cc) and the recall notices Inventory delivers. See
// client_records_service.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/server/principal.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/inventory_names.h"
#include "services/client_records/client_records_names.h"
#include "services/client_records/client_records_service.h"
#include "services/client_records/client_validation.h"
#include "services/client_records/treatment_validation.h"

namespace clinic::client_records {
namespace {

void AddRequestId(absl::string_view request_id, std::vector<FieldViolation>& out) {
  if (absl::Status s = storage::ValidateRequestId(request_id, true); !s.ok()) {
    for (FieldViolation& v : GetFieldViolations(s)) out.push_back(std::move(v));
  }
}

}  // namespace

absl::Status ClientRecordsService::GetMedicalHistory(const server::Call& /*call*/,
                                                     const v1::GetMedicalHistoryRequest& request,
                                                     v1::MedicalHistory& response) {
  absl::StatusOr<ResourceName> name = kMedicalHistoryName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  if (request.version() < 0) {
    return InvalidField("version", "must not be negative (0 means current)");
  }
  absl::StatusOr<v1::MedicalHistory> history =
      store_->GetMedicalHistory(name->id("client_id"), request.version());
  if (history.ok()) response = std::move(*history);
  return history.status();
}

absl::Status ClientRecordsService::UpdateMedicalHistory(
    const server::Call& call, const v1::UpdateMedicalHistoryRequest& request,
    v1::MedicalHistory& response) {
  const v1::MedicalHistory& in = request.medical_history();
  absl::StatusOr<ResourceName> name = kMedicalHistoryName.Parse(in.name(), "medical_history.name");
  if (!name.ok()) return name.status();
  std::vector<FieldViolation> violations;
  ValidateMedicalFacts(in.facts(), "medical_history.facts", violations);
  ValidateText(in.notes(), "medical_history.notes", false, 5000, violations);
  AddRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;

  v1::MedicalHistory history;
  history.mutable_facts()->CopyFrom(in.facts());
  std::sort(history.mutable_facts()->begin(), history.mutable_facts()->end(),
            [](const v1::MedicalFactEntry& a, const v1::MedicalFactEntry& b) {
              return a.fact() < b.fact();
            });
  history.set_notes(in.notes());
  history.set_recorded_by(call.principal());
  *history.mutable_record_time() = ToTimestamp(absl::Now());
  absl::StatusOr<v1::MedicalHistory> stored = store_->AppendMedicalHistory(
      request, call.request_scope(), name->id("client_id"), std::move(history));
  if (stored.ok()) response = std::move(*stored);
  return stored.status();
}

absl::Status ClientRecordsService::ListMedicalHistoryVersions(
    const server::Call& /*call*/, const v1::ListMedicalHistoryVersionsRequest& request,
    v1::ListMedicalHistoryVersionsResponse& response) {
  absl::StatusOr<ResourceName> name = kMedicalHistoryName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::ListMedicalHistoryVersionsResponse> listed =
      store_->ListMedicalHistoryVersions(name->id("client_id"), request);
  if (listed.ok()) response = std::move(*listed);
  return listed.status();
}

absl::Status ClientRecordsService::RecordConsent(const server::Call& call,
                                                 const v1::RecordConsentRequest& request,
                                                 v1::Consent& response) {
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  const std::string& client_id = parent->id("client_id");
  const absl::Time now = absl::Now();
  const v1::Consent& in = request.consent();
  std::vector<FieldViolation> violations;
  if (in.treatment_type_id().empty()) {
    violations.push_back({"consent.treatment_type_id", "is required"});
  } else if (plugins_.Current()->Find(in.treatment_type_id()) == nullptr) {
    violations.push_back(
        {"consent.treatment_type_id",
         absl::StrCat("treatment type '", in.treatment_type_id(), "' is not loaded")});
  }
  ValidateText(in.form_version(), "consent.form_version", true, 64, violations);
  CheckEventTime(in.sign_time(), in.has_sign_time(), /*required=*/true, now, "consent.sign_time",
                 violations);
  sites_.CheckSite(in.site_id(), "consent.site_id", /*required=*/true, violations);
  ValidateText(in.witness(), "consent.witness", false, 200, violations);
  AddRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;

  const std::string consent_id = storage::NewId();
  v1::Consent consent;
  consent.set_name(kConsentName.Format(client_id, consent_id));
  consent.set_treatment_type_id(in.treatment_type_id());
  consent.set_form_version(in.form_version());
  *consent.mutable_sign_time() = in.sign_time();
  consent.set_site_id(in.site_id());
  consent.set_witness(in.witness());
  consent.set_state(v1::CONSENT_STATE_ACTIVE);
  consent.set_recorded_by(call.principal());
  absl::StatusOr<v1::Consent> stored =
      store_->RecordConsent(request, call.request_scope(), client_id, consent_id, consent);
  if (stored.ok()) response = std::move(*stored);
  return stored.status();
}

absl::Status ClientRecordsService::WithdrawConsent(const server::Call& call,
                                                   const v1::WithdrawConsentRequest& request,
                                                   v1::Consent& response) {
  absl::StatusOr<ResourceName> name = kConsentName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  std::vector<FieldViolation> violations;
  ValidateText(request.reason(), "reason", true, 500, violations);
  AddRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Consent> withdrawn = store_->WithdrawConsent(
      request, call.request_scope(), name->id("client_id"), name->id("id"), absl::Now());
  if (withdrawn.ok()) response = std::move(*withdrawn);
  return withdrawn.status();
}

absl::Status ClientRecordsService::ListConsents(const server::Call& /*call*/,
                                                const v1::ListConsentsRequest& request,
                                                v1::ListConsentsResponse& response) {
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  absl::StatusOr<v1::ListConsentsResponse> listed =
      store_->ListConsents(parent->id("client_id"), request);
  if (listed.ok()) response = std::move(*listed);
  return listed.status();
}

absl::Status ClientRecordsService::GetTreatmentRecord(const server::Call& /*call*/,
                                                      const v1::GetTreatmentRecordRequest& request,
                                                      v1::TreatmentRecord& response) {
  absl::StatusOr<ResourceName> name = kTreatmentRecordName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::TreatmentRecord> record =
      store_->GetTreatmentRecord(name->id("client_id"), name->id("id"));
  if (record.ok()) response = std::move(*record);
  return record.status();
}

absl::Status ClientRecordsService::ListTreatmentRecords(
    const server::Call& /*call*/, const v1::ListTreatmentRecordsRequest& request,
    v1::ListTreatmentRecordsResponse& response) {
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  absl::StatusOr<v1::ListTreatmentRecordsResponse> listed =
      store_->ListTreatmentRecords(parent->id("client_id"), request);
  if (listed.ok()) response = std::move(*listed);
  return listed.status();
}

absl::Status ClientRecordsService::AddTreatmentRecordAddendum(
    const server::Call& call, const v1::AddTreatmentRecordAddendumRequest& request,
    v1::TreatmentRecord& response) {
  absl::StatusOr<ResourceName> name = kTreatmentRecordName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  const absl::Time now = absl::Now();
  std::vector<FieldViolation> violations;
  ValidateText(request.addendum().text(), "addendum.text", true, 10000, violations);
  ValidateAdverseEvents(request.addendum().adverse_events(), now, "addendum.adverse_events",
                        violations);
  AddRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  v1::Addendum addendum;
  addendum.set_text(request.addendum().text());
  addendum.mutable_adverse_events()->CopyFrom(request.addendum().adverse_events());
  addendum.set_author(call.principal());
  *addendum.mutable_create_time() = ToTimestamp(now);
  absl::StatusOr<v1::TreatmentRecord> record = store_->AddAddendum(
      request, call.request_scope(), name->id("client_id"), name->id("id"), addendum);
  if (record.ok()) response = std::move(*record);
  return record.status();
}

absl::Status ClientRecordsService::RecordLotRecall(const server::Call& call,
                                                   const v1::RecordLotRecallRequest& request,
                                                   v1::LotRecallNotice& response) {
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  const std::string& client_id = parent->id("client_id");
  const absl::Time now = absl::Now();
  const v1::LotRecallNotice& in = request.notice();
  std::vector<FieldViolation> violations;
  std::string product;
  if (in.lot().empty()) {
    violations.push_back({"notice.lot", "is required: the lot recalled"});
  } else if (absl::StatusOr<ResourceName> lot = storage::kLotName.Parse(in.lot(), "notice.lot");
             lot.ok()) {
    product = storage::kProductName.Format(lot->id("product_id"));
  } else {
    for (FieldViolation& v : GetFieldViolations(lot.status())) violations.push_back(std::move(v));
  }
  ValidateText(in.lot_number(), "notice.lot_number", true, 100, violations);
  ValidateText(in.reason(), "notice.reason", true, 500, violations);
  CheckEventTime(in.recall_time(), in.has_recall_time(), /*required=*/true, now,
                 "notice.recall_time", violations);
  ValidateText(in.treatment_reference(), "notice.treatment_reference", true, 200, violations);
  sites_.CheckSite(in.site_id(), "notice.site_id", /*required=*/true, violations);
  CheckEventTime(in.consume_time(), in.has_consume_time(), /*required=*/true, now,
                 "notice.consume_time", violations);
  if (in.quantity() < 1 || in.quantity() > 100000) {
    violations.push_back({"notice.quantity", "must be 1 to 100,000 units"});
  }
  AddRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;

  // A use recorded for a treatment names its record; the store links the
  // notice to it when it is this client's and exists.
  std::string referenced_record_id;
  if (absl::StatusOr<ResourceName> record =
          kTreatmentRecordName.Parse(in.treatment_reference(), "notice.treatment_reference");
      record.ok() && record->id("client_id") == client_id) {
    referenced_record_id = record->id("id");
  }
  const std::string notice_id = storage::NewId();
  v1::LotRecallNotice notice;
  notice.set_name(kLotRecallNoticeName.Format(client_id, notice_id));
  notice.set_lot(in.lot());
  notice.set_lot_number(in.lot_number());
  notice.set_product(product);
  notice.set_reason(in.reason());
  *notice.mutable_recall_time() = in.recall_time();
  notice.set_recalled_by(call.principal());
  notice.set_treatment_reference(in.treatment_reference());
  notice.set_site_id(in.site_id());
  *notice.mutable_consume_time() = in.consume_time();
  notice.set_quantity(in.quantity());
  *notice.mutable_create_time() = ToTimestamp(now);
  absl::StatusOr<v1::LotRecallNotice> stored = store_->RecordLotRecall(
      request, call.request_scope(), client_id, notice_id, referenced_record_id, notice);
  if (stored.ok()) response = std::move(*stored);
  return stored.status();
}

absl::Status ClientRecordsService::ListLotRecallNotices(
    const server::Call& /*call*/, const v1::ListLotRecallNoticesRequest& request,
    v1::ListLotRecallNoticesResponse& response) {
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  absl::StatusOr<v1::ListLotRecallNoticesResponse> listed =
      store_->ListLotRecallNotices(parent->id("client_id"), request);
  if (listed.ok()) response = std::move(*listed);
  return listed.status();
}

}  // namespace clinic::client_records
