#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/core/paging.h"
#include "common/storage/ids.h"
#include "google/protobuf/util/time_util.h"
#include "services/access/access_service.h"

namespace clinic::access {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kDefaultAuditPage = 100;
constexpr int kMaxAuditPage = 500;

absl::optional<absl::Time> TimeOf(const google::protobuf::Timestamp& timestamp, bool present) {
  if (!present) return absl::nullopt;
  return absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(timestamp));
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
    const std::string& client = request.client();
    if (!absl::StartsWith(client, "clients/") ||
        !storage::IsWellFormedId(absl::string_view(client).substr(8))) {
      violations.push_back({"client", absl::StrCat("\"", client.substr(0, 64),
                                                   "\" is not a client name \"clients/{id}\"")});
    }
  }
  if (request.principal().size() > 200) {
    violations.push_back({"principal", "is longer than any principal name"});
  }
  for (const auto& [field, present, timestamp] :
       {std::make_tuple("start_time", request.has_start_time(), &request.start_time()),
        std::make_tuple("end_time", request.has_end_time(), &request.end_time())}) {
    // 0001-01-01 to 9999-12-31, nanos in range: what Timestamp allows.
    if (present && (timestamp->seconds() < -62135596800 || timestamp->seconds() > 253402300799 ||
                    timestamp->nanos() < 0 || timestamp->nanos() > 999999999)) {
      violations.push_back({field, "is not a valid timestamp"});
    }
  }
  if (violations.empty() && request.has_start_time() && request.has_end_time() &&
      TimeUtil::TimestampToMilliseconds(request.end_time()) <=
          TimeUtil::TimestampToMilliseconds(request.start_time())) {
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
  query.start_time = TimeOf(request.start_time(), request.has_start_time());
  query.end_time = TimeOf(request.end_time(), request.has_end_time());
  query.limit = request.page_size() == 0 ? kDefaultAuditPage
                                         : std::min<int>(request.page_size(), kMaxAuditPage);
  // The token is bound to the filters, so it cannot be replayed with others.
  v1::ListAuditEventsRequest filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  std::string fingerprint;
  filters.SerializeToString(&fingerprint);
  const std::string scope = absl::StrCat("auditEvents:", absl::BytesToHexString(fingerprint));
  absl::StatusOr<std::string> before = DecodePageToken(scope, request.page_token());
  if (!before.ok()) return before.status();
  if (!before->empty() && !absl::SimpleAtoi(*before, &query.before_sequence)) {
    return InvalidField("page_token", "is not a token from this list");
  }
  ++query.limit;
  absl::StatusOr<std::vector<v1::AuditEvent>> events = log_.Query(query);
  if (!events.ok()) return events.status();
  const int page = query.limit - 1;
  for (int i = 0; i < static_cast<int>(events->size()) && i < page; ++i) {
    *response->add_events() = (*events)[i];
  }
  if (static_cast<int>(events->size()) > page) {
    response->set_next_page_token(
        EncodePageToken(scope, absl::StrCat((*events)[page - 1].sequence())));
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
