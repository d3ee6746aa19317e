// The Audit service: reading the audit trail a page at a time, and checking
// its hash chain.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/core/paging.h"
#include "common/core/resource_name.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/ids.h"
#include "services/access/access_service.h"

namespace clinic::access {
namespace {

constexpr int kDefaultAuditPage = 100;
constexpr int kMaxAuditPage = 500;
constexpr size_t kMaxPrincipalFilter = 200;
// The names ClientRecords gives its clients, whose trail the client filter
// asks for.
constexpr ResourcePattern kClientName("clients/{client_id}", storage::IsWellFormedId);

// The filters of a request, serialized the same way every time, so a page
// token is bound to exactly the query it came from.
std::string Fingerprint(const v1::ListAuditEventsRequest& request) {
  v1::ListAuditEventsRequest filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    filters.SerializeToCodedStream(&coded);
  }
  return bytes;
}

}  // namespace

grpc::ServerUnaryReactor* AuditService::ListAuditEvents(grpc::CallbackServerContext* context,
                                                        const v1::ListAuditEventsRequest* request,
                                                        v1::ListAuditEventsResponse* response) {
  return server::RunBlocking(
      pool_, context, [this, request, response] { return DoListAuditEvents(*request, response); });
}

absl::Status AuditService::DoListAuditEvents(const v1::ListAuditEventsRequest& request,
                                             v1::ListAuditEventsResponse* response) {
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
  absl::optional<absl::Time> start_time, end_time;
  if (request.has_start_time()) {
    start_time = CheckTimestamp(request.start_time(), "start_time", violations);
  }
  if (request.has_end_time()) end_time = CheckTimestamp(request.end_time(), "end_time", violations);
  if (start_time && end_time && *end_time <= *start_time) {
    violations.push_back({"end_time", "must be after start_time"});
  }
  if (request.page_size() < 0) {
    violations.push_back({"page_size", absl::StrCat(request.page_size(), " is negative")});
  }
  if (!violations.empty()) {
    return FieldViolations(absl::StatusCode::kInvalidArgument, "", violations);
  }
  audit::AuditQuery query;
  query.client = request.client();
  query.principal = request.principal();
  query.site_id = request.site_id();
  query.start_time = start_time;
  query.end_time = end_time;
  const int page = request.page_size() == 0 ? kDefaultAuditPage
                                            : std::min<int>(request.page_size(), kMaxAuditPage);
  // The token is bound to the filters, so it cannot be replayed with others.
  const std::string fingerprint = Fingerprint(request);
  absl::StatusOr<std::string> before =
      page_tokens_.Decode("ListAuditEvents", fingerprint, request.page_token());
  if (!before.ok()) return before.status();
  if (!before->empty() &&
      (!absl::SimpleAtoi(*before, &query.before_sequence) || query.before_sequence <= 0)) {
    return InvalidField("page_token", "is not a token returned by this method for this query");
  }
  query.limit = page + 1;
  absl::StatusOr<std::vector<v1::AuditEvent>> events = log_.Query(query);
  if (!events.ok()) return events.status();
  PageFiller filler(page_budget_bytes_);
  for (int i = 0; i < static_cast<int>(events->size()); ++i) {
    const v1::AuditEvent& event = (*events)[i];
    if (i == page || !filler.Fits(event)) {
      response->set_next_page_token(page_tokens_.Encode("ListAuditEvents", fingerprint,
                                                        absl::StrCat((*events)[i - 1].sequence())));
      break;
    }
    *response->add_events() = event;
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AuditService::VerifyAuditLog(grpc::CallbackServerContext* context,
                                                       const v1::VerifyAuditLogRequest* /*request*/,
                                                       v1::VerifyAuditLogResponse* response) {
  return server::RunBlocking(pool_, context, [this, response]() -> absl::Status {
    absl::StatusOr<audit::Verification> result = log_.VerifyChain();
    if (!result.ok()) return result.status();
    response->set_intact(result->intact);
    response->set_event_count(result->event_count);
    response->set_head_hash(result->head_hash);
    response->set_first_broken_sequence(result->first_broken_sequence);
    response->set_problem(result->problem);
    return absl::OkStatus();
  });
}

}  // namespace clinic::access
