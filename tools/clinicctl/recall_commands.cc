// clinicctl's recall commands: recalling a lot chain-wide, tracing it to the
// clients treated with it (and the reverse, every lot used on a client), and
// following stock alerts as they are raised.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/event_stream.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(int64_t, after, 0,
          "watch-alerts: print the alerts after this event_id (the first column of the last "
          "line printed); 0 for only those raised from now on.");

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::Inventory::Stub> Inventory() { return v1::Inventory::NewStub(Channel()); }

int Recall(const std::vector<std::string>& args) {
  v1::RecallLotRequest request;
  request.set_name(args[0]);
  request.set_reason(args[1]);
  request.set_request_id(RequestId());
  v1::Recall response;
  return Print(Inventory()->RecallLot(Context().get(), request, &response), response);
}

int Trace(const std::vector<std::string>& args) {
  v1::TraceLotRequest request;
  request.set_name(args[0]);
  return ForEachPage(*Inventory(), &v1::Inventory::Stub::TraceLot, request,
                     [](const v1::TraceLotResponse& page) {
                       for (const v1::LotUse& use : page.uses()) {
                         PrintRow(use, {FormatTime(use.consume_time()), use.site_id(), use.client(),
                                        absl::StrCat(use.quantity()), use.treatment_reference()});
                       }
                     });
}

int ClientLots(const std::vector<std::string>& args) {
  v1::ListClientConsumptionsRequest request;
  request.set_client(args[0]);
  return ForEachPage(
      *Inventory(), &v1::Inventory::Stub::ListClientConsumptions, request,
      [](const v1::ListClientConsumptionsResponse& page) {
        for (const v1::LotUse& use : page.uses()) {
          PrintRow(use, {FormatTime(use.consume_time()), use.site_id(), use.lot(), use.lot_number(),
                         absl::StrCat(use.quantity()), use.treatment_reference()});
        }
      });
}

// Prints each alert as it arrives, flushed at once so a script reading the
// output sees it. A stream has no end of its own: the server ends it after
// its age limit (UNAVAILABLE, reason STREAM_MAX_AGE), and this reconnects
// after the last event_id printed, so nothing is missed or printed twice.
// Any other end is an error: the script resumes with --after. (Until the
// first alert arrives the resume point stays --after; with 0, an alert
// raised while reconnecting is not seen, so scripts that must not miss one
// start from an id.)
int WatchAlerts(const std::vector<std::string>& args) {
  auto stub = Inventory();
  int64_t after = absl::GetFlag(FLAGS_after);
  for (;;) {
    v1::WatchAlertsRequest request;
    if (!args.empty()) request.set_site_id(args[0]);
    request.set_after_event_id(after);
    std::unique_ptr<grpc::ClientContext> context = StreamContext();
    std::unique_ptr<grpc::ClientReader<v1::Alert>> reader =
        stub->WatchAlerts(context.get(), request);
    reader->WaitForInitialMetadata();
    const auto& headers = context->GetServerInitialMetadata();
    if (auto open = headers.find(server::kStreamOpenKey);
        open != headers.end() && open->second == server::kStreamOpenValue) {
      // Said once the server is serving, so a script knows that alerts
      // raised from now on will arrive.
      if (after == 0) {
        std::fprintf(stderr, "watching alerts from now on\n");
      } else {
        std::fprintf(stderr, "watching alerts after %lld\n", static_cast<long long>(after));
      }
    }
    v1::Alert alert;
    while (reader->Read(&alert)) {
      PrintRow(alert, {absl::StrCat(alert.event_id()), FormatTime(alert.create_time()),
                       Label(alert.kind()), alert.site_id(),
                       alert.lot().empty() ? alert.product() : alert.lot(), alert.message()});
      std::fflush(stdout);
      after = alert.event_id();
    }
    const grpc::Status status = reader->Finish();
    if (status.ok()) return 0;
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        GetReason(FromGrpcStatus(status)) == "STREAM_MAX_AGE") {
      continue;
    }
    return PrintError(status);
  }
}

}  // namespace

void AddRecallCommands(Registry& registry) {
  registry.Add({"recall",
                "LOT REASON",
                "recall a lot at every site",
                "LOT is products/ID/lots/ID; REASON is the manufacturer's notice. Every site's\n"
                "units of it stop being usable at once, units in transit arrive recalled, and\n"
                "a recall alert is raised for each site concerned. Prints what the recall\n"
                "found: units per site, in transit, and already consumed (trace lists the\n"
                "clients). Needs a chain-wide role.",
                {"request_id"},
                Recall});
  registry.Add({"trace",
                "LOT",
                "every consumption of a lot, oldest first",
                "One line per use: time, site, client, units, treatment reference. It names\n"
                "clients, so it needs the chart's permission (a practitioner's token).",
                {},
                Trace});
  registry.Add({"client-lots",
                "clients/ID",
                "every lot used on a client, newest first",
                "One line per use: time, site, lot, lot number, units, treatment reference.",
                {},
                ClientLots});
  registry.Add({"watch-alerts",
                "[SITE] [--after=ID]",
                "print stock alerts as they are raised",
                "One line per alert as it arrives: event_id, time, kind (low_stock,\n"
                "expiring_soon, recall), site, lot (or product), message. Runs until\n"
                "interrupted or the server ends the stream (exit status 1, the reason on\n"
                "stderr); rerun with --after=ID, the first column of the last line, to resume\n"
                "with nothing missed or repeated. When the server ends the stream at its age\n"
                "limit it reconnects by itself. \"watching alerts\" on stderr says the stream\n"
                "is open. Without SITE, every site (a chain-wide permission).",
                {"after"},
                WatchAlerts});
}

}  // namespace clinic::clinicctl
