// The books every Billing store file shares: reading an invoice with what
// its payments and credit notes derive, writing drafts, pricing and taxing
// lines, and taking the next document number.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/etag.h"
#include "common/storage/ids.h"
#include "services/billing/billing_math.h"
#include "services/billing/billing_names.h"
#include "services/billing/sqlite_store.h"

namespace clinic::billing {
namespace {

using storage::Connection;

constexpr char kSelectInvoiceSql[] =
    "SELECT data, client_id, lifecycle, revision, lines_added FROM invoices "
    "WHERE invoice_id = ? AND site_id = ?";
constexpr char kInsertInvoiceSql[] =
    "INSERT INTO invoices (invoice_id, site_id, client_id, lifecycle, number, total_minor, "
    "currency, create_ms, issue_ms, lines_added, revision, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)";
constexpr char kUpdateInvoiceSql[] =
    "UPDATE invoices SET lifecycle = ?, number = ?, total_minor = ?, issue_ms = ?, "
    "lines_added = ?, revision = revision + 1, data = ? WHERE invoice_id = ?";
constexpr char kNewestDraftSql[] =
    "SELECT invoice_id FROM invoices WHERE client_id = ? AND site_id = ? AND lifecycle = 1 "
    "ORDER BY create_ms DESC, invoice_id DESC LIMIT 1";
constexpr char kPaidSql[] =
    "SELECT COALESCE(SUM(amount_minor), 0) FROM payments WHERE invoice_id = ?";
constexpr char kSettledLinesSql[] =
    "SELECT line_id FROM payments WHERE invoice_id = ? AND line_id IS NOT NULL";
constexpr char kCreditedLinesSql[] =
    "SELECT line_id, SUM(total_minor) FROM credit_note_lines WHERE invoice_id = ? "
    "GROUP BY line_id";
constexpr char kNextNumberSql[] =
    "INSERT INTO sequences (site_id, kind, year, last) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (site_id, kind, year) DO UPDATE SET last = last + 1 RETURNING last";

// What the row stores: the invoice without what is derived when read.
std::string Stored(const v1::Invoice& invoice) {
  v1::Invoice stored = invoice;
  stored.clear_amount_paid();
  stored.clear_amount_credited();
  stored.clear_balance_due();
  stored.clear_etag();
  if (stored.state() != v1::INVOICE_STATE_DRAFT && stored.state() != v1::INVOICE_STATE_VOID) {
    stored.set_state(v1::INVOICE_STATE_ISSUED);
  }
  for (v1::InvoiceLine& line : *stored.mutable_lines()) {
    line.clear_credited_amount();
    line.clear_settled_by_package();
  }
  return stored.SerializeAsString();
}

absl::StatusOr<InvoiceRow> ReadRow(SQLite::Statement& select, const std::string& site_id,
                                   const std::string& invoice_id) {
  InvoiceRow row;
  if (absl::Status s = storage::ParseStored(select.getColumn(0), row.invoice, "invoice"); !s.ok()) {
    return s;
  }
  row.site_id = site_id;
  row.invoice_id = invoice_id;
  row.client_id = select.getColumn(1).getString();
  row.lifecycle = select.getColumn(2).getInt();
  row.revision = select.getColumn(3).getInt64();
  row.lines_added = select.getColumn(4).getInt64();
  return row;
}

}  // namespace

namespace books {

absl::Status AddLines(Connection& connection, const SiteTerms& site,
                      const std::vector<LineToAdd>& lines, InvoiceRow& row) {
  if (row.invoice.lines_size() + static_cast<int>(lines.size()) > kMaxLines) {
    return books::Refused("TOO_MANY_LINES",
                          absl::StrCat(row.invoice.name(), " holds ", row.invoice.lines_size(),
                                       " lines; an invoice holds at most ", kMaxLines));
  }
  for (const LineToAdd& line : lines) {
    if (!line.input.treatment_record().empty()) {
      absl::StatusOr<ResourceName> record =
          kTreatmentRecordName.Parse(line.input.treatment_record(), line.field);
      if (!record.ok()) return record.status();
      if (record->id("client_id") != row.client_id) {
        return InvalidField(
            absl::StrCat(line.field, ".treatment_record"),
            absl::StrCat("is a treatment record of another client than ", row.invoice.client()));
      }
    }
    if (absl::Status s = AddLine(connection, site, line, row.invoice); !s.ok()) return s;
    ++row.lines_added;
    row.invoice.mutable_lines()->rbegin()->set_line_id(absl::StrCat(row.lines_added));
  }
  books::Total(row.invoice);
  return absl::OkStatus();
}

absl::Status NotFound(absl::string_view name) { return storage::NotFound(name, kDomain); }

absl::Status Refused(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::FailedPreconditionError(message), reason, kDomain);
}

v1::Money Money(int64_t amount_minor, absl::string_view currency) {
  v1::Money money;
  money.set_amount_minor(amount_minor);
  money.set_currency_code(std::string(currency));
  return money;
}

absl::StatusOr<InvoiceRow> LoadInvoice(Connection& connection, const std::string& site_id,
                                       const std::string& invoice_id) {
  absl::StatusOr<InvoiceRow> row;
  {
    SQLite::Statement& select = connection.Prepare(kSelectInvoiceSql);
    select.bind(1, invoice_id);
    select.bind(2, site_id);
    if (!select.executeStep()) return NotFound(kInvoiceName.Format(site_id, invoice_id));
    row = ReadRow(select, site_id, invoice_id);
    select.reset();
  }
  if (!row.ok()) return row.status();
  if (absl::Status s = Derive(connection, *row); !s.ok()) return s;
  return row;
}

absl::Status Derive(Connection& connection, InvoiceRow& row) {
  v1::Invoice& invoice = row.invoice;
  const std::string& currency = invoice.currency_code();
  int64_t paid = 0;
  std::map<std::string, int64_t> credited;
  std::set<std::string> settled;
  if (row.lifecycle == kIssued) {
    SQLite::Statement& sum = connection.Prepare(kPaidSql);
    sum.bind(1, row.invoice_id);
    if (sum.executeStep()) paid = sum.getColumn(0).getInt64();
    sum.reset();
    SQLite::Statement& lines = connection.Prepare(kCreditedLinesSql);
    lines.bind(1, row.invoice_id);
    while (lines.executeStep()) {
      credited[lines.getColumn(0).getString()] = lines.getColumn(1).getInt64();
    }
    lines.reset();
    SQLite::Statement& packages = connection.Prepare(kSettledLinesSql);
    packages.bind(1, row.invoice_id);
    while (packages.executeStep()) settled.insert(packages.getColumn(0).getString());
    packages.reset();
  }
  int64_t credited_total = 0;
  row.creditable.clear();
  for (v1::InvoiceLine& line : *invoice.mutable_lines()) {
    const auto it = credited.find(line.line_id());
    const int64_t line_credited = it == credited.end() ? 0 : it->second;
    credited_total += line_credited;
    *line.mutable_credited_amount() = Money(line_credited, currency);
    line.set_settled_by_package(settled.count(line.line_id()) > 0);
    row.creditable.push_back(
        line.settled_by_package() ? 0 : line.total_amount().amount_minor() - line_credited);
  }
  const int64_t total = invoice.total().amount_minor();
  *invoice.mutable_amount_paid() = Money(paid, currency);
  *invoice.mutable_amount_credited() = Money(credited_total, currency);
  const int64_t due = row.lifecycle == kIssued ? std::max<int64_t>(total - credited_total - paid, 0)
                                               : (row.lifecycle == kDraft ? total : 0);
  *invoice.mutable_balance_due() = Money(due, currency);
  switch (row.lifecycle) {
    case kDraft:
      invoice.set_state(v1::INVOICE_STATE_DRAFT);
      break;
    case kVoid:
      invoice.set_state(v1::INVOICE_STATE_VOID);
      break;
    default:
      invoice.set_state(IssuedState(total, credited_total, paid));
  }
  invoice.set_etag(storage::MakeEtag(invoice.name(), row.revision));
  return absl::OkStatus();
}

void Total(v1::Invoice& invoice) {
  int64_t net = 0, tax = 0, total = 0, discount = 0;
  std::map<int32_t, std::pair<int64_t, int64_t>> by_rate;
  for (const v1::InvoiceLine& line : invoice.lines()) {
    net += line.net_amount().amount_minor();
    tax += line.tax_amount().amount_minor();
    total += line.total_amount().amount_minor();
    discount += line.discount_amount().amount_minor();
    auto& [rate_net, rate_tax] = by_rate[line.tax_rate_basis_points()];
    rate_net += line.net_amount().amount_minor();
    rate_tax += line.tax_amount().amount_minor();
  }
  const std::string& currency = invoice.currency_code();
  *invoice.mutable_net_total() = Money(net, currency);
  *invoice.mutable_tax_total() = Money(tax, currency);
  *invoice.mutable_total() = Money(total, currency);
  *invoice.mutable_discount_total() = Money(discount, currency);
  invoice.clear_tax_breakdown();
  for (const auto& [rate, sums] : by_rate) {
    v1::TaxBreakdown& breakdown = *invoice.add_tax_breakdown();
    breakdown.set_rate_basis_points(rate);
    *breakdown.mutable_net_amount() = Money(sums.first, currency);
    *breakdown.mutable_tax_amount() = Money(sums.second, currency);
  }
}

absl::Status InsertInvoice(Connection& connection, InvoiceRow& row) {
  SQLite::Statement& insert = connection.Prepare(kInsertInvoiceSql);
  insert.bind(1, row.invoice_id);
  insert.bind(2, row.site_id);
  insert.bind(3, row.client_id);
  insert.bind(4, row.lifecycle);
  insert.bind(5);
  insert.bind(6, static_cast<int64_t>(row.invoice.total().amount_minor()));
  insert.bind(7, row.invoice.currency_code());
  insert.bind(8, TimestampToUnixMillis(row.invoice.create_time()));
  insert.bind(9);
  insert.bind(10, row.lines_added);
  storage::BindBlob(insert, 11, Stored(row.invoice));
  insert.exec();
  row.revision = 1;
  return Derive(connection, row);
}

absl::Status SaveInvoice(Connection& connection, InvoiceRow& row) {
  SQLite::Statement& update = connection.Prepare(kUpdateInvoiceSql);
  update.bind(1, row.lifecycle);
  if (row.invoice.number().empty()) {
    update.bind(2);
  } else {
    update.bind(2, row.invoice.number());
  }
  update.bind(3, static_cast<int64_t>(row.invoice.total().amount_minor()));
  if (row.invoice.has_issue_time()) {
    update.bind(4, TimestampToUnixMillis(row.invoice.issue_time()));
  } else {
    update.bind(4);
  }
  update.bind(5, row.lines_added);
  storage::BindBlob(update, 6, Stored(row.invoice));
  update.bind(7, row.invoice_id);
  update.exec();
  ++row.revision;
  return Derive(connection, row);
}

InvoiceRow NewDraft(const SiteTerms& site, const std::string& client_id) {
  InvoiceRow row;
  row.site_id = site.site_id;
  row.invoice_id = storage::NewId();
  row.client_id = client_id;
  row.lifecycle = kDraft;
  v1::Invoice& invoice = row.invoice;
  invoice.set_name(kInvoiceName.Format(site.site_id, row.invoice_id));
  invoice.set_site_id(site.site_id);
  invoice.set_client(kClientName.Format(client_id));
  invoice.set_state(v1::INVOICE_STATE_DRAFT);
  invoice.set_currency_code(site.currency);
  invoice.set_currency_digits(site.currency_digits);
  invoice.set_prices_include_tax(site.prices_include_tax);
  *invoice.mutable_create_time() = ToTimestampMillis(site.now);
  Total(invoice);
  return row;
}

absl::StatusOr<InvoiceRow> OpenDraft(Connection& connection, const SiteTerms& site,
                                     const std::string& client_id, bool& created) {
  std::string invoice_id;
  {
    SQLite::Statement& select = connection.Prepare(kNewestDraftSql);
    select.bind(1, client_id);
    select.bind(2, site.site_id);
    if (select.executeStep()) invoice_id = select.getColumn(0).getString();
    select.reset();
  }
  created = invoice_id.empty();
  if (created) return NewDraft(site, client_id);
  return LoadInvoice(connection, site.site_id, invoice_id);
}

void PriceLineAt(v1::InvoiceLine& line, int tax_rate, bool prices_include_tax) {
  LineInput input;
  input.unit_price = line.unit_price().amount_minor();
  input.quantity = line.quantity();
  input.discount_percent = line.discount().percent_basis_points();
  input.discount_amount = line.discount().amount().amount_minor();
  input.tax_rate = tax_rate;
  input.prices_include_tax = prices_include_tax;
  const LineAmounts amounts = ComputeLine(input);
  const std::string& currency = line.unit_price().currency_code();
  line.set_tax_rate_basis_points(tax_rate);
  *line.mutable_gross_before_discount() = Money(amounts.gross_before_discount, currency);
  *line.mutable_discount_amount() = Money(amounts.discount, currency);
  *line.mutable_net_amount() = Money(amounts.net, currency);
  *line.mutable_tax_amount() = Money(amounts.tax, currency);
  *line.mutable_total_amount() = Money(amounts.total, currency);
}

absl::Status AddLine(Connection& connection, const SiteTerms& site, const LineToAdd& line,
                     v1::Invoice& invoice) {
  absl::StatusOr<absl::optional<v1::Price>> price =
      PriceOn(connection, site.site_id, line.item_key, site.today);
  if (!price.ok()) return price.status();
  if (!price->has_value()) {
    return WithReason(
        FieldViolations(absl::StatusCode::kFailedPrecondition,
                        "the item has no price in force today",
                        {{line.item_field, "has no price in force today at this site"}}),
        "PRICE_NOT_FOUND", kDomain);
  }
  const v1::Price& found = **price;
  if (found.unit_price().currency_code() != invoice.currency_code()) {
    return WithReason(
        FieldViolations(
            absl::StatusCode::kFailedPrecondition,
            "the item's price is in another currency than the invoice",
            {{line.item_field, absl::StrCat("is priced in ", found.unit_price().currency_code(),
                                            " and the invoice is in ", invoice.currency_code())}}),
        "PRICE_CURRENCY_MISMATCH", kDomain);
  }
  v1::InvoiceLine added;
  *added.mutable_item() = line.input.item();
  added.set_description(found.display_name());
  added.set_price(found.name());
  added.set_quantity(line.input.quantity() == 0 ? 1 : line.input.quantity());
  *added.mutable_unit_price() = found.unit_price();
  added.set_tax_category(found.tax_category());
  added.set_treatment_record(line.input.treatment_record());
  if (line.input.has_discount()) {
    *added.mutable_discount() = line.input.discount();
    const int64_t gross = found.unit_price().amount_minor() * added.quantity();
    if (line.input.discount().has_amount() &&
        line.input.discount().amount().amount_minor() > gross) {
      return InvalidField(
          absl::StrCat(line.field, ".discount.amount"),
          absl::StrCat("is more than the line's ", gross, " minor units before discount"));
    }
  }
  PriceLineAt(added, TaxRateOn(connection, site, found.tax_category(), site.today),
              invoice.prices_include_tax());
  *invoice.add_lines() = std::move(added);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> NextNumber(Connection& connection, const std::string& site_id,
                                   absl::string_view kind, int year) {
  SQLite::Statement& next = connection.Prepare(kNextNumberSql);
  next.bind(1, site_id);
  next.bind(2, std::string(kind));
  next.bind(3, year);
  if (!next.executeStep()) return absl::InternalError("the document sequence gave no number");
  const int64_t number = next.getColumn(0).getInt64();
  next.reset();
  return number;
}

}  // namespace books

}  // namespace clinic::billing
