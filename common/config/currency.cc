// The ISO-4217 table behind currency.h.
#include "common/config/currency.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/core/text.h"

namespace clinic {
namespace {

struct Currency {
  const char* code;
  int digits;
};

// ISO-4217 List One (current currencies) as published in May 2025, less the
// fund codes, metals, bond-market units, units of account (XAD, XDR, XSU, XUA)
// and XTS/XXX. Edit it when the list changes, e.g. when BGN is withdrawn
// after Bulgaria adopts the euro. Sorted by code for binary search; the
// shape is checked at compile time below.
constexpr Currency kCurrencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2}, {"ARS", 2}, {"AUD", 2}, {"AWG", 2},
    {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0}, {"BMD", 2},
    {"BND", 2}, {"BOB", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2},
    {"CAD", 2}, {"CDF", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"CRC", 2}, {"CUP", 2},
    {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2},
    {"ETB", 2}, {"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2},
    {"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2},
    {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3},
    {"JPY", 0}, {"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3},
    {"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3},
    {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2},
    {"MUR", 2}, {"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2},
    {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2},
    {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2},
    {"RWF", 0}, {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2},
    {"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2}, {"SZL", 2},
    {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2},
    {"TZS", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"UYU", 2}, {"UZS", 2}, {"VED", 2}, {"VES", 2},
    {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0},
    {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

constexpr bool IsUpperCaseCode(const char* code) {
  for (int i = 0; i < 3; ++i) {
    if (code[i] < 'A' || code[i] > 'Z') return false;
  }
  return code[3] == '\0';
}

constexpr bool Precedes(const char* a, const char* b) {
  for (int i = 0; i < 3; ++i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return false;
}

// A typo in the table would make lookups silently miss, so the table proves
// its own shape: three upper-case letters, strictly ascending, sane digits.
constexpr bool TableIsWellFormed() {
  for (size_t i = 0; i < std::size(kCurrencies); ++i) {
    const Currency& currency = kCurrencies[i];
    if (!IsUpperCaseCode(currency.code)) return false;
    if (currency.digits != 0 && currency.digits != 2 && currency.digits != 3) return false;
    if (i > 0 && !Precedes(kCurrencies[i - 1].code, currency.code)) return false;
  }
  return true;
}
static_assert(TableIsWellFormed(), "kCurrencies must hold sorted, unique ISO-4217 codes");

}  // namespace

absl::optional<int> CurrencyMinorDigits(absl::string_view code) {
  if (code.size() != 3) return absl::nullopt;
  const auto* end = std::end(kCurrencies);
  const auto* it = std::lower_bound(
      std::begin(kCurrencies), end, code,
      [](const Currency& c, absl::string_view key) { return absl::string_view(c.code) < key; });
  if (it == end || absl::string_view(it->code) != code) return absl::nullopt;
  return it->digits;
}

namespace {

// The most decimals any accepted currency has (BHD, KWD, ...); beyond it
// 10^digits would be a scale no amount is written in.
constexpr int kMaxDigits = 3;

int64_t Scale(int digits) {
  int64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  return scale;
}

}  // namespace

std::string FormatMinorUnits(int64_t amount_minor, int digits) {
  digits = std::clamp(digits, 0, kMaxDigits);
  // The magnitude as unsigned, so the most negative int64 has one too.
  const uint64_t magnitude = amount_minor < 0 ? 0 - static_cast<uint64_t>(amount_minor)
                                              : static_cast<uint64_t>(amount_minor);
  const char* sign = amount_minor < 0 ? "-" : "";
  if (digits == 0) return absl::StrCat(sign, magnitude);
  const uint64_t scale = static_cast<uint64_t>(Scale(digits));
  return absl::StrFormat("%s%d.%0*d", sign, magnitude / scale, digits, magnitude % scale);
}

absl::StatusOr<int64_t> ParseMinorUnits(absl::string_view text, int digits) {
  digits = std::clamp(digits, 0, kMaxDigits);
  const std::string quoted = Quote(text);
  absl::string_view rest = text;
  const bool negative = absl::ConsumePrefix(&rest, "-");
  const size_t point = rest.find('.');
  const absl::string_view whole = rest.substr(0, point);
  const absl::string_view fraction =
      point == absl::string_view::npos ? absl::string_view() : rest.substr(point + 1);
  auto all_digits = [](absl::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return absl::ascii_isdigit(c); });
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction) ||
      (point != absl::string_view::npos && fraction.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat(quoted, " is not an amount: digits with an optional decimal point, e.g. ",
                     FormatMinorUnits(Scale(digits) * 250, digits)));
  }
  if (fraction.size() > static_cast<size_t>(digits)) {
    return absl::InvalidArgumentError(
        digits == 0 ? absl::StrCat(quoted, " has decimals, and the currency has no minor unit")
                    : absl::StrCat(quoted, " has ", fraction.size(),
                                   " decimals, and the currency has ", digits));
  }
  // Whole minor units as an unsigned sum, checked against int64 at each step.
  const uint64_t limit =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
  uint64_t minor = 0;
  auto append = [&](char digit) {
    const uint64_t value = static_cast<uint64_t>(digit - '0');
    if (minor > (limit - value) / 10) return false;
    minor = minor * 10 + value;
    return true;
  };
  bool fits = true;
  for (char c : whole) fits = fits && append(c);
  for (int i = 0; i < digits; ++i) {
    fits = fits && append(static_cast<size_t>(i) < fraction.size() ? fraction[i] : '0');
  }
  if (!fits) return absl::InvalidArgumentError(absl::StrCat(quoted, " is too large an amount"));
  if (negative) return static_cast<int64_t>(0 - minor);
  return static_cast<int64_t>(minor);
}

}  // namespace clinic
