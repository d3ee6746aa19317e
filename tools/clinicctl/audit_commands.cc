// clinicctl's audit commands: listing the audit trail and checking its hash
// chain, of one process or of every process of a deployment (--server with
// several addresses), where one request can be followed through the trails
// of all the services it reached.
#include <algorithm>
#include <cstdio>
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
ABSL_FLAG(int, limit, 100, "audit-events: most events to print from each process.");
ABSL_FLAG(std::string, trace, "",
          "audit-events: only the calls made under this request id (the one a write command "
          "prints), including those services made for it.");

namespace clinic::clinicctl {
namespace {

struct Listed {
  std::string server;
  v1::AuditEvent event;
};

// Up to --limit events of one process, newest first; false when a call
// failed (already printed).
bool ReadTrail(const std::string& server, v1::ListAuditEventsRequest request,
               std::vector<Listed>& out) {
  auto audit = v1::Audit::NewStub(ChannelTo(server));
  int left = absl::GetFlag(FLAGS_limit);
  do {
    request.set_page_size(std::min(left, 500));
    v1::ListAuditEventsResponse response;
    const grpc::Status status = audit->ListAuditEvents(Context().get(), request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "%s: ", server.c_str());
      PrintError(status);
      return false;
    }
    for (v1::AuditEvent& event : *response.mutable_events()) {
      out.push_back({server, std::move(event)});
      --left;
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && left > 0);
  return true;
}

int AuditEvents(const std::vector<std::string>&) {
  v1::ListAuditEventsRequest request;
  request.set_client(absl::GetFlag(FLAGS_client));
  request.set_principal(absl::GetFlag(FLAGS_by));
  request.set_site_id(absl::GetFlag(FLAGS_site));
  request.set_request_id(absl::GetFlag(FLAGS_trace));
  if (!absl::GetFlag(FLAGS_since).empty() &&
      !ParseTime(absl::GetFlag(FLAGS_since), request.mutable_start_time())) {
    return kBadUsage;
  }
  if (!absl::GetFlag(FLAGS_until).empty() &&
      !ParseTime(absl::GetFlag(FLAGS_until), request.mutable_end_time())) {
    return kBadUsage;
  }
  const std::vector<std::string> servers = Servers();
  // One list per trail, each newest first by its own sequence.
  std::vector<std::vector<Listed>> trails(servers.size());
  int failed = 0;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (!ReadTrail(servers[i], request, trails[i])) ++failed;
  }
  // One timeline across the processes: the trails are merged by time, and
  // each keeps its own order (an event's time is when its call began, so a
  // long call's event may follow shorter ones in its trail).
  std::vector<Listed> events;
  std::vector<size_t> next(trails.size(), 0);
  while (true) {
    int pick = -1;
    for (size_t i = 0; i < trails.size(); ++i) {
      if (next[i] == trails[i].size()) continue;
      if (pick < 0 || FromTimestamp(trails[i][next[i]].event.event_time()) >
                          FromTimestamp(trails[pick][next[pick]].event.event_time())) {
        pick = static_cast<int>(i);
      }
    }
    if (pick < 0) break;
    events.push_back(std::move(trails[pick][next[pick]++]));
  }
  for (const Listed& listed : events) {
    const v1::AuditEvent& event = listed.event;
    std::string who = event.principal();
    if (!event.on_behalf_of().empty()) absl::StrAppend(&who, " for ", event.on_behalf_of());
    std::vector<std::string> columns;
    if (servers.size() > 1) columns.push_back(listed.server);
    for (std::string column :
         {absl::StrCat(event.sequence()),
          absl::FormatTime(absl::RFC3339_sec, FromTimestamp(event.event_time()),
                           absl::UTCTimeZone()),
          who, event.method(), absl::StrJoin(event.resource_names(), ","),
          absl::StrCat("code=", event.status_code()), event.site_id(), event.request_id()}) {
      columns.push_back(std::move(column));
    }
    PrintRow(event, columns);
  }
  return failed == 0 ? 0 : kCallFailed;
}

int VerifyAudit(const std::vector<std::string>&) {
  const std::vector<std::string> servers = Servers();
  if (servers.size() == 1) {
    v1::VerifyAuditLogResponse response;
    const grpc::Status status =
        v1::Audit::NewStub(ChannelTo(servers[0]))->VerifyAuditLog(Context().get(), {}, &response);
    const int printed = Print(status, response);
    if (printed != 0) return printed;
    return response.intact() ? 0 : 3;
  }
  // One line per process, so a broken trail stands out among several.
  int result = 0;
  for (const std::string& server : servers) {
    v1::VerifyAuditLogResponse response;
    const grpc::Status status =
        v1::Audit::NewStub(ChannelTo(server))->VerifyAuditLog(Context().get(), {}, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "%s: ", server.c_str());
      PrintError(status);
      if (result == 0) result = kCallFailed;
      continue;
    }
    const std::string verdict =
        response.intact() ? "intact"
                          : absl::StrCat("BROKEN at event ", response.first_broken_sequence(), ": ",
                                         response.problem());
    PrintRow(response, {server, verdict, absl::StrCat(response.event_count(), " events"),
                        absl::StrCat("head ", response.head_hash())});
    if (!response.intact()) result = 3;
  }
  return result;
}

}  // namespace

void AddAuditCommands(Registry& registry) {
  registry.Area("audit");
  registry.Add({"audit-events",
                "",
                "list audit events, newest first",
                "One line per event: sequence, time, principal (and the person acted for),\n"
                "method, resources, code=N, site, request id. Prints at most --limit events\n"
                "of each process. With several --server addresses the trails are merged by\n"
                "time and each line starts with its process, e.g. to follow one treatment:\n"
                "  clinicctl --server=127.0.0.1:50061,127.0.0.1:50062,127.0.0.1:50063,\\\n"
                "      127.0.0.1:50064 audit-events --trace=REQUEST_ID",
                {"client", "by", "site", "since", "until", "limit", "trace"},
                AuditEvents});
  registry.Add({"verify-audit",
                "",
                "check the audit trail's hash chain",
                "Exit status 3 when a chain is broken; the response names the first event\n"
                "that was changed. With several --server addresses, one line per process:\n"
                "address, intact or where it broke, events, head hash.",
                {},
                VerifyAudit});
}

}  // namespace clinic::clinicctl
