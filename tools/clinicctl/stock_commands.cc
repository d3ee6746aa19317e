// clinicctl's stock catalogue and views: products and their lots, what each
// site holds, what runs low or expires, a site's ledger, and reorder points.
// The commands that change stock are in stock_ledger_commands.cc; recalls,
// traces and alerts in recall_commands.cc.
#include <google/protobuf/text_format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, kind, "",
          "products: only this kind (needle_cartridge, prp_kit, topical_anaesthetic, serum, "
          "other).");
ABSL_FLAG(bool, include_discontinued, false, "products: list discontinued products too.");
ABSL_FLAG(std::string, lot_number, "", "lots: only the lot with this number, as printed.");
ABSL_FLAG(std::string, product, "", "stock, movements: only this product, products/ID.");
ABSL_FLAG(bool, include_empty, false, "stock: list lots with nothing left on hand too.");
ABSL_FLAG(int, within_days, 30,
          "expiring: lots expiring within this many days from today at the site, 0 to 730.");
ABSL_FLAG(std::string, lot, "", "movements: only this lot, products/ID/lots/ID.");
ABSL_FLAG(std::string, type, "",
          "movements: only this type (receive, transfer_out, transfer_in, consume, adjust, "
          "quarantine, release, recall, dispose).");

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::Inventory::Stub> Inventory() { return v1::Inventory::NewStub(Channel()); }

// What decides what a product fits: "36 needles, 2500 um, insulated" for a
// cartridge, the category for anything else.
std::string Fits(const v1::Product& product) {
  if (product.kind() != v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE) return product.category();
  const v1::CartridgeSpec& spec = product.cartridge();
  std::string text =
      spec.needles().nano() ? "nano" : absl::StrCat(spec.needles().needle_count(), " needles");
  absl::StrAppend(&text, ", ", spec.needle_length_um(), " um");
  if (spec.insulated()) absl::StrAppend(&text, ", insulated");
  return text;
}

// One line per site and lot: stock and expiring print the same.
void PrintLevel(const v1::StockLevel& level) {
  std::vector<std::string> columns = {level.site_id(),
                                      level.lot(),
                                      level.product_display_name(),
                                      level.lot_number(),
                                      FormatDate(level.expiry_date()),
                                      absl::StrCat("usable=", level.balance().usable()),
                                      absl::StrCat("quarantined=", level.balance().quarantined()),
                                      absl::StrCat("recalled=", level.balance().recalled())};
  if (level.expired()) columns.push_back("(expired)");
  if (level.recalled()) columns.push_back("(recalled)");
  PrintRow(level, columns);
}

// What a movement was about, for people: who delivered it, which transfer,
// which client and treatment, why it was adjusted, the note.
std::string Detail(const v1::Movement& movement) {
  std::vector<std::string> parts;
  if (!movement.supplier().empty()) parts.push_back("supplier " + movement.supplier());
  if (!movement.delivery_note().empty()) {
    parts.push_back("delivery note " + movement.delivery_note());
  }
  if (!movement.transfer().empty()) parts.push_back(movement.transfer());
  if (!movement.client().empty()) parts.push_back(movement.client());
  if (!movement.treatment_reference().empty()) parts.push_back(movement.treatment_reference());
  if (movement.adjustment_reason() != v1::ADJUSTMENT_REASON_UNSPECIFIED) {
    parts.push_back(Label(movement.adjustment_reason()));
  }
  if (!movement.note().empty()) parts.push_back(movement.note());
  return absl::StrJoin(parts, "; ");
}

int Products(const std::vector<std::string>&) {
  v1::ListProductsRequest request;
  if (!absl::GetFlag(FLAGS_kind).empty()) {
    v1::ConsumableKind kind;
    if (!ParseLabel("kind", absl::GetFlag(FLAGS_kind), &kind)) return kBadUsage;
    request.set_kind(kind);
  }
  request.set_include_discontinued(absl::GetFlag(FLAGS_include_discontinued));
  return ForEachPage(*Inventory(), &v1::Inventory::Stub::ListProducts, request,
                     [](const v1::ListProductsResponse& page) {
                       for (const v1::Product& product : page.products()) {
                         std::vector<std::string> columns = {product.name(), Label(product.kind()),
                                                             product.display_name(),
                                                             product.manufacturer(), Fits(product)};
                         if (product.discontinued()) columns.push_back("(discontinued)");
                         PrintRow(product, columns);
                       }
                     });
}

int GetProduct(const std::vector<std::string>& args) {
  v1::GetProductRequest request;
  request.set_name(args[0]);
  v1::Product response;
  return Print(Inventory()->GetProduct(Context().get(), request, &response), response);
}

int CreateProduct(const std::vector<std::string>& args) {
  v1::CreateProductRequest request;
  const std::string text = ReadFileOrEmpty(args[0]);
  if (text.empty() ||
      !google::protobuf::TextFormat::ParseFromString(text, request.mutable_product())) {
    std::fprintf(stderr, "error: %s is not a text-format clinic.v1.Product\n", args[0].c_str());
    return kBadUsage;
  }
  request.set_request_id(RequestId());
  v1::Product response;
  return Print(Inventory()->CreateProduct(Context().get(), request, &response), response);
}

int Lots(const std::vector<std::string>& args) {
  v1::ListLotsRequest request;
  request.set_parent(args[0]);
  request.set_lot_number(absl::GetFlag(FLAGS_lot_number));
  return ForEachPage(*Inventory(), &v1::Inventory::Stub::ListLots, request,
                     [](const v1::ListLotsResponse& page) {
                       for (const v1::Lot& lot : page.lots()) {
                         std::vector<std::string> columns = {lot.name(), lot.lot_number(),
                                                             FormatDate(lot.expiry_date())};
                         if (lot.recall_state() == v1::RECALL_STATE_RECALLED) {
                           columns.push_back("(recalled)");
                         }
                         PrintRow(lot, columns);
                       }
                     });
}

int Stock(const std::vector<std::string>& args) {
  v1::ListStockRequest request;
  if (!args.empty()) request.set_site_id(args[0]);
  request.set_product(absl::GetFlag(FLAGS_product));
  request.set_include_empty(absl::GetFlag(FLAGS_include_empty));
  return ForEachPage(*Inventory(), &v1::Inventory::Stub::ListStock, request,
                     [](const v1::ListStockResponse& page) {
                       for (const v1::StockLevel& level : page.levels()) PrintLevel(level);
                     });
}

int LowStock(const std::vector<std::string>& args) {
  v1::ListLowStockRequest request;
  if (!args.empty()) request.set_site_id(args[0]);
  v1::ListLowStockResponse response;
  const grpc::Status status = Inventory()->ListLowStock(Context().get(), request, &response);
  if (!status.ok()) return PrintError(status);
  for (const v1::LowStock& item : response.items()) {
    const v1::ReorderPoint& point = item.reorder_point();
    PrintRow(item, {point.site_id(), point.product(), item.product_display_name(),
                    absl::StrCat("usable=", item.usable()),
                    absl::StrCat("reorder_point=", point.reorder_point()),
                    absl::StrCat("reorder_quantity=", point.reorder_quantity())});
  }
  return 0;
}

int Expiring(const std::vector<std::string>& args) {
  v1::ListExpiringStockRequest request;
  if (!args.empty()) request.set_site_id(args[0]);
  request.set_within_days(absl::GetFlag(FLAGS_within_days));
  return ForEachPage(*Inventory(), &v1::Inventory::Stub::ListExpiringStock, request,
                     [](const v1::ListExpiringStockResponse& page) {
                       for (const v1::StockLevel& level : page.levels()) PrintLevel(level);
                     });
}

int Movements(const std::vector<std::string>& args) {
  v1::ListMovementsRequest request;
  request.set_site_id(args[0]);
  request.set_product(absl::GetFlag(FLAGS_product));
  request.set_lot(absl::GetFlag(FLAGS_lot));
  if (!absl::GetFlag(FLAGS_type).empty()) {
    v1::MovementType type;
    if (!ParseLabel("movement type", absl::GetFlag(FLAGS_type), &type)) return kBadUsage;
    request.set_type(type);
  }
  return ForEachPage(*Inventory(), &v1::Inventory::Stub::ListMovements, request,
                     [](const v1::ListMovementsResponse& page) {
                       for (const v1::Movement& movement : page.movements()) {
                         const v1::StockBalance& after = movement.balance_after();
                         PrintRow(movement, {FormatTime(movement.create_time()), movement.name(),
                                             Label(movement.type()), movement.lot(),
                                             absl::StrCat(movement.quantity()),
                                             absl::StrCat("usable=", after.usable()),
                                             absl::StrCat("quarantined=", after.quarantined()),
                                             absl::StrCat("recalled=", after.recalled()),
                                             movement.recorded_by(), Detail(movement)});
                       }
                     });
}

int SetReorder(const std::vector<std::string>& args) {
  v1::SetReorderPointRequest request;
  v1::ReorderPoint& point = *request.mutable_reorder_point();
  point.set_site_id(args[0]);
  point.set_product(args[1]);
  int64_t reorder_point = 0, quantity = 0;
  if (!ParseInt("POINT", args[2], &reorder_point) || !ParseInt("QUANTITY", args[3], &quantity)) {
    return kBadUsage;
  }
  point.set_reorder_point(reorder_point);
  point.set_reorder_quantity(quantity);
  v1::ReorderPoint response;
  return Print(Inventory()->SetReorderPoint(Context().get(), request, &response), response);
}

}  // namespace

void AddStockCommands(Registry& registry) {
  registry.Area("stock");
  registry.Add({"products",
                "[--kind=KIND]",
                "list the chain's consumable products",
                "One line per product, by display name: name, kind, display name,\n"
                "manufacturer, and what it fits (a cartridge's needles and length, or the\n"
                "category), then \"(discontinued)\" for one no longer ordered.",
                {"kind", "include_discontinued"},
                Products});
  registry.Add({"product", "products/ID", "show one product", "", {}, GetProduct});
  registry.Add({"create-product",
                "FILE",
                "add a product written in FILE",
                "FILE is a text-format clinic.v1.Product, e.g.\n"
                "  display_name: \"Dermapen 4 cartridge, 36 needles\" manufacturer: \"Dermapen "
                "World\"\n"
                "  kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE\n"
                "  cartridge { needles { needle_count: 36 } needle_length_um: 2500\n"
                "              compatible_devices: \"Dermapen 4\" }\n"
                "Other kinds give a category instead of a cartridge (docs/inventory.md).",
                {"request_id"},
                CreateProduct});
  registry.Add({"lots",
                "products/ID",
                "list a product's lots, soonest expiry first",
                "One line per lot: name, lot number, expiry, and \"(recalled)\".",
                {"lot_number"},
                Lots});
  registry.Add({"stock",
                "[SITE] [--product=products/ID]",
                "units on hand per site and lot",
                "One line per site and lot: site, lot, product, lot number, expiry, usable,\n"
                "quarantined and recalled units, then \"(expired)\" and \"(recalled)\". Without\n"
                "SITE, every site (a chain-wide permission).",
                {"product", "include_empty"},
                Stock});
  registry.Add({"low-stock",
                "[SITE]",
                "products below a site's reorder point",
                "One line per site and product: site, product, display name, usable units,\n"
                "the reorder point and quantity (set-reorder sets them).",
                {},
                LowStock});
  registry.Add({"expiring",
                "[SITE] --within_days=N",
                "lots on hand expiring within N days",
                "Lines as stock prints them, soonest expiry first; lots already expired and\n"
                "still on hand are always listed.",
                {"within_days"},
                Expiring});
  registry.Add({"movements",
                "SITE [--product= --lot= --type=]",
                "a site's ledger, newest first",
                "One line per movement: time, name, type, lot, units (signed for an\n"
                "adjustment), the site's balances of the lot after it, who recorded it, and\n"
                "what it was about (supplier, transfer, client and treatment, reason, note).",
                {"product", "lot", "type"},
                Movements});
  registry.Add({"set-reorder",
                "SITE products/ID POINT QUANTITY",
                "reorder a product when usable units fall below POINT",
                "QUANTITY is how many to order then. A POINT of 0 removes the reorder point.\n"
                "low-stock lists what is below, and a low-stock alert is raised when a change\n"
                "takes the usable units below it.",
                {},
                SetReorder});
}

}  // namespace clinic::clinicctl
