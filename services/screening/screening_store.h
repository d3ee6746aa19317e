// The Screening store: every read and write of screenings and reviews,
// behind an interface like every service's store. The service validates
// requests, evaluates and fills in what the server decides (ids, times,
// authors, findings); the store persists, enforces etags and request ids,
// and pages. Only the service (screening_service.cc) calls it.
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_STORE_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "clinic/v1/screening.pb.h"

namespace clinic::screening {

// Checks a screening (as stored, with its reviews) before a review is
// appended; returns non-OK to refuse.
using ReviewCheck = std::function<absl::Status(const v1::ScreeningRecord&)>;

class ScreeningStore {
 public:
  virtual ~ScreeningStore() = default;

  // Every write that takes a request_id also takes `caller`, the scope of
  // that id (server::Call::request_scope).

  // The screening an earlier SubmitScreening with this exact request stored,
  // if any: a retry is answered from it before ClientRecords is asked
  // again. INVALID_ARGUMENT naming request_id when the id was used for
  // another request.
  virtual absl::StatusOr<absl::optional<v1::ScreeningRecord>> FindSubmitted(
      const v1::SubmitScreeningRequest& request, const std::string& caller) = 0;

  // Stores `screening` (name, findings, times and author already set).
  virtual absl::StatusOr<v1::ScreeningRecord> Submit(const v1::SubmitScreeningRequest& request,
                                                     const std::string& caller,
                                                     const v1::ScreeningRecord& screening) = 0;

  // With its reviews, state and etag. NOT_FOUND when the client has no such
  // screening.
  virtual absl::StatusOr<v1::ScreeningRecord> Get(const std::string& client_id,
                                                  const std::string& screening_id) = 0;

  // The client's newest screening of the type, if any.
  virtual absl::StatusOr<absl::optional<v1::ScreeningRecord>> Newest(
      const std::string& client_id, const std::string& treatment_type_id) = 0;

  // ListScreenings with a validated request; `treatment_type_id` empty for
  // every type.
  virtual absl::StatusOr<v1::ListScreeningsResponse> List(
      const std::string& client_id, const std::string& treatment_type_id,
      const v1::ListScreeningsRequest& request) = 0;

  // In one transaction: reads the screening, checks `etag` and runs `check`
  // on it, then appends `review` and returns the screening as it now is.
  virtual absl::StatusOr<v1::ScreeningRecord> AppendReview(
      const v1::ReviewScreeningRequest& request, const std::string& caller,
      const std::string& client_id, const std::string& screening_id, const v1::Review& review,
      const ReviewCheck& check) = 0;
};

// Opens (creating and migrating) the SQLite store at `path`. Pages stop at
// `page_budget_bytes` (storage::PageBudgetBytes).
absl::StatusOr<std::unique_ptr<ScreeningStore>> OpenSqliteScreeningStore(const std::string& path,
                                                                         size_t page_budget_bytes);

// Where a screening stands after its reviews: the outcome, unless a review
// decided. Stores call it when they read a screening.
v1::ScreeningState StateOf(const v1::ScreeningRecord& screening);

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_STORE_H_
