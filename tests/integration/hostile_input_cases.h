// The hostile inputs of the hostile-input suite (hostile_input_test.cc), built
// from a method's request descriptor alone, so a new RPC or field is covered
// without editing anything: every string and Timestamp field reachable in the
// request gets hostile values, and the whole request is replaced by random,
// truncated and over-limit bytes. Each case carries what the server must
// answer, stated here once so every RPC is held to the same contract.
#ifndef CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_CASES_H_
#define CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_CASES_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace clinic::hostile {

// How the server must treat a field's value, judged from its name and place.
enum class FieldRole {
  kIdentifier,  // names something (resource names, ids, tokens, etags, masks)
  kFreeText,    // words a person typed; syntax characters are legitimate
  kIgnored,     // output-only, or outside the update mask: may be ignored
};

// A string or Timestamp field reachable from the request, e.g.
// "client.address.lines" (repeated fields get one element).
struct FieldPath {
  std::vector<const google::protobuf::FieldDescriptor*> steps;
  std::string dotted;  // "client.address.lines"
  const google::protobuf::FieldDescriptor* leaf() const { return steps.back(); }
};

// Every string field (kind == STRING) or Timestamp field, recursing into
// message fields up to `max_depth` levels below the request.
std::vector<FieldPath> StringFields(const google::protobuf::Descriptor* request, int max_depth = 3);
std::vector<FieldPath> TimestampFields(const google::protobuf::Descriptor* request,
                                       int max_depth = 3);

// The role of `path` in a request to `method`, whose baseline sets
// `mask_paths` in its update_mask (empty when it has none).
FieldRole RoleOf(const google::protobuf::MethodDescriptor& method, const FieldPath& path,
                 const std::vector<std::string>& mask_paths);

// Sets the string at `path`, creating messages and one repeated element on the
// way (the first element when there already is one).
void SetString(google::protobuf::Message& request, const FieldPath& path, const std::string& value);
// Sets the Timestamp at `path` to {seconds, nanos}.
void SetTimestamp(google::protobuf::Message& request, const FieldPath& path, int64_t seconds,
                  int32_t nanos);

// What one hostile case sends and what the server must answer.
struct HostileCase {
  std::string field;                   // dotted path, or "(request)" for whole-request bytes
  std::string leaf;                    // the proto field name an error must name; "" for none
  std::string variant;                 // e.g. "oversized", "syntax:sql", "ts:year-3000"
  std::string bytes;                   // the serialized request, possibly not a valid message
  std::set<grpc::StatusCode> allowed;  // OK included when acceptance is legitimate
  size_t hostile_size = 0;             // size of the hostile value, to spot it echoed in a response
  bool must_name_field = false;        // INVALID_ARGUMENT must name `leaf`
  // False where gRPC's core refuses the call before any server code runs (a
  // message over the limit is dropped before the call is handed to the
  // interceptors, unauthenticated), so no audit event can exist.
  bool audited = true;
};

// The codes a refusal of a well-formed but unacceptable request may carry.
std::set<grpc::StatusCode> RefusalCodes();

// Hostile values for every string field of `baseline`: oversized (of
// `oversized_bytes`), invalid UTF-8 (encoded on the wire by hand, as protobuf
// refuses to serialize it) and syntax-laden values.
std::vector<HostileCase> StringCases(const google::protobuf::MethodDescriptor& method,
                                     const google::protobuf::Message& baseline,
                                     size_t oversized_bytes);

// Out-of-range and edge Timestamps for every Timestamp field of `baseline`.
std::vector<HostileCase> TimestampCases(const google::protobuf::MethodDescriptor& method,
                                        const google::protobuf::Message& baseline);

// Seeded random bytes and truncated serializations of `baseline` as the whole
// request. Bytes that do not parse as the request type must be refused with
// INVALID_ARGUMENT or INTERNAL; bytes that happen to parse are an ordinary
// request.
std::vector<HostileCase> UnparseableCases(const google::protobuf::Message& baseline, uint32_t seed);

// Plausible requests in text format by the RPC's full name
// ("clinic.v1.ClientRecords.GetClient"), so a hostile value is the only thing
// wrong with a call. {placeholders} name records the suite creates first
// (hostile_input_baselines.cc). An RPC missing here starts from an empty
// request.
const std::map<std::string, std::string>& Baselines();

// One request exactly `limit` + 1 bytes long: RESOURCE_EXHAUSTED.
HostileCase OverLimitCase(const google::protobuf::Message& baseline, size_t limit);

}  // namespace clinic::hostile

#endif  // CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_CASES_H_
