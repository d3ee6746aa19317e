// The chart in SQLite: medical history versions, consents, treatment records
// with their addenda, and recall notices. See sqlite_store.h.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "services/client_records/client_records_names.h"
#include "services/client_records/sqlite_store.h"

namespace clinic::client_records {
namespace {

using storage::Connection;

constexpr char kUpdateHistoryMethod[] = "clinic.v1.ClientRecords/UpdateMedicalHistory";
constexpr char kRecordConsentMethod[] = "clinic.v1.ClientRecords/RecordConsent";
constexpr char kWithdrawConsentMethod[] = "clinic.v1.ClientRecords/WithdrawConsent";
constexpr char kAddAddendumMethod[] = "clinic.v1.ClientRecords/AddTreatmentRecordAddendum";
constexpr char kRecordLotRecallMethod[] = "clinic.v1.ClientRecords/RecordLotRecall";

constexpr char kLatestHistorySql[] =
    "SELECT data, version FROM medical_history WHERE client_id = ? ORDER BY version DESC LIMIT 1";
constexpr char kHistoryVersionSql[] =
    "SELECT data, version FROM medical_history WHERE client_id = ? AND version = ?";
constexpr char kInsertHistorySql[] =
    "INSERT INTO medical_history (client_id, version, record_ms, data) VALUES (?, ?, ?, ?)";
constexpr char kListHistorySql[] =
    "SELECT data, version FROM medical_history WHERE client_id = ? AND version < ? "
    "ORDER BY version DESC LIMIT ?";

constexpr char kInsertConsentSql[] =
    "INSERT INTO consents (consent_id, client_id, state, data) VALUES (?, ?, ?, ?)";
constexpr char kSelectConsentSql[] =
    "SELECT data FROM consents WHERE consent_id = ? AND client_id = ?";
constexpr char kUpdateConsentSql[] =
    "UPDATE consents SET state = ?, data = ? WHERE consent_id = ? AND client_id = ?";
constexpr char kListConsentsSql[] =
    "SELECT data, consent_id FROM consents WHERE client_id = ? AND consent_id < ? "
    "ORDER BY consent_id DESC LIMIT ?";

constexpr char kSelectRecordSql[] =
    "SELECT data FROM treatment_records WHERE record_id = ? AND client_id = ?";
constexpr char kSelectAddendaSql[] =
    "SELECT data FROM addenda WHERE record_id = ? ORDER BY addendum_id";
constexpr char kInsertAddendumSql[] =
    "INSERT INTO addenda (addendum_id, record_id, data) VALUES (?, ?, ?)";
constexpr char kListRecordsFirstSql[] =
    "SELECT data, perform_ms, record_id FROM treatment_records WHERE client_id = ? "
    "ORDER BY perform_ms DESC, record_id DESC LIMIT ?";
constexpr char kListRecordsAfterSql[] =
    "SELECT data, perform_ms, record_id FROM treatment_records WHERE client_id = ? "
    "AND (perform_ms, record_id) < (?, ?) ORDER BY perform_ms DESC, record_id DESC LIMIT ?";

constexpr char kRecordExistsSql[] =
    "SELECT 1 FROM treatment_records WHERE record_id = ? AND client_id = ?";
constexpr char kInsertNoticeSql[] =
    "INSERT INTO lot_recall_notices (notice_id, client_id, record_id, recall_ms, data) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr char kRecordNoticesSql[] =
    "SELECT data FROM lot_recall_notices WHERE record_id = ? ORDER BY recall_ms, notice_id";
constexpr char kListNoticesFirstSql[] =
    "SELECT data, recall_ms, notice_id FROM lot_recall_notices WHERE client_id = ? "
    "ORDER BY recall_ms DESC, notice_id DESC LIMIT ?";
constexpr char kListNoticesAfterSql[] =
    "SELECT data, recall_ms, notice_id FROM lot_recall_notices WHERE client_id = ? "
    "AND (recall_ms, notice_id) < (?, ?) ORDER BY recall_ms DESC, notice_id DESC LIMIT ?";

// Keys that sort after every real id, for the first page of a descending list.
constexpr char kAfterEveryId[] = "~";

std::string HistoryName(const std::string& client_id) {
  return kMedicalHistoryName.Format(client_id);
}

absl::StatusOr<v1::MedicalHistory> ReadHistory(SQLite::Statement& row,
                                               const std::string& client_id) {
  v1::MedicalHistory history;
  if (absl::Status s = ParseStored(row.getColumn(0), history, "medical history"); !s.ok()) {
    return s;
  }
  history.set_etag(storage::MakeEtag(HistoryName(client_id), row.getColumn(1).getInt64()));
  return history;
}

// Loads a record and its addenda, inside a transaction.
absl::StatusOr<v1::TreatmentRecord> LoadRecord(Connection& connection, const std::string& client_id,
                                               const std::string& record_id) {
  SQLite::Statement& select = connection.Prepare(kSelectRecordSql);
  select.bind(1, record_id);
  select.bind(2, client_id);
  if (!select.executeStep()) {
    return NotFound(kTreatmentRecordName.Format(client_id, record_id));
  }
  v1::TreatmentRecord record;
  if (absl::Status s = ParseStored(select.getColumn(0), record, "treatment record"); !s.ok()) {
    return s;
  }
  SQLite::Statement& addenda = connection.Prepare(kSelectAddendaSql);
  addenda.bind(1, record_id);
  while (addenda.executeStep()) {
    if (absl::Status s = ParseStored(addenda.getColumn(0), *record.add_addenda(), "addendum");
        !s.ok()) {
      return s;
    }
  }
  SQLite::Statement& notices = connection.Prepare(kRecordNoticesSql);
  notices.bind(1, record_id);
  while (notices.executeStep()) {
    if (absl::Status s =
            ParseStored(notices.getColumn(0), *record.add_lot_recalls(), "recall notice");
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = FillCharge(connection, record); !s.ok()) return s;
  return record;
}

}  // namespace

absl::StatusOr<v1::MedicalHistory> SqliteClientRecordsStore::GetMedicalHistory(
    const std::string& client_id, int64_t version) {
  v1::MedicalHistory history;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
    SQLite::Statement& select =
        connection.Prepare(version == 0 ? kLatestHistorySql : kHistoryVersionSql);
    select.bind(1, client_id);
    if (version != 0) select.bind(2, static_cast<int64_t>(version));
    if (!select.executeStep()) {
      if (version != 0) {
        return NotFound(absl::StrCat(HistoryName(client_id), " version ", version));
      }
      history.set_name(HistoryName(client_id));
      return absl::OkStatus();  // nothing recorded yet: version 0, no etag
    }
    absl::StatusOr<v1::MedicalHistory> read = ReadHistory(select, client_id);
    if (!read.ok()) return read.status();
    history = std::move(*read);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return history;
}

absl::StatusOr<v1::MedicalHistory> SqliteClientRecordsStore::AppendMedicalHistory(
    const v1::UpdateMedicalHistoryRequest& request, const std::string& caller,
    const std::string& client_id, v1::MedicalHistory history) {
  absl::Status status = storage::WriteOnce(
      *db_, kUpdateHistoryMethod, caller, request.request_id(), request, &history,
      [&](Connection& connection) -> absl::Status {
        if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));

        const std::string name = HistoryName(client_id);
        int64_t current = 0;
        SQLite::Statement& latest = connection.Prepare(kLatestHistorySql);
        latest.bind(1, client_id);
        if (latest.executeStep()) current = latest.getColumn(1).getInt64();
        const std::string& etag = request.medical_history().etag();
        if (current == 0 && !etag.empty()) {
          return WithReason(absl::AbortedError(absl::StrCat(
                                name, " has no recorded version yet; send an empty etag")),
                            "ETAG_MISMATCH", kDomain);
        }
        if (current > 0) {
          if (absl::Status s = storage::CheckEtag(etag, name, current, /*required=*/true, kDomain);
              !s.ok()) {
            return s;
          }
        }
        history.set_name(name);
        history.set_version(current + 1);
        history.clear_etag();
        SQLite::Statement& insert = connection.Prepare(kInsertHistorySql);
        insert.bind(1, client_id);
        insert.bind(2, static_cast<int64_t>(current + 1));
        insert.bind(3, static_cast<int64_t>(TimestampToUnixMillis(history.record_time())));
        storage::BindBlob(insert, 4, history.SerializeAsString());
        insert.exec();
        history.set_etag(storage::MakeEtag(name, current + 1));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return history;
}

absl::StatusOr<v1::ListMedicalHistoryVersionsResponse>
SqliteClientRecordsStore::ListMedicalHistoryVersions(
    const std::string& client_id, const v1::ListMedicalHistoryVersionsRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListMedicalHistoryVersions", request);
  if (!page.ok()) return page.status();
  int64_t before = INT64_MAX;
  if (!page->first_page() && !absl::SimpleAtoi(page->cursor(), &before)) {
    return storage::BadPageToken();
  }
  v1::ListMedicalHistoryVersionsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
    SQLite::Statement& select = connection.Prepare(kListHistorySql);
    select.bind(1, client_id);
    select.bind(2, static_cast<int64_t>(before));
    select.bind(3, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      absl::StatusOr<v1::MedicalHistory> history = ReadHistory(select, client_id);
      if (!history.ok()) return history.status();
      if (!builder.Offer(*history, absl::StrCat(history->version()))) break;
      *response.add_versions() = std::move(*history);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Consent> SqliteClientRecordsStore::RecordConsent(
    const v1::RecordConsentRequest& request, const std::string& caller,
    const std::string& client_id, const std::string& consent_id, const v1::Consent& consent) {
  v1::Consent stored;
  absl::Status status =
      storage::WriteOnce(*db_, kRecordConsentMethod, caller, request.request_id(), request, &stored,
                         [&](Connection& connection) -> absl::Status {
                           if (!ClientExists(connection, client_id))
                             return NotFound(kClientName.Format(client_id));
                           SQLite::Statement& insert = connection.Prepare(kInsertConsentSql);
                           insert.bind(1, consent_id);
                           insert.bind(2, client_id);
                           insert.bind(3, static_cast<int>(consent.state()));
                           storage::BindBlob(insert, 4, consent.SerializeAsString());
                           insert.exec();
                           stored = consent;
                           return absl::OkStatus();
                         });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<v1::Consent> SqliteClientRecordsStore::WithdrawConsent(
    const v1::WithdrawConsentRequest& request, const std::string& caller,
    const std::string& client_id, const std::string& consent_id, absl::Time now) {
  v1::Consent consent;
  absl::Status status = storage::WriteOnce(
      *db_, kWithdrawConsentMethod, caller, request.request_id(), request, &consent,
      [&](Connection& connection) -> absl::Status {
        SQLite::Statement& select = connection.Prepare(kSelectConsentSql);
        select.bind(1, consent_id);
        select.bind(2, client_id);
        if (!select.executeStep()) return NotFound(request.name());
        if (absl::Status s = ParseStored(select.getColumn(0), consent, "consent"); !s.ok())
          return s;
        if (consent.state() == v1::CONSENT_STATE_WITHDRAWN) {
          return WithReason(
              absl::FailedPreconditionError(absl::StrCat(request.name(), " was already withdrawn")),
              "CONSENT_ALREADY_WITHDRAWN", kDomain);
        }
        consent.set_state(v1::CONSENT_STATE_WITHDRAWN);
        *consent.mutable_withdraw_time() = ToTimestampMillis(now);
        consent.set_withdrawal_reason(request.reason());
        SQLite::Statement& update = connection.Prepare(kUpdateConsentSql);
        update.bind(1, static_cast<int>(consent.state()));
        storage::BindBlob(update, 2, consent.SerializeAsString());
        update.bind(3, consent_id);
        update.bind(4, client_id);
        update.exec();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return consent;
}

absl::StatusOr<v1::ListConsentsResponse> SqliteClientRecordsStore::ListConsents(
    const std::string& client_id, const v1::ListConsentsRequest& request) {
  absl::StatusOr<storage::PageRequest> page = storage::StartPage(tokens_, "ListConsents", request);
  if (!page.ok()) return page.status();
  v1::ListConsentsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
    SQLite::Statement& select = connection.Prepare(kListConsentsSql);
    select.bind(1, client_id);
    select.bind(2, page->first_page() ? std::string(kAfterEveryId) : page->cursor());
    select.bind(3, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      v1::Consent consent;
      if (absl::Status s = ParseStored(select.getColumn(0), consent, "consent"); !s.ok()) return s;
      if (!builder.Offer(consent, select.getColumn(1).getString())) break;
      *response.add_consents() = std::move(consent);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::TreatmentRecord> SqliteClientRecordsStore::GetTreatmentRecord(
    const std::string& client_id, const std::string& record_id) {
  absl::StatusOr<v1::TreatmentRecord> record;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    record = LoadRecord(connection, client_id, record_id);
    return record.status();
  });
  if (!status.ok()) return status;
  return record;
}

absl::StatusOr<v1::ListTreatmentRecordsResponse> SqliteClientRecordsStore::ListTreatmentRecords(
    const std::string& client_id, const v1::ListTreatmentRecordsRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListTreatmentRecords", request);
  if (!page.ok()) return page.status();
  // The cursor holds the perform time in milliseconds and the id.
  storage::TimeIdCursor after;
  if (!page->first_page()) {
    absl::StatusOr<storage::TimeIdCursor> cursor = storage::ParseTimeIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  v1::ListTreatmentRecordsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
    std::vector<std::pair<int64_t, std::string>> keys;
    {
      SQLite::Statement& select =
          connection.Prepare(page->first_page() ? kListRecordsFirstSql : kListRecordsAfterSql);
      int index = 1;
      select.bind(index++, client_id);
      if (!page->first_page()) {
        select.bind(index++, static_cast<int64_t>(after.unix_ms));
        select.bind(index++, after.id);
      }
      select.bind(index, page->fetch_limit());
      while (select.executeStep()) {
        keys.emplace_back(select.getColumn(1).getInt64(), select.getColumn(2).getString());
      }
      select.reset();
    }
    storage::PageBuilder builder(*page, page_budget_bytes_);
    for (const auto& [perform_ms, record_id] : keys) {
      absl::StatusOr<v1::TreatmentRecord> record = LoadRecord(connection, client_id, record_id);
      if (!record.ok()) return record.status();
      if (!builder.Offer(*record, storage::TimeIdCursor{perform_ms, record_id}.Format())) break;
      *response.add_treatment_records() = std::move(*record);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::TreatmentRecord> SqliteClientRecordsStore::AddAddendum(
    const v1::AddTreatmentRecordAddendumRequest& request, const std::string& caller,
    const std::string& client_id, const std::string& record_id, const v1::Addendum& addendum) {
  v1::TreatmentRecord record;
  absl::Status status = storage::WriteOnce(
      *db_, kAddAddendumMethod, caller, request.request_id(), request, &record,
      [&](Connection& connection) -> absl::Status {
        {
          absl::StatusOr<v1::TreatmentRecord> existing =
              LoadRecord(connection, client_id, record_id);
          if (!existing.ok()) return existing.status();
        }
        SQLite::Statement& insert = connection.Prepare(kInsertAddendumSql);
        insert.bind(1, storage::NewId());
        insert.bind(2, record_id);
        storage::BindBlob(insert, 3, addendum.SerializeAsString());
        insert.exec();
        absl::StatusOr<v1::TreatmentRecord> updated = LoadRecord(connection, client_id, record_id);
        if (!updated.ok()) return updated.status();
        record = std::move(*updated);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return record;
}

absl::StatusOr<v1::LotRecallNotice> SqliteClientRecordsStore::RecordLotRecall(
    const v1::RecordLotRecallRequest& request, const std::string& caller,
    const std::string& client_id, const std::string& notice_id,
    const std::string& referenced_record_id, const v1::LotRecallNotice& notice) {
  v1::LotRecallNotice stored;
  absl::Status status = storage::WriteOnce(
      *db_, kRecordLotRecallMethod, caller, request.request_id(), request, &stored,
      [&](Connection& connection) -> absl::Status {
        if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
        stored = notice;
        std::string record_id;
        if (!referenced_record_id.empty()) {
          SQLite::Statement& exists = connection.Prepare(kRecordExistsSql);
          exists.bind(1, referenced_record_id);
          exists.bind(2, client_id);
          if (exists.executeStep()) {
            record_id = referenced_record_id;
            stored.set_treatment_record(kTreatmentRecordName.Format(client_id, record_id));
          }
        }
        SQLite::Statement& insert = connection.Prepare(kInsertNoticeSql);
        insert.bind(1, notice_id);
        insert.bind(2, client_id);
        insert.bind(3, record_id);
        insert.bind(4, static_cast<int64_t>(TimestampToUnixMillis(stored.recall_time())));
        storage::BindBlob(insert, 5, stored.SerializeAsString());
        insert.exec();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<v1::ListLotRecallNoticesResponse> SqliteClientRecordsStore::ListLotRecallNotices(
    const std::string& client_id, const v1::ListLotRecallNoticesRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListLotRecallNotices", request);
  if (!page.ok()) return page.status();
  // The cursor holds the recall time in milliseconds and the id.
  absl::StatusOr<storage::TimeIdCursor> after = storage::ParseTimeIdCursor(*page);
  if (!after.ok()) return after.status();
  v1::ListLotRecallNoticesResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (!ClientExists(connection, client_id)) return NotFound(kClientName.Format(client_id));
    SQLite::Statement& select =
        connection.Prepare(page->first_page() ? kListNoticesFirstSql : kListNoticesAfterSql);
    int index = 1;
    select.bind(index++, client_id);
    if (!page->first_page()) {
      select.bind(index++, static_cast<int64_t>(after->unix_ms));
      select.bind(index++, after->id);
    }
    select.bind(index, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      v1::LotRecallNotice notice;
      if (absl::Status s = ParseStored(select.getColumn(0), notice, "recall notice"); !s.ok()) {
        return s;
      }
      const storage::TimeIdCursor cursor{select.getColumn(1).getInt64(),
                                         select.getColumn(2).getString()};
      if (!builder.Offer(notice, cursor.Format())) break;
      *response.add_notices() = std::move(notice);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::client_records
