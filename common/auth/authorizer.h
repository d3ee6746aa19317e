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

  // The person whose roles decide, besides the caller's own on_behalf grants
  // (Authorize): the person's when acting for one.
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

// The permissions `role` lets its holder exercise for another principal
// (clinic.v1.RoleGrants.on_behalf).
const std::set<v1::Permission>& OnBehalfGrants(v1::Role role);

// Whether `permission` may ever be exercised on behalf of someone: not
// PERMISSION_ACCESS_ADMIN (principals, roles and tokens), whatever the grants
// say.
bool IsDelegable(v1::Permission permission);

// Whether `roles` let their holder exercise `permission` for another
// principal at `site_id` (the caller's half of the intersection).
bool HoldsOnBehalf(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
                   v1::Permission permission, absl::string_view site_id, bool chain_wide);

// Whether `roles` grant `permission` at `site_id`. An empty `site_id` asks
// for "at some site" or, with `chain_wide`, for a chain-wide binding.
bool Holds(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
           v1::Permission permission, absl::string_view site_id, bool chain_wide);

// The value of the string field at dotted `path` in `request` ("" when a
// message on the way is unset). INTERNAL when the path does not name a string
// field, which contract_test rules out.
// The site id a site-owned resource name starts with ("sites/{site_id}/..."),
// empty when `name` does not start with "sites/". For site_in_name policies.
absl::string_view SiteOfName(absl::string_view name);

absl::StatusOr<std::string> FieldAt(const google::protobuf::Message& request,
                                    absl::string_view path);

// What Authorize decided, for the audit trail.
struct Decision {
  absl::Status status;  // OK or PERMISSION_DENIED
  std::string site_id;  // the site the request names, when its policy has one
};

// Whether `identity` may make the call `method` with `request` (nullptr for a
// request not yet known, which only checks methods without a site field).
// Acting for someone (identity.on_behalf_of) needs PERMISSION_ACT_ON_BEHALF
// on every RPC, and is allowed only a delegable permission that both the
// caller's on_behalf grants and the person's roles give at the site.
Decision Authorize(const Identity& identity, const MethodPolicy& method,
                   const google::protobuf::Message* request);

// Resource names longer than this are never written to the audit trail.
inline constexpr size_t kMaxAuditedNameBytes = 200;
// What starts the audit trail's stand-in for a value that is not a resource
// name; no real name starts so, so no record's trail ever matches it.
inline constexpr char kMalformedNameMarker[] = "malformed:";

// What the audit trail records for a resource name a call carried: the name
// when well-formed (resource_name.h IsWellFormedResourceName, at most
// kMaxAuditedNameBytes), otherwise kMalformedNameMarker and a short quote of it
// (text.h Quote, giving its length), so a huge or hostile value cannot bloat
// or pollute the trail.
std::string AuditedResourceName(absl::string_view value);

// Where CollectResourceNames looks.
enum class NameSource {
  // A request: every field but those marked (clinic.v1.new_resource),
  // whose names are output only or not yet anyone's.
  kRequest,
  // Every field, however deep: what the server resolved and returned.
  kResponse,
};

// The values of fields marked (clinic.v1.resource_name) in `message`, as
// AuditedResourceName records them, in order, without repeats, until `out`
// holds `limit`.
void CollectResourceNames(const google::protobuf::Message& message, NameSource source, size_t limit,
                          std::vector<std::string>& out);

}  // namespace clinic::auth

#endif  // CLINIC_COMMON_AUTH_AUTHORIZER_H_
