// Field checks for ClientRecords requests: dates, phones, emails, country
// codes, medical facts and adverse events (a charted treatment against its
// definition is treatment_validation.h). Called by the ClientRecords service
// (client_records_service.cc, chart_service.cc) before anything is stored.
//
// Every function is pure: it appends one FieldViolation per problem found to
// `out` and never clears it, so a request's checks collect every problem in
// one pass. Field paths are proto field names under the `field` argument, with
// indexes, e.g. "treatment_record.areas[1].needle_depth_um". Descriptions are
// sentences that quote the refused value (escaped and shortened, so they stay
// valid UTF-8 in the error details) and say why it was refused.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_VALIDATION_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_VALIDATION_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clinic/v1/clients.pb.h"
#include "clinic/v1/common.pb.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic::client_records {

// Required (`present` false means the field was not sent), a real date, not
// after today in UTC, and not more than 130 years before it.
void ValidateDateOfBirth(const v1::Date& date, bool present, absl::Time now,
                         absl::string_view field, std::vector<FieldViolation>& out);

// `phone` as it is stored and compared: E.164 ("+442079460018"), from a
// number as people type it ("+44 20 7946 0018", "(212) 555-0123"). A number
// without a country code is read in the national format of `region` (ISO
// 3166-1 alpha-2, the client's home site's country; empty when unknown, and
// then only numbers with a country code are accepted). See NormalizePhone in
// common/core/phone.h for what is accepted and why. Empty stays empty and
// passes unless `required`. When refused, appends why and returns `phone`
// unchanged.
std::string NormalizePhoneField(absl::string_view phone, absl::string_view region,
                                absl::string_view field, bool required,
                                std::vector<FieldViolation>& out);

// As NormalizePhoneField, for a search: a value already in E.164 shape ('+'
// then 8 to 15 digits, the first not 0, the only rule before typed forms
// were accepted) is searched as it is even when libphonenumber would refuse
// it, so every number stored under the old rule can still be found.
std::string NormalizePhoneQuery(absl::string_view phone, absl::string_view region,
                                absl::string_view field, std::vector<FieldViolation>& out);

// A plausible address, not RFC 5322 in full: at most 254 bytes of valid UTF-8
// without white space or control characters, exactly one '@', 1 to 64 bytes
// before it, and a domain with at least one dot and no empty label. Empty
// passes unless `required`.
void ValidateEmail(absl::string_view email, absl::string_view field, bool required,
                   std::vector<FieldViolation>& out);

// An email as it is stored and compared: trimmed of white space (ASCII, and
// the no-break spaces that pasting adds) and with ASCII letters lower-cased,
// the domain and the part before the '@' alike (addresses were stored so from
// the start, and searches must keep finding them). CreateClient,
// UpdateClient and SearchClients all normalize first and validate what they
// will store or search.
std::string NormalizeEmail(absl::string_view email);

// Empty, or two upper-case ASCII letters (ISO 3166-1 alpha-2, e.g. "GB").
void ValidateCountryCode(absl::string_view code, absl::string_view field,
                         std::vector<FieldViolation>& out);

// A medical history's facts: each a known MedicalFact, listed once; start and
// end dates real, the end not before the start; detail at most 500
// characters; regions (where a local fact applies) each a known BodyRegion,
// listed once, at most 6 of them (past that only the count is reported).
// Paths are "<field>[i].regions[j]" and the like.
void ValidateMedicalFacts(const google::protobuf::RepeatedPtrField<v1::MedicalFactEntry>& facts,
                          absl::string_view field, std::vector<FieldViolation>& out);

// Adverse events: a description (at most 2000 characters), a known severity,
// and an onset time, when set, that is a valid timestamp no more than five
// minutes after `now` (tablets' clocks drift).
void ValidateAdverseEvents(const google::protobuf::RepeatedPtrField<v1::AdverseEvent>& events,
                           absl::Time now, absl::string_view field,
                           std::vector<FieldViolation>& out);

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_VALIDATION_H_
