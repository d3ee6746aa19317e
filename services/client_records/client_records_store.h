// The ClientRecords store: every read and write of client data, behind an
// interface so a second engine (PostgreSQL) can be added for chains that
// outgrow one node. The service validates requests and fills in what the
// server decides (ids, times, authors); the store persists, enforces etags
// and request ids, and pages. Only the service (client_records_service.cc and
// chart_service.cc) calls it.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_STORE_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "clinic/v1/clients.pb.h"
#include "common/storage/outbox.h"
#include "common/storage/outbox_worker.h"
#include "common/storage/paging.h"

namespace clinic::client_records {

// A change to apply to a client under its etag; returns non-OK to refuse.
using ClientMutation = std::function<absl::Status(v1::Client&)>;

class ClientRecordsStore {
 public:
  virtual ~ClientRecordsStore() = default;

  // Every write that takes a request_id also takes `caller`, the scope of
  // that id (server::RequestScope): a retry of `request` by the same caller
  // replays the first response; the same id from another caller does not.

  // Stores `client` (id, name, state and times already set), reporting
  // possible duplicates.
  virtual absl::StatusOr<v1::CreateClientResponse> CreateClient(
      const v1::CreateClientRequest& request, const std::string& caller,
      const v1::Client& client) = 0;

  // NOT_FOUND when there is no such client.
  virtual absl::StatusOr<v1::Client> GetClient(const std::string& client_id) = 0;

  // Reads the client, checks `etag` (required), applies `mutation`, sets
  // update_time to `now` and stores it with a new etag, in one transaction.
  virtual absl::StatusOr<v1::Client> UpdateClient(const std::string& client_id,
                                                  const std::string& etag, absl::Time now,
                                                  const ClientMutation& mutation) = 0;

  // ListClients with a validated request.
  virtual absl::StatusOr<v1::ListClientsResponse> ListClients(
      const v1::ListClientsRequest& request) = 0;

  // SearchClients with a validated request.
  virtual absl::StatusOr<v1::SearchClientsResponse> SearchClients(
      const v1::SearchClientsRequest& request) = 0;

  // The current medical history (version 0 and no facts when none was
  // recorded), or `version` when non-zero. NOT_FOUND for an unknown client or
  // version.
  virtual absl::StatusOr<v1::MedicalHistory> GetMedicalHistory(const std::string& client_id,
                                                               int64_t version) = 0;

  // Appends `history` as the next version when request.medical_history.etag
  // is the current version's etag (empty when there is none yet).
  virtual absl::StatusOr<v1::MedicalHistory> AppendMedicalHistory(
      const v1::UpdateMedicalHistoryRequest& request, const std::string& caller,
      const std::string& client_id, v1::MedicalHistory history) = 0;

  virtual absl::StatusOr<v1::ListMedicalHistoryVersionsResponse> ListMedicalHistoryVersions(
      const std::string& client_id, const v1::ListMedicalHistoryVersionsRequest& request) = 0;

  // Stores a consent (name, state and author already set).
  virtual absl::StatusOr<v1::Consent> RecordConsent(const v1::RecordConsentRequest& request,
                                                    const std::string& caller,
                                                    const std::string& client_id,
                                                    const std::string& consent_id,
                                                    const v1::Consent& consent) = 0;

  // Marks a consent withdrawn. FAILED_PRECONDITION when it already is.
  virtual absl::StatusOr<v1::Consent> WithdrawConsent(const v1::WithdrawConsentRequest& request,
                                                      const std::string& caller,
                                                      const std::string& client_id,
                                                      const std::string& consent_id,
                                                      absl::Time now) = 0;

  virtual absl::StatusOr<v1::ListConsentsResponse> ListConsents(
      const std::string& client_id, const v1::ListConsentsRequest& request) = 0;

  // The record this exact request created before, when it did (a retry),
  // with its charge's state; INVALID_ARGUMENT naming request_id when the id
  // was used for another request. A read: the treatment flow asks before it
  // calls other services.
  virtual absl::StatusOr<absl::optional<v1::TreatmentRecord>> FindCreatedRecord(
      const v1::CreateTreatmentRecordRequest& request, const std::string& caller) = 0;

  // What decides whether a client has consented to a treatment type.
  struct ConsentOnFile {
    // The newest active consent to the type, if any.
    absl::optional<v1::Consent> active;
    // Else the newest withdrawn one, to say when it was withdrawn.
    absl::optional<v1::Consent> withdrawn;
  };
  virtual absl::StatusOr<ConsentOnFile> FindConsent(const std::string& client_id,
                                                    const std::string& treatment_type_id) = 0;

  // The client's records of the treatment type performed from `from` to
  // `to` (inclusive), for the course interval check; at most `limit`.
  virtual absl::StatusOr<std::vector<v1::TreatmentRecord>> SessionsBetween(
      const std::string& client_id, const std::string& treatment_type_id, absl::Time from,
      absl::Time to, int limit) = 0;

  // Stores a treatment record (name, author, times and definition version
  // already set) and, in the same transaction, `charge` for the outbox
  // (its subject the record's name). Records are append-only.
  virtual absl::StatusOr<v1::TreatmentRecord> CreateTreatmentRecord(
      const v1::CreateTreatmentRecordRequest& request, const std::string& caller,
      const std::string& client_id, const std::string& record_id, const v1::TreatmentRecord& record,
      const storage::OutboxEntry& charge) = 0;

  // Starts delivering the charges written with records, one at a time
  // through `deliver`, retrying as `retry` says; those a previous run left
  // undelivered first. Call once.
  virtual void StartChargeDelivery(storage::OutboxWorker::Deliver deliver,
                                   storage::OutboxWorker::Retry retry) = 0;

  // Stops delivering, after the attempt under way; what is left stays for
  // the next start.
  virtual void StopChargeDelivery() = 0;

  virtual absl::StatusOr<v1::TreatmentRecord> GetTreatmentRecord(const std::string& client_id,
                                                                 const std::string& record_id) = 0;

  virtual absl::StatusOr<v1::ListTreatmentRecordsResponse> ListTreatmentRecords(
      const std::string& client_id, const v1::ListTreatmentRecordsRequest& request) = 0;

  // Stores a recall notice (name, author and time already set). Its
  // treatment_record is set here, in the transaction, when
  // `referenced_record_id` names a record of the client, and left empty
  // otherwise (a use recorded against another reference, or a treatment whose
  // record was never written). NOT_FOUND for an unknown client.
  virtual absl::StatusOr<v1::LotRecallNotice> RecordLotRecall(
      const v1::RecordLotRecallRequest& request, const std::string& caller,
      const std::string& client_id, const std::string& notice_id,
      const std::string& referenced_record_id, const v1::LotRecallNotice& notice) = 0;

  // A client's recall notices, most recent recall first.
  virtual absl::StatusOr<v1::ListLotRecallNoticesResponse> ListLotRecallNotices(
      const std::string& client_id, const v1::ListLotRecallNoticesRequest& request) = 0;

  // Appends an addendum (author and time already set) and returns the record.
  virtual absl::StatusOr<v1::TreatmentRecord> AddAddendum(
      const v1::AddTreatmentRecordAddendumRequest& request, const std::string& caller,
      const std::string& client_id, const std::string& record_id, const v1::Addendum& addendum) = 0;
};

// How many entries of the name index one page of a name search may examine
// (or, for a search by phone, email or birth date with a name, how many of
// the clients those find it may check against the name).
// Words that each match many clients but few of them together ("a b c d")
// make the walk pass many entries between matches; past this many the page
// ends early, maybe empty, with a token that goes on from where it stopped,
// so no single call holds one of the two search threads for long: about
// 2 ms with the index in memory, at a million clients (docs/performance.md).
inline constexpr size_t kSearchStepsPerPage = 10000;

// The SQLite store in `path`, migrated to the current schema. Its list pages
// carry at most `page_budget_bytes` of items (storage::PageBudgetBytes of
// the server's config), and a page of a name search examines at most
// `search_steps_per_page` index entries.
absl::StatusOr<std::unique_ptr<ClientRecordsStore>> OpenSqliteClientRecordsStore(
    const std::string& path, size_t page_budget_bytes = storage::kMaxPageBudgetBytes,
    size_t search_steps_per_page = kSearchStepsPerPage);

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_STORE_H_
