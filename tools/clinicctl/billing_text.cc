#include "tools/clinicctl/billing_text.h"

#include <cstdio>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/config/currency.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "tools/clinicctl/clinicctl_common.h"

namespace clinic::clinicctl {
namespace {

// Short names of the tax categories, as --tax takes them and lists print
// them.
struct TaxName {
  const char* name;
  v1::TaxCategory category;
};
constexpr TaxName kTaxNames[] = {{"medical", v1::TAX_CATEGORY_MEDICAL_TREATMENT},
                                 {"cosmetic", v1::TAX_CATEGORY_COSMETIC_TREATMENT},
                                 {"retail", v1::TAX_CATEGORY_RETAIL_PRODUCT},
                                 {"fee", v1::TAX_CATEGORY_FEE}};

int DigitsOf(const std::string& code) { return CurrencyMinorDigits(code).value_or(0); }

}  // namespace

std::unique_ptr<v1::Billing::Stub> Billing() { return v1::Billing::NewStub(Channel()); }

bool ParseItem(const std::string& text, v1::PricedItem* out) {
  const std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  const std::string rest = parts.size() == 2 ? parts[1] : "";
  if (parts.size() == 2 && !rest.empty()) {
    if (parts[0] == "treatment") {
      const std::vector<std::string> type_area = absl::StrSplit(rest, absl::MaxSplits(':', 1));
      out->mutable_treatment()->set_treatment_type_id(type_area[0]);
      if (type_area.size() == 2) out->mutable_treatment()->set_area_id(type_area[1]);
      return true;
    }
    if (parts[0] == "product") {
      out->set_product(rest);
      return true;
    }
    if (parts[0] == "fee") {
      out->set_fee_id(rest);
      return true;
    }
    if (parts[0] == "plan") {
      out->set_package_plan(rest);
      return true;
    }
  }
  std::fprintf(stderr,
               "error: %s is not an item: treatment:TYPE, treatment:TYPE:AREA, "
               "product:products/ID, fee:ID or plan:sites/SITE/packagePlans/ID\n",
               Quote(text).c_str());
  return false;
}

std::string ItemText(const v1::PricedItem& item) {
  switch (item.item_case()) {
    case v1::PricedItem::kTreatment:
      return item.treatment().area_id().empty()
                 ? absl::StrCat("treatment:", item.treatment().treatment_type_id())
                 : absl::StrCat("treatment:", item.treatment().treatment_type_id(), ":",
                                item.treatment().area_id());
    case v1::PricedItem::kProduct:
      return "product:" + item.product();
    case v1::PricedItem::kFeeId:
      return "fee:" + item.fee_id();
    case v1::PricedItem::kPackagePlan:
      return "plan:" + item.package_plan();
    case v1::PricedItem::ITEM_NOT_SET:
      break;
  }
  return "-";
}

bool ParseLine(const std::string& text, v1::InvoiceLineInput* out) {
  const size_t equals = text.rfind('=');
  if (equals == std::string::npos) return ParseItem(text, out->mutable_item());
  int64_t quantity = 0;
  if (!ParseItem(text.substr(0, equals), out->mutable_item()) ||
      !ParseInt("the quantity in " + Quote(text), text.substr(equals + 1), &quantity)) {
    return false;
  }
  // The server checks the range; a value beyond int32 would wrap first.
  if (quantity < 0 || quantity > 1'000'000) {
    std::fprintf(stderr, "error: the quantity in %s must be 1 to 1000\n", Quote(text).c_str());
    return false;
  }
  out->set_quantity(static_cast<int32_t>(quantity));
  return true;
}

std::string MoneyText(const v1::Money& money) {
  return MoneyText(money, DigitsOf(money.currency_code()));
}

std::string MoneyText(const v1::Money& money, int digits) {
  if (money.currency_code().empty()) return "-";
  return absl::StrCat(FormatMinorUnits(money.amount_minor(), digits), " ", money.currency_code());
}

std::string AmountText(const v1::Money& money, int digits) {
  if (money.currency_code().empty()) return "-";
  return FormatMinorUnits(money.amount_minor(), digits);
}

bool ParseAmount(const std::string& what, const std::string& text, const Currency& currency,
                 v1::Money* out) {
  const absl::StatusOr<int64_t> minor = ParseMinorUnits(text, currency.digits);
  if (!minor.ok()) {
    std::fprintf(stderr, "error: %s in %s: %s\n", what.c_str(), currency.code.c_str(),
                 std::string(minor.status().message()).c_str());
    return false;
  }
  out->set_amount_minor(*minor);
  out->set_currency_code(currency.code);
  return true;
}

bool ParsePercent(const std::string& what, const std::string& text, int* basis_points) {
  absl::string_view number = text;
  if (!absl::ConsumeSuffix(&number, "%")) {
    std::fprintf(stderr, "error: %s %s is not a percentage such as 10%%\n", what.c_str(),
                 Quote(text).c_str());
    return false;
  }
  // A percentage with two decimals is whole basis points.
  const absl::StatusOr<int64_t> parsed = ParseMinorUnits(number, 2);
  if (!parsed.ok()) {
    std::fprintf(stderr, "error: %s %s is not a percentage with at most two decimals\n",
                 what.c_str(), Quote(text).c_str());
    return false;
  }
  // The server checks the range; a value beyond int32 would wrap first.
  if (*parsed < 0 || *parsed > 1'000'000) {
    std::fprintf(stderr, "error: %s %s must be 0%% to 100%%\n", what.c_str(), Quote(text).c_str());
    return false;
  }
  *basis_points = static_cast<int>(*parsed);
  return true;
}

bool ParseTax(const std::string& text, v1::TaxCategory* out) {
  for (const TaxName& name : kTaxNames) {
    if (text == name.name) {
      *out = name.category;
      return true;
    }
  }
  return ParseLabel("tax category (medical, cosmetic, retail or fee)", text, out);
}

std::string TaxText(v1::TaxCategory category) {
  for (const TaxName& name : kTaxNames) {
    if (category == name.category) return name.name;
  }
  return Label(category);
}

std::string RateText(int basis_points) {
  return absl::StrCat(FormatMinorUnits(basis_points, 2), "%");
}

bool ParseRate(const std::string& text, int* basis_points) {
  if (absl::EndsWith(text, "%")) return ParsePercent("the rate", text, basis_points);
  int64_t value = 0;
  if (!ParseInt("BASIS_POINTS", text, &value)) return false;
  if (value < -1'000'000 || value > 1'000'000) {
    std::fprintf(stderr, "error: BASIS_POINTS %s must be 0 to 10000\n", Quote(text).c_str());
    return false;
  }
  *basis_points = static_cast<int>(value);
  return true;
}

int InvoiceCurrency(v1::Billing::Stub& stub, const std::string& invoice, Currency* out) {
  v1::GetInvoiceRequest request;
  request.set_name(invoice);
  v1::Invoice read;
  const grpc::Status status = stub.GetInvoice(Context().get(), request, &read);
  if (!status.ok()) return PrintError(status);
  out->code = read.currency_code();
  out->digits = read.currency_digits();
  return 0;
}

v1::Date LocalToday() { return ToDate(absl::ToCivilDay(absl::Now(), absl::LocalTimeZone())); }

bool DateFlag(const std::string& value, const v1::Date& fallback, v1::Date* out) {
  if (value.empty()) {
    *out = fallback;
    return true;
  }
  return ParseDate(value, out);
}

}  // namespace clinic::clinicctl
