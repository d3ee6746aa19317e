// The Audit service: reading the audit trail a page at a time, and checking
// its hash chain.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/core/resource_name.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/ids.h"
#include "services/access/access_service.h"

namespace clinic::access {
namespace {

// Events are small and read in bulk, so pages are larger than elsewhere.
constexpr storage::PageSizes kAuditPageSizes{100, 500};
constexpr size_t kMaxPrincipalFilter = 200;
// The names ClientRecords gives its clients, whose trail the client filter
// asks for.
constexpr ResourcePattern kClientName("clients/{client_id}", storage::IsWellFormedId);

}  // namespace

AuditService::AuditService(audit::AuditLog& log, const storage::PageTokens& page_tokens,
                           size_t page_budget_bytes)
    // Verification reads the whole trail; one at a time is plenty.
    : ServiceKit(/*threads=*/2, /*max_queued=*/64),
      log_(log),
      page_tokens_(page_tokens),
      page_budget_bytes_(page_budget_bytes) {
  Handle("ListAuditEvents", &AuditService::ListAuditEvents);
  Handle("VerifyAuditLog", &AuditService::VerifyAuditLog);
}

absl::Status AuditService::ListAuditEvents(const server::Call& /*call*/,
                                           const v1::ListAuditEventsRequest& request,
                                           v1::ListAuditEventsResponse& response) {
  std::vector<FieldViolation> violations;
  if (!request.client().empty()) {
    absl::Status client = kClientName.Parse(request.client(), "client").status();
    for (FieldViolation& v : GetFieldViolations(client)) violations.push_back(std::move(v));
  }
  if (request.principal().size() > kMaxPrincipalFilter) {
    violations.push_back({"principal", "is longer than any principal name"});
  } else if (!request.principal().empty() && !IsPrincipalName(request.principal())) {
    violations.push_back({"principal", absl::StrCat(Quote(request.principal()),
                                                    " is not a principal name such as "
                                                    "\"staff/jane-doe\"")});
  }
  if (!request.site_id().empty() && !IsIdentifier(request.site_id())) {
    violations.push_back({"site_id", absl::StrCat(Quote(request.site_id()),
                                                  " is not a site id (lowercase letters, digits "
                                                  "and hyphens)")});
  }
  if (request.request_id().size() > kMaxRequestIdBytes) {
    violations.push_back({"request_id", absl::StrCat("is longer than ", kMaxRequestIdBytes,
                                                     " bytes, the longest request id")});
  } else if (!request.request_id().empty() && !IsWellFormedRequestId(request.request_id())) {
    violations.push_back(
        {"request_id", "is not a request id (printable ASCII characters without spaces)"});
  }
  absl::optional<absl::Time> start_time, end_time;
  if (request.has_start_time()) {
    start_time = CheckTimestamp(request.start_time(), "start_time", violations);
  }
  if (request.has_end_time()) end_time = CheckTimestamp(request.end_time(), "end_time", violations);
  if (start_time && end_time && *end_time <= *start_time) {
    violations.push_back({"end_time", "must be after start_time"});
  }
  storage::CheckPageSize(request.page_size(), violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  audit::AuditQuery query;
  query.client = request.client();
  query.principal = request.principal();
  query.site_id = request.site_id();
  query.request_id = request.request_id();
  query.start_time = start_time;
  query.end_time = end_time;
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(page_tokens_, "ListAuditEvents", request, kAuditPageSizes);
  if (!page.ok()) return page.status();
  if (!page->first_page() &&
      (!absl::SimpleAtoi(page->cursor(), &query.before_sequence) || query.before_sequence <= 0)) {
    return storage::BadPageToken();
  }
  query.limit = page->fetch_limit();
  absl::StatusOr<std::vector<v1::AuditEvent>> events = log_.Query(query);
  if (!events.ok()) return events.status();
  storage::PageBuilder builder(*page, page_budget_bytes_);
  for (v1::AuditEvent& event : *events) {
    if (!builder.Offer(event, absl::StrCat(event.sequence()))) break;
    *response.add_events() = std::move(event);
  }
  response.set_next_page_token(builder.next_page_token());
  return absl::OkStatus();
}

absl::Status AuditService::VerifyAuditLog(const server::Call& /*call*/,
                                          const v1::VerifyAuditLogRequest& /*request*/,
                                          v1::VerifyAuditLogResponse& response) {
  absl::StatusOr<audit::Verification> result = log_.VerifyChain();
  if (!result.ok()) return result.status();
  response.set_intact(result->intact);
  response.set_event_count(result->event_count);
  response.set_head_hash(result->head_hash);
  response.set_first_broken_sequence(result->first_broken_sequence);
  response.set_problem(result->problem);
  return absl::OkStatus();
}

}  // namespace clinic::access
