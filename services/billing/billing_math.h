// The arithmetic of invoices, as pure functions on whole minor units: line
// amounts (discount, then tax included in or added to the price), credit
// notes' tax, how a refund spreads over lines, and an invoice's state. The
// store and the service call these; nothing here reads a clock or a
// database, so every rounding edge is unit-tested (billing_math_test).
//
// One rounding rule everywhere (docs/billing.md): each line is rounded on
// its own to the minor unit, half away from zero ("half up"), the rule tax
// authorities such as HMRC and US states publish for per-line tax, and one
// that makes a credit note of a whole line the exact mirror of the line.
#ifndef CLINIC_SERVICES_BILLING_BILLING_MATH_H_
#define CLINIC_SERVICES_BILLING_BILLING_MATH_H_

#include <cstdint>
#include <vector>

#include "clinic/v1/billing.pb.h"

namespace clinic::billing {

// Bounds that keep every sum below 2^63: a unit price of at most 10^11 minor
// units (a billion pounds), 1000 units a line, 100 lines an invoice.
inline constexpr int64_t kMaxUnitPriceMinor = 100'000'000'000;
inline constexpr int32_t kMaxQuantity = 1000;
inline constexpr int kMaxLines = 100;
inline constexpr int32_t kMaxRateBasisPoints = 10000;

// numerator / denominator rounded to the nearest integer, halves away from
// zero. `denominator` > 0. Exact for any int64 numerator (128-bit inside).
int64_t RoundHalfUp(int64_t numerator, int64_t denominator);

// numerator * factor / denominator rounded as above, with the product taken
// in 128 bits so it never overflows. `denominator` > 0.
int64_t MulDivHalfUp(int64_t numerator, int64_t factor, int64_t denominator);

// What a line is asked to be.
struct LineInput {
  int64_t unit_price = 0;        // minor units, 0 to kMaxUnitPriceMinor
  int32_t quantity = 1;          // 1 to kMaxQuantity
  int32_t discount_percent = 0;  // basis points, 0 to 10000; or
  int64_t discount_amount = 0;   // minor units, 0 to gross_before_discount
  int32_t tax_rate = 0;          // basis points, 0 to kMaxRateBasisPoints
  bool prices_include_tax = false;
};

// A line's amounts, all in minor units.
struct LineAmounts {
  int64_t gross_before_discount = 0;  // unit_price * quantity
  int64_t discount = 0;               // the discount in money
  int64_t net = 0;                    // before tax
  int64_t tax = 0;
  int64_t total = 0;  // net + tax: what the client pays
};

// The amounts of a line. The caller has checked the input's bounds and that
// an amount discount is at most unit_price * quantity.
//   after discount  A = unit_price * quantity - discount
//   tax included:   tax = round(A * rate / (10000 + rate)), net = A - tax
//   tax added:      net = A, tax = round(A * rate / 10000)
// A percent discount is round(unit_price * quantity * percent / 10000).
LineAmounts ComputeLine(const LineInput& line);

// The tax part of crediting `amount` of a line whose total is `line_total`
// and tax `line_tax`, when `already_credited` of it was credited before:
// the tax credited so far is always round(credited * line_tax /
// line_total), so credits that add up to the whole line credit exactly its
// tax, however they were split. 0 < amount <= line_total - already_credited.
int64_t CreditedTax(int64_t line_total, int64_t line_tax, int64_t already_credited, int64_t amount);

// What is left to credit of each line (total - credited; 0 for a line
// settled by a package), and an amount to spread: the amount taken from
// the lines in order, each up to what is left of it. Empty when `amount`
// exceeds the sum left.
std::vector<int64_t> SpreadOverLines(const std::vector<int64_t>& left_per_line, int64_t amount);

// An issued invoice's state from its sums: PAID when nothing is left to
// pay (total - credited - paid == 0), PARTIALLY_PAID when something was
// paid and something is left, ISSUED otherwise.
v1::InvoiceState IssuedState(int64_t total, int64_t credited, int64_t paid);

}  // namespace clinic::billing

#endif  // CLINIC_SERVICES_BILLING_BILLING_MATH_H_
