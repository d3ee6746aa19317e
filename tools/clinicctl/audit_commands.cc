// clinicctl's audit commands: listing the audit trail and checking its hash
// chain.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "common/core/time.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, client, "",
          "audit-events, invoices: only events about clients/ID, or invoices of it.");
ABSL_FLAG(std::string, by, "", "audit-events: only events by this principal.");
ABSL_FLAG(std::string, since, "", "audit-events: from this RFC 3339 time.");
ABSL_FLAG(std::string, until, "", "audit-events: before this RFC 3339 time.");
ABSL_FLAG(int, limit, 100, "audit-events: most events to print.");

namespace clinic::clinicctl {
namespace {

int AuditEvents(const std::vector<std::string>&) {
  v1::ListAuditEventsRequest request;
  request.set_client(absl::GetFlag(FLAGS_client));
  request.set_principal(absl::GetFlag(FLAGS_by));
  request.set_site_id(absl::GetFlag(FLAGS_site));
  if (!absl::GetFlag(FLAGS_since).empty() &&
      !ParseTime(absl::GetFlag(FLAGS_since), request.mutable_start_time())) {
    return kBadUsage;
  }
  if (!absl::GetFlag(FLAGS_until).empty() &&
      !ParseTime(absl::GetFlag(FLAGS_until), request.mutable_end_time())) {
    return kBadUsage;
  }
  auto audit = v1::Audit::NewStub(Channel());
  // Pages until --limit events are printed, not to the end of the trail.
  int left = absl::GetFlag(FLAGS_limit);
  do {
    request.set_page_size(std::min(left, 500));
    v1::ListAuditEventsResponse response;
    const grpc::Status status = audit->ListAuditEvents(Context().get(), request, &response);
    if (!status.ok()) return PrintError(status);
    for (const auto& event : response.events()) {
      std::string who = event.principal();
      if (!event.on_behalf_of().empty()) absl::StrAppend(&who, " for ", event.on_behalf_of());
      PrintRow(event, {absl::StrCat(event.sequence()),
                       absl::FormatTime(absl::RFC3339_sec, FromTimestamp(event.event_time()),
                                        absl::UTCTimeZone()),
                       who, event.method(), absl::StrJoin(event.resource_names(), ","),
                       absl::StrCat("code=", event.status_code()), event.site_id()});
      --left;
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && left > 0);
  return 0;
}

int VerifyAudit(const std::vector<std::string>&) {
  v1::VerifyAuditLogResponse response;
  const grpc::Status status =
      v1::Audit::NewStub(Channel())->VerifyAuditLog(Context().get(), {}, &response);
  const int printed = Print(status, response);
  if (printed != 0) return printed;
  return response.intact() ? 0 : 3;
}

}  // namespace

void AddAuditCommands(Registry& registry) {
  registry.Area("audit");
  registry.Add({"audit-events",
                "",
                "list audit events, newest first",
                "One line per event: sequence, time, principal (and the person acted for),\n"
                "method, resources, code=N, site. Prints at most --limit events.",
                {"client", "by", "site", "since", "until", "limit"},
                AuditEvents});
  registry.Add({"verify-audit",
                "",
                "check the audit trail's hash chain",
                "Exit status 3 when the chain is broken; the response names the first event\n"
                "that was changed.",
                {},
                VerifyAudit});
}

}  // namespace clinic::clinicctl
