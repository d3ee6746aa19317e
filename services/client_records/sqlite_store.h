// The SQLite implementation of ClientRecordsStore. Clients and search live in
// sqlite_clients.cc, the chart (medical history, consents, treatment
// records) in sqlite_chart.cc. Internal to this folder.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_SQLITE_STORE_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "common/storage/database.h"
#include "common/storage/paging.h"
#include "services/client_records/client_records_store.h"

namespace clinic::client_records {

inline constexpr char kDomain[] = "clinic.v1.ClientRecords";

// Possible duplicates of a new client: the same folded name keys and date of
// birth (clients_by_name_key), or the same phone or email. Each branch of the
// OR is an index lookup and the LIMIT bounds the rest, so a create never
// scans the clients.
inline constexpr char kDuplicatesSql[] =
    "SELECT data, revision, family_key = ?1 AND given_key = ?2 AND date_of_birth = ?3, "
    "phone <> '' AND phone = ?4, email <> '' AND email = ?5 "
    "FROM clients WHERE (family_key = ?1 AND given_key = ?2 AND date_of_birth = ?3) "
    "OR (phone <> '' AND phone = ?4) OR (email <> '' AND email = ?5) "
    "ORDER BY client_id LIMIT 20";

// SearchClients by name alone: each term walks the ranges of the name index
// (client_name_prefixes) that hold it, in result order, an index range that
// needs no sort. Walks run side by side, so each gets a statement of its own
// (Connection::Prepare keeps one per text): the text is this with the
// walk's number appended (NameIndexWalkSql).
inline constexpr char kNameIndexWalkSql[] =
    "SELECT name_key, row_id FROM client_name_prefixes "
    "WHERE prefix = ?1 AND (name_key, row_id) >= (?2, ?3) ORDER BY name_key, row_id";

// The distinct index keys from ?1 (inclusive) to ?2 (exclusive), one at a
// time: the whole words a term longer than kIndexedPrefixChars begins.
inline constexpr char kNameIndexWordsSql[] =
    "SELECT prefix FROM client_name_prefixes WHERE prefix >= ?1 AND prefix < ?2 "
    "ORDER BY prefix LIMIT 1";

class SqliteClientRecordsStore final : public ClientRecordsStore {
 public:
  SqliteClientRecordsStore(std::unique_ptr<storage::Database> db, storage::PageTokens tokens,
                           size_t page_budget_bytes, size_t search_steps_per_page)
      : db_(std::move(db)),
        tokens_(std::move(tokens)),
        page_budget_bytes_(page_budget_bytes),
        search_steps_per_page_(search_steps_per_page) {}

  absl::StatusOr<v1::CreateClientResponse> CreateClient(const v1::CreateClientRequest& request,
                                                        const std::string& caller,
                                                        const v1::Client& client) override;
  absl::StatusOr<v1::Client> GetClient(const std::string& client_id) override;
  absl::StatusOr<v1::Client> UpdateClient(const std::string& client_id, const std::string& etag,
                                          absl::Time now, const ClientMutation& mutation) override;
  absl::StatusOr<v1::ListClientsResponse> ListClients(
      const v1::ListClientsRequest& request) override;
  absl::StatusOr<v1::SearchClientsResponse> SearchClients(
      const v1::SearchClientsRequest& request) override;

  absl::StatusOr<v1::MedicalHistory> GetMedicalHistory(const std::string& client_id,
                                                       int64_t version) override;
  absl::StatusOr<v1::MedicalHistory> AppendMedicalHistory(
      const v1::UpdateMedicalHistoryRequest& request, const std::string& caller,
      const std::string& client_id, v1::MedicalHistory history) override;
  absl::StatusOr<v1::ListMedicalHistoryVersionsResponse> ListMedicalHistoryVersions(
      const std::string& client_id, const v1::ListMedicalHistoryVersionsRequest& request) override;
  absl::StatusOr<v1::Consent> RecordConsent(const v1::RecordConsentRequest& request,
                                            const std::string& caller, const std::string& client_id,
                                            const std::string& consent_id,
                                            const v1::Consent& consent) override;
  absl::StatusOr<v1::Consent> WithdrawConsent(const v1::WithdrawConsentRequest& request,
                                              const std::string& caller,
                                              const std::string& client_id,
                                              const std::string& consent_id,
                                              absl::Time now) override;
  absl::StatusOr<v1::ListConsentsResponse> ListConsents(
      const std::string& client_id, const v1::ListConsentsRequest& request) override;
  absl::StatusOr<absl::optional<v1::TreatmentRecord>> FindCreatedRecord(
      const v1::CreateTreatmentRecordRequest& request, const std::string& caller) override;
  absl::StatusOr<ConsentOnFile> FindConsent(const std::string& client_id,
                                            const std::string& treatment_type_id) override;
  absl::StatusOr<std::vector<v1::TreatmentRecord>> SessionsBetween(
      const std::string& client_id, const std::string& treatment_type_id, absl::Time from,
      absl::Time to, int limit) override;
  absl::StatusOr<v1::TreatmentRecord> CreateTreatmentRecord(
      const v1::CreateTreatmentRecordRequest& request, const std::string& caller,
      const std::string& client_id, const std::string& record_id, const v1::TreatmentRecord& record,
      const storage::OutboxEntry& charge) override;
  void StartChargeDelivery(storage::OutboxWorker::Deliver deliver,
                           storage::OutboxWorker::Retry retry) override;
  void StopChargeDelivery() override;
  absl::StatusOr<v1::TreatmentRecord> GetTreatmentRecord(const std::string& client_id,
                                                         const std::string& record_id) override;
  absl::StatusOr<v1::ListTreatmentRecordsResponse> ListTreatmentRecords(
      const std::string& client_id, const v1::ListTreatmentRecordsRequest& request) override;
  absl::StatusOr<v1::TreatmentRecord> AddAddendum(
      const v1::AddTreatmentRecordAddendumRequest& request, const std::string& caller,
      const std::string& client_id, const std::string& record_id,
      const v1::Addendum& addendum) override;
  absl::StatusOr<v1::LotRecallNotice> RecordLotRecall(const v1::RecordLotRecallRequest& request,
                                                      const std::string& caller,
                                                      const std::string& client_id,
                                                      const std::string& notice_id,
                                                      const std::string& referenced_record_id,
                                                      const v1::LotRecallNotice& notice) override;
  absl::StatusOr<v1::ListLotRecallNoticesResponse> ListLotRecallNotices(
      const std::string& client_id, const v1::ListLotRecallNoticesRequest& request) override;

 private:
  std::unique_ptr<storage::Database> db_;
  storage::PageTokens tokens_;
  size_t page_budget_bytes_;
  size_t search_steps_per_page_;
  // Last, so it stops before the database closes.
  std::unique_ptr<storage::OutboxWorker> charges_;
};

// Helpers shared by the two halves.

// NOT_FOUND naming the resource.
absl::Status NotFound(absl::string_view resource_name);

// Whether the client exists, inside a transaction.
bool ClientExists(storage::Connection& connection, const std::string& client_id);

// Sets record.charge from the outbox entry of its charge, if it has one
// (sqlite_treatments.cc).
absl::Status FillCharge(storage::Connection& connection, v1::TreatmentRecord& record);

using storage::ParseStored;

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_SQLITE_STORE_H_
