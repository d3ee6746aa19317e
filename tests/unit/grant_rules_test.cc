// Who may give which role and who may take over or lock out whom, as
// common/auth/grant_rules.h decides from the contracts: an access admin gives
// a role only where it is one, and never more administrative power than it
// holds there; a chain-wide access admin can give every role everywhere.
#include "common/auth/grant_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "clinic/v1/billing.pb.h"
#include "common/core/status.h"

namespace clinic::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSite[] = "london-soho";
constexpr char kOtherSite[] = "new-york-soho";

v1::RoleBinding Binding(v1::Role role, const std::string& site = "") {
  v1::RoleBinding binding;
  binding.set_role(role);
  binding.set_site_id(site);
  return binding;
}

v1::Principal WithRoles(const std::string& name, const std::vector<v1::RoleBinding>& roles) {
  v1::Principal principal;
  principal.set_name(name);
  for (const v1::RoleBinding& binding : roles) *principal.add_roles() = binding;
  return principal;
}

Identity Caller(const std::vector<v1::RoleBinding>& roles) {
  Identity identity;
  identity.principal = WithRoles("staff/caller", roles);
  identity.authenticated_by = "token";
  return identity;
}

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : GetFieldViolations(status)) fields.push_back(v.field);
  return fields;
}

const std::vector<v1::Role>& EveryRole() {
  static const auto* roles = new std::vector<v1::Role>{
      v1::ROLE_CHAIN_ADMIN,   v1::ROLE_SITE_MANAGER,    v1::ROLE_PRACTITIONER, v1::ROLE_FRONT_DESK,
      v1::ROLE_BILLING_CLERK, v1::ROLE_INVENTORY_CLERK, v1::ROLE_AUDITOR,      v1::ROLE_SERVICE};
  return *roles;
}

TEST(GrantRulesTest, AdministrativePermissionsAndChainWideRolesComeFromTheContracts) {
  std::vector<v1::Permission> administrative;
  for (int i = 0; i < v1::Permission_descriptor()->value_count(); ++i) {
    const auto permission =
        static_cast<v1::Permission>(v1::Permission_descriptor()->value(i)->number());
    if (IsAdministrative(permission)) administrative.push_back(permission);
  }
  EXPECT_THAT(administrative, ElementsAre(v1::PERMISSION_PLUGINS_ADMIN, v1::PERMISSION_ACCESS_ADMIN,
                                          v1::PERMISSION_AUDIT_READ, v1::PERMISSION_ACT_ON_BEHALF));
  for (v1::Role role : EveryRole()) {
    EXPECT_EQ(IsChainWideOnly(role), role == v1::ROLE_CHAIN_ADMIN) << v1::Role_Name(role);
  }
  EXPECT_THAT(AdministrativeGrants(v1::ROLE_PRACTITIONER), IsEmpty());
  EXPECT_THAT(AdministrativeGrants(v1::ROLE_SITE_MANAGER), ElementsAre(v1::PERMISSION_AUDIT_READ));
  EXPECT_THAT(AdministrativeGrants(v1::ROLE_SERVICE), ElementsAre(v1::PERMISSION_ACT_ON_BEHALF));
}

TEST(GrantRulesTest, HeldToGrantAtASiteOrChainWideAndActingForOthersThroughChainWideAccessAdmin) {
  const v1::Principal site_admin = WithRoles("staff/a", {Binding(v1::ROLE_CHAIN_ADMIN, kSite)});
  EXPECT_TRUE(HoldsToGrant(site_admin.roles(), v1::PERMISSION_AUDIT_READ, kSite));
  EXPECT_FALSE(HoldsToGrant(site_admin.roles(), v1::PERMISSION_AUDIT_READ, kOtherSite));
  EXPECT_FALSE(HoldsToGrant(site_admin.roles(), v1::PERMISSION_AUDIT_READ, ""));
  // Acting for others is implied only by PERMISSION_ACCESS_ADMIN held
  // chain-wide, not at one site.
  EXPECT_FALSE(HoldsToGrant(site_admin.roles(), v1::PERMISSION_ACT_ON_BEHALF, kSite));
  const v1::Principal admin = WithRoles("staff/b", {Binding(v1::ROLE_CHAIN_ADMIN)});
  EXPECT_TRUE(HoldsToGrant(admin.roles(), v1::PERMISSION_ACT_ON_BEHALF, ""));
  EXPECT_TRUE(HoldsToGrant(admin.roles(), v1::PERMISSION_ACT_ON_BEHALF, kOtherSite));
  // The implication is for granting only: a chain admin still may not act
  // for anyone (Holds, which calls use, says no).
  EXPECT_FALSE(Holds(admin.roles(), v1::PERMISSION_ACT_ON_BEHALF, "", true));
  const v1::Principal service = WithRoles("service/s", {Binding(v1::ROLE_SERVICE, kSite)});
  EXPECT_TRUE(HoldsToGrant(service.roles(), v1::PERMISSION_ACT_ON_BEHALF, kSite));
  EXPECT_FALSE(HoldsToGrant(service.roles(), v1::PERMISSION_ACT_ON_BEHALF, ""));
}

// The escalation this closes: chain_admin held at one site making a
// chain-wide chain admin.
TEST(GrantRulesTest, ASiteBoundAdminCannotGrantChainWideOrElsewhere) {
  const Identity caller = Caller({Binding(v1::ROLE_CHAIN_ADMIN, kSite)});
  const absl::Status chain_wide = CheckPrincipalChange(
      caller, nullptr, WithRoles("staff/new", {Binding(v1::ROLE_CHAIN_ADMIN)}));
  EXPECT_EQ(chain_wide.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Fields(chain_wide), ElementsAre("principal.roles[0]"));
  EXPECT_THAT(std::string(chain_wide.message()),
              HasSubstr("PERMISSION_ACCESS_ADMIN chain-wide (and 2 more)"));
  const absl::Status elsewhere = CheckPrincipalChange(
      caller, nullptr,
      WithRoles("staff/new",
                {Binding(v1::ROLE_FRONT_DESK, kSite), Binding(v1::ROLE_PRACTITIONER, kOtherSite)}));
  EXPECT_EQ(elsewhere.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Fields(elsewhere), ElementsAre("principal.roles[1]"));
  EXPECT_THAT(std::string(elsewhere.message()),
              HasSubstr("PERMISSION_ACCESS_ADMIN at site \"new-york-soho\""));
  // At its own site it may give operational roles, and administrative ones
  // whose permissions it holds there.
  EXPECT_TRUE(CheckPrincipalChange(caller, nullptr,
                                   WithRoles("staff/new", {Binding(v1::ROLE_PRACTITIONER, kSite),
                                                           Binding(v1::ROLE_SITE_MANAGER, kSite),
                                                           Binding(v1::ROLE_AUDITOR, kSite)}))
                  .ok());
}

TEST(GrantRulesTest, AnAdministrativeRoleNeedsItsPermissionsHeldThere) {
  const Identity caller = Caller({Binding(v1::ROLE_CHAIN_ADMIN, kSite)});
  const absl::Status service = CheckPrincipalChange(
      caller, nullptr, WithRoles("service/kiosk", {Binding(v1::ROLE_SERVICE, kSite)}));
  EXPECT_EQ(service.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Fields(service), ElementsAre("principal.roles[0]"));
  EXPECT_THAT(std::string(service.message()),
              HasSubstr("granting ROLE_SERVICE at site \"london-soho\" needs "
                        "PERMISSION_ACT_ON_BEHALF at site \"london-soho\""));
  // Taking a role away is held to the same rule.
  const v1::Principal before =
      WithRoles("staff/boss", {Binding(v1::ROLE_AUDITOR), Binding(v1::ROLE_FRONT_DESK, kSite)});
  const v1::Principal after = WithRoles("staff/boss", {Binding(v1::ROLE_FRONT_DESK, kSite)});
  const absl::Status removed = CheckPrincipalChange(caller, &before, after);
  EXPECT_EQ(removed.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Fields(removed), ElementsAre("principal.roles"));
  EXPECT_THAT(std::string(removed.message()), HasSubstr("taking away ROLE_AUDITOR chain-wide"));
}

TEST(GrantRulesTest, NoAccessAdminGrantsNothing) {
  const Identity manager = Caller({Binding(v1::ROLE_SITE_MANAGER, kSite)});
  const absl::Status refused = CheckPrincipalChange(
      manager, nullptr, WithRoles("staff/new", {Binding(v1::ROLE_FRONT_DESK, kSite)}));
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Fields(refused), ElementsAre("principal.roles[0]"));
}

TEST(GrantRulesTest, AChainWideAdminGrantsEveryRoleAtEveryScope) {
  const Identity admin = Caller({Binding(v1::ROLE_CHAIN_ADMIN)});
  for (v1::Role role : EveryRole()) {
    for (const char* site : {"", kSite, kOtherSite}) {
      const v1::Principal none = WithRoles("staff/x", {});
      const v1::Principal some = WithRoles("staff/x", {Binding(role, site)});
      EXPECT_TRUE(CheckPrincipalChange(admin, nullptr, some).ok()) << v1::Role_Name(role) << site;
      EXPECT_TRUE(CheckPrincipalChange(admin, &some, none).ok()) << v1::Role_Name(role) << site;
      v1::Principal disabled = some;
      disabled.set_disabled(true);
      EXPECT_TRUE(CheckPrincipalChange(admin, &some, disabled).ok()) << v1::Role_Name(role);
      EXPECT_TRUE(CheckMayControl(admin, some, "principal", "issuing a token for").ok());
    }
  }
}

TEST(GrantRulesTest, ALesserAdminCannotLockOutOrTakeOverAGreaterOne) {
  const Identity caller = Caller({Binding(v1::ROLE_CHAIN_ADMIN, kSite)});
  const v1::Principal boss = WithRoles("staff/boss", {Binding(v1::ROLE_CHAIN_ADMIN)});
  v1::Principal disabled = boss;
  disabled.set_disabled(true);
  const absl::Status lockout = CheckPrincipalChange(caller, &boss, disabled);
  EXPECT_EQ(lockout.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Fields(lockout), ElementsAre("principal.disabled"));
  EXPECT_THAT(std::string(lockout.message()), HasSubstr("disabling staff/boss needs"));
  v1::Principal recertified = boss;
  recertified.set_certificate_common_name("mine.example");
  EXPECT_THAT(Fields(CheckPrincipalChange(caller, &boss, recertified)),
              ElementsAre("principal.certificate_common_name"));
  const absl::Status token = CheckMayControl(caller, boss, "principal", "issuing a token for");
  EXPECT_EQ(token.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Fields(token), ElementsAre("principal"));
  // A renamed display name is not a takeover; a principal with operational
  // roles at the caller's site may be disabled.
  v1::Principal renamed = boss;
  renamed.set_display_name("The Boss");
  EXPECT_TRUE(CheckPrincipalChange(caller, &boss, renamed).ok());
  const v1::Principal nurse = WithRoles("staff/nurse", {Binding(v1::ROLE_PRACTITIONER, kSite)});
  v1::Principal nurse_disabled = nurse;
  nurse_disabled.set_disabled(true);
  EXPECT_TRUE(CheckPrincipalChange(caller, &nurse, nurse_disabled).ok());
}

TEST(GrantRulesTest, NeverOnSomeonesBehalf) {
  Identity service = Caller({Binding(v1::ROLE_SERVICE)});
  service.on_behalf_of = WithRoles("staff/root", {Binding(v1::ROLE_CHAIN_ADMIN)});
  const v1::Principal nobody = WithRoles("staff/x", {});
  EXPECT_EQ(CheckPrincipalChange(service, nullptr, nobody).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckMayControl(service, nobody, "principal", "issuing a token for").code(),
            absl::StatusCode::kPermissionDenied);
}

// Authorize enforces MethodPolicy.chain_wide: a binding at the site the
// request names is not enough.
TEST(GrantRulesTest, ChainWidePoliciesNeedAChainWideBinding) {
  auto method = FindMethodPolicy("/clinic.v1.Access/IssueToken");
  ASSERT_TRUE(method.has_value());
  ASSERT_TRUE(method->policy.chain_wide());
  const Decision site = Authorize(Caller({Binding(v1::ROLE_CHAIN_ADMIN, kSite)}), *method, nullptr);
  EXPECT_EQ(site.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(site.status.message()), HasSubstr("must be held chain-wide"));
  EXPECT_EQ(GetReason(site.status), "CHAIN_WIDE_PERMISSION_MISSING");
  EXPECT_TRUE(Authorize(Caller({Binding(v1::ROLE_CHAIN_ADMIN)}), *method, nullptr).status.ok());
  // Held nowhere, not even at a site: the plain refusal, not a hint that a
  // chain-wide binding of the same role would do.
  const Decision nowhere =
      Authorize(Caller({Binding(v1::ROLE_PRACTITIONER, kSite)}), *method, nullptr);
  EXPECT_EQ(nowhere.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetReason(nowhere.status), "PERMISSION_MISSING");
  EXPECT_THAT(std::string(nowhere.status.message()),
              HasSubstr("lacks PERMISSION_ACCESS_ADMIN chain-wide, which"));
}

// Authorize reads the site of a site_in_name policy from the name: a
// clerk bound to one site reaches that site's invoices only.
TEST(GrantRulesTest, ASiteReadFromANameScopesTheCall) {
  EXPECT_EQ(SiteOfName("sites/london-soho/invoices/01J"), "london-soho");
  EXPECT_EQ(SiteOfName("sites/london-soho"), "london-soho");
  EXPECT_EQ(SiteOfName("clients/01J"), "");
  EXPECT_EQ(SiteOfName("sites/"), "");
  auto method = FindMethodPolicy("/clinic.v1.Billing/GetInvoice");
  ASSERT_TRUE(method.has_value());
  ASSERT_TRUE(method->policy.site_in_name());
  const Identity clerk = Caller({Binding(v1::ROLE_BILLING_CLERK, kSite)});
  v1::GetInvoiceRequest own, other;
  own.set_name(absl::StrCat("sites/", kSite, "/invoices/01J"));
  other.set_name("sites/elsewhere/invoices/01J");
  const Decision at_own = Authorize(clerk, *method, &own);
  EXPECT_TRUE(at_own.status.ok()) << at_own.status;
  EXPECT_EQ(at_own.site_id, kSite);
  const Decision at_other = Authorize(clerk, *method, &other);
  EXPECT_EQ(at_other.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(at_other.site_id, "elsewhere");
}

}  // namespace
}  // namespace clinic::auth
