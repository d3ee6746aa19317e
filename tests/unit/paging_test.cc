// The one paging helper every list uses: page sizes at their edges, tokens
// that only the list and query they were made for accept, and pages that
// stop at the byte budget without ever being empty.
#include "common/storage/paging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "clinic/v1/clients.pb.h"
#include "common/core/status.h"
#include "google/protobuf/wrappers.pb.h"

namespace clinic::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kScope[] = "ListThings";
constexpr char kQuery[] = "site=a";

class PagingTest : public ::testing::Test {
 protected:
  PageTokens tokens_{std::string(32, 'k')};

  static google::protobuf::StringValue Item(const std::string& value) {
    google::protobuf::StringValue item;
    item.set_value(value);
    return item;
  }

  static std::vector<std::string> Fields(const absl::Status& status) {
    std::vector<std::string> fields;
    for (const auto& violation : GetFieldViolations(status)) fields.push_back(violation.field);
    return fields;
  }

  // Checks `token` is refused with INVALID_ARGUMENT naming page_token, with
  // a message that does not grow with the token.
  void ExpectRefused(const std::string& token, absl::string_view scope = kScope,
                     absl::string_view query = kQuery) {
    const absl::StatusOr<PageRequest> page = StartPage(tokens_, scope, query, 10, token);
    ASSERT_FALSE(page.ok()) << token.substr(0, 80);
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Fields(page.status()), ElementsAre("page_token")) << token.substr(0, 80);
    EXPECT_THAT(page.status().message().size(), Le(200u));
  }

  // A token resuming after `cursor`, made the way a list makes it: a page
  // of `cursor` followed by another item.
  std::string TokenAfter(const std::string& cursor, absl::string_view scope = kScope,
                         absl::string_view query = kQuery) {
    absl::StatusOr<PageRequest> page = StartPage(tokens_, scope, query, 1, "");
    EXPECT_TRUE(page.ok()) << page.status();
    PageBuilder builder(*page, kMaxPageBudgetBytes);
    EXPECT_TRUE(builder.Offer(Item("a"), cursor));
    EXPECT_FALSE(builder.Offer(Item("b"), "next"));
    return builder.next_page_token();
  }
};

TEST_F(PagingTest, PageSizesDefaultClampAndRefuseNegatives) {
  const auto size = [&](int32_t requested, PageSizes sizes = kDefaultPageSizes) {
    absl::StatusOr<PageRequest> page = StartPage(tokens_, kScope, kQuery, requested, "", sizes);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->size() : -1;
  };
  EXPECT_EQ(size(0), 50);
  EXPECT_EQ(size(1), 1);
  EXPECT_EQ(size(7), 7);
  EXPECT_EQ(size(100), 100);
  EXPECT_EQ(size(101), 100);
  EXPECT_EQ(size(std::numeric_limits<int32_t>::max()), 100);
  EXPECT_EQ(size(0, PageSizes{100, 500}), 100);
  EXPECT_EQ(size(499, PageSizes{100, 500}), 499);
  EXPECT_EQ(size(100000, PageSizes{100, 500}), 500);

  for (int32_t negative : {-1, -50, std::numeric_limits<int32_t>::min()}) {
    const absl::StatusOr<PageRequest> page = StartPage(tokens_, kScope, kQuery, negative, "");
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Fields(page.status()), ElementsAre("page_size"));
    EXPECT_THAT(std::string(page.status().message()), ::testing::HasSubstr(absl::StrCat(negative)));
  }
  // A negative size is reported even with a bad token beside it.
  EXPECT_THAT(Fields(StartPage(tokens_, kScope, kQuery, -1, "forged").status()),
              ElementsAre("page_size"));

  std::vector<FieldViolation> violations;
  CheckPageSize(0, violations);
  CheckPageSize(500, violations);
  EXPECT_THAT(violations, IsEmpty());
  CheckPageSize(-2, violations);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field, "page_size");
}

TEST_F(PagingTest, TheFirstPageStartsWithNoCursorAndFetchesOneMore) {
  absl::StatusOr<PageRequest> page = StartPage(tokens_, kScope, kQuery, 3, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->first_page());
  EXPECT_THAT(page->cursor(), IsEmpty());
  EXPECT_EQ(page->fetch_limit(), 4);
}

TEST_F(PagingTest, TokensResumeAfterTheLastItemKeptAndHideIt) {
  const std::string token = TokenAfter("01J00000000000000000000000");
  EXPECT_THAT(token, Not(::testing::HasSubstr("01J0")));
  absl::StatusOr<PageRequest> next = StartPage(tokens_, kScope, kQuery, 10, token);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_FALSE(next->first_page());
  EXPECT_EQ(next->cursor(), "01J00000000000000000000000");

  // A long cursor (a file path, say) still makes a token that is accepted.
  const std::string long_cursor(4096, 'p');
  next = StartPage(tokens_, kScope, kQuery, 10, TokenAfter(long_cursor));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->cursor(), long_cursor);
}

TEST_F(PagingTest, EveryEditedTruncatedOrExtendedTokenIsRefused) {
  // Cursors whose tokens end on every kind of base64 group, so the spare
  // bits of a last character are edited too.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (const std::string cursor : {"abc", "abcd", "abcde", "microneedling"}) {
    const std::string token = TokenAfter(cursor);
    for (size_t i = 0; i < token.size(); ++i) {
      for (size_t step = 1; step < alphabet.size(); step += 7) {
        std::string edited = token;
        edited[i] = alphabet[(alphabet.find(token[i]) + step) % alphabet.size()];
        ExpectRefused(edited);
      }
    }
    ExpectRefused(token + "=");
    ExpectRefused(token + "==");
  }
  const std::string token = TokenAfter("01J00000000000000000000000");
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string edited = raw;
    edited[i] ^= 0x01;
    ExpectRefused(absl::WebSafeBase64Escape(edited));
  }
  for (size_t length = 0; length < token.size(); ++length) {
    if (length > 0) ExpectRefused(token.substr(0, length));
  }
  ExpectRefused(token + "A");
  ExpectRefused(token + token);
  ExpectRefused(absl::WebSafeBase64Escape(raw + "0"));
  ExpectRefused(absl::WebSafeBase64Escape(raw.substr(0, raw.size() - 1)));
}

TEST_F(PagingTest, ForgedAndForeignTokensAreRefused) {
  const std::string token = TokenAfter("01J00000000000000000000000");
  // Made for another list, another query, or with another key.
  ExpectRefused(token, "ListOtherThings", kQuery);
  ExpectRefused(token, kScope, "site=b");
  ExpectRefused(token, kScope, "");
  PageTokens other_key(std::string(32, 'x'));
  EXPECT_FALSE(StartPage(other_key, kScope, kQuery, 10, token).ok());
  // Scope and query cannot bleed into each other.
  EXPECT_FALSE(StartPage(tokens_, "ListThingss", "ite=a", 10, token).ok());
  // Forged: the unsigned layout lists once used, and plain garbage.
  ExpectRefused(absl::WebSafeBase64Escape("p1|ListThings|01J00000000000000000000000"));
  ExpectRefused(absl::WebSafeBase64Escape(std::string(16, '\0') + "01J0"));
  ExpectRefused("%%%");
  ExpectRefused("garbage!");
  ExpectRefused(std::string(1, '\0'));
  ExpectRefused("\xff\xfe");
  // 100 KB of valid base64 or of junk: refused, and the error stays small.
  ExpectRefused(std::string(100 * 1024, 'A'));
  ExpectRefused(std::string(100 * 1024, '\xe9'));
  ExpectRefused(token + std::string(100 * 1024 - token.size(), 'A'));
}

TEST_F(PagingTest, APageStopsAtItsSizeAndSaysWhetherMoreFollow) {
  absl::StatusOr<PageRequest> page = StartPage(tokens_, kScope, kQuery, 2, "");
  ASSERT_TRUE(page.ok());
  {
    // Fewer items than the size: the last page.
    PageBuilder builder(*page, kMaxPageBudgetBytes);
    EXPECT_TRUE(builder.Offer(Item("a"), "a"));
    EXPECT_EQ(builder.size(), 1);
    EXPECT_THAT(builder.next_page_token(), IsEmpty());
  }
  {
    // Exactly the size: still the last page, as no extra item was fetched.
    PageBuilder builder(*page, kMaxPageBudgetBytes);
    EXPECT_TRUE(builder.Offer(Item("a"), "a"));
    EXPECT_TRUE(builder.Offer(Item("b"), "b"));
    EXPECT_THAT(builder.next_page_token(), IsEmpty());
  }
  {
    // The extra item says more follow; the token resumes after the last kept.
    PageBuilder builder(*page, kMaxPageBudgetBytes);
    EXPECT_TRUE(builder.Offer(Item("a"), "a"));
    EXPECT_TRUE(builder.Offer(Item("b"), "b"));
    EXPECT_FALSE(builder.Offer(Item("c"), "c"));
    EXPECT_FALSE(builder.Offer(Item("d"), "d"));
    EXPECT_EQ(builder.size(), 2);
    absl::StatusOr<PageRequest> next =
        StartPage(tokens_, kScope, kQuery, 2, builder.next_page_token());
    ASSERT_TRUE(next.ok()) << next.status();
    EXPECT_EQ(next->cursor(), "b");
  }
}

TEST_F(PagingTest, ABudgetSmallerThanOneItemStillGivesOneItem) {
  absl::StatusOr<PageRequest> page = StartPage(tokens_, kScope, kQuery, 100, "");
  ASSERT_TRUE(page.ok());
  PageBuilder builder(*page, /*budget_bytes=*/10);
  EXPECT_TRUE(builder.Offer(Item(std::string(1000, 'x')), "first"));
  EXPECT_FALSE(builder.Offer(Item("y"), "second"));
  EXPECT_EQ(builder.size(), 1);
  absl::StatusOr<PageRequest> next =
      StartPage(tokens_, kScope, kQuery, 100, builder.next_page_token());
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->cursor(), "first");

  PageBuilder empty_budget(*page, /*budget_bytes=*/0);
  EXPECT_TRUE(empty_budget.Offer(Item("only"), "only"));
  EXPECT_THAT(empty_budget.next_page_token(), IsEmpty());
}

TEST_F(PagingTest, AnExactlyFittingBudgetTakesEveryItemAndOneByteLessOneFewer) {
  std::vector<google::protobuf::StringValue> items;
  size_t total = 0;
  for (int i = 0; i < 5; ++i) {
    items.push_back(Item(std::string(100 + i * 37, 'a' + i)));
    total += PageItemBytes(items.back());
  }
  EXPECT_GT(PageItemBytes(items[0]), items[0].ByteSizeLong());
  absl::StatusOr<PageRequest> page = StartPage(tokens_, kScope, kQuery, 100, "");
  ASSERT_TRUE(page.ok());
  const auto fill = [&](size_t budget) {
    PageBuilder builder(*page, budget);
    std::vector<std::string> kept;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!builder.Offer(items[i], absl::StrCat(i))) break;
      kept.push_back(absl::StrCat(i));
    }
    return std::make_pair(kept, builder.next_page_token());
  };
  auto [all, no_more] = fill(total);
  EXPECT_THAT(all, ElementsAre("0", "1", "2", "3", "4"));
  EXPECT_THAT(no_more, IsEmpty());
  auto [fewer, more] = fill(total - 1);
  EXPECT_THAT(fewer, ElementsAre("0", "1", "2", "3"));
  absl::StatusOr<PageRequest> next = StartPage(tokens_, kScope, kQuery, 100, more);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->cursor(), "3");
}

TEST_F(PagingTest, TheQueryFingerprintIsEveryFieldButThePagingOnes) {
  v1::ListClientsRequest request;
  request.set_home_site_id("london-soho");
  const std::string fingerprint = QueryFingerprint(request);
  v1::ListClientsRequest paged = request;
  paged.set_page_size(7);
  paged.set_page_token("anything");
  EXPECT_EQ(QueryFingerprint(paged), fingerprint);
  v1::ListClientsRequest other = request;
  other.set_home_site_id("new-york-soho");
  EXPECT_NE(QueryFingerprint(other), fingerprint);
  other = request;
  other.set_state(v1::CLIENT_STATE_ARCHIVED);
  EXPECT_NE(QueryFingerprint(other), fingerprint);
  other = request;
  other.mutable_updated_since()->set_seconds(1);
  EXPECT_NE(QueryFingerprint(other), fingerprint);
  EXPECT_NE(QueryFingerprint(v1::ListClientsRequest()), fingerprint);

  // The overload for requests binds the token to the fingerprint.
  v1::ListClientsRequest one = request;
  one.set_page_size(1);
  absl::StatusOr<PageRequest> first = StartPage(tokens_, "ListClients", one);
  ASSERT_TRUE(first.ok());
  PageBuilder builder(*first, kMaxPageBudgetBytes);
  ASSERT_TRUE(builder.Offer(Item("a"), "a"));
  ASSERT_FALSE(builder.Offer(Item("b"), "b"));
  paged.set_page_token(builder.next_page_token());
  absl::StatusOr<PageRequest> next = StartPage(tokens_, "ListClients", paged);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->cursor(), "a");
  other.set_page_token(builder.next_page_token());
  EXPECT_THAT(Fields(StartPage(tokens_, "ListClients", other).status()), ElementsAre("page_token"));
}

TEST_F(PagingTest, TheBudgetIsHalfTheMessageLimitAtMostOneMebibyte) {
  config::v1::ServerConfig config;
  EXPECT_EQ(PageBudgetBytes(config), size_t{1} << 20);
  config.mutable_server()->set_max_message_bytes(32 << 10);
  EXPECT_EQ(PageBudgetBytes(config), size_t{16} << 10);
  config.mutable_server()->set_max_message_bytes(64 << 20);
  EXPECT_EQ(PageBudgetBytes(config), size_t{1} << 20);
}

}  // namespace
}  // namespace clinic::storage
