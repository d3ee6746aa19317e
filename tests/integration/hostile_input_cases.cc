#include "tests/integration/hostile_input_cases.h"

#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clinic/v1/options.pb.h"

namespace clinic::hostile {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::Reflection;

// Fields the server sets itself (AIP-203 output-only); a value sent in them
// may be ignored rather than refused.
const std::set<std::string>& OutputOnlyNames() {
  static const auto* names = new std::set<std::string>{
      "client_id", "recorded_by", "author", "definition_version", "create_time", "update_time",
      "record_time", "withdraw_time", "revoke_time", "expire_time", "event_time", "loaded_at",
      "detected_at", "withdrawal_reason", "addenda",
      // A screening's: what the rules made of it, its inputs and reviews.
      "findings", "excluded_areas", "depth_limits", "inputs", "reviews", "screened_by",
      "answer_time", "reviewer", "review_time",
      // A transfer's: who sent and received it, and when.
      "sent_by", "send_time", "received_by", "receive_time"};
  return *names;
}

// Output-only fields whose name is an input elsewhere ("product" is what
// ReceiveStock receives), by full name. Newer contracts mark theirs with
// (clinic.v1.output_only) instead, which is read from the descriptor.
const std::set<std::string>& OutputOnlyFields() {
  static const auto* fields = new std::set<std::string>{"clinic.v1.TransferLine.product"};
  return *fields;
}

// Create methods whose caller chooses the new resource's name; elsewhere a
// name inside the created resource is output-only.
const std::set<std::string>& CallerNamedCreates() {
  static const auto* methods = new std::set<std::string>{"clinic.v1.Access.CreatePrincipal"};
  return *methods;
}

bool IsTimestamp(const FieldDescriptor* field) {
  return field->type() == FieldDescriptor::TYPE_MESSAGE &&
         field->message_type()->full_name() == "google.protobuf.Timestamp";
}

void Collect(const Descriptor* type, int depth, int max_depth, bool timestamps,
             std::vector<const FieldDescriptor*>& prefix, std::vector<FieldPath>& out) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    prefix.push_back(field);
    const bool wanted = timestamps ? IsTimestamp(field)
                                   : field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
                                         field->type() == FieldDescriptor::TYPE_STRING;
    if (wanted) {
      FieldPath path{prefix, ""};
      for (const FieldDescriptor* step : prefix) {
        absl::StrAppend(&path.dotted, path.dotted.empty() ? "" : ".", step->name());
      }
      out.push_back(std::move(path));
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE && !IsTimestamp(field) &&
               depth + 1 < max_depth && !field->is_map()) {
      Collect(field->message_type(), depth + 1, max_depth, timestamps, prefix, out);
    }
    prefix.pop_back();
  }
}

// The message holding the last step of `path`, created on the way.
Message* Holder(Message& request, const FieldPath& path) {
  Message* current = &request;
  for (size_t i = 0; i + 1 < path.steps.size(); ++i) {
    const FieldDescriptor* step = path.steps[i];
    const Reflection* reflection = current->GetReflection();
    if (step->is_repeated()) {
      current = reflection->FieldSize(*current, step) > 0
                    ? reflection->MutableRepeatedMessage(current, step, 0)
                    : reflection->AddMessage(current, step);
    } else {
      current = reflection->MutableMessage(current, step);
    }
  }
  return current;
}

std::string Serialize(const Message& message) {
  std::string bytes;
  message.SerializeToString(&bytes);
  return bytes;
}

std::set<grpc::StatusCode> With(std::set<grpc::StatusCode> codes, grpc::StatusCode code) {
  codes.insert(code);
  return codes;
}

void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

std::vector<FieldPath> StringFields(const Descriptor* request, int max_depth) {
  std::vector<const FieldDescriptor*> prefix;
  std::vector<FieldPath> out;
  Collect(request, 0, max_depth, false, prefix, out);
  return out;
}

std::vector<FieldPath> TimestampFields(const Descriptor* request, int max_depth) {
  std::vector<const FieldDescriptor*> prefix;
  std::vector<FieldPath> out;
  Collect(request, 0, max_depth, true, prefix, out);
  return out;
}

FieldRole RoleOf(const MethodDescriptor& method, const FieldPath& path,
                 const std::vector<std::string>& mask_paths) {
  const FieldDescriptor* leaf = path.leaf();
  const std::string& name = leaf->name();
  const bool nested = path.steps.size() >= 2;
  if (nested) {
    for (size_t i = 1; i < path.steps.size(); ++i) {
      if (path.steps[i]->options().GetExtension(v1::output_only) ||
          OutputOnlyNames().count(path.steps[i]->name()) > 0 ||
          OutputOnlyFields().count(path.steps[i]->full_name()) > 0) {
        return FieldRole::kIgnored;
      }
    }
    // The resource a call makes is marked new_resource in the contract
    // (contract_test checks Create..., Record... and Add... methods carry
    // it); its name and etag are the server's to give.
    const bool creates = path.steps[0]->options().GetExtension(v1::new_resource) ||
                         absl::StartsWith(method.name(), "Create") ||
                         absl::StartsWith(method.name(), "Record") ||
                         absl::StartsWith(method.name(), "Submit");
    if (creates && (name == "etag" ||
                    (name == "name" && CallerNamedCreates().count(method.full_name()) == 0))) {
      return FieldRole::kIgnored;
    }
    // AIP-134: fields outside the update mask are not read.
    if (!mask_paths.empty() &&
        path.steps[0]->message_type()->full_name() != "google.protobuf.FieldMask" &&
        name != "name" && name != "etag") {
      const std::string below = path.dotted.substr(path.steps[0]->name().size() + 1);
      const bool masked = std::any_of(mask_paths.begin(), mask_paths.end(), [&](const auto& p) {
        return below == p || absl::StartsWith(below, p + ".");
      });
      if (!masked) return FieldRole::kIgnored;
    }
  }
  // A request id is an opaque key the caller picks (AIP-155): any printable
  // value may be accepted.
  if (name == "request_id") return FieldRole::kFreeText;
  if (leaf->options().GetExtension(v1::resource_name) ||
      (!nested && (name == "name" || name == "parent")) || name == "page_token" || name == "etag" ||
      absl::EndsWith(name, "_id") ||
      leaf->containing_type()->full_name() == "google.protobuf.FieldMask") {
    return FieldRole::kIdentifier;
  }
  return FieldRole::kFreeText;
}

void SetString(Message& request, const FieldPath& path, const std::string& value) {
  Message* holder = Holder(request, path);
  const Reflection* reflection = holder->GetReflection();
  const FieldDescriptor* leaf = path.leaf();
  if (!leaf->is_repeated()) {
    reflection->SetString(holder, leaf, value);
  } else if (reflection->FieldSize(*holder, leaf) > 0) {
    reflection->SetRepeatedString(holder, leaf, 0, value);
  } else {
    reflection->AddString(holder, leaf, value);
  }
}

void SetTimestamp(Message& request, const FieldPath& path, int64_t seconds, int32_t nanos) {
  Message* holder = Holder(request, path);
  const Reflection* reflection = holder->GetReflection();
  const FieldDescriptor* leaf = path.leaf();
  Message* timestamp = leaf->is_repeated()
                           ? (reflection->FieldSize(*holder, leaf) > 0
                                  ? reflection->MutableRepeatedMessage(holder, leaf, 0)
                                  : reflection->AddMessage(holder, leaf))
                           : reflection->MutableMessage(holder, leaf);
  google::protobuf::Timestamp value;
  value.set_seconds(seconds);
  value.set_nanos(nanos);
  timestamp->CopyFrom(value);
}

std::set<grpc::StatusCode> RefusalCodes() {
  return {grpc::INVALID_ARGUMENT, grpc::FAILED_PRECONDITION, grpc::NOT_FOUND, grpc::OUT_OF_RANGE,
          grpc::PERMISSION_DENIED};
}

std::vector<HostileCase> StringCases(const MethodDescriptor& method, const Message& baseline,
                                     size_t oversized_bytes) {
  std::vector<std::string> mask_paths;
  if (const FieldDescriptor* mask = baseline.GetDescriptor()->FindFieldByName("update_mask");
      mask != nullptr && mask->type() == FieldDescriptor::TYPE_MESSAGE &&
      baseline.GetReflection()->HasField(baseline, mask)) {
    const Message& value = baseline.GetReflection()->GetMessage(baseline, mask);
    const FieldDescriptor* paths = value.GetDescriptor()->FindFieldByName("paths");
    for (int i = 0; i < value.GetReflection()->FieldSize(value, paths); ++i) {
      mask_paths.push_back(value.GetReflection()->GetRepeatedString(value, paths, i));
    }
  }
  // Written in C++ escapes so the source stays plain ASCII.
  const std::vector<std::pair<std::string, std::string>> syntax = {{"sql", "' OR 1=1 --"},
                                                                   {"quote", "\""},
                                                                   {"star", "*"},
                                                                   {"space", " "},
                                                                   {"fts-near", "NEAR("},
                                                                   {"like-escape", "%_\\"},
                                                                   {"path", "../../etc/passwd"},
                                                                   {"control",
                                                                    "a\x01"
                                                                    "b\x1b[2Jc\x7f"},
                                                                   {"bidi-override",
                                                                    "abc\xe2\x80\xae"
                                                                    "fed"}};
  std::vector<HostileCase> cases;
  for (const FieldPath& path : StringFields(method.input_type())) {
    const FieldRole role = RoleOf(method, path, mask_paths);
    std::set<grpc::StatusCode> refused = RefusalCodes();
    // AIP-154: a well-formed etag that does not match is ABORTED.
    if (path.leaf()->name() == "etag") refused.insert(grpc::ABORTED);
    const std::set<grpc::StatusCode> refused_or_ignored = With(refused, grpc::OK);
    // A field inside a well-known type (FieldMask.paths) is reported under
    // the field that holds it (update_mask).
    const bool well_known =
        path.steps.size() >= 2 &&
        absl::StartsWith(path.leaf()->containing_type()->full_name(), "google.protobuf.");
    const std::string named = path.steps[path.steps.size() - (well_known ? 2 : 1)]->name();
    auto add = [&](const std::string& variant, const std::string& bytes,
                   std::set<grpc::StatusCode> allowed, size_t hostile_size) {
      cases.push_back(
          HostileCase{path.dotted, named, variant, bytes, std::move(allowed), hostile_size, true});
    };

    std::unique_ptr<Message> request(baseline.New());
    request->CopyFrom(baseline);
    SetString(*request, path, std::string(oversized_bytes, 'x'));
    add("oversized", Serialize(*request),
        role == FieldRole::kIgnored ? refused_or_ignored : refused, oversized_bytes);

    // Protobuf refuses to serialize invalid UTF-8 in a proto3 string, so a
    // valid placeholder of the same length is swapped for it on the wire,
    // which keeps every enclosing length prefix right.
    const std::string placeholder = "HOSTILE-UTF8-PLACEHOLDER";
    std::string invalid = "bad\xff\xfe\xc3\x28\xed\xa0\x80\xc0\xaf";
    invalid.resize(placeholder.size(), 'x');
    request->CopyFrom(baseline);
    SetString(*request, path, placeholder);
    std::string bytes = Serialize(*request);
    const size_t at = bytes.find(placeholder);
    if (at != std::string::npos) {
      bytes.replace(at, placeholder.size(), invalid);
      add("invalid-utf8", bytes, {grpc::INVALID_ARGUMENT}, invalid.size());
    }

    for (const auto& [name, value] : syntax) {
      request->CopyFrom(baseline);
      SetString(*request, path, value);
      std::set<grpc::StatusCode> allowed = refused;
      if (role == FieldRole::kIgnored || (role == FieldRole::kFreeText && name != "control")) {
        allowed = refused_or_ignored;
      }
      // AIP-134: "*" as an update mask replaces the whole resource.
      if (well_known &&
          path.leaf()->containing_type()->full_name() == "google.protobuf.FieldMask" &&
          name == "star") {
        allowed = refused_or_ignored;
      }
      add("syntax:" + name, Serialize(*request), allowed, 0);
    }
  }
  return cases;
}

std::vector<HostileCase> TimestampCases(const MethodDescriptor& method, const Message& baseline) {
  struct Value {
    std::string name;
    int64_t seconds;
    int32_t nanos;
    bool valid_timestamp;  // within 0001-01-01..9999-12-31, nanos in [0, 1e9)
  };
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const std::vector<Value> values = {
      {"int64-max", std::numeric_limits<int64_t>::max(), 0, false},
      {"int64-min", std::numeric_limits<int64_t>::min(), 0, false},
      {"year-10000", 253402300800, 0, false},
      {"nanos-1e9", now, 1000000000, false},
      {"nanos-negative", now, -1, false},
      {"year-3000", 32503680000, 0, true},
  };
  std::vector<HostileCase> cases;
  for (const FieldPath& path : TimestampFields(method.input_type())) {
    const FieldRole role = RoleOf(method, path, {});
    // A top-level Timestamp of a request is a query bound: any valid time is
    // a legitimate bound. Inside a resource it says when something happened,
    // and the future beyond any clock skew is refused.
    const bool query_bound = path.steps.size() == 1;
    for (const Value& value : values) {
      std::unique_ptr<Message> request(baseline.New());
      request->CopyFrom(baseline);
      SetTimestamp(*request, path, value.seconds, value.nanos);
      std::set<grpc::StatusCode> allowed = RefusalCodes();
      if (role == FieldRole::kIgnored || (value.valid_timestamp && query_bound)) {
        allowed.insert(grpc::OK);
      }
      cases.push_back(HostileCase{path.dotted, path.leaf()->name(), "ts:" + value.name,
                                  Serialize(*request), allowed, 0, true});
    }
  }
  return cases;
}

std::vector<HostileCase> UnparseableCases(const Message& baseline, uint32_t seed) {
  std::vector<std::pair<std::string, std::string>> blobs;
  std::mt19937 random(seed);
  for (size_t size : {7, 33, 100}) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xff);
    blobs.emplace_back(absl::StrCat("random-", size, "-bytes"), bytes);
  }
  const std::string whole = Serialize(baseline);
  std::set<size_t> cuts;
  for (size_t cut : {size_t{1}, whole.size() / 3, whole.size() / 2, whole.size() - 1}) {
    if (cut > 0 && cut < whole.size()) cuts.insert(cut);
  }
  for (size_t cut : cuts) {
    blobs.emplace_back(absl::StrCat("truncated-", cut, "-of-", whole.size()), whole.substr(0, cut));
  }
  std::vector<HostileCase> cases;
  for (auto& [name, bytes] : blobs) {
    std::unique_ptr<Message> parsed(baseline.New());
    if (parsed->ParseFromString(bytes)) {
      // Valid after all: an ordinary request, answered or refused cleanly.
      cases.push_back(HostileCase{"(request)", "", name + "(parses)", bytes,
                                  With(RefusalCodes(), grpc::OK), 0, false});
    } else {
      cases.push_back(HostileCase{
          "(request)", "", name, bytes, {grpc::INVALID_ARGUMENT, grpc::INTERNAL}, 0, false});
    }
  }
  return cases;
}

HostileCase OverLimitCase(const Message& baseline, size_t limit) {
  // The baseline followed by an unknown length-delimited field (number 999)
  // that brings the whole to one byte over the limit: a valid encoding, so
  // only its size can be the reason to refuse it.
  const std::string whole = Serialize(baseline);
  std::string bytes;
  for (size_t header = 3; header <= 8 && bytes.size() != limit + 1; ++header) {
    if (whole.size() + header > limit + 1) break;
    const size_t filler = limit + 1 - whole.size() - header;
    bytes = whole;
    AppendVarint(bytes, (999u << 3) | 2u);
    AppendVarint(bytes, filler);
    bytes.append(filler, 'x');
  }
  return HostileCase{"(request)",
                     "",
                     absl::StrCat("over-limit-", limit + 1, "-bytes"),
                     bytes,
                     {grpc::RESOURCE_EXHAUSTED},
                     0,
                     false,
                     false};
}

}  // namespace clinic::hostile
