// The ISO-4217 currencies a site may price and invoice in, with the number of
// digits of each one's minor unit (GBP 2, JPY 0, KWD 3). Money in Clinic Core
// is integer minor units, so billing needs these digits to show and round
// amounts. Fund codes (e.g. CLF), metals and test codes (XAU, XTS, XXX) and
// withdrawn currencies are not accepted.
#ifndef CLINIC_COMMON_CONFIG_CURRENCY_H_
#define CLINIC_COMMON_CONFIG_CURRENCY_H_

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace clinic {

// Digits of the minor unit, or nullopt when `code` is not an accepted code.
// Codes are upper case exactly: "gbp" is not accepted.
absl::optional<int> CurrencyMinorDigits(absl::string_view code);

inline bool IsIsoCurrency(absl::string_view code) { return CurrencyMinorDigits(code).has_value(); }

}  // namespace clinic

#endif  // CLINIC_COMMON_CONFIG_CURRENCY_H_
