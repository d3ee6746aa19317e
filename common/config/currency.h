// The ISO-4217 currencies a site may price and invoice in, with the number of
// digits of each one's minor unit (GBP 2, JPY 0, KWD 3). Money in Clinic Core
// is whole minor units, so billing needs these digits to show, parse and round
// amounts. Only national currencies in current use are accepted: fund codes
// (CLF, USN), precious metals (XAU), units of account (XDR), the testing and
// no-currency codes (XTS, XXX) and withdrawn currencies (HRK, ZWL) are not.
// Any module may call these; they are pure lookups in a compiled-in table.
#ifndef CLINIC_COMMON_CONFIG_CURRENCY_H_
#define CLINIC_COMMON_CONFIG_CURRENCY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace clinic {

// Digits of the minor unit of `code`, or nullopt when it is not an accepted
// currency. Codes are upper case exactly: "gbp" is not accepted.
absl::optional<int> CurrencyMinorDigits(absl::string_view code);

// Whether `code` is an accepted currency (see above).
inline bool IsIsoCurrency(absl::string_view code) { return CurrencyMinorDigits(code).has_value(); }

// An amount of whole minor units written in major units with `digits`
// decimals (0 to 3, as CurrencyMinorDigits gives): (25000, 2) is "250.00",
// (-5, 2) "-0.05", (1000, 0) "1000", (12345, 3) "12.345". No currency and
// no thousands separators, so ParseMinorUnits reads it back.
std::string FormatMinorUnits(int64_t amount_minor, int digits);

// The reverse: "250.00", "250.5" or "250" with `digits` decimals is 25000,
// 25050 or 25000 minor units; a leading '-' makes it negative. At most
// `digits` decimals are accepted: a third decimal of pounds, or any of yen,
// would be a fraction of the minor unit, which money never holds.
// INVALID_ARGUMENT, with a message that says why and quotes `text` bounded,
// for anything else: separators, exponents, spaces, or a value beyond
// int64.
absl::StatusOr<int64_t> ParseMinorUnits(absl::string_view text, int digits);

}  // namespace clinic

#endif  // CLINIC_COMMON_CONFIG_CURRENCY_H_
