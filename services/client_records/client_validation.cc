// Field checks for ClientRecords requests, called by the ClientRecords service
// before anything is stored. See client_validation.h for the rules.
#include "services/client_records/client_validation.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/core/phone.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "services/client_records/field_paths.h"

namespace clinic::client_records {
namespace {

constexpr int kMaxAgeYears = 130;
constexpr size_t kMaxEmailBytes = 254;
constexpr size_t kMaxEmailLocalBytes = 64;
constexpr size_t kMaxAdverseEventChars = 2000;
constexpr size_t kMaxFactDetailChars = 500;
// There are six regions; a longer list must repeat one.
constexpr int kMaxFactRegions = 6;

// Unicode's white space outside the control characters, which a pasted
// address can carry invisibly.
bool IsSpace(uint32_t c) {
  return c == ' ' || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

std::string CodePointName(uint32_t c) {
  return absl::StrCat("U+", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad4))));
}

// Why `phone` is not in E.164 shape, or empty when it is: the only rule
// before typed forms were accepted.
std::string PhoneProblem(absl::string_view phone) {
  if (phone[0] != '+') return "it must start with '+' and the country code";
  const absl::string_view digits = phone.substr(1);
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return "only digits may follow the '+', without spaces or dashes";
  }
  if (digits.size() < 8 || digits.size() > 15) {
    return absl::StrCat("it has ", digits.size(), " digits; E.164 numbers have 8 to 15");
  }
  if (digits[0] == '0') return "country codes do not start with 0";
  return "";
}

// Why `email` is not a plausible address, or empty when it is.
std::string EmailProblem(absl::string_view email) {
  if (email.size() > kMaxEmailBytes) {
    return absl::StrCat("it is ", email.size(), " bytes long; the limit is ", kMaxEmailBytes);
  }
  for (size_t i = 0; i < email.size();) {
    uint32_t c = 0;
    const size_t length = DecodeUtf8(email, i, c);
    if (length == 0) return "it is not valid UTF-8";
    if (IsSpace(c) || (c < 0x80 && absl::ascii_isspace(static_cast<unsigned char>(c)))) {
      return "it contains white space";
    }
    if (IsControlCharacter(c))
      return absl::StrCat("it contains the control character ", CodePointName(c));
    i += length;
  }
  const size_t at = email.find('@');
  if (at == absl::string_view::npos) return "it has no '@'";
  if (email.find('@', at + 1) != absl::string_view::npos) return "it has more than one '@'";
  if (at == 0) return "nothing comes before the '@'";
  if (at > kMaxEmailLocalBytes) {
    return absl::StrCat("the part before the '@' is ", at, " bytes long; the limit is ",
                        kMaxEmailLocalBytes);
  }
  const absl::string_view domain = email.substr(at + 1);
  if (domain.empty()) return "nothing comes after the '@'";
  if (domain.find('.') == absl::string_view::npos) {
    return "the domain has no dot, as in \"example.com\"";
  }
  if (domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != absl::string_view::npos) {
    return "the domain has an empty label (a dot at the start or end, or two dots together)";
  }
  return "";
}

int DateOrder(const v1::Date& d) { return d.year() * 10000 + d.month() * 100 + d.day(); }

void ValidateFactRegions(const v1::MedicalFactEntry& entry, const std::string& path,
                         std::vector<FieldViolation>& out) {
  const std::string field = Child(path, "regions");
  if (entry.regions_size() > kMaxFactRegions) {
    // Counted, not listed: the message must not grow with the request.
    out.push_back({field, absl::StrCat("has ", entry.regions_size(), " regions; at most ",
                                       kMaxFactRegions, " are allowed, each once")});
    return;
  }
  std::map<int, int> first_listed;  // region -> first index
  for (int j = 0; j < entry.regions_size(); ++j) {
    const int region = entry.regions(j);
    const std::string region_field = Indexed(field, j);
    if (region == v1::BODY_REGION_UNSPECIFIED) {
      out.push_back({region_field,
                     "is BODY_REGION_UNSPECIFIED; name a region such as BODY_REGION_FACE, or "
                     "leave regions empty when the fact is not local or where is not known"});
    } else if (!v1::BodyRegion_IsValid(region)) {
      out.push_back({region_field, absl::StrCat(region, " is not a known body region")});
    } else if (const auto [first, inserted] = first_listed.emplace(region, j); !inserted) {
      out.push_back({region_field, absl::StrCat(v1::BodyRegion_Name(entry.regions(j)),
                                                " is listed twice (first at ",
                                                Indexed(field, first->second), ")")});
    }
  }
}

}  // namespace

void ValidateDateOfBirth(const v1::Date& date, bool present, absl::Time now,
                         absl::string_view field, std::vector<FieldViolation>& out) {
  if (!present) {
    out.push_back({std::string(field), "is required"});
    return;
  }
  const size_t before = out.size();
  CheckDate(date, field, out);
  if (out.size() != before) return;
  // A date of birth has no time zone; UTC keeps the answer the same on every
  // server.
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const absl::CivilDay born(date.year(), date.month(), date.day());
  // On 29 February the earliest day normalizes to 1 March, which is right:
  // someone born on 28 February 130 years before is then 130 years and a day
  // old.
  const absl::CivilDay earliest(today.year() - kMaxAgeYears, today.month(), today.day());
  if (born > today) {
    out.push_back({std::string(field),
                   absl::StrCat(absl::FormatCivilTime(born), " is in the future (today is ",
                                absl::FormatCivilTime(today), " in UTC)")});
  } else if (born < earliest) {
    out.push_back(
        {std::string(field), absl::StrCat(absl::FormatCivilTime(born), " is more than ",
                                          kMaxAgeYears, " years ago (the earliest accepted is ",
                                          absl::FormatCivilTime(earliest), ")")});
  }
}

std::string NormalizePhoneField(absl::string_view phone, absl::string_view region,
                                absl::string_view field, bool required,
                                std::vector<FieldViolation>& out) {
  if (phone.empty()) {
    if (required) out.push_back({std::string(field), "is required"});
    return "";
  }
  absl::StatusOr<std::string> e164 = NormalizePhone(phone, region);
  if (!e164.ok()) {
    out.push_back({std::string(field), std::string(e164.status().message())});
    return std::string(phone);
  }
  return *std::move(e164);
}

std::string NormalizePhoneQuery(absl::string_view phone, absl::string_view region,
                                absl::string_view field, std::vector<FieldViolation>& out) {
  if (!phone.empty() && PhoneProblem(phone).empty()) {
    absl::StatusOr<std::string> e164 = NormalizePhone(phone, region);
    return e164.ok() ? *std::move(e164) : std::string(phone);
  }
  return NormalizePhoneField(phone, region, field, false, out);
}

std::string NormalizeEmail(absl::string_view email) {
  // Pasted addresses bring no-break spaces (U+00A0) along with ASCII ones.
  constexpr absl::string_view kNoBreakSpace = "\xc2\xa0";
  for (bool trimmed = true; trimmed;) {
    const size_t before = email.size();
    email = absl::StripAsciiWhitespace(email);
    if (absl::ConsumePrefix(&email, kNoBreakSpace)) continue;
    if (absl::ConsumeSuffix(&email, kNoBreakSpace)) continue;
    trimmed = email.size() != before;
  }
  return absl::AsciiStrToLower(email);
}

void ValidateEmail(absl::string_view email, absl::string_view field, bool required,
                   std::vector<FieldViolation>& out) {
  if (email.empty()) {
    if (required) out.push_back({std::string(field), "is required"});
    return;
  }
  const std::string problem = EmailProblem(email);
  if (!problem.empty()) {
    out.push_back({std::string(field), absl::StrCat(Quote(email, kQuotedChars, '"'),
                                                    " is not an email address: ", problem)});
  }
}

void ValidateCountryCode(absl::string_view code, absl::string_view field,
                         std::vector<FieldViolation>& out) {
  if (code.empty()) return;
  if (code.size() != 2 || !absl::ascii_isupper(static_cast<unsigned char>(code[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(code[1]))) {
    out.push_back({std::string(field),
                   absl::StrCat(Quote(code, kQuotedChars, '"'),
                                " is not an ISO 3166-1 alpha-2 country code: two upper-case "
                                "letters such as \"GB\"")});
  }
}

void ValidateMedicalFacts(const google::protobuf::RepeatedPtrField<v1::MedicalFactEntry>& facts,
                          absl::string_view field, std::vector<FieldViolation>& out) {
  std::set<int> seen;
  for (int i = 0; i < facts.size(); ++i) {
    const v1::MedicalFactEntry& entry = facts.Get(i);
    const std::string path = Indexed(field, i);
    if (entry.fact() == v1::MEDICAL_FACT_UNSPECIFIED) {
      out.push_back({Child(path, "fact"), "is required"});
    } else if (!v1::MedicalFact_IsValid(entry.fact())) {
      out.push_back({Child(path, "fact"), absl::StrCat(entry.fact(),
                                                       " is not a known medical fact; see "
                                                       "docs/medical-facts.md")});
    } else if (!seen.insert(entry.fact()).second) {
      out.push_back(
          {Child(path, "fact"), absl::StrCat(v1::MedicalFact_Name(entry.fact()),
                                             " is listed twice; keep one entry per fact")});
    }
    if (entry.has_start_date()) CheckDate(entry.start_date(), Child(path, "start_date"), out);
    if (entry.has_end_date()) CheckDate(entry.end_date(), Child(path, "end_date"), out);
    if (entry.has_start_date() && entry.has_end_date() &&
        DateOrder(entry.end_date()) < DateOrder(entry.start_date())) {
      out.push_back({Child(path, "end_date"), "is before start_date"});
    }
    ValidateText(entry.detail(), Child(path, "detail"), false, kMaxFactDetailChars, out);
    ValidateFactRegions(entry, path, out);
  }
}

void ValidateAdverseEvents(const google::protobuf::RepeatedPtrField<v1::AdverseEvent>& events,
                           absl::Time now, absl::string_view field,
                           std::vector<FieldViolation>& out) {
  for (int i = 0; i < events.size(); ++i) {
    const v1::AdverseEvent& event = events.Get(i);
    const std::string path = Indexed(field, i);
    ValidateText(event.description(), Child(path, "description"), true, kMaxAdverseEventChars, out);
    if (event.severity() == v1::ADVERSE_EVENT_SEVERITY_UNSPECIFIED) {
      out.push_back({Child(path, "severity"),
                     "is required: ADVERSE_EVENT_SEVERITY_MILD, ADVERSE_EVENT_SEVERITY_MODERATE or "
                     "ADVERSE_EVENT_SEVERITY_SEVERE"});
    } else if (!v1::AdverseEventSeverity_IsValid(event.severity())) {
      out.push_back({Child(path, "severity"),
                     absl::StrCat(static_cast<int>(event.severity()),
                                  " is not an adverse event severity this service knows")});
    }
    CheckEventTime(event.onset_time(), event.has_onset_time(), /*required=*/false, now,
                   Child(path, "onset_time"), out);
  }
}

}  // namespace clinic::client_records
