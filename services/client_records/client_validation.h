// Field checks for ClientRecords requests: dates, phones, emails, free text,
// and a charted treatment against its treatment type's protocol. Pure
// functions; each appends every problem it finds, naming the field by its
// path under `field`. Called by the ClientRecords service.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_VALIDATION_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clinic/v1/clients.pb.h"
#include "clinic/v1/common.pb.h"
#include "clinic/v1/treatment.pb.h"
#include "common/core/status.h"

namespace clinic::client_records {

// A real calendar date (leap years included).
void ValidateDate(const v1::Date& date, absl::string_view field, std::vector<FieldViolation>& out);

// Required, a real date, not in the future, not more than 130 years ago.
void ValidateDateOfBirth(const v1::Date& date, bool present, absl::Time now,
                         absl::string_view field, std::vector<FieldViolation>& out);

// E.164: '+' then 8 to 15 digits, the first not 0.
void ValidatePhone(absl::string_view phone, absl::string_view field, bool required,
                   std::vector<FieldViolation>& out);

// A plausible address: one '@', a local part, a dotted domain, no spaces.
void ValidateEmail(absl::string_view email, absl::string_view field, bool required,
                   std::vector<FieldViolation>& out);

// Trimmed and lower-cased, as emails are stored and compared.
std::string NormalizeEmail(absl::string_view email);

// Valid UTF-8 without control characters, at most `max_chars` characters;
// `required` means not blank.
void ValidateText(absl::string_view text, absl::string_view field, bool required, size_t max_chars,
                  std::vector<FieldViolation>& out);

// Empty, or two upper-case letters (ISO 3166-1 alpha-2).
void ValidateCountryCode(absl::string_view code, absl::string_view field,
                         std::vector<FieldViolation>& out);

// The treated areas against the definition's protocol: known areas, each
// once, depths and passes within the area's ranges (or the indication's
// depth override).
void ValidateTreatedAreas(const v1::TreatmentDefinition& definition,
                          const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                          absl::string_view field, std::vector<FieldViolation>& out);

// The cartridge: a lot number, and a requirement of the definition that fits
// every treated area.
void ValidateCartridgeUse(const v1::TreatmentDefinition& definition,
                          const v1::CartridgeUse& cartridge,
                          const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                          absl::string_view field, std::vector<FieldViolation>& out);

// Adverse events: a description, a severity, an onset not in the future.
void ValidateAdverseEvents(const google::protobuf::RepeatedPtrField<v1::AdverseEvent>& events,
                           absl::Time now, absl::string_view field,
                           std::vector<FieldViolation>& out);

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_VALIDATION_H_
