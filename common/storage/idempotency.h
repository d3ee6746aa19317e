// Idempotency by request_id: a retried call returns the response of the first
// one and writes nothing new; the same request_id with a different request is
// refused. The request and its response are recorded in the same transaction
// as the write itself, so a crash can never leave one without the other.
// Stores use it inside Database::Write for every create and state change.
#ifndef CLINIC_COMMON_STORAGE_IDEMPOTENCY_H_
#define CLINIC_COMMON_STORAGE_IDEMPOTENCY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/core/status.h"
#include "common/storage/database.h"
#include "google/protobuf/message.h"

namespace clinic::storage {

// The table every store that takes request ids creates in its migrations. A
// request id belongs to the caller that sent it (see IdempotentCall), as
// payment APIs scope idempotency keys per account.
inline constexpr char kRequestLogSchema[] = R"sql(
CREATE TABLE request_log (
  method TEXT NOT NULL,
  caller TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (method, caller, request_id)
) WITHOUT ROWID;
)sql";

// The table as stores created it before request ids were scoped by caller.
// Only for the migrations that shipped with it, which must never change; a
// later migration of that store rebuilds it as kRequestLogSchema.
inline constexpr char kRequestLogSchemaUnscoped[] = R"sql(
CREATE TABLE request_log (
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (method, request_id)
) WITHOUT ROWID;
)sql";

// Checks a request_id field: 1 to 128 printable ASCII characters without
// spaces (a UUID is typical). Empty is allowed only when not `required`.
absl::Status ValidateRequestId(absl::string_view request_id, bool required);

// The same check for a required request_id, as a violation added to `out`,
// so a handler's one answer names every bad field of the request.
void CheckRequestId(absl::string_view request_id, std::vector<FieldViolation>& out);

// The request id a service sends with the call it makes to another for
// `step` (e.g. "consume", "charge") of the request `caller` sent with
// `request_id`: the same every time that request is retried, so the other
// service's own idempotency makes the whole chain happen once. Shaped as
// ValidateRequestId wants: "{step}-" and 32 hex digits of SHA-256.
std::string DerivedRequestId(absl::string_view caller, absl::string_view request_id,
                             absl::string_view step);

// Whether this exact request was done before, with `response` filled in
// when it was; a read, for a handler that must know before it calls other
// services. Same rules as IdempotentCall::Replay.
absl::StatusOr<bool> DoneBefore(Database& database, absl::string_view method,
                                absl::string_view caller, absl::string_view request_id,
                                const google::protobuf::Message& request,
                                google::protobuf::Message* response);

class IdempotentCall {
 public:
  // `method` (e.g. "clinic.v1.ClientRecords/CreateClient") and `caller`
  // scope the id: the same id from another caller is another request, so
  // one caller can neither replay nor block another's. `caller` is who is
  // accountable for the call (server::RequestScope: the principal, and the
  // person when acting for one). `request` is fingerprinted as a whole,
  // request_id included.
  IdempotentCall(absl::string_view method, absl::string_view caller, absl::string_view request_id,
                 const google::protobuf::Message& request);

  // True, with `response` filled in, when this exact request was done before.
  // INVALID_ARGUMENT naming request_id when the id was used for a different
  // request. Always false when the request_id is empty.
  absl::StatusOr<bool> Replay(Connection& connection, google::protobuf::Message* response) const;

  // Records the response; call last, in the same transaction as the write.
  absl::Status Remember(Connection& connection, const google::protobuf::Message& response) const;

 private:
  std::string method_;
  std::string caller_;
  std::string request_id_;
  std::string fingerprint_;
};

// The usual shape of an idempotent write: in one transaction, replay the
// earlier response when this request was already done; otherwise run `body`,
// which fills `response`, and record it. A store method is then just its body.
absl::Status WriteOnce(Database& database, absl::string_view method, absl::string_view caller,
                       absl::string_view request_id, const google::protobuf::Message& request,
                       google::protobuf::Message* response,
                       absl::FunctionRef<absl::Status(Connection&)> body);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_IDEMPOTENCY_H_
