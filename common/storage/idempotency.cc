#include "common/storage/idempotency.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/hash.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace clinic::storage {
namespace {

constexpr char kFindSql[] =
    "SELECT fingerprint, response FROM request_log "
    "WHERE method = ? AND caller = ? AND request_id = ?";
constexpr char kInsertSql[] =
    "INSERT INTO request_log (method, caller, request_id, fingerprint, response, created_at_ms) "
    "VALUES (?, ?, ?, ?, ?, ?)";

// Deterministic serialization, so map fields in any order fingerprint alike.
std::string Fingerprint(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
}

}  // namespace

absl::Status ValidateRequestId(absl::string_view request_id, bool required) {
  if (request_id.empty()) {
    return required ? InvalidField("request_id",
                                   "is required so a retry cannot act twice; send a new UUID "
                                   "per call and the same one when retrying")
                    : absl::OkStatus();
  }
  if (IsWellFormedRequestId(request_id)) return absl::OkStatus();
  if (request_id.size() > kMaxRequestIdBytes) {
    return InvalidField("request_id",
                        absl::StrCat("is ", request_id.size(), " characters long; at most ",
                                     kMaxRequestIdBytes, " are allowed"));
  }
  return InvalidField("request_id", "may hold only printable ASCII characters, no spaces");
}

void CheckRequestId(absl::string_view request_id, std::vector<FieldViolation>& out) {
  const absl::Status status = ValidateRequestId(request_id, /*required=*/true);
  for (FieldViolation& violation : GetFieldViolations(status)) out.push_back(std::move(violation));
}

IdempotentCall::IdempotentCall(absl::string_view method, absl::string_view caller,
                               absl::string_view request_id,
                               const google::protobuf::Message& request)
    : method_(method),
      caller_(caller),
      request_id_(request_id),
      fingerprint_(Fingerprint(request)) {}

absl::StatusOr<bool> IdempotentCall::Replay(Connection& connection,
                                            google::protobuf::Message* response) const {
  if (request_id_.empty()) return false;
  SQLite::Statement& find = connection.Prepare(kFindSql);
  find.bind(1, method_);
  find.bind(2, caller_);
  find.bind(3, request_id_);
  if (!find.executeStep()) return false;
  const SQLite::Column fingerprint = find.getColumn(0);
  const std::string stored(static_cast<const char*>(fingerprint.getBlob()),
                           static_cast<size_t>(fingerprint.getBytes()));
  if (stored != fingerprint_) {
    return InvalidField("request_id",
                        absl::StrCat("\"", request_id_,
                                     "\" was already used for a different request; use a new "
                                     "request_id for a new request"));
  }
  const SQLite::Column bytes = find.getColumn(1);
  if (!response->ParseFromArray(bytes.getBlob(), bytes.getBytes())) {
    return absl::DataLossError(
        absl::StrCat("the stored response for request_id \"", request_id_, "\" is unreadable"));
  }
  return true;
}

absl::Status IdempotentCall::Remember(Connection& connection,
                                      const google::protobuf::Message& response) const {
  if (request_id_.empty()) return absl::OkStatus();
  const std::string bytes = response.SerializeAsString();
  SQLite::Statement& insert = connection.Prepare(kInsertSql);
  insert.bind(1, method_);
  insert.bind(2, caller_);
  insert.bind(3, request_id_);
  insert.bind(4, fingerprint_.data(), static_cast<int>(fingerprint_.size()));
  insert.bind(5, bytes.data(), static_cast<int>(bytes.size()));
  insert.bind(6, static_cast<int64_t>(absl::ToUnixMillis(absl::Now())));
  insert.exec();
  return absl::OkStatus();
}

absl::Status WriteOnce(Database& database, absl::string_view method, absl::string_view caller,
                       absl::string_view request_id, const google::protobuf::Message& request,
                       google::protobuf::Message* response,
                       absl::FunctionRef<absl::Status(Connection&)> body) {
  const IdempotentCall call(method, caller, request_id, request);
  return database.Write([&](Connection& connection) -> absl::Status {
    absl::StatusOr<bool> replayed = call.Replay(connection, response);
    if (!replayed.ok()) return replayed.status();
    if (*replayed) return absl::OkStatus();
    if (absl::Status status = body(connection); !status.ok()) return status;
    return call.Remember(connection, *response);
  });
}

std::string DerivedRequestId(absl::string_view caller, absl::string_view request_id,
                             absl::string_view step) {
  // Lengths first, so no two (caller, id, step) triples hash the same text.
  const std::string digest =
      Sha256Hex(absl::StrCat(caller.size(), ":", caller, request_id.size(), ":", request_id, step));
  return absl::StrCat(step, "-", digest.substr(0, 32));
}

absl::StatusOr<bool> DoneBefore(Database& database, absl::string_view method,
                                absl::string_view caller, absl::string_view request_id,
                                const google::protobuf::Message& request,
                                google::protobuf::Message* response) {
  const IdempotentCall call(method, caller, request_id, request);
  bool done = false;
  absl::Status status = database.Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<bool> replayed = call.Replay(connection, response);
    if (!replayed.ok()) return replayed.status();
    done = *replayed;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return done;
}

}  // namespace clinic::storage
