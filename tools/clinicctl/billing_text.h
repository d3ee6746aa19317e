// What clinicctl's billing commands (billing_commands.cc, invoice_commands.cc)
// share: priced items written as one word ("treatment:microneedling:face",
// "fee:consultation"), amounts typed and printed in major units with the
// digits of their currency ("250.00 GBP", "1000 JPY", "12.345 BHD"), tax
// categories by short name, and the currency of an invoice or a site as the
// server keeps it. Only those two files include it.
#ifndef CLINIC_TOOLS_CLINICCTL_BILLING_TEXT_H_
#define CLINIC_TOOLS_CLINICCTL_BILLING_TEXT_H_

#include <memory>
#include <string>

#include "clinic/v1/billing.grpc.pb.h"

namespace clinic::clinicctl {

std::unique_ptr<v1::Billing::Stub> Billing();

// An item as the commands write it, and back:
//   treatment:TYPE        a session of a treatment type
//   treatment:TYPE:AREA   one area of it
//   product:products/ID   a product sold to take home
//   fee:ID                a fee, e.g. fee:consultation
//   plan:sites/S/packagePlans/ID   a package plan
// ParseItem says why on stderr and returns false for anything else.
bool ParseItem(const std::string& text, v1::PricedItem* out);
std::string ItemText(const v1::PricedItem& item);

// ITEM or ITEM=QUANTITY (the form count and transfer use for LOT=N): '='
// appears in no id, so the quantity is never mistaken for part of one.
bool ParseLine(const std::string& text, v1::InvoiceLineInput* out);

// Where an amount's currency and digits come from: an invoice (its own
// currency_digits, which outlive a withdrawn currency) or the ISO-4217 table.
struct Currency {
  std::string code;
  int digits = 2;
};

// "250.00 GBP" with the digits of the money's currency (from the table);
// "-" for money that was never set.
std::string MoneyText(const v1::Money& money);
// The same with the digits given, for amounts of an invoice.
std::string MoneyText(const v1::Money& money, int digits);
// Just the amount, "250.00", for columns whose currency is said once.
std::string AmountText(const v1::Money& money, int digits);

// AMOUNT as typed ("250.00", "1000", "12.345") into money of `currency`.
// `what` names the argument in the error said on stderr.
bool ParseAmount(const std::string& what, const std::string& text, const Currency& currency,
                 v1::Money* out);

// "10%" or "12.5%" (a share), or an amount in `currency` ("5.00"). The
// currency is only asked for when the text is an amount, so a percentage
// costs no call.
template <typename GetCurrency>
bool ParseDiscount(const std::string& text, GetCurrency get_currency, v1::Discount* out);

// "cosmetic", "medical", "retail", "fee" (or the enum's labels, such as
// cosmetic_treatment) and back.
bool ParseTax(const std::string& text, v1::TaxCategory* out);
std::string TaxText(v1::TaxCategory category);

// 2000 basis points as "20.00%".
std::string RateText(int basis_points);
// "20%", "8.875%" is refused (rates are whole basis points), "2000" is
// basis points.
bool ParseRate(const std::string& text, int* basis_points);

// The currency of an invoice, read from the server; 0, or the exit status
// of the failed call (printed).
int InvoiceCurrency(v1::Billing::Stub& stub, const std::string& invoice, Currency* out);

// Today on this machine's clock, in its time zone: the default day of the
// commands that take one. A site elsewhere may already be on another day;
// the server then refuses a day in its past naming the field, and --from or
// DATE says which.
v1::Date LocalToday();

// A flag's value as a date, or `fallback` when the flag is empty.
bool DateFlag(const std::string& value, const v1::Date& fallback, v1::Date* out);

// Percentage parsing shared by ParseDiscount and ParseRate: "12.5%" is 1250
// basis points. False, having said why, when it is not a share.
bool ParsePercent(const std::string& what, const std::string& text, int* basis_points);

template <typename GetCurrency>
bool ParseDiscount(const std::string& text, GetCurrency get_currency, v1::Discount* out) {
  if (!text.empty() && text.back() == '%') {
    int basis_points = 0;
    if (!ParsePercent("--discount", text, &basis_points)) return false;
    out->set_percent_basis_points(basis_points);
    return true;
  }
  Currency currency;
  if (!get_currency(&currency)) return false;
  return ParseAmount("--discount", text, currency, out->mutable_amount());
}

}  // namespace clinic::clinicctl

#endif  // CLINIC_TOOLS_CLINICCTL_BILLING_TEXT_H_
