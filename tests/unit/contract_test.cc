// Checks over every RPC of every service, walked from the generated
// descriptor pool so a new service or RPC is covered without touching this
// file: each declares the permission it
// needs, and a declared site field exists and is a string.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "absl/strings/str_split.h"
#include "clinic/v1/access.pb.h"
#include "clinic/v1/options.pb.h"
#include "google/protobuf/descriptor.h"
#include "tests/testing/contracts.h"

namespace clinic {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

std::vector<const MethodDescriptor*> EveryMethod() { return clinic::testing::EveryClinicRpc(); }

// clinic_proto is linked whole, so every service compiled from proto/ is
// here; a service proto that went missing would shrink the count.
TEST(ContractTest, EveryServiceOfTheContractsIsChecked) {
  std::set<std::string> services;
  for (const auto* service : clinic::testing::EveryClinicService()) {
    services.insert(service->full_name());
  }
  EXPECT_THAT(services,
              ::testing::IsSupersetOf({"clinic.v1.Access", "clinic.v1.Audit",
                                       "clinic.v1.ClientRecords", "clinic.v1.TreatmentCatalog"}));
}

// The kit (common/server/service_kit.h) serves unary and server-streaming
// RPCs (docs/decisions/0011-server-streaming.md); nothing streams from the
// caller, whose messages after the first would pass the access step
// unchecked.
TEST(ContractTest, NoRpcStreamsFromTheCaller) {
  for (const MethodDescriptor* method : EveryMethod()) {
    EXPECT_FALSE(method->client_streaming()) << method->full_name();
  }
}

TEST(ContractTest, EveryRpcDeclaresItsPermission) {
  const auto methods = EveryMethod();
  EXPECT_GE(methods.size(), 21u);
  for (const MethodDescriptor* method : methods) {
    const v1::MethodPolicy& policy = method->options().GetExtension(v1::policy);
    EXPECT_NE(policy.permission(), v1::PERMISSION_UNSPECIFIED)
        << method->full_name() << " declares no permission";
    EXPECT_TRUE(v1::Permission_IsValid(policy.permission())) << method->full_name();
  }
}

TEST(ContractTest, DeclaredSiteFieldsAreStringFieldsOfTheRequest) {
  for (const MethodDescriptor* method : EveryMethod()) {
    const std::string& path = method->options().GetExtension(v1::policy).site_field();
    if (path.empty()) continue;
    const google::protobuf::Descriptor* message = method->input_type();
    const FieldDescriptor* field = nullptr;
    for (absl::string_view part : absl::StrSplit(path, '.')) {
      ASSERT_NE(message, nullptr) << method->full_name() << ": " << path;
      field = message->FindFieldByName(std::string(part));
      ASSERT_NE(field, nullptr) << method->full_name() << ": no field " << part << " in " << path;
      message = field->message_type();
    }
    EXPECT_EQ(field->type(), FieldDescriptor::TYPE_STRING) << method->full_name() << ": " << path;
  }
}

TEST(ContractTest, EverySiteScopeFlagHasASiteField) {
  for (const MethodDescriptor* method : EveryMethod()) {
    const v1::MethodPolicy& policy = method->options().GetExtension(v1::policy);
    if (policy.empty_site_means_every_site()) {
      EXPECT_FALSE(policy.site_field().empty()) << method->full_name();
    }
    // A site read from a name needs a name: a field marked resource_name,
    // which the audit trail records and the handler parses strictly.
    if (policy.site_in_name()) {
      ASSERT_FALSE(policy.site_field().empty()) << method->full_name();
      const FieldDescriptor* field = method->input_type()->FindFieldByName(policy.site_field());
      ASSERT_NE(field, nullptr) << method->full_name();
      EXPECT_TRUE(field->options().GetExtension(v1::resource_name)) << method->full_name();
    }
  }
}

// chain_wide asks for a chain-wide binding whatever the request names, so a
// site field beside it could only mislead: a reader would think a holder at
// that site may call. empty_site_means_every_site is then redundant too.
TEST(ContractTest, ChainWideRpcsNameNoSite) {
  int chain_wide = 0;
  for (const MethodDescriptor* method : EveryMethod()) {
    const v1::MethodPolicy& policy = method->options().GetExtension(v1::policy);
    if (!policy.chain_wide()) continue;
    ++chain_wide;
    EXPECT_TRUE(policy.site_field().empty()) << method->full_name();
    EXPECT_FALSE(policy.empty_site_means_every_site()) << method->full_name();
  }
  EXPECT_GE(chain_wide, 9);
}

// An RPC needing an administrative permission that names no site acts on the
// whole chain, so a holder bound to one site must not call it.
TEST(ContractTest, AdministrativeRpcsWithoutASiteAreChainWide) {
  for (const MethodDescriptor* method : EveryMethod()) {
    const v1::MethodPolicy& policy = method->options().GetExtension(v1::policy);
    const auto* permission = v1::Permission_descriptor()->FindValueByNumber(policy.permission());
    ASSERT_NE(permission, nullptr) << method->full_name();
    if (!permission->options().GetExtension(v1::administrative)) continue;
    EXPECT_TRUE(policy.chain_wide() || !policy.site_field().empty())
        << method->full_name() << " needs " << permission->name()
        << " but is neither chain_wide nor scoped by a site field";
  }
}

// What is implied for granting must itself be administrative and must not
// imply itself; only administrative permissions carry the implication.
TEST(ContractTest, ImpliedPermissionsAreAdministrative) {
  const auto* permissions = v1::Permission_descriptor();
  for (int i = 0; i < permissions->value_count(); ++i) {
    const auto& options = permissions->value(i)->options();
    const v1::Permission implied_by = options.GetExtension(v1::implied_by_chain_wide);
    if (implied_by == v1::PERMISSION_UNSPECIFIED) continue;
    EXPECT_TRUE(options.GetExtension(v1::administrative)) << permissions->value(i)->name();
    EXPECT_NE(implied_by, permissions->value(i)->number()) << permissions->value(i)->name();
    const auto* by = permissions->FindValueByNumber(implied_by);
    ASSERT_NE(by, nullptr) << permissions->value(i)->name();
    EXPECT_TRUE(by->options().GetExtension(v1::administrative)) << by->name();
  }
}

// Only reads that show nothing about clients, stock, money or access may
// skip the audit trail: those needing only the catalog or authentication,
// and the RPCs named here, each for the reason given. Naming RPCs rather
// than allowing their permission keeps a later RPC under the same
// permission (a client's screenings) audited unless it is named too.
TEST(ContractTest, OnlyHarmlessRpcsAreExemptFromAudit) {
  const std::set<std::string> named = {
      // The questions of a loaded definition, the same for every client and
      // naming none: what the catalog serves unaudited, in another shape.
      "clinic.v1.Screening.GetQuestionnaire",
  };
  std::set<std::string> seen;
  for (const MethodDescriptor* method : EveryMethod()) {
    const v1::MethodPolicy& policy = method->options().GetExtension(v1::policy);
    if (!policy.audit_exempt()) continue;
    if (named.count(method->full_name()) > 0) {
      seen.insert(method->full_name());
      continue;
    }
    EXPECT_TRUE(policy.permission() == v1::PERMISSION_CATALOG_READ ||
                policy.permission() == v1::PERMISSION_AUTHENTICATED)
        << method->full_name() << " is audit_exempt but needs "
        << v1::Permission_Name(policy.permission());
  }
  // A name left here after its RPC became audited would exempt whatever
  // next took that name.
  EXPECT_EQ(seen, named) << "an RPC named as harmless is not audit_exempt or does not exist";
}

// The audit trail lists the records a call touched by the fields marked
// resource_name; a request's name or parent that is not marked would be
// missing from it.
TEST(ContractTest, RequestNamesAndParentsAreMarkedAsResourceNames) {
  for (const MethodDescriptor* method : EveryMethod()) {
    for (const char* field_name : {"name", "parent"}) {
      const FieldDescriptor* field = method->input_type()->FindFieldByName(field_name);
      if (field == nullptr) continue;
      EXPECT_TRUE(field->options().GetExtension(v1::resource_name))
          << method->input_type()->full_name() << "." << field_name;
    }
  }
}

// A method that makes a resource (Create..., Record..., Add...) carries it in
// a message field marked new_resource, so the output-only name a caller may
// put in it is not audited as a resource the call touched. Only fields that
// hold a resource (a message with a name) count: an amount or a line to add
// names nothing of its own, and what it refers to (a treatment record) is
// rightly audited.
TEST(ContractTest, ResourcesBeingMadeAreMarkedNewResource) {
  int checked = 0;
  for (const MethodDescriptor* method : EveryMethod()) {
    const std::string& name = method->name();
    if (name.rfind("Create", 0) != 0 && name.rfind("Record", 0) != 0 && name.rfind("Add", 0) != 0) {
      continue;
    }
    for (int i = 0; i < method->input_type()->field_count(); ++i) {
      const FieldDescriptor* field = method->input_type()->field(i);
      if (field->message_type() == nullptr ||
          field->message_type()->full_name().rfind("google.protobuf.", 0) == 0 ||
          field->message_type()->FindFieldByName("name") == nullptr) {
        continue;
      }
      ++checked;
      EXPECT_TRUE(field->options().GetExtension(v1::new_resource))
          << method->input_type()->full_name() << "." << field->name();
    }
  }
  EXPECT_GE(checked, 5);
}

// Principal management is never delegable, whatever a role's grants say, and
// nothing administrative is exercised for someone else: a service role stays
// a way to do operational work for a person, which is why an access admin may
// give it (docs/decisions/0006-who-may-grant-what.md).
TEST(ContractTest, NoRoleGrantsAdministrativePermissionsOnBehalfOfOthers) {
  const auto* roles = v1::Role_descriptor();
  for (int i = 0; i < roles->value_count(); ++i) {
    for (int permission : roles->value(i)->options().GetExtension(v1::grants).on_behalf()) {
      EXPECT_NE(permission, v1::PERMISSION_ACCESS_ADMIN) << roles->value(i)->name();
      EXPECT_NE(permission, v1::PERMISSION_ACT_ON_BEHALF) << roles->value(i)->name();
      const auto* value = v1::Permission_descriptor()->FindValueByNumber(permission);
      ASSERT_NE(value, nullptr) << roles->value(i)->name();
      EXPECT_FALSE(value->options().GetExtension(v1::administrative))
          << roles->value(i)->name() << " lets a holder exercise " << value->name()
          << " for others";
    }
  }
}

// A chain-wide-only role is only worth its flag if it grants something
// administrative; and PERMISSION_ACCESS_ADMIN, which makes admins, must only
// come from chain-wide roles, so no site-bound principal manages access.
TEST(ContractTest, AccessAdminComesOnlyFromChainWideOnlyRoles) {
  const auto* roles = v1::Role_descriptor();
  for (int i = 0; i < roles->value_count(); ++i) {
    const auto& grants = roles->value(i)->options().GetExtension(v1::grants);
    for (int permission : grants.permissions()) {
      if (permission == v1::PERMISSION_ACCESS_ADMIN) {
        EXPECT_TRUE(grants.chain_wide_only()) << roles->value(i)->name();
      }
    }
  }
}

TEST(ContractTest, EveryRoleGrantsSomething) {
  const auto* roles = v1::Role_descriptor();
  for (int i = 0; i < roles->value_count(); ++i) {
    const auto* value = roles->value(i);
    const auto& grants = value->options().GetExtension(v1::grants);
    if (value->number() == v1::ROLE_UNSPECIFIED) {
      EXPECT_EQ(grants.permissions_size(), 0);
    } else {
      EXPECT_GT(grants.permissions_size(), 0) << value->name();
    }
  }
}

}  // namespace
}  // namespace clinic
