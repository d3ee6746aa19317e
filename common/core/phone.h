// Phone numbers as people type them, stored in one form (E.164) so that one
// person's number compares equal however it was typed. Built on Google's
// libphonenumber (Debian libphonenumber-dev), which knows each country's
// national formats, trunk prefixes and number lengths.
//
// Every function is safe to call from any thread at once and never throws.
#ifndef CLINIC_COMMON_CORE_PHONE_H_
#define CLINIC_COMMON_CORE_PHONE_H_

#include <future>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clinic {

// Longest typed number accepted, in bytes. The longest E.164 number has 15
// digits; this leaves room for spaces, brackets and a "+44 (0)" while keeping
// libphonenumber's regular expressions away from huge input, on which they
// take minutes.
inline constexpr size_t kMaxTypedPhoneBytes = 64;

// `typed` in E.164 form, e.g. "+442079460018". Accepted: an optional leading
// '+' (or the region's international prefix, such as "00"), digits, spaces
// (NBSP and thin spaces included), dashes, dots, slashes and brackets, as in
// "+44 20 7946 0018", "+44 (0)20 7946 0018", "(212) 555-0123". A number
// without a country code is read in the national format of `default_region`
// (ISO 3166-1 alpha-2, e.g. "GB"): "020 7946 0018" with "GB" is
// +442079460018. An empty `default_region` accepts only numbers with a
// country code.
//
// The number must be a possible one: a known country code and a length that
// country's numbers can have. It need not be allocated to anyone yet:
// allocations change faster than the metadata on a server, and the reserved
// drama numbers (+44 7700 900xxx) must keep working in demos and tests.
//
// INVALID_ARGUMENT otherwise, with a sentence that quotes at most 40
// characters of `typed` (escaped, valid UTF-8) and says why: empty, too long
// to be a phone number, not valid UTF-8, letters or symbols, an extension
// (E.164 has none), no or an unknown country code, too short, too long, a
// length the country does not use, or a local number missing its area code.
// Also INVALID_ARGUMENT when `default_region` is not a region IsPhoneRegion
// accepts.
// Starts loading libphonenumber's rules of every country (about 17 ms of
// processor, done once per process) on a thread of its own, so a process
// that will need them can start with this and open its databases and plugins
// meanwhile instead of waiting for it later (docs/performance.md,
// "Start-up"). Every function here waits for that load if it is not done;
// waiting on the result is optional.
std::shared_future<void> LoadPhoneRulesInBackground();

absl::StatusOr<std::string> NormalizePhone(absl::string_view typed,
                                           absl::string_view default_region);

// Whether `region` is an ISO 3166-1 alpha-2 code, upper case, of a region
// with its own phone numbering that libphonenumber knows ("GB", "US", "DE").
bool IsPhoneRegion(absl::string_view region);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_PHONE_H_
