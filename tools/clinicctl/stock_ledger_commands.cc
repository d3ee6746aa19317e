// clinicctl's commands that change a site's stock, each one movement (or a
// few) in the site's append-only ledger: deliveries, consumption for a
// treatment, corrections, quarantine, disposal, counts and transfers. Each
// sends the run's request_id, so a retry with --request_id never acts twice.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, supplier, "", "receive: who delivered the units. Required.");
ABSL_FLAG(std::string, delivery_note, "", "receive: the delivery note's number.");
ABSL_FLAG(int, quantity, 0,
          "consume, add-line: units. consume: 1 to 100; 0 means the requirement's quantity per "
          "session (required with a product). add-line: 1 to 1000; 0 means 1.");
ABSL_FLAG(
    std::string, device, "",
    "consume, treat: the device used, e.g. 'Dermapen 4'; only cartridges that fit it are taken.");
ABSL_FLAG(std::string, note, "",
          "adjust, dispose, count, transfer: what happened, at most 500 characters.");
ABSL_FLAG(std::string, state, "",
          "transfers, invoices: only those in this state. transfers: in_transit or received; "
          "invoices: draft, issued, partially_paid, paid or void.");

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::Inventory::Stub> Inventory() { return v1::Inventory::NewStub(Channel()); }

int Receive(const std::vector<std::string>& args) {
  v1::ReceiveStockRequest request;
  request.set_site_id(args[0]);
  request.set_product(args[1]);
  request.set_lot_number(args[2]);
  int64_t quantity = 0;
  if (!ParseDate(args[3], request.mutable_expiry_date()) ||
      !ParseInt("QUANTITY", args[4], &quantity)) {
    return kBadUsage;
  }
  request.set_quantity(quantity);
  request.set_supplier(absl::GetFlag(FLAGS_supplier));
  request.set_delivery_note(absl::GetFlag(FLAGS_delivery_note));
  request.set_request_id(RequestId());
  v1::Movement response;
  return Print(Inventory()->ReceiveStock(Context().get(), request, &response), response);
}

int Consume(const std::vector<std::string>& args) {
  v1::ConsumeStockRequest request;
  request.set_site_id(args[0]);
  const std::string& what = args[1];
  if (absl::StartsWith(what, "products/")) {
    request.set_product(what);
  } else {
    const size_t colon = what.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == what.size()) {
      std::fprintf(stderr,
                   "error: what to consume is products/ID or TYPE:REQUIREMENT, e.g. "
                   "microneedling:face_36_42\n");
      return kBadUsage;
    }
    request.mutable_requirement()->set_treatment_type("treatmentTypes/" + what.substr(0, colon));
    request.mutable_requirement()->set_requirement_id(what.substr(colon + 1));
  }
  request.set_client(args[2]);
  request.set_treatment_reference(args[3]);
  request.set_quantity(absl::GetFlag(FLAGS_quantity));
  request.set_device(absl::GetFlag(FLAGS_device));
  request.set_request_id(RequestId());
  v1::Consumption response;
  return Print(Inventory()->ConsumeStock(Context().get(), request, &response), response);
}

int Adjust(const std::vector<std::string>& args) {
  v1::AdjustStockRequest request;
  request.set_site_id(args[0]);
  request.set_lot(args[1]);
  int64_t change = 0;
  v1::AdjustmentReason reason;
  if (!ParseInt("CHANGE", args[2], &change) || !ParseLabel("reason", args[3], &reason)) {
    return kBadUsage;
  }
  request.set_quantity_change(change);
  request.set_reason(reason);
  request.set_note(absl::GetFlag(FLAGS_note));
  request.set_request_id(RequestId());
  v1::Movement response;
  return Print(Inventory()->AdjustStock(Context().get(), request, &response), response);
}

// quarantine, release and dispose: SITE LOT QUANTITY, a note, and one RPC
// answering the movement it recorded.
template <typename Request, typename Send>
int LotMovement(const std::vector<std::string>& args, const std::string& note, Send send) {
  Request request;
  request.set_site_id(args[0]);
  request.set_lot(args[1]);
  int64_t quantity = 0;
  if (!ParseInt("QUANTITY", args[2], &quantity)) return kBadUsage;
  request.set_quantity(quantity);
  request.set_note(note);
  request.set_request_id(RequestId());
  v1::Movement response;
  return Print(send(*Inventory(), request, response), response);
}

int Quarantine(const std::vector<std::string>& args) {
  return LotMovement<v1::QuarantineStockRequest>(
      args, args[3], [](v1::Inventory::Stub& stub, const auto& request, v1::Movement& response) {
        return stub.QuarantineStock(Context().get(), request, &response);
      });
}

int Release(const std::vector<std::string>& args) {
  return LotMovement<v1::ReleaseStockRequest>(
      args, args[3], [](v1::Inventory::Stub& stub, const auto& request, v1::Movement& response) {
        return stub.ReleaseStock(Context().get(), request, &response);
      });
}

int Dispose(const std::vector<std::string>& args) {
  return LotMovement<v1::DisposeStockRequest>(
      args, absl::GetFlag(FLAGS_note),
      [](v1::Inventory::Stub& stub, const auto& request, v1::Movement& response) {
        return stub.DisposeStock(Context().get(), request, &response);
      });
}

int Count(const std::vector<std::string>& args) {
  v1::CountStockRequest request;
  request.set_site_id(args[0]);
  for (size_t i = 1; i < args.size(); ++i) {
    v1::CountedLot* counted = request.add_counts();
    int64_t number = 0;
    if (!ParseLotCount(args[i], counted->mutable_lot(), &number)) return kBadUsage;
    counted->set_counted_quantity(number);
  }
  request.set_note(absl::GetFlag(FLAGS_note));
  request.set_request_id(RequestId());
  v1::StockCount response;
  return Print(Inventory()->CountStock(Context().get(), request, &response), response);
}

int Transfer(const std::vector<std::string>& args) {
  v1::SendTransferRequest request;
  v1::Transfer& transfer = *request.mutable_transfer();
  transfer.set_from_site_id(args[0]);
  transfer.set_to_site_id(args[1]);
  for (size_t i = 2; i < args.size(); ++i) {
    v1::TransferLine* line = transfer.add_lines();
    int64_t quantity = 0;
    if (!ParseLotCount(args[i], line->mutable_lot(), &quantity)) return kBadUsage;
    line->set_quantity(quantity);
  }
  transfer.set_note(absl::GetFlag(FLAGS_note));
  request.set_request_id(RequestId());
  v1::Transfer response;
  return Print(Inventory()->SendTransfer(Context().get(), request, &response), response);
}

int ReceiveTransfer(const std::vector<std::string>& args) {
  v1::ReceiveTransferRequest request;
  request.set_name(args[0]);
  request.set_site_id(args[1]);
  request.set_request_id(RequestId());
  v1::Transfer response;
  return Print(Inventory()->ReceiveTransfer(Context().get(), request, &response), response);
}

int Transfers(const std::vector<std::string>& args) {
  v1::ListTransfersRequest request;
  request.set_site_id(args[0]);
  if (!absl::GetFlag(FLAGS_state).empty()) {
    v1::TransferState state;
    if (!ParseLabel("transfer state", absl::GetFlag(FLAGS_state), &state)) return kBadUsage;
    request.set_state(state);
  }
  return ForEachPage(*Inventory(), &v1::Inventory::Stub::ListTransfers, request,
                     [](const v1::ListTransfersResponse& page) {
                       for (const v1::Transfer& transfer : page.transfers()) {
                         std::vector<std::string> lines;
                         for (const v1::TransferLine& line : transfer.lines()) {
                           lines.push_back(absl::StrCat(line.lot(), "=", line.quantity()));
                         }
                         PrintRow(transfer,
                                  {transfer.name(), transfer.from_site_id(), transfer.to_site_id(),
                                   Label(transfer.state()), FormatTime(transfer.send_time()),
                                   absl::StrJoin(lines, " ")});
                       }
                     });
}

}  // namespace

void AddStockLedgerCommands(Registry& registry) {
  registry.Add({"receive",
                "SITE products/ID LOT_NUMBER YYYY-MM-DD QUANTITY --supplier=NAME "
                "[--delivery_note=NUMBER]",
                "receive a delivery at a site",
                "LOT_NUMBER and the expiry are as printed on the box. The first receipt of a\n"
                "lot number makes the lot; a later one must give the same expiry. Prints the\n"
                "movement, whose lot is the products/ID/lots/ID the other commands take.",
                {"supplier", "delivery_note", "request_id"},
                Receive});
  registry.Add({"consume",
                "SITE products/ID|TYPE:REQUIREMENT clients/ID REFERENCE",
                "take units for a treatment, first-expiring first",
                "What is consumed is one product, or any product fitting a requirement of a\n"
                "loaded treatment definition, e.g. microneedling:face_36_42. Never from an\n"
                "expired, quarantined or recalled lot; when the usable units fall short nothing\n"
                "is taken and the reason is on stderr. REFERENCE names the treatment, e.g. a\n"
                "treatment record; the client is kept for recall traces. Prints the lots used.",
                {"quantity", "device", "request_id"},
                Consume});
  registry.Add({"adjust",
                "SITE LOT CHANGE REASON [--note=TEXT]",
                "correct a site's usable units of a lot",
                "CHANGE is signed, e.g. -2 or 3. REASON is count_correction, damaged, found or\n"
                "other (other needs --note). LOT is products/ID/lots/ID.",
                {"note", "request_id"},
                Adjust});
  registry.Add({"quarantine",
                "SITE LOT QUANTITY NOTE",
                "set usable units of a lot aside",
                "Quarantined units stay on hand but are never allocated; NOTE says why.",
                {"request_id"},
                Quarantine});
  registry.Add({"release",
                "SITE LOT QUANTITY NOTE",
                "return quarantined units to use",
                "Refused for a lot recalled since (reason LOT_RECALLED); NOTE says why they are\n"
                "fine.",
                {"request_id"},
                Release});
  registry.Add({"dispose",
                "SITE LOT QUANTITY [--note=TEXT]",
                "take expired or recalled units off stock",
                "Only units of an expired or a recalled lot; damage is an adjustment.",
                {"note", "request_id"},
                Dispose});
  registry.Add({"count",
                "SITE LOT=COUNTED...",
                "record a count of a site's shelf",
                "For each lot, the usable units found on the shelf; each difference from the\n"
                "ledger becomes a count_correction adjustment, all at once. Lots not named are\n"
                "left alone.",
                {"note", "request_id"},
                Count});
  registry.Add({"transfer",
                "FROM TO LOT=QUANTITY... [--note=TEXT]",
                "send units from one site to another",
                "The units leave FROM at once and are usable at neither site until TO receives\n"
                "the transfer (receive-transfer). Prints the transfer and its name.",
                {"note", "request_id"},
                Transfer});
  registry.Add({"receive-transfer",
                "transfers/ID SITE",
                "receive a transfer at its destination",
                "SITE is the receiving site. Units of a lot recalled on the way arrive recalled.",
                {"request_id"},
                ReceiveTransfer});
  registry.Add({"transfers",
                "SITE",
                "transfers leaving or reaching a site, newest first",
                "One line per transfer: name, from, to, state, send time, and its lines as\n"
                "LOT=QUANTITY.",
                {"state"},
                Transfers});
}

}  // namespace clinic::clinicctl
