// The SQLite implementation of ScreeningStore. Internal to this folder.
#ifndef CLINIC_SERVICES_SCREENING_SQLITE_STORE_H_
#define CLINIC_SERVICES_SCREENING_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "common/storage/database.h"
#include "common/storage/page_tokens.h"
#include "services/screening/screening_store.h"

namespace clinic::screening {

inline constexpr char kDomain[] = "clinic.v1.Screening";

class SqliteScreeningStore final : public ScreeningStore {
 public:
  SqliteScreeningStore(std::unique_ptr<storage::Database> db, storage::PageTokens tokens,
                       size_t page_budget_bytes)
      : db_(std::move(db)), tokens_(std::move(tokens)), page_budget_bytes_(page_budget_bytes) {}

  absl::StatusOr<absl::optional<v1::ScreeningRecord>> FindSubmitted(
      const v1::SubmitScreeningRequest& request, const std::string& caller) override;
  absl::StatusOr<v1::ScreeningRecord> Submit(const v1::SubmitScreeningRequest& request,
                                             const std::string& caller,
                                             const v1::ScreeningRecord& screening) override;
  absl::StatusOr<v1::ScreeningRecord> Get(const std::string& client_id,
                                          const std::string& screening_id) override;
  absl::StatusOr<absl::optional<v1::ScreeningRecord>> Newest(
      const std::string& client_id, const std::string& treatment_type_id) override;
  absl::StatusOr<v1::ListScreeningsResponse> List(
      const std::string& client_id, const std::string& treatment_type_id,
      const v1::ListScreeningsRequest& request) override;
  absl::StatusOr<v1::ScreeningRecord> AppendReview(const v1::ReviewScreeningRequest& request,
                                                   const std::string& caller,
                                                   const std::string& client_id,
                                                   const std::string& screening_id,
                                                   const v1::Review& review,
                                                   const ReviewCheck& check) override;

 private:
  std::unique_ptr<storage::Database> db_;
  storage::PageTokens tokens_;
  size_t page_budget_bytes_;
};

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SQLITE_STORE_H_
