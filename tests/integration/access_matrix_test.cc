// Authorization and audit over every RPC of every hosted service, taken from
// the server's own list and the descriptors, so a new RPC is covered (and
// must be placed in the table below) without anything else changing:
//   every role, held at the caller's own site, at another site, or
//   chain-wide, is allowed exactly where the table says, and refused with
//   PERMISSION_DENIED elsewhere; no token, a revoked token or a forged one is
//   UNAUTHENTICATED everywhere. Also: services acting for a person, and the
//   audit trail a read leaves.
#include <gmock/gmock.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "common/auth/access_store.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "services/clinicd/all_services.h"
#include "tests/integration/access_scopes.h"
#include "tests/testing/access_env.h"
#include "tests/testing/rpc_call.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::EveryClinicRpc;
using clinic::testing::IntendedScope;
using clinic::testing::IntendedScopes;
using clinic::testing::SiteScope;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using ::testing::Contains;
using ::testing::SizeIs;

constexpr char kOwnSite[] = "london-soho";
constexpr char kOtherSite[] = "new-york-soho";

const std::vector<v1::Role>& EveryRole() {
  static const auto* roles = new std::vector<v1::Role>{
      v1::ROLE_CHAIN_ADMIN,   v1::ROLE_SITE_MANAGER,    v1::ROLE_PRACTITIONER, v1::ROLE_FRONT_DESK,
      v1::ROLE_BILLING_CLERK, v1::ROLE_INVENTORY_CLERK, v1::ROLE_AUDITOR,      v1::ROLE_SERVICE};
  return *roles;
}

// Who may call what: the intent, written out independently of the grants in
// access.proto, so a change to either shows up here.
const std::map<std::string, std::set<v1::Role>>& Intended() {
  using R = v1::Role;
  const std::set<R> everyone(EveryRole().begin(), EveryRole().end());
  const std::set<R> admin = {v1::ROLE_CHAIN_ADMIN};
  const std::set<R> find_clients = {v1::ROLE_CHAIN_ADMIN, v1::ROLE_SITE_MANAGER,
                                    v1::ROLE_PRACTITIONER, v1::ROLE_FRONT_DESK,
                                    v1::ROLE_BILLING_CLERK};
  const std::set<R> edit_clients = {v1::ROLE_SITE_MANAGER, v1::ROLE_PRACTITIONER,
                                    v1::ROLE_FRONT_DESK};
  const std::set<R> clinical = {v1::ROLE_PRACTITIONER};
  const std::set<R> audit = {v1::ROLE_CHAIN_ADMIN, v1::ROLE_SITE_MANAGER, v1::ROLE_AUDITOR};
  const std::set<R> stock_read = {v1::ROLE_SITE_MANAGER, v1::ROLE_PRACTITIONER,
                                  v1::ROLE_INVENTORY_CLERK};
  const std::set<R> stock_keep = {v1::ROLE_SITE_MANAGER, v1::ROLE_INVENTORY_CLERK};
  // Money: the desk and the billing clerk take it, the manager also gives it
  // back and sets prices; the practitioner only charges what was given.
  const std::set<R> billing = {v1::ROLE_SITE_MANAGER, v1::ROLE_FRONT_DESK, v1::ROLE_BILLING_CLERK};
  const std::set<R> manager = {v1::ROLE_SITE_MANAGER};
  const std::set<R> charge = {v1::ROLE_SITE_MANAGER, v1::ROLE_FRONT_DESK, v1::ROLE_BILLING_CLERK,
                              v1::ROLE_PRACTITIONER};
  static const auto* table = new std::map<std::string, std::set<R>>{
      {"clinic.v1.TreatmentCatalog.ListTreatmentTypes", everyone},
      {"clinic.v1.TreatmentCatalog.GetTreatmentType", everyone},
      {"clinic.v1.TreatmentCatalog.ListPluginProblems", everyone},
      {"clinic.v1.TreatmentCatalog.GetTreatmentTypeVersion", everyone},
      {"clinic.v1.TreatmentCatalog.ListTreatmentTypeVersions", everyone},
      {"clinic.v1.TreatmentCatalog.ReloadPlugins", admin},
      {"clinic.v1.Access.WhoAmI", everyone},
      {"clinic.v1.Access.CreatePrincipal", admin},
      {"clinic.v1.Access.GetPrincipal", admin},
      {"clinic.v1.Access.ListPrincipals", admin},
      {"clinic.v1.Access.UpdatePrincipal", admin},
      {"clinic.v1.Access.IssueToken", admin},
      {"clinic.v1.Access.ListTokens", admin},
      {"clinic.v1.Access.RevokeToken", admin},
      {"clinic.v1.Audit.ListAuditEvents", audit},
      {"clinic.v1.Audit.VerifyAuditLog", audit},
      {"clinic.v1.ClientRecords.CreateClient", edit_clients},
      {"clinic.v1.ClientRecords.GetClient", find_clients},
      {"clinic.v1.ClientRecords.UpdateClient", edit_clients},
      {"clinic.v1.ClientRecords.ListClients", find_clients},
      {"clinic.v1.ClientRecords.SearchClients", find_clients},
      {"clinic.v1.ClientRecords.ArchiveClient", edit_clients},
      {"clinic.v1.ClientRecords.RestoreClient", edit_clients},
      {"clinic.v1.ClientRecords.GetMedicalHistory", clinical},
      {"clinic.v1.ClientRecords.UpdateMedicalHistory", clinical},
      {"clinic.v1.ClientRecords.ListMedicalHistoryVersions", clinical},
      {"clinic.v1.ClientRecords.RecordConsent", clinical},
      {"clinic.v1.ClientRecords.WithdrawConsent", clinical},
      {"clinic.v1.ClientRecords.ListConsents",
       {v1::ROLE_SITE_MANAGER, v1::ROLE_PRACTITIONER, v1::ROLE_FRONT_DESK}},
      {"clinic.v1.ClientRecords.CreateTreatmentRecord", clinical},
      {"clinic.v1.ClientRecords.GetTreatmentRecord", clinical},
      {"clinic.v1.ClientRecords.ListTreatmentRecords", clinical},
      {"clinic.v1.ClientRecords.AddTreatmentRecordAddendum", clinical},
      // A recall's notices are written for whoever recalls; reading them is
      // reading the chart.
      {"clinic.v1.ClientRecords.RecordLotRecall", stock_keep},
      {"clinic.v1.ClientRecords.ListLotRecallNotices", clinical},
      // A questionnaire is catalog data; screenings are clinical.
      {"clinic.v1.Screening.GetQuestionnaire", everyone},
      {"clinic.v1.Screening.SubmitScreening", clinical},
      {"clinic.v1.Screening.GetScreening", clinical},
      {"clinic.v1.Screening.ListScreenings", clinical},
      {"clinic.v1.Screening.ReviewScreening", clinical},
      {"clinic.v1.Screening.CheckEligibility", clinical},
      // Stock is kept by the clerk and the manager; practitioners see it and
      // consume it for treatments; traces name clients, so they are clinical.
      {"clinic.v1.Inventory.CreateProduct", stock_keep},
      {"clinic.v1.Inventory.GetProduct", stock_read},
      {"clinic.v1.Inventory.UpdateProduct", stock_keep},
      {"clinic.v1.Inventory.ListProducts", stock_read},
      {"clinic.v1.Inventory.GetLot", stock_read},
      {"clinic.v1.Inventory.ListLots", stock_read},
      {"clinic.v1.Inventory.ReceiveStock", stock_keep},
      {"clinic.v1.Inventory.ConsumeStock", clinical},
      {"clinic.v1.Inventory.ConsumeTreatmentStock", clinical},
      {"clinic.v1.Inventory.AdjustStock", stock_keep},
      {"clinic.v1.Inventory.QuarantineStock", stock_keep},
      {"clinic.v1.Inventory.ReleaseStock", stock_keep},
      {"clinic.v1.Inventory.DisposeStock", stock_keep},
      {"clinic.v1.Inventory.CountStock", stock_keep},
      {"clinic.v1.Inventory.SendTransfer", stock_keep},
      {"clinic.v1.Inventory.ReceiveTransfer", stock_keep},
      {"clinic.v1.Inventory.GetTransfer", stock_read},
      {"clinic.v1.Inventory.ListTransfers", stock_read},
      {"clinic.v1.Inventory.RecallLot", stock_keep},
      {"clinic.v1.Inventory.TraceLot", clinical},
      {"clinic.v1.Inventory.ListClientConsumptions", clinical},
      {"clinic.v1.Inventory.GetMovement", stock_read},
      {"clinic.v1.Inventory.ListMovements", stock_read},
      {"clinic.v1.Inventory.ListStock", stock_read},
      {"clinic.v1.Inventory.SetReorderPoint", stock_keep},
      {"clinic.v1.Inventory.ListLowStock", stock_read},
      {"clinic.v1.Inventory.ListExpiringStock", stock_read},
      {"clinic.v1.Inventory.WatchAlerts", stock_read},
      {"clinic.v1.Billing.SetTaxRate", manager},
      {"clinic.v1.Billing.ListTaxRates", billing},
      {"clinic.v1.Billing.SetPrice", manager},
      {"clinic.v1.Billing.ListPrices", billing},
      {"clinic.v1.Billing.CreatePackagePlan", manager},
      {"clinic.v1.Billing.ListPackagePlans", billing},
      {"clinic.v1.Billing.CreateInvoice", billing},
      {"clinic.v1.Billing.GetInvoice", billing},
      {"clinic.v1.Billing.ListInvoices", billing},
      {"clinic.v1.Billing.AddInvoiceLines", billing},
      {"clinic.v1.Billing.RemoveInvoiceLine", billing},
      {"clinic.v1.Billing.IssueInvoice", billing},
      {"clinic.v1.Billing.VoidInvoice", billing},
      {"clinic.v1.Billing.RecordPayment", billing},
      {"clinic.v1.Billing.RefundPayment", manager},
      {"clinic.v1.Billing.GetPayment", billing},
      {"clinic.v1.Billing.ListPayments", billing},
      {"clinic.v1.Billing.IssueCreditNote", manager},
      {"clinic.v1.Billing.GetCreditNote", billing},
      {"clinic.v1.Billing.ListCreditNotes", billing},
      {"clinic.v1.Billing.SellPackage", billing},
      {"clinic.v1.Billing.GetPackage", billing},
      {"clinic.v1.Billing.ListPackages", billing},
      {"clinic.v1.Billing.RedeemPackage", charge},
      {"clinic.v1.Billing.ChargeTreatment", charge},
      {"clinic.v1.Billing.GetClientStatement", billing},
      {"clinic.v1.Billing.GetDailyTakings", billing},
      {"clinic.v1.Billing.GetRevenueReport", billing},
  };
  return *table;
}

TEST(AccessScopeTest, EveryRpcDeclaresTheSiteScopeWrittenHere) {
  const auto methods = EveryClinicRpc();
  std::set<std::string> seen;
  for (const MethodDescriptor* method : methods) {
    seen.insert(method->full_name());
    const SiteScope intended = IntendedScope(method);
    const v1::MethodPolicy& policy = method->options().GetExtension(v1::policy);
    EXPECT_EQ(policy.site_field(), intended.site_field) << method->full_name();
    EXPECT_EQ(policy.empty_site_means_every_site(), intended.empty_means_every_site)
        << method->full_name();
    EXPECT_EQ(policy.chain_wide(), intended.chain_wide) << method->full_name();
    EXPECT_EQ(policy.site_in_name(), intended.in_name) << method->full_name();
    EXPECT_EQ(Intended().count(method->full_name()), 1u)
        << method->full_name() << " is not in the access matrix";
  }
  for (const auto& [name, scope] : IntendedScopes()) {
    EXPECT_EQ(seen.count(name), 1u) << name << " is in the table but in no linked service";
  }
}

enum class Scope { kAtOwnSite, kAtOtherSite, kChainWide };

std::string ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kAtOwnSite:
      return "own site";
    case Scope::kAtOtherSite:
      return "other site";
    case Scope::kChainWide:
      return "chain-wide";
  }
  return "";
}

// Sets the string field at dotted `path`, creating messages on the way.
void SetField(Message& message, const std::string& path, const std::string& value) {
  Message* current = &message;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = current->GetDescriptor()->FindFieldByName(parts[i]);
    ASSERT_NE(field, nullptr) << path;
    if (i + 1 == parts.size()) {
      current->GetReflection()->SetString(current, field, value);
    } else {
      current = current->GetReflection()->MutableMessage(current, field);
    }
  }
}

class AccessMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    for (const char* site : {kOwnSite, kOtherSite}) {
      config.mutable_chain()->add_sites()->set_site_id(site);
    }
    auto server = server::Server::Start(config, clinic::AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    generic_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  std::string Token(const std::string& principal, const std::vector<v1::RoleBinding>& roles) {
    return clinic::testing::IssueTestToken(data_.path(), principal, roles);
  }

  // Calls `method` with `request` as the holder of `token` (none when
  // empty), optionally on behalf of `person`. A server-streaming RPC counts
  // as allowed once its stream opens (rpc_call.h).
  grpc::Status Call(const MethodDescriptor* method, const Message& request,
                    const std::string& token, const std::string& person = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) clinic::testing::AddToken(context, token);
    if (!person.empty()) context.AddMetadata("x-clinic-on-behalf-of", person);
    return clinic::testing::CallRpc(*generic_, context, *method, request.SerializeAsString())
        .status;
  }

  // Every RPC of every hosted service.
  std::vector<const MethodDescriptor*> Methods() {
    std::vector<const MethodDescriptor*> methods;
    for (const std::string& name : server_->service_names()) {
      const auto* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      EXPECT_NE(service, nullptr) << name;
      if (service == nullptr) continue;
      for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
    }
    return methods;
  }

  std::unique_ptr<Message> Request(const MethodDescriptor* method, const std::string& site) {
    std::unique_ptr<Message> request(google::protobuf::MessageFactory::generated_factory()
                                         ->GetPrototype(method->input_type())
                                         ->New());
    const SiteScope scope = IntendedScope(method);
    if (!scope.site_field.empty()) {
      SetField(*request, scope.site_field,
               scope.in_name ? "sites/" + site + "/records/01J0000000000000000000000" : site);
    }
    return request;
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> generic_;
  std::map<std::string, std::string> tokens_;
};

// clinicd's list (AllServices) hosts every service of the contracts, so
// the matrix below covers them all; the contracts are linked in whole.
TEST_F(AccessMatrixTest, ClinicdHostsEveryServiceOfTheContracts) {
  std::set<std::string> declared;
  for (const auto* service : clinic::testing::EveryClinicService()) {
    declared.insert(service->full_name());
  }
  const std::vector<std::string> hosted = server_->service_names();
  EXPECT_EQ(std::set<std::string>(hosted.begin(), hosted.end()), declared);
  EXPECT_EQ(hosted.size(), declared.size()) << "a service is hosted twice";
}

TEST_F(AccessMatrixTest, EveryRpcEveryRoleEverySite) {
  const auto methods = Methods();
  ASSERT_GE(methods.size(), Intended().size());
  std::set<std::string> covered;
  int calls = 0;
  for (v1::Role role : EveryRole()) {
    for (Scope scope : {Scope::kAtOwnSite, Scope::kAtOtherSite, Scope::kChainWide}) {
      // The caller holds the role at kOwnSite (or chain-wide); the request
      // names kOwnSite or kOtherSite.
      const std::string principal = "staff/" +
                                    absl::AsciiStrToLower(v1::Role_Name(role).substr(5)) +
                                    (scope == Scope::kChainWide ? "-chain" : "-site");
      std::string& token = tokens_[principal];
      if (token.empty()) {
        token = Token(principal,
                      {clinic::testing::Binding(role, scope == Scope::kChainWide ? "" : kOwnSite)});
      }
      const std::string site = scope == Scope::kAtOtherSite ? kOtherSite : kOwnSite;
      for (const MethodDescriptor* method : methods) {
        auto intended = Intended().find(method->full_name());
        if (intended == Intended().end()) {
          ADD_FAILURE() << method->full_name()
                        << " is not in the access matrix: add who may call it to Intended()";
          continue;
        }
        covered.insert(method->full_name());
        const v1::MethodPolicy& policy = method->options().GetExtension(v1::policy);
        ASSERT_NE(policy.permission(), v1::PERMISSION_UNSPECIFIED) << method->full_name();
        const bool role_may = intended->second.count(role) > 0;
        const bool site_bound = !IntendedScope(method).site_field.empty();
        // A chain-wide RPC refuses a role held at one site, even when the
        // request names that site or none.
        const bool chain_wide_only = IntendedScope(method).chain_wide;
        const bool allowed = role_may && !(scope == Scope::kAtOtherSite && site_bound) &&
                             !(chain_wide_only && scope != Scope::kChainWide);
        const grpc::Status status = Call(method, *Request(method, site), token);
        ++calls;
        const std::string where = method->full_name() + " as " + v1::Role_Name(role) + " (" +
                                  ScopeName(scope) + "): " + status.error_message();
        if (allowed) {
          EXPECT_NE(status.error_code(), grpc::PERMISSION_DENIED) << where;
          EXPECT_NE(status.error_code(), grpc::UNAUTHENTICATED) << where;
        } else {
          EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED) << where;
        }
      }
    }
  }
  EXPECT_EQ(covered.size(), Intended().size()) << "the matrix lists RPCs no service hosts";
  EXPECT_GT(calls, 500);
}

TEST_F(AccessMatrixTest, MissingRevokedAndForgedTokensAreUnauthenticatedEverywhere) {
  const std::string revoked = Token("staff/gone", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  {
    auto store = auth::AccessStore::Open(data_.Join("access.db"));
    ASSERT_TRUE(store.ok());
    auto tokens = (*store)->ListTokens("staff/gone", "", 10);
    ASSERT_TRUE(tokens.ok());
    ASSERT_THAT(*tokens, SizeIs(1));
    ASSERT_TRUE((*store)->Revoke((*tokens)[0].token_id, absl::Now()).ok());
  }
  for (const MethodDescriptor* method : Methods()) {
    const auto request = Request(method, kOwnSite);
    for (const std::string& token :
         {std::string(), revoked, std::string("clk_forged-token-that-was-never-issued")}) {
      const grpc::Status status = Call(method, *request, token);
      EXPECT_EQ(status.error_code(), grpc::UNAUTHENTICATED)
          << method->full_name() << " with token \"" << token.substr(0, 8)
          << "...\": " << status.error_message();
    }
  }
}

TEST_F(AccessMatrixTest, AServiceActsOnlyWhereThePersonMay) {
  const std::string service =
      Token("service/screening", {clinic::testing::Binding(v1::ROLE_SERVICE)});
  const std::string nurse_token =
      Token("staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kOwnSite)});
  Token("staff/reception", {clinic::testing::Binding(v1::ROLE_FRONT_DESK, kOwnSite)});
  const auto* records = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "clinic.v1.ClientRecords");
  ASSERT_NE(records, nullptr);
  const auto* history = records->FindMethodByName("GetMedicalHistory");
  const auto* chart = records->FindMethodByName("CreateTreatmentRecord");
  const auto request = Request(history, kOwnSite);

  // For the nurse the service may read a history; for the receptionist not.
  EXPECT_NE(Call(history, *request, service, "staff/nurse").error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(Call(history, *request, service, "staff/reception").error_code(),
            grpc::PERMISSION_DENIED);
  // The nurse's site limits the service too.
  EXPECT_NE(Call(chart, *Request(chart, kOwnSite), service, "staff/nurse").error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(Call(chart, *Request(chart, kOtherSite), service, "staff/nurse").error_code(),
            grpc::PERMISSION_DENIED);
  // Without the person, the service alone may not read clinical records.
  EXPECT_EQ(Call(history, *request, service).error_code(), grpc::PERMISSION_DENIED);
  // Only services may act for someone else, and only for real principals.
  EXPECT_EQ(Call(history, *request, nurse_token, "staff/reception").error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(Call(history, *request, service, "staff/nobody").error_code(), grpc::PERMISSION_DENIED);

  // The audit trail names both.
  auto events = server_->audit().Query({});
  ASSERT_TRUE(events.ok());
  bool seen = false;
  for (const v1::AuditEvent& event : *events) {
    if (event.principal() == "service/screening" && event.on_behalf_of() == "staff/nurse" &&
        event.method() == "/clinic.v1.ClientRecords/GetMedicalHistory") {
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

// A refused call never reaches the service: a write that would have been
// valid leaves nothing behind.
TEST_F(AccessMatrixTest, ARefusedWriteChangesNothing) {
  const std::string clerk =
      Token("staff/clerk", {clinic::testing::Binding(v1::ROLE_BILLING_CLERK, kOwnSite)});
  const std::string nurse =
      Token("staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kOwnSite)});
  auto stub = v1::ClientRecords::NewStub(channel_);
  v1::CreateClientRequest create;
  create.mutable_client()->set_home_site_id(kOwnSite);
  create.mutable_client()->set_given_name("Refused");
  create.mutable_client()->set_family_name("Write");
  create.mutable_client()->mutable_date_of_birth()->set_year(1985);
  create.mutable_client()->mutable_date_of_birth()->set_month(1);
  create.mutable_client()->mutable_date_of_birth()->set_day(1);
  create.set_request_id("refused-write");
  v1::CreateClientResponse created;
  {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, clerk);
    EXPECT_EQ(stub->CreateClient(&context, create, &created).error_code(), grpc::PERMISSION_DENIED);
  }
  EXPECT_FALSE(created.has_client());
  grpc::ClientContext context;
  clinic::testing::AddToken(context, nurse);
  v1::ListClientsResponse clients;
  ASSERT_TRUE(stub->ListClients(&context, {}, &clients).ok());
  EXPECT_THAT(clients.clients(), SizeIs(0));
}

TEST_F(AccessMatrixTest, ReadingAClientLeavesExactlyOneEventNamingTheReader) {
  const std::string nurse =
      Token("staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kOwnSite)});
  const std::string reception =
      Token("staff/reception", {clinic::testing::Binding(v1::ROLE_FRONT_DESK, kOwnSite)});
  auto stub = v1::ClientRecords::NewStub(channel_);

  v1::CreateClientRequest create;
  create.mutable_client()->set_home_site_id(kOwnSite);
  create.mutable_client()->set_given_name("Zoë");
  create.mutable_client()->set_family_name("Adams");
  create.mutable_client()->mutable_date_of_birth()->set_year(1990);
  create.mutable_client()->mutable_date_of_birth()->set_month(4);
  create.mutable_client()->mutable_date_of_birth()->set_day(2);
  create.set_request_id("create-zoe");
  v1::CreateClientResponse created;
  {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, nurse);
    ASSERT_TRUE(stub->CreateClient(&context, create, &created).ok());
  }
  const std::string name = created.client().name();
  {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, reception);
    v1::GetClientRequest get;
    get.set_name(name);
    v1::Client client;
    ASSERT_TRUE(stub->GetClient(&context, get, &client).ok());
  }
  // The receptionist may not read the medical history: refused, and that
  // attempt is on the record too.
  {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, reception);
    v1::GetMedicalHistoryRequest get;
    get.set_name(name + "/medicalHistory");
    v1::MedicalHistory history;
    EXPECT_EQ(stub->GetMedicalHistory(&context, get, &history).error_code(),
              grpc::PERMISSION_DENIED);
  }

  auto audit = v1::Audit::NewStub(channel_);
  const std::string auditor = Token("staff/auditor", {clinic::testing::Binding(v1::ROLE_AUDITOR)});
  v1::ListAuditEventsRequest list;
  list.set_client(name);
  v1::ListAuditEventsResponse events;
  {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, auditor);
    ASSERT_TRUE(audit->ListAuditEvents(&context, list, &events).ok());
  }
  std::vector<v1::AuditEvent> reads;
  for (const v1::AuditEvent& event : events.events()) {
    if (event.method() == "/clinic.v1.ClientRecords/GetClient") reads.push_back(event);
  }
  ASSERT_THAT(reads, SizeIs(1));
  EXPECT_EQ(reads[0].principal(), "staff/reception");
  EXPECT_EQ(reads[0].status_code(), 0);
  EXPECT_THAT(reads[0].resource_names(), Contains(name));
  EXPECT_FALSE(reads[0].request_id().empty());
  ASSERT_THAT(events.events(), SizeIs(3));  // create, read, refused history read
  EXPECT_EQ(events.events(0).method(), "/clinic.v1.ClientRecords/GetMedicalHistory");
  EXPECT_EQ(events.events(0).status_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(events.events(2).method(), "/clinic.v1.ClientRecords/CreateClient");
  EXPECT_EQ(events.events(2).principal(), "staff/nurse");

  // A site auditor sees its own site's events only; chain-wide lists need a
  // chain-wide role.
  const std::string manager =
      Token("staff/manager", {clinic::testing::Binding(v1::ROLE_SITE_MANAGER, kOwnSite)});
  for (const auto& [site, code] :
       std::vector<std::pair<std::string, grpc::StatusCode>>{{kOwnSite, grpc::OK},
                                                             {kOtherSite, grpc::PERMISSION_DENIED},
                                                             {"", grpc::PERMISSION_DENIED}}) {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, manager);
    v1::ListAuditEventsRequest by_site;
    by_site.set_site_id(site);
    v1::ListAuditEventsResponse page;
    EXPECT_EQ(audit->ListAuditEvents(&context, by_site, &page).error_code(), code) << site;
  }

  grpc::ClientContext context;
  clinic::testing::AddToken(context, auditor);
  v1::VerifyAuditLogResponse verified;
  ASSERT_TRUE(audit->VerifyAuditLog(&context, {}, &verified).ok());
  EXPECT_TRUE(verified.intact());
  EXPECT_GE(verified.event_count(), 7);
}

// Bad input to the Access and Audit services: INVALID_ARGUMENT naming the
// field, and nothing stored.
TEST_F(AccessMatrixTest, AccessAndAuditRefuseBadInputNamingTheField) {
  const std::string admin = Token("staff/root", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  auto access = v1::Access::NewStub(channel_);
  auto audit = v1::Audit::NewStub(channel_);
  auto context = [&] {
    auto c = std::make_unique<grpc::ClientContext>();
    clinic::testing::AddToken(*c, admin);
    return c;
  };
  auto expect_field = [](const grpc::Status& status, grpc::StatusCode code,
                         const std::string& field) {
    EXPECT_EQ(status.error_code(), code) << field << ": " << status.error_message();
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
    EXPECT_THAT(fields, Contains(field)) << status.error_message();
  };

  v1::Principal principal;
  v1::CreatePrincipalRequest create;
  create.mutable_principal()->set_name("Jane Doe");
  expect_field(access->CreatePrincipal(context().get(), create, &principal), grpc::INVALID_ARGUMENT,
               "principal.name");
  create.mutable_principal()->set_name("staff/jane");
  create.mutable_principal()->add_roles()->set_role(v1::ROLE_UNSPECIFIED);
  expect_field(access->CreatePrincipal(context().get(), create, &principal), grpc::INVALID_ARGUMENT,
               "principal.roles[0].role");
  create.mutable_principal()->mutable_roles(0)->set_role(v1::ROLE_PRACTITIONER);
  create.mutable_principal()->mutable_roles(0)->set_site_id("paris");
  expect_field(access->CreatePrincipal(context().get(), create, &principal), grpc::INVALID_ARGUMENT,
               "principal.roles[0].site_id");
  v1::GetPrincipalRequest get;
  get.set_name("staff/jane");
  EXPECT_EQ(access->GetPrincipal(context().get(), get, &principal).error_code(), grpc::NOT_FOUND);
  create.mutable_principal()->mutable_roles(0)->set_site_id(kOwnSite);
  expect_field(access->CreatePrincipal(context().get(), create, &principal), grpc::INVALID_ARGUMENT,
               "request_id");
  create.set_request_id("create jane");
  expect_field(access->CreatePrincipal(context().get(), create, &principal), grpc::INVALID_ARGUMENT,
               "request_id");
  create.set_request_id("create-jane");
  ASSERT_TRUE(access->CreatePrincipal(context().get(), create, &principal).ok());
  create.set_request_id("create-jane-again");
  expect_field(access->CreatePrincipal(context().get(), create, &principal), grpc::ALREADY_EXISTS,
               "principal.name");

  v1::UpdatePrincipalRequest update;
  *update.mutable_principal() = principal;
  update.mutable_update_mask()->add_paths("name");
  expect_field(access->UpdatePrincipal(context().get(), update, &principal), grpc::INVALID_ARGUMENT,
               "update_mask");
  update.mutable_update_mask()->set_paths(0, "display_name");
  update.mutable_principal()->set_etag("W/\"stale\"");
  EXPECT_EQ(access->UpdatePrincipal(context().get(), update, &principal).error_code(),
            grpc::ABORTED);

  v1::IssueTokenRequest issue;
  issue.set_principal("staff/jane");
  v1::IssueTokenResponse issued;
  expect_field(access->IssueToken(context().get(), issue, &issued), grpc::INVALID_ARGUMENT,
               "request_id");
  issue.set_request_id("issue-for-jane");
  expect_field(access->IssueToken(context().get(), issue, &issued), grpc::INVALID_ARGUMENT,
               "description");
  issue.set_description("tablet");
  issue.mutable_ttl()->set_seconds(5);
  expect_field(access->IssueToken(context().get(), issue, &issued), grpc::INVALID_ARGUMENT, "ttl");
  issue.clear_ttl();
  issue.set_principal("staff/nobody");
  issue.set_request_id("issue-for-nobody");
  expect_field(access->IssueToken(context().get(), issue, &issued), grpc::FAILED_PRECONDITION,
               "principal");
  v1::RevokeTokenRequest revoke;
  revoke.set_name("01J00000000000000000000000");
  v1::AccessToken token;
  expect_field(access->RevokeToken(context().get(), revoke, &token), grpc::INVALID_ARGUMENT,
               "name");
  revoke.set_name("tokens/01J00000000000000000000000");
  EXPECT_EQ(access->RevokeToken(context().get(), revoke, &token).error_code(), grpc::NOT_FOUND);

  v1::ListAuditEventsRequest list;
  v1::ListAuditEventsResponse events;
  list.set_client("patients/1");
  expect_field(audit->ListAuditEvents(context().get(), list, &events), grpc::INVALID_ARGUMENT,
               "client");
  list.clear_client();
  list.mutable_start_time()->set_seconds(2000);
  list.mutable_end_time()->set_seconds(1000);
  expect_field(audit->ListAuditEvents(context().get(), list, &events), grpc::INVALID_ARGUMENT,
               "end_time");
  list.clear_start_time();
  list.clear_end_time();
  list.set_page_token("forged");
  expect_field(audit->ListAuditEvents(context().get(), list, &events), grpc::INVALID_ARGUMENT,
               "page_token");

  // Only the one valid principal was stored, besides the admin.
  v1::ListPrincipalsResponse principals;
  ASSERT_TRUE(access->ListPrincipals(context().get(), {}, &principals).ok());
  EXPECT_THAT(principals.principals(), SizeIs(2));
}

}  // namespace
}  // namespace clinic
