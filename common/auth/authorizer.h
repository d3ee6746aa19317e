// Authorization: the decision an RPC's declared policy (clinic.v1.policy on
// the method, clinic.v1.grants on each role) gives for an authenticated
// caller and a request. Everything here is read from the descriptors, so the
// contracts stay the single statement of who may do what.
#ifndef CLINIC_COMMON_AUTH_AUTHORIZER_H_
#define CLINIC_COMMON_AUTH_AUTHORIZER_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "clinic/v1/access.pb.h"
#include "clinic/v1/options.pb.h"

namespace clinic::auth {

// Who a call was authenticated as.
struct Identity {
  // The caller.
  v1::Principal principal;
  // The principal a service acts for (x-clinic-on-behalf-of), when any.
  absl::optional<v1::Principal> on_behalf_of;
  // "token" or "certificate".
  std::string authenticated_by;

  // The roles that decide: the person's when acting for one.
  const v1::Principal& effective() const { return on_behalf_of ? *on_behalf_of : principal; }
};

// A Clinic Core RPC and its declared policy.
struct MethodPolicy {
  const google::protobuf::MethodDescriptor* method = nullptr;
  v1::MethodPolicy policy;
};

// The policy of `path` ("/clinic.v1.ClientRecords/GetClient"), or nullopt
// when the path names no method in the linked-in contracts.
absl::optional<MethodPolicy> FindMethodPolicy(absl::string_view path);

// The permissions `role` grants.
const std::set<v1::Permission>& Grants(v1::Role role);

// Whether `roles` grant `permission` at `site_id`. An empty `site_id` asks
// for "at some site" or, with `chain_wide`, for a chain-wide binding.
bool Holds(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
           v1::Permission permission, absl::string_view site_id, bool chain_wide);

// The value of the string field at dotted `path` in `request` ("" when a
// message on the way is unset). INTERNAL when the path does not name a string
// field, which contract_test rules out.
absl::StatusOr<std::string> FieldAt(const google::protobuf::Message& request,
                                    absl::string_view path);

// What Authorize decided, for the audit trail.
struct Decision {
  absl::Status status;  // OK or PERMISSION_DENIED
  std::string site_id;  // the site the request names, when its policy has one
};

// Whether `identity` may make the call `method` with `request` (nullptr for a
// request not yet known, which only checks methods without a site field).
Decision Authorize(const Identity& identity, const MethodPolicy& method,
                   const google::protobuf::Message* request);

// The string values of fields marked (clinic.v1.resource_name) in `message`
// and the messages inside it, in order, without repeats, at most `limit`.
void CollectResourceNames(const google::protobuf::Message& message, size_t limit,
                          std::vector<std::string>& out);

}  // namespace clinic::auth

#endif  // CLINIC_COMMON_AUTH_AUTHORIZER_H_
