// The arithmetic of invoices at its edges (billing_math.h).
#include "services/billing/billing_math.h"

#include <gtest/gtest.h>

namespace clinic::billing {
namespace {

TEST(BillingMathTest, RoundsHalvesAwayFromZero) {
  EXPECT_EQ(RoundHalfUp(5, 10), 1);
  EXPECT_EQ(RoundHalfUp(-5, 10), -1);
  EXPECT_EQ(RoundHalfUp(4, 10), 0);
}

}  // namespace
}  // namespace clinic::billing
