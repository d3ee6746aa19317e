// Paging for every List and Search method (docs/api.md, "Pagination"): the
// page size, the page token and the page itself, written once. A token is
// signed (page_tokens.h) and bound to its method and to the request's other
// fields, so it cannot be edited to jump elsewhere nor replayed with other
// filters; a page stops early at a byte budget, so it always fits in a
// response.
//
// It lives in storage rather than core because a token is only as good as its
// key, and keys are kept in databases: a store signs with the key in its own
// database, and a list with no database of its own (the treatment catalog)
// with the key in the process's access database (AccessStore::page_tokens).
//
// A List method calls StartPage, fetches request.fetch_limit() items in list
// order after request.cursor(), offers them to a PageBuilder until it refuses
// one, and returns builder.next_page_token(). A cursor that verified but that
// the list cannot read (a token of an older cursor layout) is refused with
// BadPageToken() (page_tokens.h), like any other bad token.
#ifndef CLINIC_COMMON_STORAGE_PAGING_H_
#define CLINIC_COMMON_STORAGE_PAGING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clinic/config/v1/server_config.pb.h"
#include "common/core/status.h"
#include "common/storage/page_tokens.h"
#include "google/protobuf/message.h"

namespace clinic::storage {

// How many items a page_size of 0 asks for, and the most any page_size gets.
struct PageSizes {
  int32_t default_size;
  int32_t max_size;
};

// Every list's sizes, unless its contract documents others.
inline constexpr PageSizes kDefaultPageSizes{50, 100};

// The largest byte budget a page gets, whatever the message limit.
inline constexpr size_t kMaxPageBudgetBytes = size_t{1} << 20;

// Longer tokens are refused before they are decoded: cursors are keys (ids,
// names, file names), and no token this server makes comes near this.
inline constexpr size_t kMaxPageTokenChars = 8192;

// How many bytes of items a page may carry: half of
// server.max_message_bytes (4 MiB when unset), at most kMaxPageBudgetBytes,
// so a page and the rest of its response fit in a message.
size_t PageBudgetBytes(const config::v1::ServerConfig& config);

// The fields of a List or Search request other than page_size and
// page_token (its parent and filters), serialized deterministically. Tokens
// are bound to it, so a token replayed with another parent or other filters
// is refused. It is not hashed: it only ever enters the token's HMAC.
std::string QueryFingerprint(const google::protobuf::Message& request);

// What an item counts against the budget: its bytes, plus its field tag and
// length prefix in the response (at most 6 more).
size_t PageItemBytes(const google::protobuf::Message& item);

// A checked page_size and page_token: where the page starts and how long it
// may be. Made only by StartPage.
class PageRequest {
 public:
  // The normalized page size, 1 to the list's maximum.
  int size() const { return size_; }
  // How many items to fetch: one more than the page holds tells whether
  // another page follows.
  int fetch_limit() const { return size_ + 1; }
  // The cursor of the last item of the previous page; empty on the first.
  const std::string& cursor() const { return cursor_; }
  bool first_page() const { return cursor_.empty(); }

 private:
  friend class PageBuilder;
  friend absl::StatusOr<PageRequest> StartPage(const PageTokens& tokens, absl::string_view scope,
                                               absl::string_view query_fingerprint,
                                               int32_t page_size, absl::string_view page_token,
                                               PageSizes sizes);

  PageRequest(const PageTokens& tokens, absl::string_view scope, absl::string_view query, int size,
              std::string cursor)
      : tokens_(&tokens), scope_(scope), query_(query), size_(size), cursor_(std::move(cursor)) {}

  const PageTokens* tokens_;
  std::string scope_;
  std::string query_;
  int size_;
  std::string cursor_;
};

// Adds the violation StartPage would return for a negative page_size, for a
// method that reports every bad field of a request at once.
void CheckPageSize(int32_t page_size, std::vector<FieldViolation>& out);

// Checks the paging fields of a call to the list `scope` (its method name,
// e.g. "ListClients"). page_size 0 gives sizes.default_size, larger values
// are lowered to sizes.max_size, and a negative one is INVALID_ARGUMENT
// naming page_size. A page_token not made by this list for the query with
// `query_fingerprint` (QueryFingerprint) and signed with `tokens`' key is
// INVALID_ARGUMENT naming page_token.
absl::StatusOr<PageRequest> StartPage(const PageTokens& tokens, absl::string_view scope,
                                      absl::string_view query_fingerprint, int32_t page_size,
                                      absl::string_view page_token,
                                      PageSizes sizes = kDefaultPageSizes);

// The same for a request message with page_size and page_token fields,
// fingerprinted with QueryFingerprint.
template <typename Request>
absl::StatusOr<PageRequest> StartPage(const PageTokens& tokens, absl::string_view scope,
                                      const Request& request, PageSizes sizes = kDefaultPageSizes) {
  return StartPage(tokens, scope, QueryFingerprint(request), request.page_size(),
                   request.page_token(), sizes);
}

// Fills one page from the items fetched for a PageRequest, in list order.
class PageBuilder {
 public:
  // `request` must outlive the builder. `budget_bytes` is usually
  // PageBudgetBytes of the server's config.
  PageBuilder(const PageRequest& request, size_t budget_bytes)
      : request_(request), budget_bytes_(budget_bytes) {}

  // Offers the next item; `cursor` (never empty) is what a later page
  // resumes after when this item is the last of this one. True when the item goes on this page:
  // add it to the response and offer the next. False when the page is
  // complete, because it holds page_size items or because this item would
  // take it past the budget (never the first item, so a page is never empty
  // while items remain): add nothing more; next_page_token() resumes with
  // this item.
  bool Offer(const google::protobuf::Message& item, absl::string_view cursor);

  // Ends the page before it is full, because the list's work for one page
  // is spent (a search that examined its budget of index entries): nothing
  // more goes on it, and next_page_token() resumes after `cursor`, a place
  // the list has passed, which may be after the last item kept. The page may
  // then hold no item; the token still moves the list on.
  void StopAt(absl::string_view cursor);

  // How many items went on the page.
  int size() const { return kept_; }

  // Empty when every fetched item went on the page (the last page), else a
  // signed token resuming after the last item kept.
  std::string next_page_token() const;

 private:
  const PageRequest& request_;
  size_t budget_bytes_;
  size_t used_bytes_ = 0;
  int kept_ = 0;
  bool complete_ = false;
  std::string last_cursor_;
};

// The cursor of a list in time order with an id to break ties (treatment
// records by when they were performed, screenings by when they were made,
// ledgers by when they were written): "{unix_ms}/{id}".
struct TimeIdCursor {
  int64_t unix_ms = 0;
  std::string id;

  std::string Format() const;
};

// Where the page resumes: an empty cursor on the first page, otherwise the
// token's; BadPageToken() when the token's cursor does not have that shape
// (it verified, so it was made by another cursor layout).
absl::StatusOr<TimeIdCursor> ParseTimeIdCursor(const PageRequest& page);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_PAGING_H_
