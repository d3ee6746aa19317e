// Phone numbers as people type them, on libphonenumber. See phone.h.
#include "common/core/phone.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <future>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/core/text.h"

namespace clinic {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// A refused value is quoted back, but cut short so that one pasted page
// cannot swamp the error details.
constexpr size_t kMaxQuotedChars = 40;

bool IsDigit(uint32_t c) { return (c >= '0' && c <= '9') || (c >= 0xff10 && c <= 0xff19); }

// What people put between digits: spaces (NBSP, thin and ideographic spaces
// too, which word processors insert), dashes of every width, dots, slashes
// and brackets.
bool IsSeparator(uint32_t c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == 0xa0 ||
         c == 0x2009 || c == 0x202f || c == 0x3000 || (c >= 0x2010 && c <= 0x2015) || c == 0x2212;
}

absl::Status Refuse(absl::string_view typed, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(Quote(typed, kMaxQuotedChars), " ", why));
}

// "+44 (GB)", naming the country whose rules refused the number.
std::string CountryOf(const PhoneNumber& number) {
  std::string region;
  PhoneNumberUtil::GetInstance()->GetRegionCodeForCountryCode(number.country_code(), &region);
  return absl::StrCat("+", number.country_code(), " (", region, ")");
}

constexpr char kHowToType[] = "type it with '+' and the country code, e.g. \"+44 20 7946 0018\"";

// Checks the characters before libphonenumber sees them: it reads a number
// out of any text ("call 020 7946 0018 after 6"), which is too lenient for a
// field that must hold one number and nothing else.
// On success `ascii` holds the number with every separator an ASCII space
// and every digit an ASCII digit: libphonenumber misses some of the spaces
// word processors insert (U+202F).
absl::Status CheckCharacters(absl::string_view typed, const PhoneNumberUtil& util,
                             absl::string_view region, std::string& ascii) {
  bool digit_seen = false;
  bool plus_seen = false;
  for (size_t i = 0; i < typed.size();) {
    uint32_t c = 0;
    const size_t length = DecodeUtf8(typed, i, c);
    if (length == 0) {
      return Refuse(typed,
                    absl::StrCat("is not valid UTF-8: byte 0x",
                                 absl::Hex(static_cast<unsigned char>(typed[i]), absl::kZeroPad2),
                                 " at byte ", i, " is not part of a character"));
    }
    if (c == '+') {
      if (digit_seen || plus_seen) {
        return Refuse(typed,
                      "has a '+' that is not at the start; only the country code follows "
                      "a '+'");
      }
      plus_seen = true;
      ascii += '+';
    } else if (IsDigit(c)) {
      digit_seen = true;
      ascii += static_cast<char>(c < 0x80 ? c : '0' + (c - 0xff10));
    } else if (IsSeparator(c)) {
      ascii += c == '(' || c == ')' ? static_cast<char>(c) : ' ';
    } else {
      // Extensions ("x12", "ext. 12", "#12") are a common reason for
      // letters; say so rather than "letters", so staff know what to drop.
      PhoneNumber number;
      if (util.Parse(std::string(typed), region.empty() ? "ZZ" : std::string(region), &number) ==
              PhoneNumberUtil::NO_PARSING_ERROR &&
          !number.extension().empty()) {
        return Refuse(typed,
                      absl::StrCat("has an extension (", Quote(number.extension(), kMaxQuotedChars),
                                   "), which cannot be stored: E.164 numbers have none; "
                                   "give the number without it"));
      }
      const std::string what =
          IsControlCharacter(c)
              ? absl::StrCat("the control character U+",
                             absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad4))))
              : Quote(typed.substr(i, length), kMaxQuotedChars);
      return Refuse(typed, absl::StrCat("contains ", what,
                                        ", which is not part of a phone number: use digits, "
                                        "spaces, dashes, dots and brackets, and '+' before the "
                                        "country code"));
    }
    i += length;
  }
  if (!digit_seen) return Refuse(typed, "has no digits, so it is not a phone number");
  return absl::OkStatus();
}

}  // namespace

std::shared_future<void> LoadPhoneRulesInBackground() {
  // The instance is made once, under libphonenumber's own once-only guard, so
  // a call made meanwhile from another thread waits for this one.
  const auto load = [] { static_cast<void>(PhoneNumberUtil::GetInstance()); };
  try {
    return std::async(std::launch::async, load).share();
  } catch (const std::system_error&) {
    // No thread to spare: the rules load on the first wait instead.
    return std::async(std::launch::deferred, load).share();
  }
}

bool IsPhoneRegion(absl::string_view region) {
  if (region.size() != 2 || !absl::ascii_isupper(static_cast<unsigned char>(region[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(region[1]))) {
    return false;
  }
  return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(std::string(region)) != 0;
}

absl::StatusOr<std::string> NormalizePhone(absl::string_view typed,
                                           absl::string_view default_region) {
  if (!default_region.empty() && !IsPhoneRegion(default_region)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Quote(default_region, kMaxQuotedChars),
                     " is not a country with phone numbers: use an ISO 3166-1 alpha-2 code in "
                     "upper case, such as \"GB\""));
  }
  if (typed.empty()) return absl::InvalidArgumentError("is empty; a phone number has digits");
  if (typed.size() > kMaxTypedPhoneBytes) {
    return Refuse(typed, absl::StrCat("is ", typed.size(),
                                      " bytes long; a phone number as typed "
                                      "is at most ",
                                      kMaxTypedPhoneBytes));
  }
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::string ascii;
  if (absl::Status s = CheckCharacters(typed, util, default_region, ascii); !s.ok()) return s;

  PhoneNumber number;
  const std::string region = default_region.empty() ? "ZZ" : std::string(default_region);
  switch (util.ParseAndKeepRawInput(ascii, region, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      if (default_region.empty() && absl::StripLeadingAsciiWhitespace(typed)[0] != '+') {
        return Refuse(typed, absl::StrCat("has no country code, and no country is known to read "
                                          "it in: ",
                                          kHowToType));
      }
      return Refuse(typed, "has a country code no country uses");
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return Refuse(typed, "is too short to be a phone number");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return Refuse(typed, "is too long to be a phone number");
    case PhoneNumberUtil::NOT_A_NUMBER:
    default:
      return Refuse(typed, "is not a phone number");
  }
  if (!number.extension().empty()) {
    return Refuse(typed, "has an extension, which cannot be stored: E.164 numbers have none");
  }
  const std::string in_region =
      default_region.empty()
          ? ""
          : absl::StrCat(" (read as a number of ", default_region, " when it has no country code)");
  switch (util.IsPossibleNumberWithReason(number)) {
    case PhoneNumberUtil::IS_POSSIBLE:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return Refuse(typed, "has a country code no country uses");
    case PhoneNumberUtil::TOO_SHORT:
      return Refuse(typed,
                    absl::StrCat("is too short for a number of ", CountryOf(number), in_region));
    case PhoneNumberUtil::TOO_LONG:
      return Refuse(typed,
                    absl::StrCat("is too long for a number of ", CountryOf(number), in_region));
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return Refuse(
          typed, absl::StrCat("is a local number of ", CountryOf(number), ": add the area code"));
    case PhoneNumberUtil::INVALID_LENGTH:
    default:
      return Refuse(typed, absl::StrCat("has a number of digits that numbers of ",
                                        CountryOf(number), " never have", in_region));
  }
  // A number typed with its country code is taken at its word once its
  // length fits: which ranges are allocated changes faster than the
  // metadata on a server, and the ranges reserved for fiction (+44 7700
  // 900xxx) must keep working in demos and tests. A number read in the
  // region's national format must be a valid one there, because the reading
  // is a guess (was the leading 0 a trunk prefix?) that only the numbering
  // plan confirms: "020 7946" would otherwise become +440207946.
  if (number.country_code_source() == PhoneNumber::FROM_DEFAULT_COUNTRY &&
      !util.IsValidNumber(number)) {
    return Refuse(typed, absl::StrCat("is not a number of ", CountryOf(number),
                                      ": no number there is written like this; check the "
                                      "digits, or type it with '+' and the country code"));
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

}  // namespace clinic
