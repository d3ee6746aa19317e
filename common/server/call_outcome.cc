#include "common/server/call_outcome.h"

#include <chrono>
#include <deque>
#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"

namespace clinic::server {
namespace {

// A field's full name is short; anything longer did not come from a
// descriptor and is not quoted.
constexpr size_t kMaxFieldNameBytes = 200;

constexpr std::chrono::milliseconds kDeadlineSlack(100);

// Only calls whose request never arrived whole are settled at close.
constexpr absl::string_view kBeforeTheRequest =
    "before its request arrived whole (the caller went away, or the server reset the stream "
    "because memory for calls, server.memory_limit_bytes, ran out)";

// The string field that last failed UTF-8 validation on this thread. gRPC
// parses a request and runs the interceptors on the same thread, one call
// at a time, so the access step reads what the parse of its own request
// left here.
thread_local std::string noted_utf8_field;

google::protobuf::LogHandler* previous_handler = nullptr;

void NotingLogHandler(google::protobuf::LogLevel level, const char* filename, int line,
                      const std::string& message) {
  // protobuf 3.21 words it: String field 'pkg.Message.field' contains
  // invalid UTF-8 data when parsing a protocol buffer. ...
  constexpr absl::string_view kPrefix = "String field '";
  absl::string_view text(message);
  if (absl::StartsWith(text, kPrefix) &&
      absl::StrContains(text, "contains invalid UTF-8 data when parsing")) {
    text.remove_prefix(kPrefix.size());
    const size_t end = text.find('\'');
    if (end != absl::string_view::npos && end <= kMaxFieldNameBytes) {
      noted_utf8_field = std::string(text.substr(0, end));
    }
    // Not passed on: the call log's line for the refused call says it, once
    // and bounded, with the request id.
    return;
  }
  if (previous_handler != nullptr) previous_handler(level, filename, line, message);
}

// The path of `field` ("pkg.Message.field") from the request, e.g.
// "update_mask.paths (google.protobuf.FieldMask.paths)", when it names a field
// of `type` or of a message type reachable from it (the shortest such path);
// empty otherwise, so a stale note from another call is never quoted.
std::string FieldOfRequest(const google::protobuf::Descriptor* type, const std::string& field) {
  const google::protobuf::FieldDescriptor* found =
      google::protobuf::DescriptorPool::generated_pool()->FindFieldByName(field);
  if (found == nullptr || type == nullptr) return "";
  // Breadth first, so the path named is the shortest one.
  std::deque<std::pair<const google::protobuf::Descriptor*, std::string>> pending{{type, ""}};
  std::vector<const google::protobuf::Descriptor*> seen;
  while (!pending.empty() && seen.size() < 200) {
    auto [current, path] = pending.front();
    pending.pop_front();
    if (std::find(seen.begin(), seen.end(), current) != seen.end()) continue;
    seen.push_back(current);
    if (found->containing_type() == current) {
      const std::string at = absl::StrCat(path, found->name());
      return current == type ? at : absl::StrCat(at, " (", field, ")");
    }
    for (int i = 0; i < current->field_count(); ++i) {
      if (current->field(i)->message_type() != nullptr) {
        pending.emplace_back(current->field(i)->message_type(),
                             absl::StrCat(path, current->field(i)->name(), "."));
      }
    }
  }
  return "";
}

// Whether gRPC has reported the call cancelled. Only asked of callback-API
// calls: for a synchronous one (server reflection) IsCancelled() completes
// the call's close operation, which runs the interceptors again from inside
// the one asking, and never returns.
bool ReportedCancelled(const grpc::ServerContextBase& context) {
  return dynamic_cast<const grpc::CallbackServerContext*>(&context) != nullptr &&
         context.IsCancelled();
}

}  // namespace

grpc::Status CallerWentAway(const grpc::ServerContextBase& context, absl::string_view when) {
  // The caller's own deadline fires first: the server's is its arrival time
  // plus the timeout the caller sent, rounded up, so the caller's cancel
  // arrives just before it. A cancel that close to the deadline is the
  // deadline's.
  if (std::chrono::system_clock::now() + kDeadlineSlack >= context.deadline()) {
    return grpc::Status(grpc::DEADLINE_EXCEEDED, absl::StrCat("the deadline passed ", when));
  }
  return grpc::Status(grpc::CANCELLED, absl::StrCat("the call was cancelled ", when));
}

grpc::Status OutcomeForCaller(const grpc::ServerContextBase& context, const grpc::Status& sent) {
  if (sent.error_code() == grpc::CANCELLED || sent.error_code() == grpc::DEADLINE_EXCEEDED) {
    return sent;
  }
  if (ReportedCancelled(context)) return CallerWentAway(context, "before the answer was sent");
  return sent;
}

grpc::Status OutcomeAtClose(const grpc::ServerContextBase& context, const grpc::Status& sent) {
  if (sent.error_code() != grpc::CANCELLED && sent.error_code() != grpc::DEADLINE_EXCEEDED &&
      std::chrono::system_clock::now() >= context.deadline()) {
    return CallerWentAway(context, kBeforeTheRequest);
  }
  if (sent.error_code() != grpc::CANCELLED && sent.error_code() != grpc::DEADLINE_EXCEEDED &&
      ReportedCancelled(context)) {
    return CallerWentAway(context, kBeforeTheRequest);
  }
  return sent;
}

absl::Status RequestNotParsed(absl::string_view method) {
  // "/pkg.Service/Method" names the method "pkg.Service.Method".
  std::string name(method.substr(method.empty() || method[0] != '/' ? 0 : 1));
  name = absl::StrReplaceAll(name, {{"/", "."}});
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  const google::protobuf::Descriptor* type =
      descriptor == nullptr ? nullptr : descriptor->input_type();
  const std::string type_name = type == nullptr ? "the method's request type" : type->full_name();
  const std::string field = FieldOfRequest(type, noted_utf8_field);
  noted_utf8_field.clear();
  if (!field.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request could not be parsed as ", type_name, ": string field ", field,
                     " holds invalid UTF-8 (string fields must be UTF-8; send text, not raw "
                     "bytes)"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("the request could not be parsed as ", type_name,
                   ": the bytes are not a serialized message of that type (truncated, corrupt, "
                   "or another type); nothing was done"));
}

void NoteProtobufParseErrors() {
  static std::once_flag once;
  std::call_once(once,
                 [] { previous_handler = google::protobuf::SetLogHandler(&NotingLogHandler); });
}

void ClearNotedParseError() {
  if (!noted_utf8_field.empty()) noted_utf8_field.clear();
}

}  // namespace clinic::server
