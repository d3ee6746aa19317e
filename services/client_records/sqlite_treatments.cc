// What the treatment flow reads and writes besides the chart itself
// (sqlite_chart.cc): whether a request was done before, the consent on
// file, the sessions near a new one, and the record written together with
// its charge in the outbox, which a worker then delivers to Billing.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "services/client_records/client_records_names.h"
#include "services/client_records/sqlite_store.h"

namespace clinic::client_records {
namespace {

using storage::Connection;

constexpr char kCreateRecordMethod[] = "clinic.v1.ClientRecords/CreateTreatmentRecord";

constexpr char kInsertRecordSql[] =
    "INSERT INTO treatment_records (record_id, client_id, treatment_type_id, site_id, lot_number, "
    "perform_ms, data) VALUES (?, ?, ?, ?, ?, ?, ?)";
// A client has a handful of consents; each is read to find its type.
constexpr char kConsentsOfClientSql[] =
    "SELECT data FROM consents WHERE client_id = ? ORDER BY consent_id DESC";
constexpr char kSessionsBetweenSql[] =
    "SELECT data FROM treatment_records WHERE client_id = ? AND perform_ms BETWEEN ? AND ? "
    "AND treatment_type_id = ? ORDER BY perform_ms DESC, record_id DESC LIMIT ?";

}  // namespace

absl::Status FillCharge(Connection& connection, v1::TreatmentRecord& record) {
  absl::StatusOr<absl::optional<storage::OutboxEntry>> entry =
      storage::FindOutboxEntry(connection, kChargeOutboxKind, record.name());
  if (!entry.ok()) return entry.status();
  record.clear_charge();
  if (!entry->has_value()) return absl::OkStatus();
  const storage::OutboxEntry& charge = **entry;
  v1::ChargeDelivery& out = *record.mutable_charge();
  out.set_attempts(charge.attempts);
  if (charge.deliver_time.has_value()) {
    out.set_state(v1::CHARGE_DELIVERY_STATE_CHARGED);
    out.set_treatment_charge(charge.result);
    *out.mutable_deliver_time() = ToTimestamp(*charge.deliver_time);
  } else {
    out.set_state(v1::CHARGE_DELIVERY_STATE_PENDING);
    out.set_last_error(charge.last_error);
    *out.mutable_next_attempt_time() = ToTimestamp(charge.next_attempt_time);
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::optional<v1::TreatmentRecord>> SqliteClientRecordsStore::FindCreatedRecord(
    const v1::CreateTreatmentRecordRequest& request, const std::string& caller) {
  v1::TreatmentRecord record;
  absl::StatusOr<bool> done = storage::DoneBefore(*db_, kCreateRecordMethod, caller,
                                                  request.request_id(), request, &record);
  if (!done.ok()) return done.status();
  if (!*done) return absl::nullopt;
  // The remembered answer is the record as first written; the charge has
  // moved on since.
  absl::Status status = db_->Read(
      [&](Connection& connection) -> absl::Status { return FillCharge(connection, record); });
  if (!status.ok()) return status;
  return record;
}

absl::StatusOr<ClientRecordsStore::ConsentOnFile> SqliteClientRecordsStore::FindConsent(
    const std::string& client_id, const std::string& treatment_type_id) {
  ConsentOnFile found;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
    SQLite::Statement& select = connection.Prepare(kConsentsOfClientSql);
    select.bind(1, client_id);
    while (select.executeStep()) {
      v1::Consent consent;
      if (absl::Status s = ParseStored(select.getColumn(0), consent, "consent"); !s.ok()) return s;
      if (consent.treatment_type_id() != treatment_type_id) continue;
      if (consent.state() == v1::CONSENT_STATE_ACTIVE) {
        found.active = std::move(consent);
        break;
      }
      if (!found.withdrawn.has_value()) found.withdrawn = std::move(consent);
    }
    select.reset();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<v1::TreatmentRecord>> SqliteClientRecordsStore::SessionsBetween(
    const std::string& client_id, const std::string& treatment_type_id, absl::Time from,
    absl::Time to, int limit) {
  std::vector<v1::TreatmentRecord> sessions;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSessionsBetweenSql);
    select.bind(1, client_id);
    select.bind(2, static_cast<int64_t>(absl::ToUnixMillis(from)));
    select.bind(3, static_cast<int64_t>(absl::ToUnixMillis(to)));
    select.bind(4, treatment_type_id);
    select.bind(5, limit);
    while (select.executeStep()) {
      v1::TreatmentRecord record;
      if (absl::Status s = ParseStored(select.getColumn(0), record, "treatment record"); !s.ok()) {
        return s;
      }
      sessions.push_back(std::move(record));
    }
    select.reset();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return sessions;
}

absl::StatusOr<v1::TreatmentRecord> SqliteClientRecordsStore::CreateTreatmentRecord(
    const v1::CreateTreatmentRecordRequest& request, const std::string& caller,
    const std::string& client_id, const std::string& record_id, const v1::TreatmentRecord& record,
    const storage::OutboxEntry& charge) {
  v1::TreatmentRecord stored;
  absl::Status status = storage::WriteOnce(
      *db_, kCreateRecordMethod, caller, request.request_id(), request, &stored,
      [&](Connection& connection) -> absl::Status {
        if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
        SQLite::Statement& insert = connection.Prepare(kInsertRecordSql);
        insert.bind(1, record_id);
        insert.bind(2, client_id);
        insert.bind(3, record.treatment_type_id());
        insert.bind(4, record.site_id());
        // The lot of the one cartridge records charted before consumables
        // name; new records leave it empty. Lots are traced by Inventory
        // (docs/decisions/0012-recall-trace-owner.md), not from this column.
        insert.bind(5, record.cartridge().lot_number());
        insert.bind(6, static_cast<int64_t>(TimestampToUnixMillis(record.perform_time())));
        storage::BindBlob(insert, 7, record.SerializeAsString());
        insert.exec();
        absl::StatusOr<int64_t> entry = storage::EnqueueOutbox(connection, charge);
        if (!entry.ok()) return entry.status();
        stored = record;
        return FillCharge(connection, stored);
      });
  if (!status.ok()) return status;
  if (charges_ != nullptr) charges_->Wake();
  return stored;
}

void SqliteClientRecordsStore::StartChargeDelivery(storage::OutboxWorker::Deliver deliver,
                                                   storage::OutboxWorker::Retry retry) {
  charges_ = std::make_unique<storage::OutboxWorker>(*db_, std::move(deliver), retry);
}

void SqliteClientRecordsStore::StopChargeDelivery() {
  if (charges_ != nullptr) charges_->Stop();
}

}  // namespace clinic::client_records
