// The arithmetic of invoices at its edges (billing_math.h): each function
// against tables of hand-worked cases, and the properties the store relies on
// (a line's net + tax is its total; credits of a line add up to its tax;
// a spread takes exactly the amount) over seeded random inputs, so a failure
// reproduces.
#include "services/billing/billing_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"

namespace clinic::billing {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kTwoTo62 = int64_t{1} << 62;

// The largest line the bounds allow, and the largest line total with tax
// added at 100%.
constexpr int64_t kMaxGross = kMaxUnitPriceMinor * kMaxQuantity;  // 10^14
constexpr int64_t kMaxLineTotal = 2 * kMaxGross;

// Fixed, so a failing random case is the same case on every run and machine
// (mt19937_64's sequence is defined by the standard; the reduction below is
// ours, unlike the distributions').
constexpr uint64_t kSeed = 20260115;

// A value in [low, high], from the generator alone.
int64_t Uniform(std::mt19937_64& rng, int64_t low, int64_t high) {
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  return low + static_cast<int64_t>(rng() % span);
}

// Each row's test is named after the row.
template <typename Case>
std::string RowName(const ::testing::TestParamInfo<Case>& row) {
  return row.param.name;
}

// -------------------------------------------------------------------------
// RoundHalfUp

struct RoundCase {
  const char* name;
  int64_t numerator;
  int64_t denominator;
  int64_t want;
};
void PrintTo(const RoundCase& c, std::ostream* os) { *os << c.name; }

class RoundHalfUpTest : public ::testing::TestWithParam<RoundCase> {};

TEST_P(RoundHalfUpTest, RoundsToNearestWithHalvesAwayFromZero) {
  const RoundCase& c = GetParam();
  EXPECT_EQ(RoundHalfUp(c.numerator, c.denominator), c.want)
      << c.numerator << " / " << c.denominator;
}

INSTANTIATE_TEST_SUITE_P(
    BillingMath, RoundHalfUpTest,
    ::testing::Values(RoundCase{"Zero", 0, 7, 0},
                      // Denominator 1: nothing to round.
                      RoundCase{"ByOne", 7, 1, 7}, RoundCase{"NegativeByOne", -7, 1, -7},
                      // Denominator 2: every odd numerator is a half.
                      RoundCase{"OneHalf", 1, 2, 1}, RoundCase{"MinusOneHalf", -1, 2, -1},
                      RoundCase{"ThreeHalves", 3, 2, 2}, RoundCase{"MinusThreeHalves", -3, 2, -2},
                      RoundCase{"TwoHalves", 2, 2, 1},
                      // Half away from zero, not to even: 2.5 -> 3.
                      RoundCase{"FiveHalvesNotToEven", 5, 2, 3},
                      RoundCase{"MinusFiveHalvesNotToEven", -5, 2, -3},
                      // Denominator 10: below, at and above a half.
                      RoundCase{"PointFour", 4, 10, 0}, RoundCase{"MinusPointFour", -4, 10, 0},
                      RoundCase{"PointFive", 5, 10, 1}, RoundCase{"MinusPointFive", -5, 10, -1},
                      RoundCase{"PointSix", 6, 10, 1}, RoundCase{"MinusPointSix", -6, 10, -1},
                      RoundCase{"OnePointFive", 15, 10, 2},
                      RoundCase{"MinusOnePointFive", -15, 10, -2},
                      // Denominator 10000, the basis-point scale.
                      RoundCase{"BasisPointsJustBelowHalf", 4999, 10000, 0},
                      RoundCase{"BasisPointsHalf", 5000, 10000, 1},
                      RoundCase{"BasisPointsJustAboveHalf", 5001, 10000, 1},
                      RoundCase{"BasisPointsMinusJustBelowHalf", -4999, 10000, 0},
                      RoundCase{"BasisPointsMinusHalf", -5000, 10000, -1},
                      RoundCase{"BasisPointsMinusJustAboveHalf", -5001, 10000, -1},
                      RoundCase{"BasisPointsOneAndJustBelowHalf", 14999, 10000, 1},
                      RoundCase{"BasisPointsOneAndHalf", 15000, 10000, 2},
                      // Denominator 10000 + rate, as for tax included in a price.
                      RoundCase{"TwentyPercentIncludedJustBelowHalf", 5999, 12000, 0},
                      RoundCase{"TwentyPercentIncludedHalf", 6000, 12000, 1},
                      RoundCase{"TwentyPercentIncludedJustAboveHalf", 6001, 12000, 1},
                      RoundCase{"TwentyPercentIncludedMinusHalf", -6000, 12000, -1},
                      RoundCase{"Rate888IncludedJustBelowHalf", 5443, 10888, 0},
                      RoundCase{"Rate888IncludedHalf", 5444, 10888, 1},
                      RoundCase{"Rate888IncludedJustAboveHalf", 5445, 10888, 1},
                      RoundCase{"Rate888IncludedMinusHalf", -5444, 10888, -1},
                      // The ends of int64: 2n + d does not fit in 64 bits.
                      RoundCase{"MaxByOne", kInt64Max, 1, kInt64Max},
                      RoundCase{"MinByOne", kInt64Min, 1, kInt64Min},
                      RoundCase{"MaxByTwoIsAHalf", kInt64Max, 2, kTwoTo62},
                      RoundCase{"MinPlusOneByTwoIsAHalf", kInt64Min + 1, 2, -kTwoTo62},
                      RoundCase{"MinByTwo", kInt64Min, 2, -kTwoTo62},
                      RoundCase{"MaxByItself", kInt64Max, kInt64Max, 1},
                      RoundCase{"MinByMax", kInt64Min, kInt64Max, -1},
                      // kInt64Max is odd: 2^62 - 1 and 2^62 sit either side of its half.
                      RoundCase{"MaxDenominatorJustBelowHalf", kTwoTo62 - 1, kInt64Max, 0},
                      RoundCase{"MaxDenominatorJustAboveHalf", kTwoTo62, kInt64Max, 1},
                      RoundCase{"MaxEvenDenominatorHalf", kTwoTo62 - 1, kInt64Max - 1, 1},
                      RoundCase{"MaxEvenDenominatorMinusHalf", -(kTwoTo62 - 1), kInt64Max - 1, -1},
                      RoundCase{"MaxEvenDenominatorJustBelowHalf", kTwoTo62 - 2, kInt64Max - 1, 0},
                      RoundCase{"MaxByBasisPoints", kInt64Max, 10000, 922337203685478},
                      RoundCase{"MinByBasisPoints", kInt64Min, 10000, -922337203685478}),
    RowName<RoundCase>);

// -------------------------------------------------------------------------
// MulDivHalfUp

struct MulDivCase {
  const char* name;
  int64_t numerator;
  int64_t factor;
  int64_t denominator;
  int64_t want;
};
void PrintTo(const MulDivCase& c, std::ostream* os) { *os << c.name; }

class MulDivHalfUpTest : public ::testing::TestWithParam<MulDivCase> {};

TEST_P(MulDivHalfUpTest, RoundsTheExactProductQuotient) {
  const MulDivCase& c = GetParam();
  EXPECT_EQ(MulDivHalfUp(c.numerator, c.factor, c.denominator), c.want)
      << c.numerator << " * " << c.factor << " / " << c.denominator;
}

INSTANTIATE_TEST_SUITE_P(
    BillingMath, MulDivHalfUpTest,
    ::testing::Values(
        MulDivCase{"ZeroFactor", 12345, 0, 10000, 0}, MulDivCase{"ByOne", 7, 3, 1, 21},
        MulDivCase{"HalfByTwo", 1, 1, 2, 1}, MulDivCase{"NegativeNumeratorHalf", -1, 1, 2, -1},
        MulDivCase{"NegativeFactorHalf", 1, -1, 2, -1},
        MulDivCase{"BothNegativeHalf", -1, -1, 2, 1},
        MulDivCase{"FiftyPercentOfOneMinorUnit", 1, 5000, 10000, 1},
        MulDivCase{"FiftyPercentOfMinusOneMinorUnit", -1, 5000, 10000, -1},
        MulDivCase{"TwentyPercentIncludedInOne", 1, 2000, 12000, 0},
        MulDivCase{"TwentyPercentIncludedInTwo", 2, 2000, 12000, 0},
        MulDivCase{"TwentyPercentIncludedInThreeIsHalf", 3, 2000, 12000, 1},
        MulDivCase{"TwentyPercentIncludedInFour", 4, 2000, 12000, 1},
        MulDivCase{"Rate888On624JustBelowHalf", 624, 888, 10000, 55},
        MulDivCase{"Rate888On625IsHalf", 625, 888, 10000, 56},
        MulDivCase{"Rate888On626JustAboveHalf", 626, 888, 10000, 56},
        MulDivCase{"Rate888OnMinus625IsHalf", -625, 888, 10000, -56},
        // Products beyond 2^63 whose quotient fits.
        MulDivCase{"MaxTimesMaxByMax", kInt64Max, kInt64Max, kInt64Max, kInt64Max},
        MulDivCase{"MinTimesMaxByMax", kInt64Min, kInt64Max, kInt64Max, kInt64Min},
        MulDivCase{"MaxTimesMinByMax", kInt64Max, kInt64Min, kInt64Max, kInt64Min},
        MulDivCase{"MaxTimesMaxMinusOneByMax", kInt64Max, kInt64Max - 1, kInt64Max, kInt64Max - 1},
        MulDivCase{"MaxHalvedIsAHalf", kInt64Max, 10000, 20000, kTwoTo62},
        MulDivCase{"MinPlusOneHalvedIsAHalf", kInt64Min + 1, 10000, 20000, -kTwoTo62},
        MulDivCase{"MaxFactorHalvedIsAHalf", 3, kInt64Max, 6, kTwoTo62},
        MulDivCase{"MinusMaxFactorHalvedIsAHalf", -3, kInt64Max, 6, -kTwoTo62},
        MulDivCase{"TwoTo62TimesFourByEight", kTwoTo62, 4, 8, kTwoTo62 / 2},
        MulDivCase{"MaxThreeQuartersRoundsDown", kInt64Max, 3, 4, 6917529027641081855},
        MulDivCase{"MaxTwoThirdsRoundsUp", kInt64Max, 2, 3, 6148914691236517205},
        MulDivCase{"MinTwoThirdsRoundsAwayFromZero", kInt64Min, 2, 3, -6148914691236517205},
        MulDivCase{"MaxTax888Included", kInt64Max, 888, 10888, 752236808296017718},
        MulDivCase{"MinTax888Included", kInt64Min, 888, 10888, -752236808296017718},
        MulDivCase{"MaxNet888Included", kInt64Max, 10000, 10888, 8471135228558758089},
        MulDivCase{"MinusMaxNet888Included", -kInt64Max, 10000, 10888, -8471135228558758089}),
    RowName<MulDivCase>);

// -------------------------------------------------------------------------
// ComputeLine

struct LineCase {
  const char* name;
  LineInput in;
  LineAmounts want;
};
void PrintTo(const LineCase& c, std::ostream* os) { *os << c.name; }

LineInput Added(int64_t unit_price, int32_t quantity, int32_t tax_rate) {
  LineInput in;
  in.unit_price = unit_price;
  in.quantity = quantity;
  in.tax_rate = tax_rate;
  in.prices_include_tax = false;
  return in;
}
LineInput Included(int64_t unit_price, int32_t quantity, int32_t tax_rate) {
  LineInput in = Added(unit_price, quantity, tax_rate);
  in.prices_include_tax = true;
  return in;
}
LineInput PercentOff(LineInput in, int32_t basis_points) {
  in.discount_percent = basis_points;
  return in;
}
LineInput AmountOff(LineInput in, int64_t amount) {
  in.discount_amount = amount;
  return in;
}

// The sums every line keeps, whatever its amounts.
void ExpectLineInvariants(const LineInput& in, const LineAmounts& got) {
  EXPECT_EQ(got.gross_before_discount, in.unit_price * in.quantity);
  EXPECT_EQ(got.net + got.tax, got.total);
  EXPECT_GE(got.discount, 0);
  EXPECT_LE(got.discount, got.gross_before_discount);
  EXPECT_GE(got.tax, 0);
  EXPECT_GE(got.net, 0);
  if (in.prices_include_tax) {
    EXPECT_EQ(got.total, got.gross_before_discount - got.discount);
  } else {
    EXPECT_EQ(got.net, got.gross_before_discount - got.discount);
  }
}

class ComputeLineTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(ComputeLineTest, GivesTheHandWorkedAmounts) {
  const LineCase& c = GetParam();
  const LineAmounts got = ComputeLine(c.in);
  EXPECT_EQ(got.gross_before_discount, c.want.gross_before_discount);
  EXPECT_EQ(got.discount, c.want.discount);
  EXPECT_EQ(got.net, c.want.net);
  EXPECT_EQ(got.tax, c.want.tax);
  EXPECT_EQ(got.total, c.want.total);
  ExpectLineInvariants(c.in, got);
}

// Amounts are {gross_before_discount, discount, net, tax, total}.
INSTANTIATE_TEST_SUITE_P(
    BillingMath, ComputeLineTest,
    ::testing::Values(
        // JPY: no minor unit, so a yen is the rounding step.
        LineCase{"JpyThousandYenTenPercentAdded", Added(1000, 1, 1000), {1000, 0, 1000, 100, 1100}},
        // Tax 90.91 before rounding.
        LineCase{
            "JpyThousandYenTenPercentIncluded", Included(1000, 1, 1000), {1000, 0, 909, 91, 1000}},
        LineCase{"JpyTaxJustBelowHalfYen", Added(1004, 1, 1000), {1004, 0, 1004, 100, 1104}},
        LineCase{"JpyTaxExactlyHalfYen", Added(1005, 1, 1000), {1005, 0, 1005, 101, 1106}},
        LineCase{"JpyTaxJustAboveHalfYen", Added(1006, 1, 1000), {1006, 0, 1006, 101, 1107}},
        // 3 x 105 yen: 31.5 on the line, not 3 x round(10.5) = 33.
        LineCase{"JpyTaxRoundedOncePerLineNotPerUnit", Added(105, 3, 1000), {315, 0, 315, 32, 347}},
        // 15% of 999 = 149.85 -> 150; tax in 849 = 77.18 -> 77.
        LineCase{"JpyPercentDiscountTaxIncluded",
                 PercentOff(Included(333, 3, 1000), 1500),
                 {999, 150, 772, 77, 849}},

        // GBP, 20% included: tax is a sixth of the price.
        LineCase{"GbpSixtyPoundsTwentyPercentIncluded",
                 Included(6000, 1, 2000),
                 {6000, 0, 5000, 1000, 6000}},
        // Tax 0.17 before rounding.
        LineCase{"GbpOnePennyIncludedTaxRoundsToZero", Included(1, 1, 2000), {1, 0, 1, 0, 1}},
        // Tax 0.33 before rounding.
        LineCase{"GbpTwoPenceIncludedTaxJustBelowHalf", Included(2, 1, 2000), {2, 0, 2, 0, 2}},
        // Tax 0.5 before rounding.
        LineCase{"GbpThreePenceIncludedTaxExactlyHalf", Included(3, 1, 2000), {3, 0, 2, 1, 3}},
        // Tax 0.67 before rounding.
        LineCase{"GbpFourPenceIncludedTaxJustAboveHalf", Included(4, 1, 2000), {4, 0, 3, 1, 4}},
        // Tax 166.33 before rounding.
        LineCase{"GbpTaxIn998JustBelowHalf", Included(998, 1, 2000), {998, 0, 832, 166, 998}},
        // Tax 166.5 before rounding.
        LineCase{"GbpTaxIn999ExactlyHalf", Included(999, 1, 2000), {999, 0, 832, 167, 999}},
        // Tax 166.67 before rounding.
        LineCase{"GbpTaxIn1000JustAboveHalf", Included(1000, 1, 2000), {1000, 0, 833, 167, 1000}},
        LineCase{"GbpAmountDiscountTaxIncluded",
                 AmountOff(Included(10000, 1, 2000), 1000),
                 {10000, 1000, 7500, 1500, 9000}},
        // Tax 1999.6 before rounding.
        LineCase{
            "GbpTwentyPercentAddedOnTwoUnits", Added(4999, 2, 2000), {9998, 0, 9998, 2000, 11998}},

        // USD, 8.875% added as 888 basis points.
        LineCase{
            "UsdHundredDollarsRate888Added", Added(10000, 1, 888), {10000, 0, 10000, 888, 10888}},
        // Tax 55.41 before rounding.
        LineCase{"UsdRate888TaxJustBelowHalfCent", Added(624, 1, 888), {624, 0, 624, 55, 679}},
        // Tax 55.5 before rounding.
        LineCase{"UsdRate888TaxExactlyHalfCent", Added(625, 1, 888), {625, 0, 625, 56, 681}},
        // Tax 55.59 before rounding.
        LineCase{"UsdRate888TaxJustAboveHalfCent", Added(626, 1, 888), {626, 0, 626, 56, 682}},
        LineCase{"UsdRate888IncludedMirrorsAdded",
                 Included(10888, 1, 888),
                 {10888, 0, 10000, 888, 10888}},

        // BHD and KWD: three decimals, 10% VAT.
        // Tax 1234.4 before rounding.
        LineCase{"BhdTaxJustBelowHalfFils", Added(12344, 1, 1000), {12344, 0, 12344, 1234, 13578}},
        // Tax 1234.5 before rounding.
        LineCase{"BhdTaxExactlyHalfFils", Added(12345, 1, 1000), {12345, 0, 12345, 1235, 13580}},
        // Tax 1234.6 before rounding.
        LineCase{"BhdTaxJustAboveHalfFils", Added(12346, 1, 1000), {12346, 0, 12346, 1235, 13581}},
        // Tax 1122.27 before rounding.
        LineCase{"KwdTenPercentIncluded", Included(12345, 1, 1000), {12345, 0, 11223, 1122, 12345}},
        LineCase{
            "KwdTenPercentIncludedExact", Included(11000, 1, 1000), {11000, 0, 10000, 1000, 11000}},

        // Half a minor unit of tax on the smallest lines.
        LineCase{"FiftyPercentAddedOnOneMinorUnit", Added(1, 1, 5000), {1, 0, 1, 1, 2}},
        LineCase{"FiftyPercentAddedOnThreeMinorUnits", Added(3, 1, 5000), {3, 0, 3, 2, 5}},

        // Rates at their bounds.
        LineCase{"ZeroRateAdded", Added(4999, 1, 0), {4999, 0, 4999, 0, 4999}},
        LineCase{"ZeroRateIncluded", Included(4999, 1, 0), {4999, 0, 4999, 0, 4999}},
        LineCase{"FullRateAdded", Added(1234, 1, 10000), {1234, 0, 1234, 1234, 2468}},
        LineCase{"FullRateIncludedEven", Included(1234, 1, 10000), {1234, 0, 617, 617, 1234}},
        LineCase{"FullRateIncludedOddHalfGoesToTax",
                 Included(1235, 1, 10000),
                 {1235, 0, 617, 618, 1235}},
        LineCase{"FullRateIncludedOneMinorUnit", Included(1, 1, 10000), {1, 0, 0, 1, 1}},

        // Nothing to charge.
        LineCase{"ZeroPriceAdded", Added(0, 5, 2000), {0, 0, 0, 0, 0}},
        LineCase{"ZeroPriceIncludedWithPercentDiscount",
                 PercentOff(Included(0, 5, 2000), 1500),
                 {0, 0, 0, 0, 0}},

        // Percent discounts rounded half up to the minor unit.
        // Discount 49.95, tax 56.6 before rounding.
        LineCase{"PercentDiscountFromPoint95RoundsUp",
                 PercentOff(Added(333, 1, 2000), 1500),
                 {333, 50, 283, 57, 340}},
        // Discount 49.35 before rounding.
        LineCase{"PercentDiscountJustBelowHalf",
                 PercentOff(Added(329, 1, 2000), 1500),
                 {329, 49, 280, 56, 336}},
        // Discount 49.5 before rounding.
        LineCase{"PercentDiscountExactlyHalf",
                 PercentOff(Added(330, 1, 2000), 1500),
                 {330, 50, 280, 56, 336}},
        // Discount 49.65, tax 56.2 before rounding.
        LineCase{"PercentDiscountJustAboveHalf",
                 PercentOff(Added(331, 1, 2000), 1500),
                 {331, 50, 281, 56, 337}},
        // Discount 0.45 before rounding.
        LineCase{"PercentDiscountOfTinyLineRoundsToZero",
                 PercentOff(Added(3, 1, 0), 1500),
                 {3, 0, 3, 0, 3}},
        LineCase{"FullPercentDiscountLeavesNothing",
                 PercentOff(Included(2500, 4, 2000), 10000),
                 {10000, 10000, 0, 0, 0}},

        // Amount discounts.
        // Tax 1999.8 before rounding.
        LineCase{"AmountDiscountTaxAdded",
                 AmountOff(Added(2500, 4, 2000), 1),
                 {10000, 1, 9999, 2000, 11999}},
        LineCase{"AmountDiscountOfWholeLineLeavesNothing",
                 AmountOff(Added(2500, 4, 2000), 10000),
                 {10000, 10000, 0, 0, 0}},
        LineCase{"AmountDiscountOfAllButOneMinorUnit",
                 AmountOff(Included(2500, 4, 2000), 9999),
                 {10000, 9999, 1, 0, 1}},

        // The bounds: 10^11 x 1000 at 100% stays far below 2^63.
        LineCase{"MaxPriceMaxQuantityFullRateAdded",
                 Added(kMaxUnitPriceMinor, kMaxQuantity, kMaxRateBasisPoints),
                 {kMaxGross, 0, kMaxGross, kMaxGross, kMaxLineTotal}},
        LineCase{"MaxPriceMaxQuantityFullRateIncluded",
                 Included(kMaxUnitPriceMinor, kMaxQuantity, kMaxRateBasisPoints),
                 {kMaxGross, 0, kMaxGross / 2, kMaxGross / 2, kMaxGross}},
        LineCase{"NearMaxOddLineFullRateIncluded",
                 Included(kMaxUnitPriceMinor - 1, kMaxQuantity - 1, kMaxRateBasisPoints),
                 {99899999999001, 0, 49949999999500, 49949999999501, 99899999999001}},
        LineCase{"NearMaxLineWithPercentDiscountRate888Added",
                 PercentOff(Added(kMaxUnitPriceMinor - 1, kMaxQuantity - 1, 888), 1500),
                 {99899999999001, 14984999999850, 84914999999151, 7540451999925, 92455451999076}},
        LineCase{"MaxPriceMaxQuantityWholeAmountDiscount",
                 AmountOff(Added(kMaxUnitPriceMinor, kMaxQuantity, kMaxRateBasisPoints), kMaxGross),
                 {kMaxGross, kMaxGross, 0, 0, 0}}),
    RowName<LineCase>);

// Over many random lines: the invariants, and each rounding is the exact
// quotient to within half a minor unit, a tie going up. The check works on
// 128-bit cross products, not on ComputeLine's formulas.
TEST(BillingMathPropertyTest, ComputeLineRoundsEachAmountToTheNearestMinorUnitHalfUp) {
  std::mt19937_64 rng(kSeed);
  constexpr int32_t kCommonRates[] = {0, 500, 888, 1000, 2000, 5000, 10000};
  // |got - n/d| <= 1/2, and when exactly 1/2, got is above n/d.
  const auto expect_rounded = [](int64_t got, absl::int128 n, absl::int128 d) {
    const absl::int128 twice_error = 2 * (absl::int128(got) * d - n);
    EXPECT_LE(twice_error, d);
    EXPECT_GT(twice_error, -d);
  };
  for (int i = 0; i < 20000; ++i) {
    LineInput in;
    // Prices of every magnitude, up to the bound.
    int64_t magnitude = 1;
    for (int64_t digits = Uniform(rng, 0, 11); digits > 0; --digits) magnitude *= 10;
    in.unit_price = std::min(Uniform(rng, 0, magnitude), kMaxUnitPriceMinor);
    in.quantity = Uniform(rng, 0, 3) == 0 ? static_cast<int32_t>(Uniform(rng, 1, kMaxQuantity))
                                          : static_cast<int32_t>(Uniform(rng, 1, 3));
    in.tax_rate = Uniform(rng, 0, 1) == 0 ? kCommonRates[Uniform(rng, 0, 6)]
                                          : static_cast<int32_t>(Uniform(rng, 0, 10000));
    in.prices_include_tax = Uniform(rng, 0, 1) == 1;
    const int64_t gross = in.unit_price * in.quantity;
    switch (Uniform(rng, 0, 2)) {
      case 0:
        break;
      case 1:
        in.discount_percent = static_cast<int32_t>(Uniform(rng, 1, 10000));
        break;
      default:
        in.discount_amount = Uniform(rng, 0, gross);
        break;
    }
    SCOPED_TRACE(::testing::Message()
                 << "case " << i << ": unit_price " << in.unit_price << " quantity " << in.quantity
                 << " discount_percent " << in.discount_percent << " discount_amount "
                 << in.discount_amount << " tax_rate " << in.tax_rate
                 << (in.prices_include_tax ? " included" : " added"));
    const LineAmounts got = ComputeLine(in);
    ExpectLineInvariants(in, got);
    if (in.discount_percent > 0) {
      expect_rounded(got.discount, absl::int128(gross) * in.discount_percent, 10000);
    } else {
      EXPECT_EQ(got.discount, in.discount_amount);
    }
    const int64_t after = gross - got.discount;
    if (in.prices_include_tax) {
      expect_rounded(got.tax, absl::int128(after) * in.tax_rate, 10000 + in.tax_rate);
    } else {
      expect_rounded(got.tax, absl::int128(after) * in.tax_rate, 10000);
    }
    if (HasFailure()) break;  // one reproducible case is enough to read
  }
}

// -------------------------------------------------------------------------
// CreditedTax

struct CreditCase {
  const char* name;
  int64_t line_total;
  int64_t line_tax;
  int64_t already_credited;
  int64_t amount;
  int64_t want;
};
void PrintTo(const CreditCase& c, std::ostream* os) { *os << c.name; }

class CreditedTaxTest : public ::testing::TestWithParam<CreditCase> {};

TEST_P(CreditedTaxTest, GivesTheHandWorkedTax) {
  const CreditCase& c = GetParam();
  EXPECT_EQ(CreditedTax(c.line_total, c.line_tax, c.already_credited, c.amount), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    BillingMath, CreditedTaxTest,
    ::testing::Values(
        CreditCase{"WholeLineAtOnce", 6000, 1000, 0, 6000, 1000},
        CreditCase{"WholeBhdLineAtOnce", 13580, 1235, 0, 13580, 1235},
        CreditCase{"FirstHalf", 6000, 1000, 0, 3000, 500},
        CreditCase{"SecondHalf", 6000, 1000, 3000, 3000, 500},
        // 617.5 fils: the half goes to the first credit, the second gets the
        // rest.
        CreditCase{"BhdFirstHalfTakesTheHalfFils", 13580, 1235, 0, 6790, 618},
        CreditCase{"BhdSecondHalfTakesTheRest", 13580, 1235, 6790, 6790, 617},
        CreditCase{"ZeroTaxLineWhole", 4999, 0, 0, 4999, 0},
        CreditCase{"ZeroTaxLinePart", 4999, 0, 1000, 1, 0},
        // Tax 0.45 before rounding.
        CreditCase{"JpyFiveYenOfElevenHundredJustBelowHalf", 1100, 100, 0, 5, 0},
        // Tax 0.55 before rounding.
        CreditCase{"JpySixYenOfElevenHundredJustAboveHalf", 1100, 100, 0, 6, 1},
        CreditCase{"OneMinorUnitIsHalfATaxUnit", 2, 1, 0, 1, 1},
        CreditCase{"SecondMinorUnitAfterTheHalf", 2, 1, 1, 1, 0},
        CreditCase{"AllTaxLineOneMinorUnit", 1, 1, 0, 1, 1},
        // The largest line: products of 10^28, beyond 2^63.
        CreditCase{"MaxLineWhole", kMaxLineTotal, kMaxGross, 0, kMaxLineTotal, kMaxGross},
        CreditCase{"MaxLineFirstMinorUnit", kMaxLineTotal, kMaxGross, 0, 1, 1},
        CreditCase{"MaxLineAllButTheFirstMinorUnit", kMaxLineTotal, kMaxGross, 1, kMaxLineTotal - 1,
                   kMaxGross - 1},
        CreditCase{"MaxLineLastMinorUnit", kMaxLineTotal, kMaxGross, kMaxLineTotal - 1, 1, 0}),
    RowName<CreditCase>);

// A line credited in the given parts, in order: the tax of each, and their
// sum is always the line's tax.
struct CreditSplitCase {
  const char* name;
  int64_t line_total;
  int64_t line_tax;
  std::vector<int64_t> parts;
  std::vector<int64_t> want_taxes;
};
void PrintTo(const CreditSplitCase& c, std::ostream* os) { *os << c.name; }

class CreditSplitTest : public ::testing::TestWithParam<CreditSplitCase> {};

TEST_P(CreditSplitTest, PartsGiveTheHandWorkedTaxesSummingToTheLinesTax) {
  const CreditSplitCase& c = GetParam();
  std::vector<int64_t> got;
  int64_t credited = 0;
  int64_t tax_sum = 0;
  for (const int64_t part : c.parts) {
    got.push_back(CreditedTax(c.line_total, c.line_tax, credited, part));
    credited += part;
    tax_sum += got.back();
  }
  ASSERT_EQ(credited, c.line_total) << "the parts must make up the line";
  EXPECT_EQ(got, c.want_taxes);
  EXPECT_EQ(tax_sum, c.line_tax);
}

INSTANTIATE_TEST_SUITE_P(
    BillingMath, CreditSplitTest,
    ::testing::Values(
        // Rounding each third on its own would give 56 x 3 = 168.
        CreditSplitCase{"GbpNinePoundsNinetyNineInThirds", 999, 167, {333, 333, 333}, {56, 55, 56}},
        CreditSplitCase{"UsdRate888InTwoUnevenParts", 10888, 888, {5000, 5888}, {408, 480}},
        CreditSplitCase{
            "JpyInSevenUnevenParts", 1100, 100, {1, 2, 3, 4, 5, 6, 1079}, {0, 0, 1, 0, 0, 1, 98}},
        CreditSplitCase{"JpyInSevenUnevenPartsLargestFirst",
                        1100,
                        100,
                        {1079, 6, 5, 4, 3, 2, 1},
                        {98, 1, 0, 0, 1, 0, 0}},
        // One minor unit at a time.
        CreditSplitCase{"GbpSixPenceTwentyPercentIncludedByThePenny",
                        6,
                        1,
                        {1, 1, 1, 1, 1, 1},
                        {0, 0, 1, 0, 0, 0}},
        CreditSplitCase{"JpyElevenYenTenPercentIncludedByTheYen",
                        11,
                        1,
                        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                        {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0}},
        CreditSplitCase{"FullRateIncludedThreeMinorUnitsOneByOne", 3, 2, {1, 1, 1}, {1, 0, 1}},
        CreditSplitCase{"FullRateAddedTwoMinorUnitsOneByOne", 2, 1, {1, 1}, {1, 0}},
        CreditSplitCase{"ZeroTaxLineInParts", 4999, 0, {1, 2000, 2998}, {0, 0, 0}}),
    RowName<CreditSplitCase>);

// Lines of many shapes, each credited in 2, 3 and 7 random uneven parts:
// the parts' taxes add up to exactly the line's tax, each is within one
// minor unit of its exact share, and no part's tax exceeds the part.
TEST(BillingMathPropertyTest, CreditedTaxOfRandomSplitsAddsUpToTheLinesTax) {
  std::mt19937_64 rng(kSeed);
  std::vector<LineAmounts> lines;
  for (const LineInput& in :
       {Included(6000, 1, 2000), Included(999, 1, 2000), Added(625, 1, 888), Added(12345, 1, 1000),
        Included(12345, 1, 1000), Included(1000, 1, 1000), Included(1235, 1, 10000),
        Added(1234, 1, 10000), Included(7, 1, 2000), Added(4999, 3, 0),
        Added(kMaxUnitPriceMinor, kMaxQuantity, kMaxRateBasisPoints),
        Included(kMaxUnitPriceMinor - 1, kMaxQuantity - 1, 888)}) {
    lines.push_back(ComputeLine(in));
  }
  for (int i = 0; i < 200; ++i) {
    // One draw a statement: the order of a call's arguments is unspecified.
    const bool small = Uniform(rng, 0, 1) == 0;
    const int64_t unit_price = Uniform(rng, 1, small ? 1'000'000 : kMaxUnitPriceMinor);
    const auto quantity = static_cast<int32_t>(small ? 1 : Uniform(rng, 1, kMaxQuantity));
    const auto rate = static_cast<int32_t>(Uniform(rng, 0, 10000));
    lines.push_back(ComputeLine(small ? Added(unit_price, quantity, rate)
                                      : Included(unit_price, quantity, rate)));
  }
  for (size_t line_index = 0; line_index < lines.size(); ++line_index) {
    const LineAmounts& line = lines[line_index];
    for (const int parts : {2, 3, 7}) {
      if (line.total < parts) continue;
      for (int trial = 0; trial < 5; ++trial) {
        std::set<int64_t> cuts;
        while (static_cast<int>(cuts.size()) < parts - 1) {
          cuts.insert(Uniform(rng, 1, line.total - 1));
        }
        cuts.insert(line.total);
        SCOPED_TRACE(::testing::Message()
                     << "line " << line_index << " total " << line.total << " tax " << line.tax
                     << ", " << parts << " parts, trial " << trial);
        int64_t credited = 0;
        int64_t tax_sum = 0;
        for (const int64_t cut : cuts) {
          const int64_t amount = cut - credited;
          const int64_t tax = CreditedTax(line.total, line.tax, credited, amount);
          EXPECT_GE(tax, 0) << "credit of " << amount << " after " << credited;
          EXPECT_LE(tax, amount) << "credit of " << amount << " after " << credited;
          const absl::int128 error =
              absl::int128(tax) * line.total - absl::int128(amount) * line.tax;
          EXPECT_LT(error, line.total) << "credit of " << amount << " after " << credited;
          EXPECT_GT(error, -absl::int128(line.total))
              << "credit of " << amount << " after " << credited;
          credited += amount;
          tax_sum += tax;
        }
        EXPECT_EQ(tax_sum, line.tax);
        if (HasFailure()) return;  // one reproducible case is enough to read
      }
    }
  }
}

// -------------------------------------------------------------------------
// SpreadOverLines

struct SpreadCase {
  const char* name;
  std::vector<int64_t> left;
  int64_t amount;
  std::vector<int64_t> want;
};
void PrintTo(const SpreadCase& c, std::ostream* os) { *os << c.name; }

class SpreadOverLinesTest : public ::testing::TestWithParam<SpreadCase> {};

TEST_P(SpreadOverLinesTest, TakesFromTheLinesInOrder) {
  const SpreadCase& c = GetParam();
  EXPECT_EQ(SpreadOverLines(c.left, c.amount), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    BillingMath, SpreadOverLinesTest,
    ::testing::Values(
        SpreadCase{"PartOfOneLine", {1000}, 400, {400}},
        SpreadCase{"AllOfOneLine", {1000}, 1000, {1000}},
        SpreadCase{"FirstLineFilledBeforeTheNext", {1000, 500, 200}, 1200, {1000, 200, 0}},
        SpreadCase{"EndsExactlyAtTheEndOfALine", {300, 300, 300}, 600, {300, 300, 0}},
        SpreadCase{"ExactlyEverythingLeft", {1000, 500, 200}, 1700, {1000, 500, 200}},
        SpreadCase{"OneMinorUnit", {1000, 500}, 1, {1, 0}},
        SpreadCase{"PackageSettledLinesSkipped", {0, 300, 0, 200}, 400, {0, 300, 0, 100}},
        SpreadCase{"OneMinorUnitPastAPackageSettledLine", {0, 5}, 1, {0, 1}},
        SpreadCase{"EverythingLeftAroundPackageSettledLines",
                   {0, 300, 0, 200, 0},
                   500,
                   {0, 300, 0, 200, 0}},
        SpreadCase{"OneMinorUnitMoreThanEverythingLeft", {1000, 500, 200}, 1701, {}},
        SpreadCase{"FarMoreThanEverythingLeft", {100}, kMaxLineTotal* kMaxLines, {}},
        SpreadCase{"AnythingOnLinesAllSettledByPackage", {0, 0}, 1, {}},
        SpreadCase{"AnythingOnNoLines", {}, 1, {}},
        SpreadCase{"ZeroTakesNothingFromEachLine", {100, 200}, 0, {0, 0}},
        SpreadCase{"LargestInvoiceWhole", std::vector<int64_t>(kMaxLines, kMaxLineTotal),
                   kMaxLineTotal* kMaxLines, std::vector<int64_t>(kMaxLines, kMaxLineTotal)}),
    RowName<SpreadCase>);

// Over random lines (some settled by a package): a spread of any amount up
// to what is left takes exactly that amount, no line beyond what is left of
// it, and a line only once every line before it is full; one minor unit
// more than what is left gives nothing.
TEST(BillingMathPropertyTest, SpreadOverLinesTakesExactlyTheAmountFillingLinesInOrder) {
  std::mt19937_64 rng(kSeed);
  for (int i = 0; i < 2000; ++i) {
    std::vector<int64_t> left(static_cast<size_t>(Uniform(rng, 1, kMaxLines)));
    int64_t sum = 0;
    for (int64_t& l : left) {
      l = Uniform(rng, 0, 3) == 0 ? 0 : Uniform(rng, 1, Uniform(rng, 0, 1) == 0 ? 100 : 1'000'000);
      sum += l;
    }
    const int64_t amount = Uniform(rng, 0, sum);
    SCOPED_TRACE(::testing::Message() << "case " << i << ": " << left.size() << " lines, " << sum
                                      << " left, spreading " << amount);
    const std::vector<int64_t> taken = SpreadOverLines(left, amount);
    ASSERT_EQ(taken.size(), left.size());
    int64_t taken_sum = 0;
    bool short_line_seen = false;
    for (size_t j = 0; j < left.size(); ++j) {
      EXPECT_GE(taken[j], 0) << "line " << j;
      EXPECT_LE(taken[j], left[j]) << "line " << j;
      if (short_line_seen) {
        EXPECT_EQ(taken[j], 0) << "line " << j << " after a line not filled";
      }
      if (taken[j] < left[j]) short_line_seen = true;
      taken_sum += taken[j];
    }
    EXPECT_EQ(taken_sum, amount);
    EXPECT_TRUE(SpreadOverLines(left, sum + 1).empty());
    if (HasFailure()) break;  // one reproducible case is enough to read
  }
}

// -------------------------------------------------------------------------
// IssuedState

struct StateCase {
  const char* name;
  int64_t total;
  int64_t credited;
  int64_t paid;
  v1::InvoiceState want;
};
void PrintTo(const StateCase& c, std::ostream* os) { *os << c.name; }

class IssuedStateTest : public ::testing::TestWithParam<StateCase> {};

TEST_P(IssuedStateTest, FollowsWhatIsLeftToPay) {
  const StateCase& c = GetParam();
  EXPECT_EQ(IssuedState(c.total, c.credited, c.paid), c.want)
      << v1::InvoiceState_Name(IssuedState(c.total, c.credited, c.paid)) << " for total " << c.total
      << ", credited " << c.credited << ", paid " << c.paid;
}

constexpr v1::InvoiceState kIssued = v1::INVOICE_STATE_ISSUED;
constexpr v1::InvoiceState kPartlyPaid = v1::INVOICE_STATE_PARTIALLY_PAID;
constexpr v1::InvoiceState kPaid = v1::INVOICE_STATE_PAID;

INSTANTIATE_TEST_SUITE_P(
    BillingMath, IssuedStateTest,
    ::testing::Values(StateCase{"NothingPaid", 1000, 0, 0, kIssued},
                      StateCase{"OneMinorUnitPaid", 1000, 0, 1, kPartlyPaid},
                      StateCase{"AllButOneMinorUnitPaid", 1000, 0, 999, kPartlyPaid},
                      StateCase{"FullyPaid", 1000, 0, 1000, kPaid},
                      StateCase{"FullyCreditedWithoutPayment", 1000, 1000, 0, kPaid},
                      StateCase{"CreditedPlusPaidIsTheTotal", 1000, 400, 600, kPaid},
                      StateCase{"CreditedPlusPaidOneMinorUnitShort", 1000, 400, 599, kPartlyPaid},
                      StateCase{"OneMinorUnitCreditedNoPayment", 1000, 1, 0, kIssued},
                      StateCase{"AllButOneMinorUnitCreditedNoPayment", 1000, 999, 0, kIssued},
                      StateCase{"AllButOneMinorUnitCreditedOnePaid", 1000, 999, 1, kPaid},
                      // A refund credits what it pays back: paid 1000, refunded 1000.
                      StateCase{"PaidThenRefundedInFull", 1000, 1000, 0, kPaid},
                      // Paid 600, refunded 200: 400 paid, 200 credited, 400 still due.
                      StateCase{"PaidThenPartlyRefunded", 1000, 200, 400, kPartlyPaid},
                      StateCase{"ZeroTotalInvoiceOwesNothing", 0, 0, 0, kPaid},
                      StateCase{"LargestInvoiceOneMinorUnitShort", kMaxLineTotal* kMaxLines, 0,
                                kMaxLineTotal* kMaxLines - 1, kPartlyPaid},
                      StateCase{"LargestInvoiceFullyPaid", kMaxLineTotal* kMaxLines, 1,
                                kMaxLineTotal* kMaxLines - 1, kPaid}),
    RowName<StateCase>);

}  // namespace
}  // namespace clinic::billing
