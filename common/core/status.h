// Errors inside Clinic Core are absl::Status values. These helpers build the
// common ones with field-level detail (a clinic.v1.BadRequest payload), and
// ToGrpcStatus turns any of them into the gRPC status a caller sees. Every
// service edge uses ToGrpcStatus; nothing else maps codes.
#ifndef CLINIC_COMMON_CORE_STATUS_H_
#define CLINIC_COMMON_CORE_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace clinic {

// The type URL under which a clinic.v1.BadRequest rides as an absl::Status
// payload, and later as a google.protobuf.Any in the gRPC status details.
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/clinic.v1.BadRequest";
inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/clinic.v1.ErrorInfo";

// Bounds on what an error carries back, so a huge value a caller sent cannot
// make the error itself too large to deliver. Longer fields and descriptions
// are cut (text.h Truncate); violations past the limit are counted in the
// message but not listed.
inline constexpr size_t kMaxViolationFieldBytes = 128;
inline constexpr size_t kMaxViolationDescriptionBytes = 256;
inline constexpr size_t kMaxListedViolations = 20;
// What ToGrpcStatus sends at most: the message (percent-encoded by gRPC, so up
// to three times this on the wire) and the serialized clinic.v1.Status details
// (base64-encoded, a third more).
inline constexpr size_t kMaxStatusMessageBytes = 512;
inline constexpr size_t kMaxStatusDetailsBytes = 3072;

// One field that was wrong, and why.
struct FieldViolation {
  std::string field;        // e.g. "sites[1].currency_code"
  std::string description;  // a sentence, e.g. "\"GBX\" is not an ISO-4217 currency code"
};

// INVALID_ARGUMENT naming one field. The message reads "field: description".
absl::Status InvalidField(absl::string_view field, absl::string_view description);

// An error with the given code listing the violations (the first
// kMaxListedViolations, each bounded); the message names the first and counts
// the rest. Use INVALID_ARGUMENT for bad requests and
// FAILED_PRECONDITION when the request is well-formed but the state forbids it.
absl::Status FieldViolations(absl::StatusCode code, absl::string_view summary,
                             const std::vector<FieldViolation>& violations);

// OK when `violations` is empty, otherwise INVALID_ARGUMENT listing them
// (FieldViolations): how a handler ends its request checks.
absl::Status Violations(const std::vector<FieldViolation>& violations);

// Attaches a machine-readable reason (clinic.v1.ErrorInfo) to a status.
absl::Status WithReason(absl::Status status, absl::string_view reason, absl::string_view domain);

// The reason WithReason attached, empty when there is none.
std::string GetReason(const absl::Status& status);

// The field violations carried by a status, empty when it has none.
std::vector<FieldViolation> GetFieldViolations(const absl::Status& status);

// The status as a caller sees it: same code, the message cut to
// kMaxStatusMessageBytes, and the payloads packed into a clinic.v1.Status in
// the binary error details, at most kMaxStatusDetailsBytes of them (the field
// list is shortened, then payloads dropped, to fit).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients and tests: the code, message and payloads of a
// gRPC status, when its details are a clinic.v1.Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

// A gRPC code's canonical name, "DEADLINE_EXCEEDED", as logs and tools print
// it (the same names absl::StatusCodeToString gives). A value that is no
// code reads "UNKNOWN", which is how gRPC itself treats a code it does not
// know.
absl::string_view GrpcCodeName(grpc::StatusCode code);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_STATUS_H_
