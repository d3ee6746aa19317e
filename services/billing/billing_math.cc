#include "services/billing/billing_math.h"

#include <algorithm>

#include "absl/numeric/int128.h"

namespace clinic::billing {
namespace {

int64_t RoundHalfUp128(absl::int128 numerator, absl::int128 denominator) {
  const bool negative = numerator < 0;
  const absl::int128 magnitude = negative ? -numerator : numerator;
  // floor((2n + d) / 2d): n/d with halves rounded up, for n >= 0.
  const absl::int128 rounded = (2 * magnitude + denominator) / (2 * denominator);
  return static_cast<int64_t>(negative ? -rounded : rounded);
}

}  // namespace

int64_t RoundHalfUp(int64_t numerator, int64_t denominator) {
  return RoundHalfUp128(numerator, denominator);
}

int64_t MulDivHalfUp(int64_t numerator, int64_t factor, int64_t denominator) {
  return RoundHalfUp128(absl::int128(numerator) * factor, denominator);
}

LineAmounts ComputeLine(const LineInput& line) {
  LineAmounts out;
  out.gross_before_discount = line.unit_price * line.quantity;
  out.discount = line.discount_percent > 0
                     ? MulDivHalfUp(out.gross_before_discount, line.discount_percent, 10000)
                     : line.discount_amount;
  const int64_t after = out.gross_before_discount - out.discount;
  if (line.prices_include_tax) {
    out.tax = MulDivHalfUp(after, line.tax_rate, 10000 + int64_t{line.tax_rate});
    out.net = after - out.tax;
  } else {
    out.net = after;
    out.tax = MulDivHalfUp(after, line.tax_rate, 10000);
  }
  out.total = out.net + out.tax;
  return out;
}

int64_t CreditedTax(int64_t line_total, int64_t line_tax, int64_t already_credited,
                    int64_t amount) {
  if (line_total <= 0) return 0;
  return MulDivHalfUp(already_credited + amount, line_tax, line_total) -
         MulDivHalfUp(already_credited, line_tax, line_total);
}

std::vector<int64_t> SpreadOverLines(const std::vector<int64_t>& left_per_line, int64_t amount) {
  std::vector<int64_t> taken(left_per_line.size(), 0);
  for (size_t i = 0; i < left_per_line.size() && amount > 0; ++i) {
    taken[i] = std::min(std::max<int64_t>(left_per_line[i], 0), amount);
    amount -= taken[i];
  }
  if (amount > 0) return {};
  return taken;
}

v1::InvoiceState IssuedState(int64_t total, int64_t credited, int64_t paid) {
  if (total - credited - paid <= 0) return v1::INVOICE_STATE_PAID;
  if (paid > 0) return v1::INVOICE_STATE_PARTIALLY_PAID;
  return v1::INVOICE_STATE_ISSUED;
}

}  // namespace clinic::billing
