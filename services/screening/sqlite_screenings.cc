#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/core/time.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/paging.h"
#include "services/screening/screening_names.h"
#include "services/screening/screening_schema.h"
#include "services/screening/sqlite_store.h"

namespace clinic::screening {
namespace {

using storage::Connection;

constexpr char kSubmitMethod[] = "clinic.v1.Screening/SubmitScreening";
constexpr char kReviewMethod[] = "clinic.v1.Screening/ReviewScreening";

constexpr char kInsertSql[] =
    "INSERT INTO screenings (screening_id, client_id, treatment_type_id, create_ms, data) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr char kSelectSql[] =
    "SELECT data FROM screenings WHERE screening_id = ? AND client_id = ?";
constexpr char kSelectReviewsSql[] =
    "SELECT data FROM screening_reviews WHERE screening_id = ? ORDER BY sequence";
constexpr char kInsertReviewSql[] =
    "INSERT INTO screening_reviews (screening_id, sequence, data) VALUES (?, ?, ?)";
constexpr char kNewestSql[] =
    "SELECT screening_id FROM screenings WHERE client_id = ? AND treatment_type_id = ? "
    "ORDER BY create_ms DESC, screening_id DESC LIMIT 1";
// Newest first; the cursor is the (create_ms, screening_id) of the last item.
constexpr char kListFirstSql[] =
    "SELECT data, create_ms, screening_id FROM screenings WHERE client_id = ? "
    "ORDER BY create_ms DESC, screening_id DESC LIMIT ?";
constexpr char kListAfterSql[] =
    "SELECT data, create_ms, screening_id FROM screenings WHERE client_id = ? "
    "AND (create_ms, screening_id) < (?, ?) ORDER BY create_ms DESC, screening_id DESC LIMIT ?";
constexpr char kListTypeFirstSql[] =
    "SELECT data, create_ms, screening_id FROM screenings WHERE client_id = ? "
    "AND treatment_type_id = ? ORDER BY create_ms DESC, screening_id DESC LIMIT ?";
constexpr char kListTypeAfterSql[] =
    "SELECT data, create_ms, screening_id FROM screenings WHERE client_id = ? "
    "AND treatment_type_id = ? AND (create_ms, screening_id) < (?, ?) "
    "ORDER BY create_ms DESC, screening_id DESC LIMIT ?";

absl::Status NotFound(absl::string_view name) { return storage::NotFound(name, kDomain); }

// Adds the reviews, state and etag to a screening read from its row.
absl::Status Complete(Connection& connection, const std::string& screening_id,
                      v1::ScreeningRecord& screening) {
  SQLite::Statement& reviews = connection.Prepare(kSelectReviewsSql);
  reviews.bind(1, screening_id);
  screening.clear_reviews();
  while (reviews.executeStep()) {
    if (absl::Status s = storage::ParseStored(reviews.getColumn(0), *screening.add_reviews(),
                                              "screening review");
        !s.ok()) {
      return s;
    }
  }
  reviews.reset();
  screening.set_state(StateOf(screening));
  screening.set_etag(storage::MakeEtag(screening.name(), screening.reviews_size()));
  return absl::OkStatus();
}

absl::StatusOr<v1::ScreeningRecord> Load(Connection& connection, const std::string& client_id,
                                         const std::string& screening_id) {
  v1::ScreeningRecord screening;
  {
    SQLite::Statement& select = connection.Prepare(kSelectSql);
    select.bind(1, screening_id);
    select.bind(2, client_id);
    if (!select.executeStep()) {
      return NotFound(kScreeningName.Format(client_id, screening_id));
    }
    if (absl::Status s = storage::ParseStored(select.getColumn(0), screening, "screening");
        !s.ok()) {
      return s;
    }
    select.reset();
  }
  if (absl::Status s = Complete(connection, screening_id, screening); !s.ok()) return s;
  return screening;
}

}  // namespace

v1::ScreeningState StateOf(const v1::ScreeningRecord& screening) {
  switch (screening.outcome()) {
    case v1::SCREENING_OUTCOME_CLEARED:
      return v1::SCREENING_STATE_CLEARED;
    case v1::SCREENING_OUTCOME_CONTRAINDICATED:
      return v1::SCREENING_STATE_CONTRAINDICATED;
    default:
      break;
  }
  if (screening.reviews().empty()) return v1::SCREENING_STATE_PENDING_REVIEW;
  return screening.reviews().rbegin()->decision() == v1::REVIEW_DECISION_APPROVED
             ? v1::SCREENING_STATE_APPROVED
             : v1::SCREENING_STATE_DECLINED;
}

absl::StatusOr<std::unique_ptr<ScreeningStore>> OpenSqliteScreeningStore(const std::string& path,
                                                                         size_t page_budget_bytes) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(path, storage::StoreDatabaseOptions());
  if (!db.ok()) return db.status();
  if (absl::Status status = storage::Migrate(**db, "screening", ScreeningMigrations());
      !status.ok()) {
    return status;
  }
  absl::StatusOr<storage::PageTokens> tokens = storage::PageTokens::ForDatabase(**db);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<ScreeningStore>(
      new SqliteScreeningStore(std::move(*db), std::move(*tokens), page_budget_bytes));
}

absl::StatusOr<absl::optional<v1::ScreeningRecord>> SqliteScreeningStore::FindSubmitted(
    const v1::SubmitScreeningRequest& request, const std::string& caller) {
  absl::optional<v1::ScreeningRecord> found;
  const storage::IdempotentCall call(kSubmitMethod, caller, request.request_id(), request);
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    v1::ScreeningRecord stored;
    absl::StatusOr<bool> replayed = call.Replay(connection, &stored);
    if (!replayed.ok()) return replayed.status();
    if (!*replayed) return absl::OkStatus();
    // The stored response is the screening as submitted; its reviews since
    // belong in the answer too.
    absl::StatusOr<ResourceName> name = kScreeningName.Parse(stored.name(), "name");
    if (!name.ok()) return absl::DataLossError("a stored screening has a damaged name");
    absl::StatusOr<v1::ScreeningRecord> current =
        Load(connection, name->id("client_id"), name->id("screening_id"));
    if (!current.ok()) return current.status();
    found = *std::move(current);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<v1::ScreeningRecord> SqliteScreeningStore::Submit(
    const v1::SubmitScreeningRequest& request, const std::string& caller,
    const v1::ScreeningRecord& screening) {
  absl::StatusOr<ResourceName> name = kScreeningName.Parse(screening.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<ResourceName> type =
      plugins::kTreatmentTypeName.Parse(screening.treatment_type(), "treatment_type");
  if (!type.ok()) return type.status();
  v1::ScreeningRecord stored;
  absl::Status status = storage::WriteOnce(
      *db_, kSubmitMethod, caller, request.request_id(), request, &stored,
      [&](Connection& connection) -> absl::Status {
        v1::ScreeningRecord row = screening;
        // Reviews, state and etag are read back, never stored in the row.
        row.clear_reviews();
        row.clear_state();
        row.clear_etag();
        SQLite::Statement& insert = connection.Prepare(kInsertSql);
        insert.bind(1, name->id("screening_id"));
        insert.bind(2, name->id("client_id"));
        insert.bind(3, type->id("id"));
        insert.bind(4, static_cast<int64_t>(TimestampToUnixMillis(screening.create_time())));
        storage::BindBlob(insert, 5, row.SerializeAsString());
        insert.exec();
        stored = row;
        stored.set_state(StateOf(stored));
        stored.set_etag(storage::MakeEtag(stored.name(), 0));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<v1::ScreeningRecord> SqliteScreeningStore::Get(const std::string& client_id,
                                                              const std::string& screening_id) {
  v1::ScreeningRecord screening;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<v1::ScreeningRecord> loaded = Load(connection, client_id, screening_id);
    if (!loaded.ok()) return loaded.status();
    screening = *std::move(loaded);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return screening;
}

absl::StatusOr<absl::optional<v1::ScreeningRecord>> SqliteScreeningStore::Newest(
    const std::string& client_id, const std::string& treatment_type_id) {
  absl::optional<v1::ScreeningRecord> newest;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    std::string screening_id;
    {
      SQLite::Statement& select = connection.Prepare(kNewestSql);
      select.bind(1, client_id);
      select.bind(2, treatment_type_id);
      if (!select.executeStep()) return absl::OkStatus();
      screening_id = select.getColumn(0).getString();
      select.reset();
    }
    absl::StatusOr<v1::ScreeningRecord> loaded = Load(connection, client_id, screening_id);
    if (!loaded.ok()) return loaded.status();
    newest = *std::move(loaded);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return newest;
}

absl::StatusOr<v1::ListScreeningsResponse> SqliteScreeningStore::List(
    const std::string& client_id, const std::string& treatment_type_id,
    const v1::ListScreeningsRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListScreenings", request, kScreeningPageSizes);
  if (!page.ok()) return page.status();
  storage::TimeIdCursor after;
  if (!page->first_page()) {
    absl::StatusOr<storage::TimeIdCursor> cursor = storage::ParseTimeIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  const bool by_type = !treatment_type_id.empty();
  const char* sql = by_type ? (page->first_page() ? kListTypeFirstSql : kListTypeAfterSql)
                            : (page->first_page() ? kListFirstSql : kListAfterSql);
  v1::ListScreeningsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    std::vector<std::pair<std::string, v1::ScreeningRecord>> rows;
    {
      SQLite::Statement& select = connection.Prepare(sql);
      int index = 1;
      select.bind(index++, client_id);
      if (by_type) select.bind(index++, treatment_type_id);
      if (!page->first_page()) {
        select.bind(index++, static_cast<int64_t>(after.unix_ms));
        select.bind(index++, after.id);
      }
      select.bind(index, page->fetch_limit());
      while (select.executeStep()) {
        v1::ScreeningRecord screening;
        if (absl::Status s = storage::ParseStored(select.getColumn(0), screening, "screening");
            !s.ok()) {
          return s;
        }
        rows.emplace_back(
            absl::StrCat(select.getColumn(1).getInt64(), "/", select.getColumn(2).getString()),
            std::move(screening));
      }
      select.reset();
    }
    storage::PageBuilder builder(*page, page_budget_bytes_);
    for (auto& [cursor, screening] : rows) {
      absl::StatusOr<ResourceName> name = kScreeningName.Parse(screening.name(), "name");
      if (!name.ok()) return absl::DataLossError("a stored screening has a damaged name");
      if (absl::Status s = Complete(connection, name->id("screening_id"), screening); !s.ok()) {
        return s;
      }
      if (!builder.Offer(screening, cursor)) break;
      *response.add_screenings() = std::move(screening);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ScreeningRecord> SqliteScreeningStore::AppendReview(
    const v1::ReviewScreeningRequest& request, const std::string& caller,
    const std::string& client_id, const std::string& screening_id, const v1::Review& review,
    const ReviewCheck& check) {
  v1::ScreeningRecord updated;
  absl::Status status = storage::WriteOnce(
      *db_, kReviewMethod, caller, request.request_id(), request, &updated,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<v1::ScreeningRecord> current = Load(connection, client_id, screening_id);
        if (!current.ok()) return current.status();
        if (absl::Status s =
                storage::CheckEtag(request.etag(), current->name(), current->reviews_size(),
                                   /*required=*/true, kDomain);
            !s.ok()) {
          return s;
        }
        if (absl::Status s = check(*current); !s.ok()) return s;
        SQLite::Statement& insert = connection.Prepare(kInsertReviewSql);
        insert.bind(1, screening_id);
        insert.bind(2, current->reviews_size() + 1);
        storage::BindBlob(insert, 3, review.SerializeAsString());
        insert.exec();
        updated = *std::move(current);
        *updated.add_reviews() = review;
        updated.set_state(StateOf(updated));
        updated.set_etag(storage::MakeEtag(updated.name(), updated.reviews_size()));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return updated;
}

}  // namespace clinic::screening
