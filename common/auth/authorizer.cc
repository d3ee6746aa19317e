#include "common/auth/authorizer.h"

#include <google/protobuf/reflection.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/core/resource_name.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic::auth {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 8;

std::string ScopeText(absl::string_view site_id, bool chain_wide) {
  if (!site_id.empty()) return absl::StrCat("at site ", Quote(site_id));
  return chain_wide ? "chain-wide" : "at any site";
}

void Collect(const Message& message, size_t limit, int depth, NameSource source,
             std::vector<std::string>& out) {
  if (depth > kMaxDepth || out.size() >= limit) return;
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (out.size() >= limit) return;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        field->options().GetExtension(v1::resource_name)) {
      auto add = [&](const std::string& value) {
        if (value.empty() || out.size() >= limit) return;
        std::string name = AuditedResourceName(value);
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
      };
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          add(reflection->GetRepeatedString(message, field, i));
        }
      } else {
        add(reflection->GetString(message, field));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_map()) {
      if (source == NameSource::kRequest && field->options().GetExtension(v1::new_resource)) {
        continue;
      }
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          Collect(reflection->GetRepeatedMessage(message, field, i), limit, depth + 1, source, out);
        }
      } else {
        Collect(reflection->GetMessage(message, field), limit, depth + 1, source, out);
      }
    }
  }
}

}  // namespace

absl::optional<MethodPolicy> FindMethodPolicy(absl::string_view path) {
  // "/clinic.v1.ClientRecords/GetClient" -> "clinic.v1.ClientRecords.GetClient"
  if (path.size() < 2 || path[0] != '/') return absl::nullopt;
  std::string full_name(path.substr(1));
  const size_t slash = full_name.find('/');
  if (slash == std::string::npos) return absl::nullopt;
  full_name[slash] = '.';
  const auto* method = DescriptorPool::generated_pool()->FindMethodByName(full_name);
  if (method == nullptr) return absl::nullopt;
  MethodPolicy found;
  found.method = method;
  found.policy = method->options().GetExtension(v1::policy);
  return found;
}

namespace {

// Role number -> permissions, from the grants option of each Role value.
using GrantTable = std::map<int, std::set<v1::Permission>>;

const GrantTable& BuildTable(bool on_behalf) {
  auto* table = new GrantTable();
  const auto* roles = v1::Role_descriptor();
  for (int i = 0; i < roles->value_count(); ++i) {
    const auto* value = roles->value(i);
    const v1::RoleGrants& grants = value->options().GetExtension(v1::grants);
    auto& permissions = (*table)[value->number()];
    for (int p : on_behalf ? grants.on_behalf() : grants.permissions()) {
      permissions.insert(static_cast<v1::Permission>(p));
    }
  }
  return *table;
}

const std::set<v1::Permission>& Lookup(const GrantTable& table, v1::Role role) {
  static const std::set<v1::Permission> kNone;
  auto it = table.find(role);
  return it == table.end() ? kNone : it->second;
}

bool HoldsBy(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
             v1::Permission permission, absl::string_view site_id, bool chain_wide,
             const std::set<v1::Permission>& (*grants)(v1::Role)) {
  for (const v1::RoleBinding& binding : roles) {
    if (grants(binding.role()).count(permission) == 0) continue;
    if (binding.site_id().empty()) return true;
    if (chain_wide) continue;
    if (site_id.empty() || binding.site_id() == site_id) return true;
  }
  return false;
}

}  // namespace

const std::set<v1::Permission>& Grants(v1::Role role) {
  static const GrantTable& table = BuildTable(/*on_behalf=*/false);
  return Lookup(table, role);
}

const std::set<v1::Permission>& OnBehalfGrants(v1::Role role) {
  static const GrantTable& table = BuildTable(/*on_behalf=*/true);
  return Lookup(table, role);
}

bool IsDelegable(v1::Permission permission) { return permission != v1::PERMISSION_ACCESS_ADMIN; }

bool Holds(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
           v1::Permission permission, absl::string_view site_id, bool chain_wide) {
  return HoldsBy(roles, permission, site_id, chain_wide, &Grants);
}

bool HoldsOnBehalf(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
                   v1::Permission permission, absl::string_view site_id, bool chain_wide) {
  return IsDelegable(permission) &&
         HoldsBy(roles, permission, site_id, chain_wide, &OnBehalfGrants);
}

absl::string_view SiteOfName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "sites/")) return {};
  return name.substr(0, name.find('/'));
}

absl::StatusOr<std::string> FieldAt(const Message& request, absl::string_view path) {
  const Message* message = &request;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const Descriptor* descriptor = message->GetDescriptor();
    const FieldDescriptor* field = descriptor->FindFieldByName(std::string(parts[i]));
    if (field == nullptr || field->is_repeated()) {
      return absl::InternalError(
          absl::StrCat("site field \"", path, "\" is not a field of ", descriptor->full_name()));
    }
    const Reflection* reflection = message->GetReflection();
    if (i + 1 == parts.size()) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        return absl::InternalError(absl::StrCat("site field \"", path, "\" is not a string"));
      }
      return reflection->GetString(*message, field);
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InternalError(absl::StrCat("site field \"", path, "\" is not a message path"));
    }
    if (!reflection->HasField(*message, field)) return std::string();
    message = &reflection->GetMessage(*message, field);
  }
  return std::string();
}

Decision Authorize(const Identity& identity, const MethodPolicy& method, const Message* request) {
  Decision decision;
  const v1::MethodPolicy& policy = method.policy;
  const std::string& rpc = method.method->full_name();
  if (policy.permission() == v1::PERMISSION_UNSPECIFIED) {
    decision.status = WithReason(
        absl::PermissionDeniedError(absl::StrCat(
            rpc, " declares no permission, so it is refused to everyone (deny by default)")),
        "NO_POLICY", "clinic.v1");
    return decision;
  }
  if (!policy.site_field().empty() && request != nullptr) {
    absl::StatusOr<std::string> site = FieldAt(*request, policy.site_field());
    if (!site.ok()) {
      decision.status = site.status();
      return decision;
    }
    decision.site_id = policy.site_in_name() ? std::string(SiteOfName(*site)) : *site;
  }
  // A chain_wide policy asks for a chain-wide binding whatever the request
  // names; otherwise only an empty site with empty_site_means_every_site does.
  const bool chain_wide =
      policy.chain_wide() || (decision.site_id.empty() && !policy.site_field().empty() &&
                              policy.empty_site_means_every_site());
  const std::string& permission = v1::Permission_Name(policy.permission());
  const std::string scope = ScopeText(decision.site_id, chain_wide);
  // Acting for someone needs the service role on every RPC, WhoAmI included,
  // so the header means the same thing everywhere.
  if (identity.on_behalf_of && !Holds(identity.principal.roles(), v1::PERMISSION_ACT_ON_BEHALF,
                                      decision.site_id, chain_wide)) {
    decision.status = WithReason(
        absl::PermissionDeniedError(absl::StrCat(
            identity.principal.name(), " may not act on behalf of ", identity.on_behalf_of->name(),
            " ", scope, ": that needs PERMISSION_ACT_ON_BEHALF (the service role)")),
        "PERMISSION_MISSING", "clinic.v1");
    return decision;
  }
  if (policy.permission() == v1::PERMISSION_AUTHENTICATED) return decision;

  if (identity.on_behalf_of) {
    if (!IsDelegable(policy.permission())) {
      decision.status = WithReason(
          absl::PermissionDeniedError(absl::StrCat(
              rpc, " needs ", permission, ", which is never exercised on behalf of someone: ",
              identity.principal.name(), " may not do it for ", identity.on_behalf_of->name(),
              "; the person must call directly")),
          "NOT_DELEGABLE", "clinic.v1");
      return decision;
    }
    // At most what both may do: the service's own delegable grants and the
    // person's, each at the site the request names.
    if (!HoldsOnBehalf(identity.principal.roles(), policy.permission(), decision.site_id,
                       chain_wide)) {
      decision.status = WithReason(absl::PermissionDeniedError(absl::StrCat(
                                       identity.principal.name(), " may not exercise ", permission,
                                       " ", scope, " on behalf of anyone, which ", rpc, " needs")),
                                   "PERMISSION_MISSING", "clinic.v1");
      return decision;
    }
  }
  if (!Holds(identity.effective().roles(), policy.permission(), decision.site_id, chain_wide)) {
    if (policy.chain_wide() && Holds(identity.effective().roles(), policy.permission(),
                                     /*site_id=*/"", /*chain_wide=*/false)) {
      // Said apart, so a holder bound to a site learns why its binding is
      // not enough; one that holds the permission nowhere is told that.
      decision.status = WithReason(
          absl::PermissionDeniedError(absl::StrCat(
              identity.effective().name(), " lacks ", permission, " chain-wide, which ", rpc,
              " needs: the permission must be held chain-wide (by a role bound to no site), "
              "whatever the request names")),
          "CHAIN_WIDE_PERMISSION_MISSING", "clinic.v1");
      return decision;
    }
    decision.status = WithReason(
        absl::PermissionDeniedError(absl::StrCat(identity.effective().name(), " lacks ", permission,
                                                 " ", scope, ", which ", rpc, " needs")),
        "PERMISSION_MISSING", "clinic.v1");
  }
  return decision;
}

std::string AuditedResourceName(absl::string_view value) {
  if (IsWellFormedResourceName(value, kMaxAuditedNameBytes)) return std::string(value);
  return absl::StrCat(kMalformedNameMarker, Quote(value, 40));
}

void CollectResourceNames(const Message& message, NameSource source, size_t limit,
                          std::vector<std::string>& out) {
  Collect(message, limit, 0, source, out);
}

}  // namespace clinic::auth
