// clinicctl's invoice commands: opening a draft and filling it, issuing and
// voiding, taking payments (money, or a package session for a treatment
// line), refunds and credit notes, and the lists of each. Amounts are typed
// in the invoice's currency, read from the invoice itself, so nobody types a
// currency at the till. Each write sends the run's request_id: a payment
// retried with --request_id is taken once.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/clinicctl/billing_text.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, discount, "",
          "add-line: a share of the line (10%, 12.5%) or an amount off it in the invoice's "
          "currency (5.00).");
ABSL_FLAG(std::string, reason, "",
          "void, refund, credit-note: why, 1 to 500 characters. Required.");
ABSL_FLAG(std::string, method, "",
          "pay: how the client paid: card, cash, bank_transfer or gift_card. Required.");
ABSL_FLAG(std::string, reference, "",
          "pay: the terminal's, bank's or gift card's reference; required for bank_transfer and "
          "gift_card.");
ABSL_FLAG(std::string, invoice, "", "payments, credit-notes: only those of this invoice.");

namespace clinic::clinicctl {
namespace {

// Each line of an invoice as one row: id, item, description, quantity and
// unit price, discount, net, tax at its rate, total, what was credited, and
// how it stands (a package sold, a line a package session paid).
std::string LineText(const v1::InvoiceLine& line, int digits) {
  std::vector<std::string> columns = {
      "line",
      line.line_id(),
      ItemText(line.item()),
      line.description(),
      absl::StrCat(line.quantity(), " x ", AmountText(line.unit_price(), digits)),
      absl::StrCat("discount=", AmountText(line.discount_amount(), digits)),
      absl::StrCat("net=", AmountText(line.net_amount(), digits)),
      absl::StrCat("tax=", AmountText(line.tax_amount(), digits), "@",
                   RateText(line.tax_rate_basis_points())),
      absl::StrCat("total=", AmountText(line.total_amount(), digits)),
      absl::StrCat("credited=", AmountText(line.credited_amount(), digits))};
  if (!line.package().empty()) columns.push_back("sells " + line.package());
  if (!line.treatment_record().empty()) columns.push_back("for " + line.treatment_record());
  if (line.settled_by_package()) columns.push_back("(paid by package)");
  return absl::StrJoin(columns, "\t");
}

// An invoice for people: one "label<TAB>value" line each, its lines, and
// the sums with what was paid and credited and what is still due.
void PrintInvoice(const v1::Invoice& invoice) {
  const int digits = invoice.currency_digits();
  auto money = [digits](const v1::Money& value) { return MoneyText(value, digits); };
  std::vector<std::string> out = {
      "name\t" + invoice.name(),
      "number\t" + (invoice.number().empty() ? "-" : invoice.number()),
      "state\t" + Label(invoice.state()),
      "client\t" + invoice.client(),
      absl::StrCat("currency\t", invoice.currency_code(),
                   invoice.prices_include_tax() ? " (prices include tax)" : " (tax added)"),
      "created\t" + FormatTime(invoice.create_time())};
  if (invoice.has_issue_time()) out.push_back("issued\t" + FormatTime(invoice.issue_time()));
  if (invoice.has_void_time()) {
    out.push_back(
        absl::StrCat("voided\t", FormatTime(invoice.void_time()), "\t", invoice.void_reason()));
  }
  for (const v1::InvoiceLine& line : invoice.lines()) out.push_back(LineText(line, digits));
  for (const v1::TaxBreakdown& tax : invoice.tax_breakdown()) {
    out.push_back(absl::StrCat("tax_at\t", RateText(tax.rate_basis_points()),
                               "\tnet=", AmountText(tax.net_amount(), digits),
                               "\ttax=", AmountText(tax.tax_amount(), digits)));
  }
  out.push_back("discount_total\t" + money(invoice.discount_total()));
  out.push_back("net_total\t" + money(invoice.net_total()));
  out.push_back("tax_total\t" + money(invoice.tax_total()));
  out.push_back("total\t" + money(invoice.total()));
  out.push_back("paid\t" + money(invoice.amount_paid()));
  out.push_back("credited\t" + money(invoice.amount_credited()));
  out.push_back("balance_due\t" + money(invoice.balance_due()));
  if (!invoice.notes().empty()) out.push_back("notes\t" + invoice.notes());
  std::printf("%s\n", absl::StrJoin(out, "\n").c_str());
}

int Invoices(const std::vector<std::string>& args) {
  v1::ListInvoicesRequest request;
  request.set_site_id(args[0]);
  request.set_client(absl::GetFlag(FLAGS_client));
  if (!absl::GetFlag(FLAGS_state).empty()) {
    v1::InvoiceState state;
    if (!ParseLabel("invoice state", absl::GetFlag(FLAGS_state), &state)) return kBadUsage;
    request.set_state(state);
  }
  return ForEachPage(
      *Billing(), &v1::Billing::Stub::ListInvoices, request,
      [](const v1::ListInvoicesResponse& page) {
        for (const v1::Invoice& invoice : page.invoices()) {
          const int digits = invoice.currency_digits();
          PrintRow(invoice, {invoice.name(), invoice.number().empty() ? "-" : invoice.number(),
                             Label(invoice.state()), invoice.client(),
                             absl::StrCat("total=", MoneyText(invoice.total(), digits)),
                             absl::StrCat("due=", MoneyText(invoice.balance_due(), digits)),
                             FormatTime(invoice.create_time())});
        }
      });
}

int GetInvoice(const std::vector<std::string>& args) {
  v1::GetInvoiceRequest request;
  request.set_name(args[0]);
  v1::Invoice response;
  const grpc::Status status = Billing()->GetInvoice(Context().get(), request, &response);
  if (!status.ok() || absl::GetFlag(FLAGS_json)) return Print(status, response);
  PrintInvoice(response);
  return 0;
}

int NewInvoice(const std::vector<std::string>& args) {
  v1::CreateInvoiceRequest request;
  request.mutable_invoice()->set_site_id(args[0]);
  request.mutable_invoice()->set_client(args[1]);
  for (size_t i = 2; i < args.size(); ++i) {
    if (!ParseLine(args[i], request.add_lines())) return kBadUsage;
  }
  request.set_request_id(RequestId());
  v1::Invoice response;
  return Print(Billing()->CreateInvoice(Context().get(), request, &response), response);
}

int AddLine(const std::vector<std::string>& args) {
  auto stub = Billing();
  v1::AddInvoiceLinesRequest request;
  request.set_invoice(args[0]);
  v1::InvoiceLineInput& line = *request.add_lines();
  if (!ParseItem(args[1], line.mutable_item())) return kBadUsage;
  line.set_quantity(absl::GetFlag(FLAGS_quantity));
  if (!absl::GetFlag(FLAGS_discount).empty()) {
    int failed = 0;
    const bool parsed = ParseDiscount(
        absl::GetFlag(FLAGS_discount),
        [&](Currency* currency) {
          failed = InvoiceCurrency(*stub, args[0], currency);
          return failed == 0;
        },
        line.mutable_discount());
    if (failed != 0) return failed;
    if (!parsed) return kBadUsage;
  }
  request.set_request_id(RequestId());
  v1::Invoice response;
  return Print(stub->AddInvoiceLines(Context().get(), request, &response), response);
}

int RemoveLine(const std::vector<std::string>& args) {
  v1::RemoveInvoiceLineRequest request;
  request.set_invoice(args[0]);
  request.set_line_id(args[1]);
  request.set_request_id(RequestId());
  v1::Invoice response;
  return Print(Billing()->RemoveInvoiceLine(Context().get(), request, &response), response);
}

int Issue(const std::vector<std::string>& args) {
  v1::IssueInvoiceRequest request;
  request.set_name(args[0]);
  request.set_request_id(RequestId());
  v1::Invoice response;
  return Print(Billing()->IssueInvoice(Context().get(), request, &response), response);
}

int Void(const std::vector<std::string>& args) {
  v1::VoidInvoiceRequest request;
  request.set_name(args[0]);
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_request_id(RequestId());
  v1::Invoice response;
  return Print(Billing()->VoidInvoice(Context().get(), request, &response), response);
}

int Pay(const std::vector<std::string>& args) {
  auto stub = Billing();
  v1::RecordPaymentRequest request;
  request.set_invoice(args[0]);
  v1::PaymentMethod method;
  if (absl::GetFlag(FLAGS_method).empty()) {
    std::fprintf(stderr, "error: --method is required: card, cash, bank_transfer or gift_card\n");
    return kBadUsage;
  }
  if (!ParseLabel("payment method", absl::GetFlag(FLAGS_method), &method)) return kBadUsage;
  Currency currency;
  if (int failed = InvoiceCurrency(*stub, args[0], &currency); failed != 0) return failed;
  if (!ParseAmount("AMOUNT", args[1], currency, request.mutable_amount())) return kBadUsage;
  request.set_method(method);
  request.set_reference(absl::GetFlag(FLAGS_reference));
  request.set_request_id(RequestId());
  v1::Payment response;
  return Print(stub->RecordPayment(Context().get(), request, &response), response);
}

int PayWithPackage(const std::vector<std::string>& args) {
  v1::RecordPaymentRequest request;
  request.set_invoice(args[0]);
  request.set_method(v1::PAYMENT_METHOD_PACKAGE_CREDIT);
  request.set_package(args[1]);
  request.set_line_id(args[2]);
  request.set_request_id(RequestId());
  v1::Payment response;
  return Print(Billing()->RecordPayment(Context().get(), request, &response), response);
}

int Refund(const std::vector<std::string>& args) {
  auto stub = Billing();
  v1::GetPaymentRequest get;
  get.set_name(args[0]);
  v1::Payment payment;
  if (grpc::Status status = stub->GetPayment(Context().get(), get, &payment); !status.ok()) {
    return PrintError(status);
  }
  Currency currency;
  if (int failed = InvoiceCurrency(*stub, payment.invoice(), &currency); failed != 0) {
    return failed;
  }
  v1::RefundPaymentRequest request;
  request.set_payment(args[0]);
  if (!ParseAmount("AMOUNT", args[1], currency, request.mutable_amount())) return kBadUsage;
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_request_id(RequestId());
  v1::Refund response;
  return Print(stub->RefundPayment(Context().get(), request, &response), response);
}

int Payments(const std::vector<std::string>& args) {
  v1::ListPaymentsRequest request;
  request.set_site_id(args[0]);
  request.set_invoice(absl::GetFlag(FLAGS_invoice));
  return ForEachPage(
      *Billing(), &v1::Billing::Stub::ListPayments, request,
      [](const v1::ListPaymentsResponse& page) {
        for (const v1::Payment& payment : page.payments()) {
          std::vector<std::string> columns = {
              FormatTime(payment.create_time()),
              payment.name(),
              payment.invoice(),
              Label(payment.method()),
              MoneyText(payment.amount()),
              absl::StrCat("refunded=", MoneyText(payment.refunded_amount())),
              payment.reference().empty() ? "-" : payment.reference()};
          if (!payment.refund_of().empty()) {
            columns.push_back("refund of " + payment.refund_of());
          }
          if (!payment.package().empty()) {
            columns.push_back(absl::StrCat(payment.package(), " paid line ", payment.line_id()));
          }
          PrintRow(payment, columns);
        }
      });
}

int CreditNote(const std::vector<std::string>& args) {
  auto stub = Billing();
  Currency currency;
  if (int failed = InvoiceCurrency(*stub, args[0], &currency); failed != 0) return failed;
  v1::IssueCreditNoteRequest request;
  request.set_invoice(args[0]);
  v1::CreditNoteLineInput& line = *request.add_lines();
  line.set_line_id(args[1]);
  if (!ParseAmount("AMOUNT", args[2], currency, line.mutable_amount())) return kBadUsage;
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_request_id(RequestId());
  v1::CreditNote response;
  return Print(stub->IssueCreditNote(Context().get(), request, &response), response);
}

int CreditNotes(const std::vector<std::string>& args) {
  v1::ListCreditNotesRequest request;
  request.set_site_id(args[0]);
  request.set_invoice(absl::GetFlag(FLAGS_invoice));
  return ForEachPage(
      *Billing(), &v1::Billing::Stub::ListCreditNotes, request,
      [](const v1::ListCreditNotesResponse& page) {
        for (const v1::CreditNote& note : page.credit_notes()) {
          PrintRow(note, {FormatTime(note.issue_time()), note.name(), note.number(),
                          note.invoice_number(), MoneyText(note.total()),
                          note.refund().empty() ? "-" : "refund " + note.refund(), note.reason()});
        }
      });
}

}  // namespace

void AddInvoiceCommands(Registry& registry) {
  registry.Area("invoices and payments");
  registry.Add({"invoices",
                "SITE [--client=clients/ID] [--state=STATE]",
                "a site's invoices, newest first",
                "One line per invoice: name, number (\"-\" for a draft), state, client, total,\n"
                "balance due, and when it was opened. STATE is draft, issued, partially_paid,\n"
                "paid or void.",
                {"client", "state"},
                Invoices});
  registry.Add({"invoice",
                "sites/SITE/invoices/ID",
                "show an invoice: lines, totals, paid, credited, due",
                "One \"label<TAB>value\" line each; each invoice line as\n"
                "  line ID ITEM DESCRIPTION QUANTITY x UNIT discount= net= tax=@RATE total= "
                "credited=\n"
                "Amounts are in the invoice's currency. --json prints the whole invoice.",
                {},
                GetInvoice});
  registry.Add({"new-invoice",
                "SITE clients/ID [ITEM[=QUANTITY]...]",
                "open a draft invoice for a client",
                "Each ITEM is a line, priced from the site's price list today (items as\n"
                "set-price writes them, e.g. treatment:microneedling:face or\n"
                "product:products/ID=2 for two units). Prints the draft and its name.",
                {"request_id"},
                NewInvoice});
  registry.Add({"add-line",
                "INVOICE ITEM [--quantity=N] [--discount=10%|AMOUNT]",
                "add a line to a draft invoice",
                "The line is priced from the site's price list today and keeps that price.",
                {"quantity", "discount", "request_id"},
                AddLine});
  registry.Add({"remove-line",
                "INVOICE LINE_ID",
                "remove a line from a draft invoice",
                "A line that sells a package removes the package too, unless a session of it\n"
                "was used.",
                {"request_id"},
                RemoveLine});
  registry.Add({"issue",
                "INVOICE",
                "issue a draft: number it and fix its tax",
                "The number is the next of the site's sequence for the year; every line is taxed\n"
                "at the rate in force today. An issued invoice never changes: correct it with a\n"
                "credit note.",
                {"request_id"},
                Issue});
  registry.Add({"void",
                "INVOICE --reason=TEXT",
                "cancel a draft, or an issued invoice with nothing paid",
                "An issued invoice keeps its number. One with a payment or credit note is\n"
                "corrected with credit-note or refund instead.",
                {"reason", "request_id"},
                Void});
  registry.Add(
      {"pay",
       "INVOICE AMOUNT --method=METHOD [--reference=TEXT]",
       "take a payment against an issued invoice",
       "AMOUNT is in the invoice's currency, in major units with its decimals (250.00\n"
       "GBP, 1000 JPY, 12.345 BHD), never more than the balance due: no client credit\n"
       "is kept. METHOD is card, cash, bank_transfer (with --reference) or gift_card (its\n"
       "number as --reference). A package session pays with pay-with-package.",
       {"method", "reference", "request_id"},
       Pay});
  registry.Add({"pay-with-package",
                "INVOICE clients/ID/packages/ID LINE_ID",
                "pay a treatment line with a package session",
                "The package's money was taken when it was sold, so takings and revenue count\n"
                "it there.",
                {"request_id"},
                PayWithPackage});
  registry.Add({"refund",
                "sites/SITE/payments/ID AMOUNT --reason=TEXT",
                "give back part or all of a payment",
                "Issues a credit note for AMOUNT against the payment's invoice (its lines in\n"
                "order) and records a negative payment by the same method.",
                {"reason", "request_id"},
                Refund});
  registry.Add({"payments",
                "SITE [--invoice=INVOICE]",
                "a site's payments and refunds, newest first",
                "One line per payment: time, name, invoice, method, amount (negative for a\n"
                "refund), refunded so far, reference, and what it refunds or which package\n"
                "session paid.",
                {"invoice"},
                Payments});
  registry.Add({"credit-note",
                "INVOICE LINE_ID AMOUNT --reason=TEXT",
                "credit part of a line of an issued invoice",
                "No money changes hands: the balance due falls by AMOUNT (tax included). Never\n"
                "more than what is left of the line or due; a paid invoice is corrected with\n"
                "refund.",
                {"reason", "request_id"},
                CreditNote});
  registry.Add({"credit-notes",
                "SITE [--invoice=INVOICE]",
                "a site's credit notes, newest first",
                "One line per credit note: time, name, number, the invoice's number, total, the\n"
                "refund it belongs to, and why.",
                {"invoice"},
                CreditNotes});
}

}  // namespace clinic::clinicctl
