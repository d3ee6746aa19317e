#include "common/core/status.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "clinic/v1/common.pb.h"
#include "common/core/text.h"
#include "google/protobuf/any.pb.h"

namespace clinic {
namespace {

clinic::v1::BadRequest ToProto(const std::vector<FieldViolation>& violations) {
  clinic::v1::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    if (bad_request.field_violations_size() >= static_cast<int>(kMaxListedViolations)) break;
    auto* out = bad_request.add_field_violations();
    out->set_field(Truncate(v.field, kMaxViolationFieldBytes));
    out->set_description(Truncate(v.description, kMaxViolationDescriptionBytes));
  }
  return bad_request;
}

// Drops listed violations from the end until the BadRequest payload fits.
// The message still counts every problem.
std::string BoundedBadRequest(const absl::Cord& payload, size_t budget) {
  clinic::v1::BadRequest in;
  if (!in.ParseFromString(std::string(payload))) return "";
  std::vector<FieldViolation> violations;
  for (const auto& v : in.field_violations()) {
    violations.push_back(FieldViolation{v.field(), v.description()});
  }
  clinic::v1::BadRequest out = ToProto(violations);
  while (out.field_violations_size() > 0 && out.ByteSizeLong() > budget) {
    out.mutable_field_violations()->RemoveLast();
  }
  return out.SerializeAsString();
}

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  return FieldViolations(absl::StatusCode::kInvalidArgument, "",
                         {FieldViolation{std::string(field), std::string(description)}});
}

absl::Status FieldViolations(absl::StatusCode code, absl::string_view summary,
                             const std::vector<FieldViolation>& violations) {
  std::string message = Truncate(summary, kMaxViolationDescriptionBytes);
  if (!violations.empty()) {
    const FieldViolation& first = violations.front();
    absl::StrAppend(&message, message.empty() ? "" : ": ",
                    Truncate(first.field, kMaxViolationFieldBytes), ": ",
                    Truncate(first.description, kMaxViolationDescriptionBytes));
    if (violations.size() > 1) {
      absl::StrAppend(&message, " (and ", violations.size() - 1, " more problem",
                      violations.size() > 2 ? "s" : "", ")");
    }
  }
  absl::Status status(code, message);
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(ToProto(violations).SerializeAsString()));
  return status;
}

absl::Status Violations(const std::vector<FieldViolation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  return FieldViolations(absl::StatusCode::kInvalidArgument, "", violations);
}

absl::Status WithReason(absl::Status status, absl::string_view reason, absl::string_view domain) {
  clinic::v1::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(domain));
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string GetReason(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return "";
  clinic::v1::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

std::vector<FieldViolation> GetFieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  absl::optional<absl::Cord> payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return out;
  clinic::v1::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : bad_request.field_violations()) {
    out.push_back(FieldViolation{v.field(), v.description()});
  }
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // Whatever a handler passed in, the trailers stay far below gRPC's default
  // metadata limit (8 KiB), so the caller sees this code and not
  // RESOURCE_EXHAUSTED about the error itself.
  const std::string message = Truncate(status.message(), kMaxStatusMessageBytes);
  clinic::v1::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  size_t budget = kMaxStatusDetailsBytes - std::min(kMaxStatusDetailsBytes, details.ByteSizeLong());
  // Small payloads (the reason) first, the field list with what is left.
  absl::optional<absl::Cord> bad_request;
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    if (type_url == kBadRequestTypeUrl) {
      bad_request = payload;
      return;
    }
    google::protobuf::Any any;
    any.set_type_url(std::string(type_url));
    any.set_value(std::string(payload));
    const size_t size = any.ByteSizeLong() + 4;
    if (size > budget) return;
    budget -= size;
    *details.add_details() = std::move(any);
  });
  if (bad_request.has_value() && budget > 64) {
    google::protobuf::Any any;
    any.set_type_url(std::string(kBadRequestTypeUrl));
    any.set_value(BoundedBadRequest(*bad_request, budget - 64));
    *details.add_details() = std::move(any);
  }
  // absl and gRPC share the canonical code numbering, so the cast is exact.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  clinic::v1::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

absl::string_view GrpcCodeName(grpc::StatusCode code) {
  // Indexed by code: gRPC's codes are 0 to 16 with no gaps.
  static constexpr absl::string_view kNames[] = {"OK",
                                                 "CANCELLED",
                                                 "UNKNOWN",
                                                 "INVALID_ARGUMENT",
                                                 "DEADLINE_EXCEEDED",
                                                 "NOT_FOUND",
                                                 "ALREADY_EXISTS",
                                                 "PERMISSION_DENIED",
                                                 "RESOURCE_EXHAUSTED",
                                                 "FAILED_PRECONDITION",
                                                 "ABORTED",
                                                 "OUT_OF_RANGE",
                                                 "UNIMPLEMENTED",
                                                 "INTERNAL",
                                                 "UNAVAILABLE",
                                                 "DATA_LOSS",
                                                 "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(std::size(kNames))) return "UNKNOWN";
  return kNames[index];
}

}  // namespace clinic
