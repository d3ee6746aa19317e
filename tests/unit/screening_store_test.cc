// The Screening SQLite store below the service: screenings and reviews are
// append-only in the database itself, a retried submission stores nothing
// new, reviews go in under the screening's etag only, and lists page newest
// first.
#include "services/screening/screening_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/time.h"
#include "common/storage/database.h"
#include "common/storage/ids.h"
#include "tests/testing/test_env.h"

namespace clinic::screening {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kCaller[] = "staff/nurse";
constexpr size_t kBudget = 1 << 20;

class ScreeningStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteScreeningStore(path_, kBudget);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Stores a screening of client_ made `minutes_ago`, with `outcome`.
  v1::ScreeningRecord Store(const std::string& request_id, int minutes_ago,
                            v1::ScreeningOutcome outcome = v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
                            const std::string& type = "microneedling") {
    v1::SubmitScreeningRequest request;
    request.set_parent("clients/" + client_);
    request.set_request_id(request_id);
    v1::ScreeningRecord screening;
    screening.set_name(absl::StrCat("clients/", client_, "/screenings/", storage::NewId()));
    screening.set_treatment_type("treatmentTypes/" + type);
    screening.set_definition_version("1.0.0");
    screening.set_outcome(outcome);
    *screening.mutable_create_time() = ToTimestampMillis(absl::Now() - absl::Minutes(minutes_ago));
    auto stored = store_->Submit(request, kCaller, screening);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : v1::ScreeningRecord();
  }

  absl::Status RawWrite(const std::string& sql) {
    auto db = storage::Database::Open(path_, storage::Database::Options());
    if (!db.ok()) return db.status();
    return (*db)->Write([&](storage::Connection& c) {
      c.Exec(sql.c_str());
      return absl::OkStatus();
    });
  }

  absl::StatusOr<v1::ScreeningRecord> Review(const v1::ScreeningRecord& screening,
                                             const std::string& etag, const std::string& id,
                                             const ReviewCheck& check = nullptr) {
    v1::ReviewScreeningRequest request;
    request.set_name(screening.name());
    request.set_etag(etag);
    request.set_request_id(id);
    v1::Review review;
    review.set_decision(v1::REVIEW_DECISION_APPROVED);
    review.set_reason("fine");
    const std::string screening_id = screening.name().substr(screening.name().rfind('/') + 1);
    return store_->AppendReview(
        request, kCaller, client_, screening_id, review,
        check ? check : [](const v1::ScreeningRecord&) { return absl::OkStatus(); });
  }

  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("screening.db");
  std::unique_ptr<ScreeningStore> store_;
  std::string client_ = storage::NewId();
};

TEST_F(ScreeningStoreTest, ARetryReturnsTheFirstScreeningAndStoresNothingNew) {
  const v1::ScreeningRecord first = Store("same", 0);
  v1::SubmitScreeningRequest request;
  request.set_parent("clients/" + client_);
  request.set_request_id("same");
  auto found = store_->FindSubmitted(request, kCaller);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name(), first.name());
  // Another caller's id is another request.
  auto other = store_->FindSubmitted(request, "staff/other");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  v1::ListScreeningsRequest list;
  auto listed = store_->List(client_, "", list);
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(listed->screenings(), SizeIs(1));
}

TEST_F(ScreeningStoreTest, ScreeningsAndReviewsCannotBeEditedOrDeleted) {
  const v1::ScreeningRecord screening = Store("s", 0);
  ASSERT_TRUE(Review(screening, screening.etag(), "r").ok());
  for (const auto& [sql, message] : std::vector<std::pair<std::string, std::string>>{
           {"UPDATE screenings SET data = x'00'", "screenings are never changed"},
           {"DELETE FROM screenings", "screenings are never deleted"},
           {"UPDATE screening_reviews SET data = x'00'", "reviews are never changed"},
           {"DELETE FROM screening_reviews", "reviews are never deleted"}}) {
    const absl::Status status = RawWrite(sql);
    EXPECT_FALSE(status.ok()) << sql;
    EXPECT_THAT(std::string(status.message()), HasSubstr(message)) << sql;
  }
}

TEST_F(ScreeningStoreTest, ReviewsAppendUnderTheCurrentEtagAfterTheCheck) {
  const v1::ScreeningRecord screening = Store("s", 0);
  EXPECT_EQ(screening.state(), v1::SCREENING_STATE_PENDING_REVIEW);
  // A refusing check stores nothing.
  auto refused = Review(screening, screening.etag(), "r0", [](const v1::ScreeningRecord&) {
    return absl::FailedPreconditionError("no");
  });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  auto reviewed = Review(screening, screening.etag(), "r1");
  ASSERT_TRUE(reviewed.ok()) << reviewed.status();
  EXPECT_EQ(reviewed->state(), v1::SCREENING_STATE_APPROVED);
  EXPECT_THAT(reviewed->reviews(), SizeIs(1));
  // The first etag is stale now.
  EXPECT_EQ(Review(screening, screening.etag(), "r2").status().code(), absl::StatusCode::kAborted);
  auto again = Review(*reviewed, reviewed->etag(), "r3");
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->reviews(), SizeIs(2));
  const std::string id = screening.name().substr(screening.name().rfind('/') + 1);
  auto read = store_->Get(client_, id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->etag(), again->etag());
  EXPECT_THAT(read->reviews(), SizeIs(2));
}

TEST_F(ScreeningStoreTest, ListsPageNewestFirstAndFilterByType) {
  const v1::ScreeningRecord oldest = Store("a", 30);
  const v1::ScreeningRecord middle =
      Store("b", 20, v1::SCREENING_OUTCOME_CLEARED, "rf_microneedling");
  const v1::ScreeningRecord newest = Store("c", 10);
  v1::ListScreeningsRequest request;
  request.set_page_size(2);
  auto page = store_->List(client_, "", request);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->screenings(), SizeIs(2));
  EXPECT_EQ(page->screenings(0).name(), newest.name());
  EXPECT_EQ(page->screenings(1).name(), middle.name());
  request.set_page_token(page->next_page_token());
  page = store_->List(client_, "", request);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->screenings(), SizeIs(1));
  EXPECT_EQ(page->screenings(0).name(), oldest.name());
  EXPECT_TRUE(page->next_page_token().empty());

  v1::ListScreeningsRequest by_type;
  auto typed = store_->List(client_, "microneedling", by_type);
  ASSERT_TRUE(typed.ok());
  EXPECT_THAT(typed->screenings(), SizeIs(2));
  auto newest_of_type = store_->Newest(client_, "rf_microneedling");
  ASSERT_TRUE(newest_of_type.ok());
  ASSERT_TRUE(newest_of_type->has_value());
  EXPECT_EQ((*newest_of_type)->name(), middle.name());
  EXPECT_EQ((*newest_of_type)->state(), v1::SCREENING_STATE_CLEARED);
  auto none = store_->Newest(client_, "prp_microneedling");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(ScreeningStoreTest, AnotherClientsScreeningIsNotFound) {
  const v1::ScreeningRecord screening = Store("s", 0);
  const std::string id = screening.name().substr(screening.name().rfind('/') + 1);
  EXPECT_EQ(store_->Get(storage::NewId(), id).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace clinic::screening
