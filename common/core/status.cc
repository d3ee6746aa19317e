#include "common/core/status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "clinic/v1/common.pb.h"
#include "google/protobuf/any.pb.h"

namespace clinic {
namespace {

clinic::v1::BadRequest ToProto(const std::vector<FieldViolation>& violations) {
  clinic::v1::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  return bad_request;
}

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  return FieldViolations(absl::StatusCode::kInvalidArgument, "",
                         {FieldViolation{std::string(field), std::string(description)}});
}

absl::Status FieldViolations(absl::StatusCode code, absl::string_view summary,
                             const std::vector<FieldViolation>& violations) {
  std::string message(summary);
  if (!violations.empty()) {
    const FieldViolation& first = violations.front();
    absl::StrAppend(&message, message.empty() ? "" : ": ", first.field, ": ", first.description);
    if (violations.size() > 1) {
      absl::StrAppend(&message, " (and ", violations.size() - 1, " more problem",
                      violations.size() > 2 ? "s" : "", ")");
    }
  }
  absl::Status status(code, message);
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(ToProto(violations).SerializeAsString()));
  return status;
}

absl::Status WithReason(absl::Status status, absl::string_view reason, absl::string_view domain) {
  clinic::v1::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(domain));
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
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
  clinic::v1::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  status.ForEachPayload([&details](absl::string_view type_url, const absl::Cord& payload) {
    google::protobuf::Any* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  // absl and gRPC share the canonical code numbering, so the cast is exact.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
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

}  // namespace clinic
