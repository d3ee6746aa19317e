// Accounts and reports in the SQLite store: a client's statement, a site's
// takings on a day, its revenue over a period. Each is read in one snapshot,
// so its figures add up.
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "services/billing/billing_names.h"
#include "services/billing/sqlite_store.h"

namespace clinic::billing {
namespace {

using storage::Connection;

// A statement longer than this asks for a shorter period.
constexpr int kMaxStatementEntries = 5000;

// Everything that moves a client's balance, in time order: issued invoices
// (+), credit notes (-), payments (-) and refunds (+). Voided invoices
// never owed anything.
constexpr char kStatementSql[] =
    "SELECT ms, kind, id, site_id, number, amount, currency FROM ("
    "SELECT issue_ms AS ms, 1 AS kind, invoice_id AS id, site_id, number, total_minor AS amount, "
    "currency FROM invoices WHERE client_id = ?1 AND lifecycle = 2 "
    "UNION ALL SELECT create_ms, 2, credit_note_id, site_id, number, -total_minor, currency "
    "FROM credit_notes WHERE client_id = ?1 "
    "UNION ALL SELECT create_ms, CASE WHEN amount_minor < 0 THEN 4 ELSE 3 END, payment_id, "
    "site_id, NULL, -amount_minor, currency FROM payments WHERE client_id = ?1) "
    "WHERE ms < ?2 ORDER BY ms, kind, id";
constexpr char kTakingsSql[] =
    "SELECT method, COUNT(*) FILTER (WHERE amount_minor > 0), "
    "COALESCE(SUM(amount_minor) FILTER (WHERE amount_minor > 0), 0), "
    "COALESCE(SUM(amount_minor) FILTER (WHERE amount_minor < 0), 0), currency "
    "FROM payments WHERE site_id = ? AND create_ms >= ? AND create_ms < ? "
    "GROUP BY method, currency ORDER BY method, currency";
constexpr char kIssuedInRangeSql[] =
    "SELECT data FROM invoices WHERE site_id = ? AND lifecycle = 2 AND issue_ms >= ? "
    "AND issue_ms < ?";
constexpr char kInvoiceDataSql[] = "SELECT data FROM invoices WHERE invoice_id = ?";
constexpr char kCreditedInRangeSql[] =
    "SELECT l.invoice_id, l.line_id, l.total_minor, l.tax_minor FROM credit_note_lines l "
    "JOIN credit_notes n ON n.credit_note_id = l.credit_note_id "
    "WHERE n.site_id = ? AND n.create_ms >= ? AND n.create_ms < ?";
constexpr char kSettledInRangeSql[] =
    "SELECT invoice_id, line_id FROM payments WHERE site_id = ? AND method = ? "
    "AND create_ms >= ? AND create_ms < ?";

std::string Document(int kind, const std::string& site_id, const std::string& id) {
  switch (kind) {
    case v1::STATEMENT_ENTRY_KIND_INVOICE:
      return kInvoiceName.Format(site_id, id);
    case v1::STATEMENT_ENTRY_KIND_CREDIT_NOTE:
      return kCreditNoteName.Format(site_id, id);
    default:
      return kPaymentName.Format(site_id, id);
  }
}

std::vector<v1::Money> Balances(const std::map<std::string, int64_t>& by_currency) {
  std::vector<v1::Money> out;
  for (const auto& [currency, amount] : by_currency) out.push_back(books::Money(amount, currency));
  return out;
}

// The revenue row an invoice line adds to: its item without the area, in
// its currency.
using RowKey = std::tuple<int, std::string, std::string>;  // item case, id, currency

RowKey KeyOf(const v1::InvoiceLine& line) {
  const v1::PricedItem& item = line.item();
  std::string id;
  switch (item.item_case()) {
    case v1::PricedItem::kTreatment:
      id = item.treatment().treatment_type_id();
      break;
    case v1::PricedItem::kProduct:
      id = item.product();
      break;
    case v1::PricedItem::kFeeId:
      id = item.fee_id();
      break;
    case v1::PricedItem::kPackagePlan:
      id = item.package_plan();
      break;
    case v1::PricedItem::ITEM_NOT_SET:
      break;
  }
  return {static_cast<int>(item.item_case()), id, line.unit_price().currency_code()};
}

struct RevenueSums {
  int64_t quantity = 0;
  int64_t net = 0;
  int64_t tax = 0;
};

}  // namespace

absl::StatusOr<v1::ClientStatement> SqliteBillingStore::GetClientStatement(
    const std::string& client_id, absl::optional<absl::Time> start,
    absl::optional<absl::Time> end) {
  v1::ClientStatement response;
  response.set_client(kClientName.Format(client_id));
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    std::map<std::string, int64_t> balance;
    const int64_t start_ms = start.has_value() ? absl::ToUnixMillis(*start) : INT64_MIN;
    SQLite::Statement& select = connection.Prepare(kStatementSql);
    select.bind(1, client_id);
    select.bind(2, end.has_value() ? absl::ToUnixMillis(*end) : INT64_MAX);
    bool opened = false;
    while (select.executeStep()) {
      const int64_t ms = select.getColumn(0).getInt64();
      const std::string currency = select.getColumn(6).getString();
      const int64_t amount = select.getColumn(5).getInt64();
      if (ms >= start_ms && !opened) {
        for (const v1::Money& money : Balances(balance)) *response.add_opening_balances() = money;
        opened = true;
      }
      balance[currency] += amount;
      if (ms < start_ms) continue;
      if (response.entries_size() >= kMaxStatementEntries) {
        select.reset();
        return books::Refused("STATEMENT_TOO_LONG",
                              absl::StrCat("the statement has more than ", kMaxStatementEntries,
                                           " entries; ask for a shorter period"));
      }
      v1::StatementEntry& entry = *response.add_entries();
      const int kind = select.getColumn(1).getInt();
      const std::string site_id = select.getColumn(3).getString();
      *entry.mutable_time() = ToTimestampMillis(absl::FromUnixMillis(ms));
      entry.set_kind(static_cast<v1::StatementEntryKind>(kind));
      entry.set_document(Document(kind, site_id, select.getColumn(2).getString()));
      if (!select.getColumn(4).isNull()) entry.set_number(select.getColumn(4).getString());
      entry.set_site_id(site_id);
      *entry.mutable_amount() = books::Money(amount, currency);
      *entry.mutable_balance() = books::Money(balance[currency], currency);
    }
    select.reset();
    if (!opened) {
      for (const v1::Money& money : Balances(balance)) *response.add_opening_balances() = money;
    }
    for (const v1::Money& money : Balances(balance)) *response.add_closing_balances() = money;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::DailyTakings> SqliteBillingStore::GetDailyTakings(const std::string& site_id,
                                                                     absl::Time start,
                                                                     absl::Time end) {
  v1::DailyTakings response;
  response.set_site_id(site_id);
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kTakingsSql);
    select.bind(1, site_id);
    select.bind(2, absl::ToUnixMillis(start));
    select.bind(3, absl::ToUnixMillis(end));
    int64_t net = 0;
    std::string currency;
    while (select.executeStep()) {
      v1::MethodTakings& row = *response.add_methods();
      const auto method = static_cast<v1::PaymentMethod>(select.getColumn(0).getInt());
      currency = select.getColumn(4).getString();
      const int64_t paid = select.getColumn(2).getInt64();
      const int64_t refunded = select.getColumn(3).getInt64();
      row.set_method(method);
      row.set_payment_count(select.getColumn(1).getInt());
      *row.mutable_payments() = books::Money(paid, currency);
      *row.mutable_refunds() = books::Money(refunded, currency);
      *row.mutable_net() = books::Money(paid + refunded, currency);
      // A package credit moves no money: it was taken when the package
      // was sold.
      if (method != v1::PAYMENT_METHOD_PACKAGE_CREDIT) net += paid + refunded;
    }
    select.reset();
    *response.mutable_net_takings() = books::Money(net, currency);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::RevenueReport> SqliteBillingStore::GetRevenueReport(const std::string& site_id,
                                                                       absl::Time start,
                                                                       absl::Time end) {
  v1::RevenueReport response;
  response.set_site_id(site_id);
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    std::map<RowKey, RevenueSums> rows;
    // Invoices are read whole once each: credit notes and package credits
    // name their lines.
    std::map<std::string, v1::Invoice> invoices;
    auto invoice_of = [&](const std::string& invoice_id) -> absl::StatusOr<const v1::Invoice*> {
      auto it = invoices.find(invoice_id);
      if (it != invoices.end()) return &it->second;
      SQLite::Statement& select = connection.Prepare(kInvoiceDataSql);
      select.bind(1, invoice_id);
      v1::Invoice invoice;
      if (select.executeStep()) {
        if (absl::Status s = storage::ParseStored(select.getColumn(0), invoice, "invoice");
            !s.ok()) {
          select.reset();
          return s;
        }
      }
      select.reset();
      return &invoices.emplace(invoice_id, std::move(invoice)).first->second;
    };
    auto line_of = [](const v1::Invoice& invoice, const std::string& line_id) {
      const v1::InvoiceLine* found = nullptr;
      for (const v1::InvoiceLine& line : invoice.lines()) {
        if (line.line_id() == line_id) found = &line;
      }
      return found;
    };
    {
      SQLite::Statement& select = connection.Prepare(kIssuedInRangeSql);
      select.bind(1, site_id);
      select.bind(2, absl::ToUnixMillis(start));
      select.bind(3, absl::ToUnixMillis(end));
      while (select.executeStep()) {
        v1::Invoice invoice;
        if (absl::Status s = storage::ParseStored(select.getColumn(0), invoice, "invoice");
            !s.ok()) {
          select.reset();
          return s;
        }
        for (const v1::InvoiceLine& line : invoice.lines()) {
          RevenueSums& sums = rows[KeyOf(line)];
          sums.quantity += line.quantity();
          sums.net += line.net_amount().amount_minor();
          sums.tax += line.tax_amount().amount_minor();
        }
      }
      select.reset();
    }
    {
      SQLite::Statement& select = connection.Prepare(kCreditedInRangeSql);
      select.bind(1, site_id);
      select.bind(2, absl::ToUnixMillis(start));
      select.bind(3, absl::ToUnixMillis(end));
      std::vector<std::tuple<std::string, std::string, int64_t, int64_t>> credited;
      while (select.executeStep()) {
        credited.emplace_back(select.getColumn(0).getString(), select.getColumn(1).getString(),
                              select.getColumn(2).getInt64(), select.getColumn(3).getInt64());
      }
      select.reset();
      for (const auto& [invoice_id, line_id, total, tax] : credited) {
        absl::StatusOr<const v1::Invoice*> invoice = invoice_of(invoice_id);
        if (!invoice.ok()) return invoice.status();
        const v1::InvoiceLine* line = line_of(**invoice, line_id);
        if (line == nullptr) continue;
        RevenueSums& sums = rows[KeyOf(*line)];
        sums.net -= total - tax;
        sums.tax -= tax;
      }
    }
    {
      SQLite::Statement& select = connection.Prepare(kSettledInRangeSql);
      select.bind(1, site_id);
      select.bind(2, static_cast<int>(v1::PAYMENT_METHOD_PACKAGE_CREDIT));
      select.bind(3, absl::ToUnixMillis(start));
      select.bind(4, absl::ToUnixMillis(end));
      std::vector<std::pair<std::string, std::string>> settled;
      while (select.executeStep()) {
        settled.emplace_back(select.getColumn(0).getString(), select.getColumn(1).getString());
      }
      select.reset();
      for (const auto& [invoice_id, line_id] : settled) {
        absl::StatusOr<const v1::Invoice*> invoice = invoice_of(invoice_id);
        if (!invoice.ok()) return invoice.status();
        const v1::InvoiceLine* line = line_of(**invoice, line_id);
        if (line == nullptr) continue;
        RevenueSums& sums = rows[KeyOf(*line)];
        sums.quantity -= line->quantity();
        sums.net -= line->net_amount().amount_minor();
        sums.tax -= line->tax_amount().amount_minor();
      }
    }
    std::map<std::string, std::pair<int64_t, int64_t>> totals;
    for (const auto& [key, sums] : rows) {
      const auto& [item_case, id, currency] = key;
      v1::RevenueRow& row = *response.add_rows();
      switch (item_case) {
        case v1::PricedItem::kTreatment:
          row.mutable_item()->mutable_treatment()->set_treatment_type_id(id);
          break;
        case v1::PricedItem::kProduct:
          row.mutable_item()->set_product(id);
          break;
        case v1::PricedItem::kFeeId:
          row.mutable_item()->set_fee_id(id);
          break;
        case v1::PricedItem::kPackagePlan:
          row.mutable_item()->set_package_plan(id);
          break;
        default:
          break;
      }
      row.set_quantity(sums.quantity);
      *row.mutable_net_amount() = books::Money(sums.net, currency);
      *row.mutable_tax_amount() = books::Money(sums.tax, currency);
      *row.mutable_total_amount() = books::Money(sums.net + sums.tax, currency);
      totals[currency].first += sums.net;
      totals[currency].second += sums.tax;
    }
    // Sums only add up in one currency; a site whose currency changed
    // within the period has its figures per row only.
    if (totals.size() == 1) {
      const auto& [currency, sums] = *totals.begin();
      *response.mutable_net_total() = books::Money(sums.first, currency);
      *response.mutable_tax_total() = books::Money(sums.second, currency);
      *response.mutable_total() = books::Money(sums.first + sums.second, currency);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::billing
