// Invoices in the SQLite store: drafts and their lines, issuing with the
// site's gap-free numbers, voiding, reading and listing. The shared books
// (sqlite_books.cc) read, price and number them.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/list_rows.h"
#include "services/billing/billing_math.h"
#include "services/billing/billing_names.h"
#include "services/billing/billing_schema.h"
#include "services/billing/sqlite_store.h"

namespace clinic::billing {
namespace {

using storage::Connection;

constexpr char kCreateMethod[] = "clinic.v1.Billing/CreateInvoice";
constexpr char kAddLinesMethod[] = "clinic.v1.Billing/AddInvoiceLines";
constexpr char kRemoveLineMethod[] = "clinic.v1.Billing/RemoveInvoiceLine";
constexpr char kIssueMethod[] = "clinic.v1.Billing/IssueInvoice";
constexpr char kVoidMethod[] = "clinic.v1.Billing/VoidInvoice";

constexpr char kAnyPaymentOrCreditSql[] =
    "SELECT EXISTS (SELECT 1 FROM payments WHERE invoice_id = ?1) "
    "OR EXISTS (SELECT 1 FROM credit_notes WHERE invoice_id = ?1)";
constexpr char kPackageOfLineSql[] =
    "SELECT package_id, client_id, (SELECT COUNT(*) FROM redemptions r "
    "WHERE r.package_id = p.package_id) FROM packages p WHERE invoice_id = ? AND line_id = ?";
constexpr char kVoidPackageSql[] = "UPDATE packages SET void = 1 WHERE package_id = ?";
// Newest first; the cursor is the (create_ms, invoice_id) of the last item.
constexpr char kListSql[] =
    "SELECT data, client_id, lifecycle, revision, lines_added, create_ms, invoice_id "
    "FROM invoices WHERE site_id = ?1 AND (?2 = '' OR client_id = ?2) "
    "AND (?3 = 0 OR lifecycle = ?3) AND (?4 = 0 OR (create_ms, invoice_id) < (?5, ?6)) "
    "ORDER BY create_ms DESC, invoice_id DESC LIMIT ?7";

// The lifecycle a state filter selects; paid and partly paid are issued.
int LifecycleOf(v1::InvoiceState state) {
  switch (state) {
    case v1::INVOICE_STATE_DRAFT:
      return kDraft;
    case v1::INVOICE_STATE_VOID:
      return kVoid;
    case v1::INVOICE_STATE_UNSPECIFIED:
      return 0;
    default:
      return kIssued;
  }
}

absl::StatusOr<InvoiceRow> LoadDraft(Connection& connection, const std::string& site_id,
                                     const std::string& invoice_id, absl::string_view etag) {
  absl::StatusOr<InvoiceRow> row = books::LoadInvoice(connection, site_id, invoice_id);
  if (!row.ok()) return row.status();
  if (absl::Status s = storage::CheckEtag(etag, row->invoice.name(), row->revision,
                                          /*required=*/false, kDomain);
      !s.ok()) {
    return s;
  }
  if (row->lifecycle != kDraft) {
    return books::Refused(
        "INVOICE_NOT_DRAFT",
        absl::StrCat(row->invoice.name(), " is ", row->lifecycle == kVoid ? "void" : "issued",
                     "; only a draft's lines change"));
  }
  return row;
}

}  // namespace

absl::StatusOr<v1::Invoice> SqliteBillingStore::CreateInvoice(
    const v1::CreateInvoiceRequest& request, const std::string& caller, const SiteTerms& site,
    const std::string& client_id, const std::vector<LineToAdd>& lines) {
  v1::Invoice response;
  absl::Status status = storage::WriteOnce(
      *db_, kCreateMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        InvoiceRow row = books::NewDraft(site, client_id);
        row.invoice.set_notes(request.invoice().notes());
        if (absl::Status s = books::AddLines(connection, site, lines, row); !s.ok()) return s;
        if (absl::Status s = books::InsertInvoice(connection, row); !s.ok()) return s;
        response = row.invoice;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Invoice> SqliteBillingStore::GetInvoice(const std::string& site_id,
                                                           const std::string& invoice_id) {
  v1::Invoice response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<InvoiceRow> row = books::LoadInvoice(connection, site_id, invoice_id);
    if (!row.ok()) return row.status();
    response = std::move(row->invoice);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListInvoicesResponse> SqliteBillingStore::ListInvoices(
    const v1::ListInvoicesRequest& request, const std::string& client_id) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListInvoices", request, kListPageSizes);
  if (!page.ok()) return page.status();
  absl::StatusOr<storage::TimeIdCursor> after = storage::ParseTimeIdCursor(*page);
  if (!after.ok()) return after.status();
  v1::ListInvoicesResponse response;
  const int lifecycle = LifecycleOf(request.state());
  const bool derived_state = request.state() == v1::INVOICE_STATE_ISSUED ||
                             request.state() == v1::INVOICE_STATE_PARTIALLY_PAID ||
                             request.state() == v1::INVOICE_STATE_PAID;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListSql);
    select.bind(1, request.site_id());
    select.bind(2, client_id);
    select.bind(3, lifecycle);
    select.bind(4, page->first_page() ? 0 : 1);
    select.bind(5, after->unix_ms);
    select.bind(6, after->id);
    // A state derived from payments is filtered after reading, so a page
    // may hold fewer than page_size while more follow.
    select.bind(7, page->fetch_limit());
    absl::StatusOr<std::string> next = storage::FillPage<v1::Invoice>(
        select, *page, page_budget_bytes_, "invoice",
        [](SQLite::Statement& row) {
          return storage::TimeIdCursor{row.getColumn(5).getInt64(), row.getColumn(6).getString()}
              .Format();
        },
        [&](SQLite::Statement& stored, v1::Invoice& invoice) -> absl::Status {
          InvoiceRow row;
          row.invoice = std::move(invoice);
          row.site_id = request.site_id();
          row.invoice_id = stored.getColumn(6).getString();
          row.client_id = stored.getColumn(1).getString();
          row.lifecycle = stored.getColumn(2).getInt();
          row.revision = stored.getColumn(3).getInt64();
          if (absl::Status s = books::Derive(connection, row); !s.ok()) return s;
          invoice = std::move(row.invoice);
          return absl::OkStatus();
        },
        [&](v1::Invoice&& invoice) {
          if (derived_state && invoice.state() != request.state()) return;
          *response.add_invoices() = std::move(invoice);
        });
    if (!next.ok()) return next.status();
    response.set_next_page_token(*next);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Invoice> SqliteBillingStore::AddInvoiceLines(
    const v1::AddInvoiceLinesRequest& request, const std::string& caller, const SiteTerms& site,
    const std::string& invoice_id, const std::vector<LineToAdd>& lines) {
  v1::Invoice response;
  absl::Status status = storage::WriteOnce(
      *db_, kAddLinesMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<InvoiceRow> row =
            LoadDraft(connection, site.site_id, invoice_id, request.etag());
        if (!row.ok()) return row.status();
        if (absl::Status s = books::AddLines(connection, site, lines, *row); !s.ok()) return s;
        if (absl::Status s = books::SaveInvoice(connection, *row); !s.ok()) return s;
        response = row->invoice;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Invoice> SqliteBillingStore::RemoveInvoiceLine(
    const v1::RemoveInvoiceLineRequest& request, const std::string& caller,
    const std::string& site_id, const std::string& invoice_id, absl::Time /*now*/) {
  v1::Invoice response;
  absl::Status status = storage::WriteOnce(
      *db_, kRemoveLineMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<InvoiceRow> row = LoadDraft(connection, site_id, invoice_id, request.etag());
        if (!row.ok()) return row.status();
        auto& lines = *row->invoice.mutable_lines();
        const auto it = std::find_if(lines.begin(), lines.end(), [&](const v1::InvoiceLine& line) {
          return line.line_id() == request.line_id();
        });
        if (it == lines.end()) {
          return WithReason(absl::NotFoundError(absl::StrCat(row->invoice.name(), " has no line ",
                                                             Quote(request.line_id()))),
                            "LINE_NOT_FOUND", kDomain);
        }
        // A package sold on the line goes with it, unless a session was
        // used: the client would keep a session nobody pays for.
        SQLite::Statement& package = connection.Prepare(kPackageOfLineSql);
        package.bind(1, invoice_id);
        package.bind(2, request.line_id());
        if (package.executeStep()) {
          const std::string package_id = package.getColumn(0).getString();
          const std::string package_client = package.getColumn(1).getString();
          const int64_t used = package.getColumn(2).getInt64();
          package.reset();
          if (used > 0) {
            return books::Refused(
                "PACKAGE_IN_USE",
                absl::StrCat("line ", request.line_id(), " sells ",
                             kPackageName.Format(package_client, package_id), ", of which ", used,
                             " session(s) were used; it stays charged"));
          }
          SQLite::Statement& void_package = connection.Prepare(kVoidPackageSql);
          void_package.bind(1, package_id);
          void_package.exec();
        } else {
          package.reset();
        }
        lines.erase(it);
        books::Total(row->invoice);
        if (absl::Status s = books::SaveInvoice(connection, *row); !s.ok()) return s;
        response = row->invoice;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Invoice> SqliteBillingStore::IssueInvoice(const v1::IssueInvoiceRequest& request,
                                                             const std::string& caller,
                                                             const SiteTerms& site,
                                                             const std::string& invoice_id) {
  v1::Invoice response;
  absl::Status status = storage::WriteOnce(
      *db_, kIssueMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<InvoiceRow> row =
            LoadDraft(connection, site.site_id, invoice_id, request.etag());
        if (!row.ok()) return row.status();
        if (row->invoice.lines().empty()) {
          return books::Refused("INVOICE_EMPTY",
                                absl::StrCat(row->invoice.name(), " has no lines to issue"));
        }
        // The tax point is the issue day: every line is taxed at the rate
        // in force then.
        for (v1::InvoiceLine& line : *row->invoice.mutable_lines()) {
          books::PriceLineAt(line,
                             books::TaxRateOn(connection, site, line.tax_category(), site.today),
                             row->invoice.prices_include_tax());
        }
        books::Total(row->invoice);
        absl::StatusOr<int64_t> number =
            books::NextNumber(connection, site.site_id, "invoice", site.year);
        if (!number.ok()) return number.status();
        row->invoice.set_number(
            absl::StrFormat("%s-%d-%06d", site.invoice_prefix, site.year, *number));
        *row->invoice.mutable_issue_time() = ToTimestampMillis(site.now);
        row->invoice.set_state(v1::INVOICE_STATE_ISSUED);
        row->lifecycle = kIssued;
        if (absl::Status s = books::SaveInvoice(connection, *row); !s.ok()) return s;
        response = row->invoice;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Invoice> SqliteBillingStore::VoidInvoice(const v1::VoidInvoiceRequest& request,
                                                            const std::string& caller,
                                                            const std::string& site_id,
                                                            const std::string& invoice_id,
                                                            absl::Time now) {
  v1::Invoice response;
  absl::Status status = storage::WriteOnce(
      *db_, kVoidMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<InvoiceRow> row = books::LoadInvoice(connection, site_id, invoice_id);
        if (!row.ok()) return row.status();
        if (absl::Status s = storage::CheckEtag(request.etag(), row->invoice.name(), row->revision,
                                                /*required=*/false, kDomain);
            !s.ok()) {
          return s;
        }
        if (row->lifecycle == kVoid) {
          return books::Refused("INVOICE_VOID",
                                absl::StrCat(row->invoice.name(), " is already void"));
        }
        if (row->lifecycle == kIssued) {
          SQLite::Statement& any = connection.Prepare(kAnyPaymentOrCreditSql);
          any.bind(1, invoice_id);
          const bool touched = any.executeStep() && any.getColumn(0).getInt() != 0;
          any.reset();
          if (touched) {
            return books::Refused(
                "INVOICE_HAS_PAYMENTS",
                absl::StrCat(row->invoice.name(),
                             " has payments or credit notes; correct it with a credit note"));
          }
        }
        // Packages sold on a voided draft or invoice are void with it,
        // unless a session was used.
        for (const v1::InvoiceLine& line : row->invoice.lines()) {
          if (line.package().empty()) continue;
          SQLite::Statement& package = connection.Prepare(kPackageOfLineSql);
          package.bind(1, invoice_id);
          package.bind(2, line.line_id());
          if (!package.executeStep()) {
            package.reset();
            continue;
          }
          const std::string package_id = package.getColumn(0).getString();
          const int64_t used = package.getColumn(2).getInt64();
          package.reset();
          if (used > 0) {
            return books::Refused("PACKAGE_IN_USE",
                                  absl::StrCat("line ", line.line_id(), " sells ", line.package(),
                                               ", of which sessions were used"));
          }
          SQLite::Statement& void_package = connection.Prepare(kVoidPackageSql);
          void_package.bind(1, package_id);
          void_package.exec();
        }
        row->lifecycle = kVoid;
        row->invoice.set_state(v1::INVOICE_STATE_VOID);
        *row->invoice.mutable_void_time() = ToTimestampMillis(now);
        row->invoice.set_void_reason(request.reason());
        if (absl::Status s = books::SaveInvoice(connection, *row); !s.ok()) return s;
        response = row->invoice;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::billing
