// The ISO-4217 currencies a site may price and invoice in, with the number of
// digits of each one's minor unit (GBP 2, JPY 0, KWD 3). Money in Clinic Core
// is whole minor units, so billing needs these digits to show, parse and round
// amounts. Only national currencies in current use are accepted: fund codes
// (CLF, USN), precious metals (XAU), units of account (XDR), the testing and
// no-currency codes (XTS, XXX) and withdrawn currencies (HRK, ZWL) are not.
// Any module may call these; they are pure lookups in a compiled-in table.
#ifndef CLINIC_COMMON_CONFIG_CURRENCY_H_
#define CLINIC_COMMON_CONFIG_CURRENCY_H_

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace clinic {

// Digits of the minor unit of `code`, or nullopt when it is not an accepted
// currency. Codes are upper case exactly: "gbp" is not accepted.
absl::optional<int> CurrencyMinorDigits(absl::string_view code);

// Whether `code` is an accepted currency (see above).
inline bool IsIsoCurrency(absl::string_view code) { return CurrencyMinorDigits(code).has_value(); }

}  // namespace clinic

#endif  // CLINIC_COMMON_CONFIG_CURRENCY_H_
