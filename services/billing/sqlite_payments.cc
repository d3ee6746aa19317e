// Payments, refunds and credit notes in the SQLite store. Each checks the
// invoice as it stands in the same transaction that records the money, so
// two payments racing for the last pound cannot both be taken.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/config/currency.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/list_rows.h"
#include "services/billing/billing_math.h"
#include "services/billing/billing_names.h"
#include "services/billing/sqlite_store.h"

namespace clinic::billing {
namespace {

using storage::Connection;

constexpr char kRecordMethod[] = "clinic.v1.Billing/RecordPayment";
constexpr char kRefundMethod[] = "clinic.v1.Billing/RefundPayment";
constexpr char kCreditMethod[] = "clinic.v1.Billing/IssueCreditNote";

constexpr char kInsertPaymentSql[] =
    "INSERT INTO payments (payment_id, site_id, invoice_id, client_id, method, amount_minor, "
    "currency, refund_of, line_id, create_ms, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectPaymentSql[] =
    "SELECT data, payment_id FROM payments WHERE payment_id = ? AND site_id = ?";
constexpr char kRefundedSql[] =
    "SELECT COALESCE(-SUM(amount_minor), 0) FROM payments WHERE refund_of = ?";
constexpr char kListPaymentsSql[] =
    "SELECT data, payment_id, create_ms FROM payments WHERE site_id = ?1 "
    "AND (?2 = '' OR invoice_id = ?2) AND (?3 = 0 OR (create_ms, payment_id) < (?4, ?5)) "
    "ORDER BY create_ms DESC, payment_id DESC LIMIT ?6";
constexpr char kInsertCreditNoteSql[] =
    "INSERT INTO credit_notes (credit_note_id, site_id, invoice_id, client_id, number, "
    "total_minor, currency, create_ms, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertCreditLineSql[] =
    "INSERT INTO credit_note_lines (credit_note_id, invoice_id, line_id, total_minor, tax_minor) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr char kSelectCreditNoteSql[] =
    "SELECT data FROM credit_notes WHERE credit_note_id = ? AND site_id = ?";
constexpr char kListCreditNotesSql[] =
    "SELECT data, credit_note_id, create_ms FROM credit_notes WHERE site_id = ?1 "
    "AND (?2 = '' OR invoice_id = ?2) AND (?3 = 0 OR (create_ms, credit_note_id) < (?4, ?5)) "
    "ORDER BY create_ms DESC, credit_note_id DESC LIMIT ?6";

// An amount of the invoice's currency, for messages: "12.34 GBP".
std::string Show(int64_t amount, const v1::Invoice& invoice) {
  return absl::StrCat(FormatMinorUnits(amount, invoice.currency_digits()), " ",
                      invoice.currency_code());
}

absl::Status CurrencyMismatch(absl::string_view field, absl::string_view given,
                              const v1::Invoice& invoice) {
  return InvalidField(field, absl::StrCat(Quote(given), " is not the invoice's currency, ",
                                          invoice.currency_code()));
}

// Adds the refunded amount to a payment read from its row.
absl::Status Complete(Connection& connection, const std::string& payment_id, v1::Payment& payment) {
  SQLite::Statement& refunded = connection.Prepare(kRefundedSql);
  refunded.bind(1, payment_id);
  const int64_t amount = refunded.executeStep() ? refunded.getColumn(0).getInt64() : 0;
  refunded.reset();
  *payment.mutable_refunded_amount() = books::Money(amount, payment.amount().currency_code());
  return absl::OkStatus();
}

absl::StatusOr<v1::Payment> LoadPayment(Connection& connection, const std::string& site_id,
                                        const std::string& payment_id) {
  v1::Payment payment;
  {
    SQLite::Statement& select = connection.Prepare(kSelectPaymentSql);
    select.bind(1, payment_id);
    select.bind(2, site_id);
    if (!select.executeStep()) return books::NotFound(kPaymentName.Format(site_id, payment_id));
    absl::Status parsed = storage::ParseStored(select.getColumn(0), payment, "payment");
    select.reset();
    if (!parsed.ok()) return parsed;
  }
  if (absl::Status s = Complete(connection, payment_id, payment); !s.ok()) return s;
  return payment;
}

// Appends a payment (negative for a refund) and returns it.
absl::StatusOr<v1::Payment> InsertPayment(Connection& connection, const InvoiceRow& row,
                                          v1::Payment payment, const std::string& refund_of_id,
                                          absl::Time now) {
  const std::string id = storage::NewId();
  payment.set_name(kPaymentName.Format(row.site_id, id));
  payment.set_site_id(row.site_id);
  payment.set_invoice(row.invoice.name());
  payment.set_client(row.invoice.client());
  *payment.mutable_create_time() = ToTimestampMillis(now);
  SQLite::Statement& insert = connection.Prepare(kInsertPaymentSql);
  insert.bind(1, id);
  insert.bind(2, row.site_id);
  insert.bind(3, row.invoice_id);
  insert.bind(4, row.client_id);
  insert.bind(5, static_cast<int>(payment.method()));
  insert.bind(6, static_cast<int64_t>(payment.amount().amount_minor()));
  insert.bind(7, payment.amount().currency_code());
  if (refund_of_id.empty()) {
    insert.bind(8);
  } else {
    insert.bind(8, refund_of_id);
  }
  if (payment.line_id().empty()) {
    insert.bind(9);
  } else {
    insert.bind(9, payment.line_id());
  }
  insert.bind(10, TimestampToUnixMillis(payment.create_time()));
  storage::BindBlob(insert, 11, payment.SerializeAsString());
  insert.exec();
  *payment.mutable_refunded_amount() = books::Money(0, payment.amount().currency_code());
  return payment;
}

// The invoice's lines to credit and how much of each, from the request's
// lines (checked against what is left of each) or spread over the lines in
// order. `field` names the request's list.
absl::StatusOr<std::vector<int64_t>> Allocate(
    const InvoiceRow& row, const google::protobuf::RepeatedPtrField<v1::CreditNoteLineInput>& lines,
    int64_t amount, absl::string_view field) {
  const v1::Invoice& invoice = row.invoice;
  if (lines.empty()) {
    std::vector<int64_t> spread = SpreadOverLines(row.creditable, amount);
    if (spread.empty()) {
      int64_t left = 0;
      for (int64_t each : row.creditable) left += each;
      return books::Refused("AMOUNT_EXCEEDS_CREDITABLE",
                            absl::StrCat("only ", Show(left, invoice), " of ", invoice.name(),
                                         "'s lines is left to credit"));
    }
    return spread;
  }
  std::vector<int64_t> taken(invoice.lines_size(), 0);
  std::vector<FieldViolation> violations;
  int64_t sum = 0;
  for (int i = 0; i < lines.size(); ++i) {
    const v1::CreditNoteLineInput& input = lines[i];
    const std::string at = absl::StrCat(field, "[", i, "]");
    int index = -1;
    for (int j = 0; j < invoice.lines_size(); ++j) {
      if (invoice.lines(j).line_id() == input.line_id()) index = j;
    }
    if (index < 0) {
      violations.push_back({at + ".line_id", absl::StrCat(Quote(input.line_id()),
                                                          " is not a line of ", invoice.name())});
      continue;
    }
    if (input.amount().currency_code() != invoice.currency_code()) {
      violations.push_back(
          {at + ".amount.currency_code",
           absl::StrCat(Quote(input.amount().currency_code()), " is not the invoice's currency, ",
                        invoice.currency_code())});
      continue;
    }
    taken[index] += input.amount().amount_minor();
    sum += input.amount().amount_minor();
    if (taken[index] > row.creditable[index]) {
      return WithReason(
          FieldViolations(absl::StatusCode::kFailedPrecondition, "more than is left of the line",
                          {{at + ".amount",
                            absl::StrCat("is more than the ", Show(row.creditable[index], invoice),
                                         " left of line ", input.line_id())}}),
          "AMOUNT_EXCEEDS_LINE", kDomain);
    }
  }
  if (!violations.empty()) return Violations(violations);
  if (sum != amount) {
    return InvalidField(field, absl::StrCat("add up to ", Show(sum, invoice), "; the refund is ",
                                            Show(amount, invoice)));
  }
  return taken;
}

// A credit note for `taken` of each line of the invoice, numbered; written
// by InsertCreditNote.
absl::StatusOr<v1::CreditNote> WriteCreditNote(Connection& connection, const SiteTerms& site,
                                               const InvoiceRow& row,
                                               const std::vector<int64_t>& taken,
                                               const std::string& reason) {
  const v1::Invoice& invoice = row.invoice;
  const std::string& currency = invoice.currency_code();
  absl::StatusOr<int64_t> number =
      books::NextNumber(connection, row.site_id, "credit-note", site.year);
  if (!number.ok()) return number.status();
  const std::string id = storage::NewId();
  v1::CreditNote note;
  note.set_name(kCreditNoteName.Format(row.site_id, id));
  note.set_site_id(row.site_id);
  note.set_number(absl::StrFormat("%s-CN-%d-%06d", site.invoice_prefix, site.year, *number));
  note.set_invoice(invoice.name());
  note.set_invoice_number(invoice.number());
  note.set_client(invoice.client());
  note.set_reason(reason);
  *note.mutable_issue_time() = ToTimestampMillis(site.now);
  int64_t net = 0, tax = 0, total = 0;
  for (int i = 0; i < invoice.lines_size(); ++i) {
    if (taken[i] == 0) continue;
    const v1::InvoiceLine& line = invoice.lines(i);
    const int64_t line_tax =
        CreditedTax(line.total_amount().amount_minor(), line.tax_amount().amount_minor(),
                    line.credited_amount().amount_minor(), taken[i]);
    v1::CreditNoteLine& credited = *note.add_lines();
    credited.set_line_id(line.line_id());
    *credited.mutable_net_amount() = books::Money(taken[i] - line_tax, currency);
    *credited.mutable_tax_amount() = books::Money(line_tax, currency);
    *credited.mutable_total_amount() = books::Money(taken[i], currency);
    net += taken[i] - line_tax;
    tax += line_tax;
    total += taken[i];
  }
  *note.mutable_net_total() = books::Money(net, currency);
  *note.mutable_tax_total() = books::Money(tax, currency);
  *note.mutable_total() = books::Money(total, currency);
  return note;
}

absl::Status InsertCreditNote(Connection& connection, const InvoiceRow& row,
                              const v1::CreditNote& note) {
  absl::StatusOr<ResourceName> name = kCreditNoteName.Parse(note.name(), "name");
  if (!name.ok()) return name.status();
  SQLite::Statement& insert = connection.Prepare(kInsertCreditNoteSql);
  insert.bind(1, name->id("id"));
  insert.bind(2, row.site_id);
  insert.bind(3, row.invoice_id);
  insert.bind(4, row.client_id);
  insert.bind(5, note.number());
  insert.bind(6, static_cast<int64_t>(note.total().amount_minor()));
  insert.bind(7, note.total().currency_code());
  insert.bind(8, TimestampToUnixMillis(note.issue_time()));
  storage::BindBlob(insert, 9, note.SerializeAsString());
  insert.exec();
  for (const v1::CreditNoteLine& line : note.lines()) {
    SQLite::Statement& insert_line = connection.Prepare(kInsertCreditLineSql);
    insert_line.bind(1, name->id("id"));
    insert_line.bind(2, row.invoice_id);
    insert_line.bind(3, line.line_id());
    insert_line.bind(4, static_cast<int64_t>(line.total_amount().amount_minor()));
    insert_line.bind(5, static_cast<int64_t>(line.tax_amount().amount_minor()));
    insert_line.exec();
  }
  return absl::OkStatus();
}

absl::Status CheckIssued(const InvoiceRow& row) {
  if (row.lifecycle == kDraft) {
    return books::Refused("INVOICE_NOT_PAYABLE",
                          absl::StrCat(row.invoice.name(), " is a draft; issue it first"));
  }
  if (row.lifecycle == kVoid) {
    return books::Refused("INVOICE_NOT_PAYABLE", absl::StrCat(row.invoice.name(), " is void"));
  }
  return absl::OkStatus();
}

// A package credit: redeems a session of the package for the line and
// fills in the payment's amount (the line's total).
absl::Status PayWithPackage(Connection& connection, const PaymentToRecord& request,
                            const InvoiceRow& row, absl::Time now, v1::Payment& payment) {
  const v1::Invoice& invoice = row.invoice;
  int index = -1;
  for (int j = 0; j < invoice.lines_size(); ++j) {
    if (invoice.lines(j).line_id() == request.request.line_id()) index = j;
  }
  if (index < 0) {
    return InvalidField("line_id", absl::StrCat(Quote(request.request.line_id()),
                                                " is not a line of ", invoice.name()));
  }
  const v1::InvoiceLine& line = invoice.lines(index);
  if (!line.item().has_treatment()) {
    return InvalidField("line_id", absl::StrCat("line ", line.line_id(),
                                                " charges no treatment; a package pays only "
                                                "treatment lines"));
  }
  if (line.settled_by_package() || row.creditable[index] != line.total_amount().amount_minor()) {
    return books::Refused("LINE_NOT_PAYABLE_BY_PACKAGE",
                          absl::StrCat("line ", line.line_id(), " of ", invoice.name(),
                                       " was already settled by a package or credited"));
  }
  const int64_t total = line.total_amount().amount_minor();
  if (request.request.has_amount() && request.request.amount().amount_minor() != total) {
    return InvalidField("amount.amount_minor",
                        absl::StrCat("must be the line's total, ", Show(total, invoice),
                                     ", for a package credit (or be left out)"));
  }
  if (total > invoice.balance_due().amount_minor()) {
    return books::Refused(
        "AMOUNT_EXCEEDS_BALANCE",
        absl::StrCat("line ", line.line_id(), " comes to ", Show(total, invoice), " and only ",
                     Show(invoice.balance_due().amount_minor(), invoice), " is due"));
  }
  absl::StatusOr<packages::PackageRow> package =
      packages::Load(connection, request.package_client_id, request.package_id, now);
  if (!package.ok()) return package.status();
  if (request.package_client_id != row.client_id) {
    return InvalidField("package",
                        absl::StrCat("belongs to another client than ", invoice.client()));
  }
  if (absl::Status s = packages::CheckUsable(*package, row.site_id,
                                             line.item().treatment().treatment_type_id(), now);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::PackageRedemption> redemption = packages::Redeem(
      connection, *package, row.site_id, line.treatment_record(), invoice.name(), now);
  if (!redemption.ok()) return redemption.status();
  *payment.mutable_amount() = books::Money(total, invoice.currency_code());
  payment.set_package(package->package.name());
  payment.set_line_id(line.line_id());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Payment> SqliteBillingStore::RecordPayment(const PaymentToRecord& request,
                                                              const std::string& caller,
                                                              absl::Time now) {
  v1::Payment response;
  absl::Status status = storage::WriteOnce(
      *db_, kRecordMethod, caller, request.request.request_id(), request.request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<InvoiceRow> row =
            books::LoadInvoice(connection, request.site_id, request.invoice_id);
        if (!row.ok()) return row.status();
        if (absl::Status s = CheckIssued(*row); !s.ok()) return s;
        const v1::Invoice& invoice = row->invoice;
        if (invoice.state() == v1::INVOICE_STATE_PAID) {
          return books::Refused("INVOICE_NOT_PAYABLE",
                                absl::StrCat(invoice.name(), " is paid; nothing is due"));
        }
        if (request.request.has_amount() &&
            request.request.amount().currency_code() != invoice.currency_code()) {
          return CurrencyMismatch("amount.currency_code", request.request.amount().currency_code(),
                                  invoice);
        }
        v1::Payment payment;
        payment.set_method(request.request.method());
        payment.set_reference(request.request.reference());
        if (request.request.method() == v1::PAYMENT_METHOD_PACKAGE_CREDIT) {
          if (absl::Status s = PayWithPackage(connection, request, *row, now, payment); !s.ok()) {
            return s;
          }
        } else {
          const int64_t amount = request.request.amount().amount_minor();
          if (amount > invoice.balance_due().amount_minor()) {
            return WithReason(
                FieldViolations(
                    absl::StatusCode::kFailedPrecondition, "more than the balance due",
                    {{"amount.amount_minor",
                      absl::StrCat(Show(amount, invoice), " is more than the ",
                                   Show(invoice.balance_due().amount_minor(), invoice),
                                   " due; no client credit is kept, take the amount due")}}),
                "AMOUNT_EXCEEDS_BALANCE", kDomain);
          }
          *payment.mutable_amount() = request.request.amount();
        }
        absl::StatusOr<v1::Payment> inserted = InsertPayment(connection, *row, payment, "", now);
        if (!inserted.ok()) return inserted.status();
        response = *std::move(inserted);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Refund> SqliteBillingStore::RefundPayment(
    const v1::RefundPaymentRequest& request, const std::string& caller, const SiteTerms& site,
    const std::string& payment_id) {
  v1::Refund response;
  absl::Status status = storage::WriteOnce(
      *db_, kRefundMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<v1::Payment> paid = LoadPayment(connection, site.site_id, payment_id);
        if (!paid.ok()) return paid.status();
        if (paid->amount().amount_minor() < 0) {
          return books::Refused("NOT_REFUNDABLE",
                                absl::StrCat(paid->name(), " is itself a refund"));
        }
        if (paid->method() == v1::PAYMENT_METHOD_PACKAGE_CREDIT) {
          return books::Refused("NOT_REFUNDABLE",
                                absl::StrCat(paid->name(),
                                             " is a package credit; no money was taken to give "
                                             "back (credit the line with IssueCreditNote)"));
        }
        absl::StatusOr<ResourceName> invoice_name = kInvoiceName.Parse(paid->invoice(), "invoice");
        if (!invoice_name.ok()) return absl::DataLossError("a stored payment names no invoice");
        absl::StatusOr<InvoiceRow> row =
            books::LoadInvoice(connection, site.site_id, invoice_name->id("id"));
        if (!row.ok()) return row.status();
        if (request.amount().currency_code() != paid->amount().currency_code()) {
          return CurrencyMismatch("amount.currency_code", request.amount().currency_code(),
                                  row->invoice);
        }
        const int64_t left = paid->amount().amount_minor() - paid->refunded_amount().amount_minor();
        const int64_t amount = request.amount().amount_minor();
        if (amount > left) {
          return WithReason(
              FieldViolations(
                  absl::StatusCode::kFailedPrecondition, "more than is left to refund",
                  {{"amount.amount_minor",
                    absl::StrCat(Show(amount, row->invoice), " is more than the ",
                                 Show(left, row->invoice), " left of ", paid->name())}}),
              "AMOUNT_EXCEEDS_REFUNDABLE", kDomain);
        }
        absl::StatusOr<std::vector<int64_t>> taken =
            Allocate(*row, request.lines(), amount, "lines");
        if (!taken.ok()) return taken.status();
        absl::StatusOr<v1::CreditNote> note =
            WriteCreditNote(connection, site, *row, *taken, request.reason());
        if (!note.ok()) return note.status();
        v1::Payment refund;
        refund.set_method(paid->method());
        refund.set_reference(paid->reference());
        *refund.mutable_amount() = books::Money(-amount, paid->amount().currency_code());
        refund.set_refund_of(paid->name());
        refund.set_credit_note(note->name());
        absl::StatusOr<v1::Payment> inserted =
            InsertPayment(connection, *row, refund, payment_id, site.now);
        if (!inserted.ok()) return inserted.status();
        note->set_refund(inserted->name());
        if (absl::Status s = InsertCreditNote(connection, *row, *note); !s.ok()) return s;
        *response.mutable_payment() = *std::move(inserted);
        *response.mutable_credit_note() = *std::move(note);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Payment> SqliteBillingStore::GetPayment(const std::string& site_id,
                                                           const std::string& payment_id) {
  v1::Payment response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<v1::Payment> payment = LoadPayment(connection, site_id, payment_id);
    if (!payment.ok()) return payment.status();
    response = *std::move(payment);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListPaymentsResponse> SqliteBillingStore::ListPayments(
    const v1::ListPaymentsRequest& request, const std::string& invoice_id) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListPayments", request, kListPageSizes);
  if (!page.ok()) return page.status();
  absl::StatusOr<storage::TimeIdCursor> after = storage::ParseTimeIdCursor(*page);
  if (!after.ok()) return after.status();
  v1::ListPaymentsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListPaymentsSql);
    select.bind(1, request.site_id());
    select.bind(2, invoice_id);
    select.bind(3, page->first_page() ? 0 : 1);
    select.bind(4, after->unix_ms);
    select.bind(5, after->id);
    select.bind(6, page->fetch_limit());
    absl::StatusOr<std::string> next = storage::FillPage<v1::Payment>(
        select, *page, page_budget_bytes_, "payment",
        [](SQLite::Statement& row) {
          return storage::TimeIdCursor{row.getColumn(2).getInt64(), row.getColumn(1).getString()}
              .Format();
        },
        [&](SQLite::Statement& row, v1::Payment& payment) {
          return Complete(connection, row.getColumn(1).getString(), payment);
        },
        [&](v1::Payment&& payment) { *response.add_payments() = std::move(payment); });
    if (!next.ok()) return next.status();
    response.set_next_page_token(*next);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::CreditNote> SqliteBillingStore::IssueCreditNote(
    const v1::IssueCreditNoteRequest& request, const std::string& caller, const SiteTerms& site,
    const std::string& invoice_id) {
  v1::CreditNote response;
  absl::Status status = storage::WriteOnce(
      *db_, kCreditMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<InvoiceRow> row = books::LoadInvoice(connection, site.site_id, invoice_id);
        if (!row.ok()) return row.status();
        if (row->lifecycle != kIssued) {
          return books::Refused("INVOICE_NOT_ISSUED",
                                absl::StrCat(row->invoice.name(), " is ",
                                             row->lifecycle == kDraft ? "a draft" : "void",
                                             "; only an issued invoice is credited"));
        }
        int64_t amount = 0;
        for (const v1::CreditNoteLineInput& line : request.lines()) {
          amount += line.amount().amount_minor();
        }
        absl::StatusOr<std::vector<int64_t>> taken =
            Allocate(*row, request.lines(), amount, "lines");
        if (!taken.ok()) return taken.status();
        const int64_t due = row->invoice.balance_due().amount_minor();
        if (amount > due) {
          return books::Refused(
              "AMOUNT_EXCEEDS_BALANCE",
              absl::StrCat("the credit note comes to ", Show(amount, row->invoice), " and only ",
                           Show(due, row->invoice), " of ", row->invoice.name(),
                           " is unpaid; give money back with RefundPayment"));
        }
        absl::StatusOr<v1::CreditNote> note =
            WriteCreditNote(connection, site, *row, *taken, request.reason());
        if (!note.ok()) return note.status();
        if (absl::Status s = InsertCreditNote(connection, *row, *note); !s.ok()) return s;
        response = *std::move(note);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::CreditNote> SqliteBillingStore::GetCreditNote(
    const std::string& site_id, const std::string& credit_note_id) {
  v1::CreditNote response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectCreditNoteSql);
    select.bind(1, credit_note_id);
    select.bind(2, site_id);
    if (!select.executeStep()) {
      return books::NotFound(kCreditNoteName.Format(site_id, credit_note_id));
    }
    absl::Status parsed = storage::ParseStored(select.getColumn(0), response, "credit note");
    select.reset();
    return parsed;
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListCreditNotesResponse> SqliteBillingStore::ListCreditNotes(
    const v1::ListCreditNotesRequest& request, const std::string& invoice_id) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListCreditNotes", request, kListPageSizes);
  if (!page.ok()) return page.status();
  absl::StatusOr<storage::TimeIdCursor> after = storage::ParseTimeIdCursor(*page);
  if (!after.ok()) return after.status();
  v1::ListCreditNotesResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListCreditNotesSql);
    select.bind(1, request.site_id());
    select.bind(2, invoice_id);
    select.bind(3, page->first_page() ? 0 : 1);
    select.bind(4, after->unix_ms);
    select.bind(5, after->id);
    select.bind(6, page->fetch_limit());
    absl::StatusOr<std::string> next = storage::FillPage<v1::CreditNote>(
        select, *page, page_budget_bytes_, "credit note",
        [](SQLite::Statement& row) {
          return storage::TimeIdCursor{row.getColumn(2).getInt64(), row.getColumn(1).getString()}
              .Format();
        },
        [](SQLite::Statement&, v1::CreditNote&) { return absl::OkStatus(); },
        [&](v1::CreditNote&& note) { *response.add_credit_notes() = std::move(note); });
    if (!next.ok()) return next.status();
    response.set_next_page_token(*next);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::billing
