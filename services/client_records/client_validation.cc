#include "services/client_records/client_validation.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"

namespace clinic::client_records {
namespace {

// Tablets' clocks drift; a time "a minute from now" is not a mistake.
constexpr absl::Duration kClockSkew = absl::Minutes(5);

std::string Join(absl::string_view field, absl::string_view child) {
  return absl::StrCat(field, ".", child);
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Decodes one UTF-8 character at `i`; returns its length, or 0 when the bytes
// are not well-formed UTF-8 (overlong forms and surrogates included).
size_t DecodeUtf8(absl::string_view text, size_t i, uint32_t& code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xe0) == 0xc0) {
    length = 2;
    code_point = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    code_point = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[length] || code_point > 0x10ffff ||
      (code_point >= 0xd800 && code_point <= 0xdfff)) {
    return 0;
  }
  return length;
}

}  // namespace

void ValidateDate(const v1::Date& date, absl::string_view field, std::vector<FieldViolation>& out) {
  if (date.year() < 1 || date.year() > 9999) {
    out.push_back(
        {Join(field, "year"), absl::StrCat(date.year(), " is not a year from 1 to 9999")});
    return;
  }
  if (date.month() < 1 || date.month() > 12) {
    out.push_back(
        {Join(field, "month"), absl::StrCat(date.month(), " is not a month from 1 to 12")});
    return;
  }
  const int days = DaysInMonth(date.year(), date.month());
  if (date.day() < 1 || date.day() > days) {
    out.push_back({Join(field, "day"), absl::StrCat(date.day(), " is not a day of ", date.year(),
                                                    "-", date.month(), " (1 to ", days, ")")});
  }
}

void ValidateDateOfBirth(const v1::Date& date, bool present, absl::Time now,
                         absl::string_view field, std::vector<FieldViolation>& out) {
  if (!present) {
    out.push_back({std::string(field), "is required"});
    return;
  }
  const size_t before = out.size();
  ValidateDate(date, field, out);
  if (out.size() != before) return;
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const absl::CivilDay born(date.year(), date.month(), date.day());
  if (born > today) {
    out.push_back({std::string(field), "is in the future"});
  } else if (born < absl::CivilDay(today.year() - 130, today.month(), today.day())) {
    out.push_back({std::string(field), "is more than 130 years ago"});
  }
}

void ValidatePhone(absl::string_view phone, absl::string_view field, bool required,
                   std::vector<FieldViolation>& out) {
  if (phone.empty()) {
    if (required) out.push_back({std::string(field), "is required"});
    return;
  }
  bool ok = phone.size() >= 9 && phone.size() <= 16 && phone[0] == '+' && phone[1] != '0';
  for (size_t i = 1; ok && i < phone.size(); ++i) ok = absl::ascii_isdigit(phone[i]);
  if (!ok) {
    out.push_back(
        {std::string(field), absl::StrCat("\"", phone,
                                          "\" is not a phone number in E.164 form such as "
                                          "\"+447700900123\"")});
  }
}

std::string NormalizeEmail(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

void ValidateEmail(absl::string_view email, absl::string_view field, bool required,
                   std::vector<FieldViolation>& out) {
  if (email.empty()) {
    if (required) out.push_back({std::string(field), "is required"});
    return;
  }
  const size_t at = email.find('@');
  bool ok = email.size() <= 254 && at != absl::string_view::npos && at > 0 && at <= 64 &&
            email.find('@', at + 1) == absl::string_view::npos;
  for (char c : email) ok = ok && static_cast<unsigned char>(c) > ' ' && c != 0x7f;
  if (ok) {
    const absl::string_view domain = email.substr(at + 1);
    ok = domain.find('.') != absl::string_view::npos && domain.front() != '.' &&
         domain.back() != '.' && domain.find("..") == absl::string_view::npos;
  }
  if (!ok) {
    out.push_back({std::string(field), absl::StrCat("\"", email, "\" is not an email address")});
  }
}

void ValidateText(absl::string_view text, absl::string_view field, bool required, size_t max_chars,
                  std::vector<FieldViolation>& out) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    if (required) out.push_back({std::string(field), "is required"});
    return;
  }
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t code_point = 0;
    const size_t length = DecodeUtf8(text, i, code_point);
    if (length == 0) {
      out.push_back({std::string(field), "is not valid UTF-8 text"});
      return;
    }
    if (code_point < 0x20 || (code_point >= 0x7f && code_point < 0xa0)) {
      // Line breaks are fine in notes but never in names; one rule keeps the
      // stored text printable everywhere it is shown.
      if (!(max_chars > 500 && (code_point == '\n' || code_point == '\t'))) {
        out.push_back({std::string(field), "contains a control character"});
        return;
      }
    }
    i += length;
    ++chars;
  }
  if (chars > max_chars) {
    out.push_back({std::string(field), absl::StrCat("is ", chars, " characters long; at most ",
                                                    max_chars, " are allowed")});
  }
}

void ValidateCountryCode(absl::string_view code, absl::string_view field,
                         std::vector<FieldViolation>& out) {
  if (code.empty()) return;
  if (code.size() != 2 || !absl::ascii_isupper(code[0]) || !absl::ascii_isupper(code[1])) {
    out.push_back(
        {std::string(field),
         absl::StrCat("\"", code, "\" is not an ISO 3166-1 alpha-2 code such as \"GB\"")});
  }
}

void ValidateTreatedAreas(const v1::TreatmentDefinition& definition,
                          const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                          absl::string_view field, std::vector<FieldViolation>& out) {
  if (areas.empty()) {
    out.push_back({std::string(field), "at least one treated area is required"});
    return;
  }
  std::map<std::string, const v1::TreatmentArea*> by_id;
  std::vector<std::string> ids;
  for (const auto& area : definition.protocol().areas()) {
    by_id[area.id()] = &area;
    ids.push_back(area.id());
  }
  std::set<std::string> indications;
  for (const auto& indication : definition.indications()) indications.insert(indication.id());
  std::set<std::string> seen;
  for (int i = 0; i < areas.size(); ++i) {
    const v1::TreatedArea& treated = areas.Get(i);
    const std::string path = absl::StrCat(field, "[", i, "]");
    auto it = by_id.find(treated.area_id());
    if (treated.area_id().empty()) {
      out.push_back({path + ".area_id", "is required"});
      continue;
    }
    if (it == by_id.end()) {
      out.push_back({path + ".area_id",
                     absl::StrCat("'", treated.area_id(), "' is not an area of treatment type '",
                                  definition.id(), "' (areas: ", absl::StrJoin(ids, ", "), ")")});
      continue;
    }
    if (!seen.insert(treated.area_id()).second) {
      out.push_back({path + ".area_id",
                     absl::StrCat("'", treated.area_id(), "' is listed twice; chart it once")});
    }
    const v1::TreatmentArea& area = *it->second;
    int max_depth = area.max_depth_um();
    std::string overrides;
    for (const auto& o : area.depth_overrides()) {
      if (o.indication_id() == treated.indication_id()) max_depth = o.max_depth_um();
      absl::StrAppend(&overrides, overrides.empty() ? " (up to " : ", up to ", o.max_depth_um(),
                      " um for ", o.indication_id());
    }
    if (!overrides.empty()) overrides += ")";
    if (!treated.indication_id().empty() && indications.count(treated.indication_id()) == 0) {
      out.push_back(
          {path + ".indication_id",
           absl::StrCat("'", treated.indication_id(), "' is not an indication of treatment type '",
                        definition.id(), "'")});
    }
    if (treated.needle_depth_um() < area.min_depth_um() || treated.needle_depth_um() > max_depth) {
      out.push_back(
          {path + ".needle_depth_um",
           absl::StrCat(treated.needle_depth_um(), " um is outside the ", area.min_depth_um(),
                        " to ", max_depth, " um allowed on '", area.id(), "'", overrides)});
    }
    if (treated.passes() < area.min_passes() || treated.passes() > area.max_passes()) {
      out.push_back({path + ".passes",
                     absl::StrCat(treated.passes(), " passes is outside the ", area.min_passes(),
                                  " to ", area.max_passes(), " allowed on '", area.id(), "'")});
    }
  }
}

void ValidateCartridgeUse(const v1::TreatmentDefinition& definition,
                          const v1::CartridgeUse& cartridge,
                          const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                          absl::string_view field, std::vector<FieldViolation>& out) {
  const std::string lot_field = Join(field, "lot_number");
  if (cartridge.lot_number().empty()) {
    out.push_back({lot_field, "is required: every cartridge must be traceable to its lot"});
  } else {
    bool printable = cartridge.lot_number().size() <= 64;
    for (char c : cartridge.lot_number()) printable = printable && c >= ' ' && c <= '~';
    if (!printable) {
      out.push_back({lot_field, "must be 1 to 64 printable ASCII characters, as on the box"});
    }
  }
  ValidateText(cartridge.product(), Join(field, "product"), false, 200, out);
  if (cartridge.requirement_id().empty()) return;
  const v1::CartridgeRequirement* requirement = nullptr;
  for (const auto& r : definition.cartridges()) {
    if (r.id() == cartridge.requirement_id()) requirement = &r;
  }
  if (requirement == nullptr) {
    out.push_back({Join(field, "requirement_id"),
                   absl::StrCat("'", cartridge.requirement_id(),
                                "' is not a cartridge requirement of treatment type '",
                                definition.id(), "'")});
    return;
  }
  if (requirement->area_ids().empty()) return;
  const std::set<std::string> fits(requirement->area_ids().begin(), requirement->area_ids().end());
  for (const auto& treated : areas) {
    if (!treated.area_id().empty() && fits.count(treated.area_id()) == 0) {
      out.push_back({Join(field, "requirement_id"),
                     absl::StrCat("cartridge '", requirement->id(), "' is not for area '",
                                  treated.area_id(), "'")});
    }
  }
}

void ValidateAdverseEvents(const google::protobuf::RepeatedPtrField<v1::AdverseEvent>& events,
                           absl::Time now, absl::string_view field,
                           std::vector<FieldViolation>& out) {
  for (int i = 0; i < events.size(); ++i) {
    const v1::AdverseEvent& event = events.Get(i);
    const std::string path = absl::StrCat(field, "[", i, "]");
    ValidateText(event.description(), path + ".description", true, 2000, out);
    if (event.severity() == v1::ADVERSE_EVENT_SEVERITY_UNSPECIFIED) {
      out.push_back({path + ".severity", "is required"});
    } else if (!v1::AdverseEventSeverity_IsValid(event.severity())) {
      out.push_back({path + ".severity", absl::StrCat(event.severity(), " is not a severity")});
    }
    if (event.has_onset_time()) {
      const auto& onset = event.onset_time();
      if (onset.nanos() < 0 || onset.nanos() > 999999999 ||
          absl::FromUnixSeconds(onset.seconds()) > now + kClockSkew) {
        out.push_back({path + ".onset_time", "is not a valid time in the past"});
      }
    }
  }
}

}  // namespace clinic::client_records
