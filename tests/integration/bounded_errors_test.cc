// Hostile values through the real API: errors stay small whatever was sent,
// the audit trail records only bounded, resolved names and the status the
// caller got, times outside their range are refused before anything is
// written, and lists page within the message limit.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access_store.h"
#include "common/auth/authorizer.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/server/auth_interceptor.h"
#include "common/server/call_log_interceptor.h"
#include "common/server/server.h"
#include "google/protobuf/util/time_util.h"
#include "services/access/access_service.h"
#include "services/clinicd/all_services.h"
#include "tests/testing/access_env.h"
#include "tests/testing/charting.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kSite[] = "london-soho";
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
  }

  void Start(int max_message_bytes = 0) {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    if (max_message_bytes > 0) config.mutable_server()->set_max_message_bytes(max_message_bytes);
    config.mutable_chain()->add_sites()->set_site_id(kSite);
    auto server = server::Server::Start(config, clinic::AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    records_ = v1::ClientRecords::NewStub(channel);
    access_ = v1::Access::NewStub(channel);
    audit_ = v1::Audit::NewStub(channel);
    admin_ = clinic::testing::IssueTestToken(data_.path(), "staff/root",
                                             {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
    nurse_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kSite)});
  }

  // A context for `token` (none when empty), optionally on behalf of `person`.
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token,
                                                 const std::string& person = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) clinic::testing::AddToken(*context, token);
    if (!person.empty()) context->AddMetadata("x-clinic-on-behalf-of", person);
    return context;
  }

  static std::vector<std::string> Fields(const grpc::Status& status) {
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
    return fields;
  }

  v1::Client CreateClient(const std::string& given) {
    v1::CreateClientRequest request;
    request.mutable_client()->set_home_site_id(kSite);
    request.mutable_client()->set_given_name(given);
    request.mutable_client()->set_family_name("Test");
    request.mutable_client()->mutable_date_of_birth()->set_year(1990);
    request.mutable_client()->mutable_date_of_birth()->set_month(4);
    request.mutable_client()->mutable_date_of_birth()->set_day(12);
    request.set_request_id("create-" + given);
    v1::CreateClientResponse response;
    const grpc::Status status = records_->CreateClient(As(nurse_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.client();
  }

  std::vector<v1::AuditEvent> EventsNaming(const std::string& client) {
    audit::AuditQuery query;
    query.client = client;
    query.limit = 1000;
    auto events = server_->audit().Query(query);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<v1::AuditEvent>{};
  }

  v1::AuditEvent LastEvent() {
    audit::AuditQuery query;
    query.limit = 1;
    auto events = server_->audit().Query(query);
    EXPECT_TRUE(events.ok() && !events->empty());
    return events.ok() && !events->empty() ? events->front() : v1::AuditEvent();
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::ClientRecords::Stub> records_;
  std::unique_ptr<v1::Access::Stub> access_;
  std::unique_ptr<v1::Audit::Stub> audit_;
  std::string admin_;
  std::string nurse_;
};

// A 1 MiB value comes back quoted in a few dozen bytes, so a default client
// sees INVALID_ARGUMENT, not RESOURCE_EXHAUSTED about the trailers.
TEST_F(HostileInputTest, HugeValuesGiveSmallErrorsWithTheRightCode) {
  Start();
  const std::string huge = "clients/" + std::string(1 << 20, 'a');
  v1::GetClientRequest get;
  get.set_name(huge);
  v1::Client client;
  grpc::Status status = records_->GetClient(As(nurse_).get(), get, &client);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << status.error_message().size();
  EXPECT_THAT(Fields(status), ElementsAre("name"));
  EXPECT_THAT(status.error_message(), SizeIs(Le(kMaxStatusMessageBytes)));
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("(1048584 bytes)"));
  EXPECT_THAT(status.error_details(), SizeIs(Le(kMaxStatusDetailsBytes)));

  // Many bad fields at once: every one counted, a bounded few listed.
  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("clients/01J00000000000000000000000");
  update.mutable_client()->set_etag("W/\"1\"");
  for (int i = 0; i < 2000; ++i) update.mutable_update_mask()->add_paths(std::string(400, 'p'));
  status = records_->UpdateClient(As(nurse_).get(), update, &client);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), SizeIs(Le(kMaxListedViolations)));
  EXPECT_THAT(status.error_details(), SizeIs(Le(kMaxStatusDetailsBytes)));

  // The Access service quotes the same way.
  v1::GetPrincipalRequest principal;
  std::string accents;
  while (accents.size() < (1 << 20)) accents += "é";
  principal.set_name("staff/" + accents);
  v1::Principal found;
  status = access_->GetPrincipal(As(admin_).get(), principal, &found);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), SizeIs(Le(kMaxStatusMessageBytes)));
  EXPECT_TRUE(IsValidUtf8(status.error_message()));
}

// Without credentials and with a 3 MiB name, the refusal is audited with a
// short stand-in for the name and a bounded message.
TEST_F(HostileInputTest, AnOversizedNameIsNeverWrittenToTheAuditTrail) {
  Start();
  v1::GetClientRequest get;
  get.set_name("clients/" + std::string(3 << 20, 'x'));
  v1::Client client;
  EXPECT_EQ(records_->GetClient(As("").get(), get, &client).error_code(), grpc::UNAUTHENTICATED);
  const v1::AuditEvent event = LastEvent();
  EXPECT_EQ(event.method(), "/clinic.v1.ClientRecords/GetClient");
  ASSERT_THAT(event.resource_names(), SizeIs(1));
  EXPECT_THAT(event.resource_names(0), StartsWith(auth::kMalformedNameMarker));
  EXPECT_THAT(event.resource_names(0), SizeIs(Le(120u)));
  EXPECT_THAT(event.status_message(), SizeIs(Le(300u)));
  EXPECT_LT(event.ByteSizeLong(), 2048u);

  // A well-formed name is recorded as sent.
  get.set_name("clients/01J00000000000000000000000");
  EXPECT_EQ(records_->GetClient(As("").get(), get, &client).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_THAT(LastEvent().resource_names(), ElementsAre("clients/01J00000000000000000000000"));
}

// The name inside a resource being created is output only: it must not put
// the call in another client's trail.
TEST_F(HostileInputTest, AnOutputOnlyNameInACreateIsNotAudited) {
  Start();
  const v1::Client other = CreateClient("Other");
  const size_t before = EventsNaming(other.name()).size();
  ASSERT_GE(before, 1u);

  v1::CreateClientRequest create;
  create.mutable_client()->set_name(other.name());
  create.mutable_client()->set_home_site_id(kSite);
  create.mutable_client()->set_given_name("New");
  create.mutable_client()->set_family_name("Client");
  create.mutable_client()->mutable_date_of_birth()->set_year(1991);
  create.mutable_client()->mutable_date_of_birth()->set_month(1);
  create.mutable_client()->mutable_date_of_birth()->set_day(2);
  create.set_request_id("create-with-a-name");
  v1::CreateClientResponse created;
  ASSERT_TRUE(records_->CreateClient(As(nurse_).get(), create, &created).ok());
  EXPECT_NE(created.client().name(), other.name());
  // Refused calls carrying it are not in the other client's trail either.
  EXPECT_EQ(records_->CreateClient(As(admin_).get(), create, &created).error_code(),
            grpc::PERMISSION_DENIED);
  v1::RecordConsentRequest consent;
  consent.set_parent(created.client().name());
  consent.mutable_consent()->set_name(other.name() + "/consents/01J00000000000000000000000");
  consent.set_request_id("consent-with-a-name");
  v1::Consent recorded;
  EXPECT_EQ(records_->RecordConsent(As(nurse_).get(), consent, &recorded).error_code(),
            grpc::INVALID_ARGUMENT);

  EXPECT_THAT(EventsNaming(other.name()), SizeIs(before));
  EXPECT_THAT(EventsNaming(created.client().name()), SizeIs(Le(3u)));
  EXPECT_FALSE(EventsNaming(created.client().name()).empty());
}

// Times outside 1900..now+skew for clinical events, and outside Timestamp's
// range anywhere, are refused naming the field; nothing is written.
TEST_F(HostileInputTest, TimesOutOfRangeAreRefusedAndWriteNothing) {
  Start();
  const v1::Client client = CreateClient("Timely");
  struct Bad {
    int64_t seconds;
    int32_t nanos;
  };
  const std::vector<Bad> bad_event_times = {{kInt64Max, 0},
                                            {kInt64Min, 0},
                                            {253402300799, 0} /* 9999-12-31 */,
                                            {32503680000, 0} /* 3000 */,
                                            {253402300800, 0} /* 10000 */,
                                            {1700000000, 1000000000},
                                            {1700000000, -1},
                                            {-2208988801, 0} /* 1899 */};
  int n = 0;
  for (const Bad& bad : bad_event_times) {
    SCOPED_TRACE(std::to_string(bad.seconds) + "s " + std::to_string(bad.nanos) + "ns");
    v1::CreateTreatmentRecordRequest record;
    record.set_parent(client.name());
    auto* r = record.mutable_treatment_record();
    r->set_treatment_type_id("microneedling");
    r->set_site_id(kSite);
    r->set_practitioner("staff/nurse");
    r->mutable_perform_time()->set_seconds(bad.seconds);
    r->mutable_perform_time()->set_nanos(bad.nanos);
    auto* area = r->add_areas();
    area->set_area_id("cheeks");
    area->set_needle_depth_um(1200);
    area->set_passes(2);
    clinic::testing::AddCartridgeUse(*r, "face_36_42");
    record.set_request_id("bad-time-" + std::to_string(++n));
    v1::TreatmentRecord created;
    grpc::Status status = records_->CreateTreatmentRecord(As(nurse_).get(), record, &created);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(Fields(status), ElementsAre("treatment_record.perform_time"));

    v1::RecordConsentRequest consent;
    consent.set_parent(client.name());
    consent.mutable_consent()->set_treatment_type_id("microneedling");
    consent.mutable_consent()->set_form_version("2026-03");
    consent.mutable_consent()->set_site_id(kSite);
    consent.mutable_consent()->mutable_sign_time()->set_seconds(bad.seconds);
    consent.mutable_consent()->mutable_sign_time()->set_nanos(bad.nanos);
    consent.set_request_id("bad-consent-" + std::to_string(n));
    v1::Consent recorded;
    status = records_->RecordConsent(As(nurse_).get(), consent, &recorded);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(Fields(status), ElementsAre("consent.sign_time"));
  }
  v1::ListTreatmentRecordsRequest list_records;
  list_records.set_parent(client.name());
  v1::ListTreatmentRecordsResponse records;
  ASSERT_TRUE(records_->ListTreatmentRecords(As(nurse_).get(), list_records, &records).ok());
  EXPECT_THAT(records.treatment_records(), IsEmpty());
  v1::ListConsentsRequest list_consents;
  list_consents.set_parent(client.name());
  v1::ListConsentsResponse consents;
  ASSERT_TRUE(records_->ListConsents(As(nurse_).get(), list_consents, &consents).ok());
  EXPECT_THAT(consents.consents(), IsEmpty());

  // Filters: any Timestamp outside its range.
  for (const Bad& bad : std::vector<Bad>{{kInt64Max, 0},
                                         {kInt64Min, 0},
                                         {253402300800, 0},
                                         {1700000000, 1000000000},
                                         {1700000000, -1}}) {
    SCOPED_TRACE(std::to_string(bad.seconds) + "s " + std::to_string(bad.nanos) + "ns");
    v1::ListClientsRequest list;
    list.mutable_updated_since()->set_seconds(bad.seconds);
    list.mutable_updated_since()->set_nanos(bad.nanos);
    v1::ListClientsResponse listed;
    grpc::Status status = records_->ListClients(As(nurse_).get(), list, &listed);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(Fields(status), ElementsAre("updated_since"));

    v1::ListAuditEventsRequest events;
    events.mutable_start_time()->set_seconds(bad.seconds);
    events.mutable_start_time()->set_nanos(bad.nanos);
    v1::ListAuditEventsResponse page;
    status = audit_->ListAuditEvents(As(admin_).get(), events, &page);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(Fields(status), ElementsAre("start_time"));
  }
  // A valid filter far in the future is fine (it just finds nothing).
  v1::ListClientsRequest list;
  list.mutable_updated_since()->set_seconds(253402300799);
  v1::ListClientsResponse listed;
  EXPECT_TRUE(records_->ListClients(As(nurse_).get(), list, &listed).ok());

  // Token lifetimes.
  v1::IssueTokenRequest issue;
  issue.set_principal("staff/nurse");
  issue.set_description("tablet");
  issue.mutable_ttl()->set_seconds(kInt64Max);
  issue.set_request_id("huge-ttl");
  v1::IssueTokenResponse issued;
  grpc::Status status = access_->IssueToken(As(admin_).get(), issue, &issued);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("ttl"));
}

// A page never outgrows the message limit, and the event of the call records
// the status the caller got.
TEST_F(HostileInputTest, HugePageSizesGivePagesThatFitAndAreAuditedAsSent) {
  Start(/*max_message_bytes=*/32 << 10);
  // Enough events to pass the 16 KiB page budget several times over.
  for (int i = 0; i < 250; ++i) {
    v1::GetPrincipalRequest get;
    get.set_name("staff/nobody-" + std::string(50, 'n') + std::to_string(i));
    v1::Principal principal;
    ASSERT_EQ(access_->GetPrincipal(As(admin_).get(), get, &principal).error_code(),
              grpc::NOT_FOUND);
  }
  v1::ListAuditEventsRequest list;
  list.set_page_size(std::numeric_limits<int32_t>::max());
  std::set<int64_t> seen;
  int pages = 0;
  do {
    v1::ListAuditEventsResponse page;
    const grpc::Status status = audit_->ListAuditEvents(As(admin_).get(), list, &page);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_LE(page.ByteSizeLong(), 32u << 10);
    EXPECT_FALSE(page.events().empty());
    for (const auto& event : page.events()) EXPECT_TRUE(seen.insert(event.sequence()).second);
    list.set_page_token(page.next_page_token());
    ++pages;
    const v1::AuditEvent own = LastEvent();
    EXPECT_EQ(own.method(), "/clinic.v1.Audit/ListAuditEvents");
    EXPECT_EQ(own.status_code(), 0);
  } while (!list.page_token().empty() && pages < 100);
  EXPECT_GT(pages, 2);
  EXPECT_GE(seen.size(), 250u);

  v1::ListPrincipalsRequest principals;
  principals.set_page_size(std::numeric_limits<int32_t>::max());
  v1::ListPrincipalsResponse listed;
  EXPECT_TRUE(access_->ListPrincipals(As(admin_).get(), principals, &listed).ok());
}

// A response above the server's send limit would make gRPC fail the call
// after its event said OK; the audit step refuses it first, so the event
// records RESOURCE_EXHAUSTED, the status the caller gets. (A server of its
// own, to give the audit step a send limit far below the page budget.)
TEST(ResponseSizeTest, AResponseAboveTheSendLimitIsRefusedAndAuditedAsRefused) {
  constexpr int kSendLimit = 2048;
  clinic::testing::TempDir dir;
  auto access = auth::AccessStore::Open(dir.Join("access.db"));
  ASSERT_TRUE(access.ok()) << access.status();
  auto audit = audit::AuditLog::Open(dir.Join("audit.db"));
  ASSERT_TRUE(audit.ok()) << audit.status();
  const std::string admin = clinic::testing::IssueTestToken(
      dir.path(), "staff/root", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  for (int i = 0; i < 40; ++i) {
    clinic::testing::IssueTestToken(dir.path(), "staff/someone-" + std::to_string(i), {});
  }
  clinic::access::AccessService service(**access, {}, /*page_budget_bytes=*/1 << 20);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxSendMessageSize(kSendLimit);
  builder.SetContextAllocator(server::CallContextAllocator());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> chain;
  chain.push_back(std::make_unique<server::CallLogInterceptorFactory>());
  chain.push_back(std::make_unique<server::AuthInterceptorFactory>(**access, **audit, kSendLimit));
  builder.experimental().SetInterceptorCreators(std::move(chain));
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  ASSERT_NE(grpc_server, nullptr);

  auto stub = v1::Access::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  clinic::testing::AddToken(context, admin);
  v1::ListPrincipalsRequest list;
  list.set_page_size(100);
  v1::ListPrincipalsResponse page;
  const grpc::Status status = stub->ListPrincipals(&context, list, &page);
  EXPECT_EQ(status.error_code(), grpc::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("server.max_message_bytes"));
  audit::AuditQuery last;
  last.limit = 1;
  auto events = (*audit)->Query(last);
  ASSERT_TRUE(events.ok() && events->size() == 1u);
  EXPECT_EQ(events->front().method(), "/clinic.v1.Access/ListPrincipals");
  EXPECT_EQ(events->front().status_code(), grpc::RESOURCE_EXHAUSTED);
  grpc_server->Shutdown();
}

}  // namespace
}  // namespace clinic
