// ClientRecords over real gRPC on loopback with a real SQLite file: every RPC,
// paging, etags under concurrency, retried requests, restarts, migrations,
// names in many scripts, and bad input.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <grpc/grpc.h>
#include <grpc/support/alloc.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <regex>
#include <thread>

#include "clinic/v1/clients.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/storage/ids.h"
#include "common/storage/migrations.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/client_records/client_records_schema.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/all_services.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/charting.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"
#include "tests/testing/treatment_ready.h"

namespace clinic {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using v1::ClientRecords;

class ClientRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    Start();
  }

  void Start() {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    for (const char* site : {"london-soho", "new-york-soho"}) {
      auto* s = config.mutable_chain()->add_sites();
      s->set_site_id(site);
    }
    auto server = server::Server::Start(config, AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    token_ = clinic::testing::IssueTestToken(data_.path(), "staff/jane-doe",
                                             {clinic::testing::Binding(v1::ROLE_PRACTITIONER)});
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = ClientRecords::NewStub(channel);
    ready_ = std::make_unique<clinic::testing::TreatmentReady>(channel, data_.path());
  }

  // Screens and consents `client` for microneedling on `areas` at Soho, with
  // cartridges and cream in stock there.
  void ReadyForTreatment(const std::string& client, const std::vector<std::string>& areas) {
    ASSERT_TRUE(ready_->Prepare(client, "microneedling", "london-soho", areas).ok());
    if (!stocked_) {
      ASSERT_TRUE(ready_->StockCartridges("london-soho", 20, "LOT-2026-0042").ok());
      ASSERT_TRUE(ready_->StockCream("london-soho", 20).ok());
      stocked_ = true;
    }
  }

  void Restart() {
    server_->Shutdown(absl::Seconds(1));
    server_.reset();
    Start();
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token_);
    return context;
  }

  static v1::Client NewClient(const std::string& given, const std::string& family,
                              int year = 1990) {
    v1::Client client;
    client.set_home_site_id("london-soho");
    client.set_given_name(given);
    client.set_family_name(family);
    client.mutable_date_of_birth()->set_year(year);
    client.mutable_date_of_birth()->set_month(4);
    client.mutable_date_of_birth()->set_day(12);
    return client;
  }

  v1::CreateClientResponse Create(const v1::Client& client, const std::string& request_id = "") {
    v1::CreateClientRequest request;
    *request.mutable_client() = client;
    request.set_request_id(request_id.empty() ? "req-" + std::to_string(++requests_) : request_id);
    v1::CreateClientResponse response;
    grpc::Status status = stub_->CreateClient(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Call(std::function<grpc::Status(grpc::ClientContext*)> call) {
    return call(Context().get());
  }

  static std::vector<std::string> Fields(const grpc::Status& status) {
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
    return fields;
  }

  std::vector<std::string> SearchNames(const v1::SearchClientsRequest& request) {
    v1::SearchClientsResponse response;
    grpc::Status status = stub_->SearchClients(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const auto& c : response.clients())
      names.push_back(c.given_name() + " " + c.family_name());
    return names;
  }

  std::vector<std::string> SearchByName(const std::string& prefix) {
    v1::SearchClientsRequest request;
    request.set_name_prefix(prefix);
    return SearchNames(request);
  }

  v1::TreatmentRecord Record(const std::string& area, int depth, int passes = 2) {
    v1::TreatmentRecord record;
    record.set_treatment_type_id("microneedling");
    record.set_site_id("london-soho");
    record.set_practitioner("staff/jane-doe");
    *record.mutable_perform_time() = TimeUtil::GetCurrentTime();
    auto* a = record.add_areas();
    a->set_area_id(area);
    a->set_needle_depth_um(depth);
    a->set_passes(passes);
    clinic::testing::AddCartridgeUse(record, "face_36_42");
    return record;
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<ClientRecords::Stub> stub_;
  std::unique_ptr<clinic::testing::TreatmentReady> ready_;
  bool stocked_ = false;
  inline static std::string token_;
  int requests_ = 0;
};

TEST_F(ClientRecordsTest, CreatesAndGetsAClient) {
  v1::Client in = NewClient("Zoë", "O'Brien");
  in.set_phone("+447700900123");
  in.set_email("Zoe.OBrien@Example.com");
  in.set_fitzpatrick_type(v1::FITZPATRICK_TYPE_III);
  const v1::CreateClientResponse created = Create(in);
  const v1::Client& client = created.client();
  EXPECT_THAT(client.name(), HasSubstr("clients/"));
  EXPECT_EQ(client.state(), v1::CLIENT_STATE_ACTIVE);
  EXPECT_EQ(client.email(), "zoe.obrien@example.com");
  EXPECT_FALSE(client.etag().empty());
  EXPECT_TRUE(client.has_create_time());
  EXPECT_THAT(created.possible_duplicates(), IsEmpty());

  v1::GetClientRequest get;
  get.set_name(client.name());
  v1::Client got;
  ASSERT_TRUE(stub_->GetClient(Context().get(), get, &got).ok());
  EXPECT_EQ(got.given_name(), "Zoë");
  EXPECT_EQ(got.etag(), client.etag());
}

TEST_F(ClientRecordsTest, ReportsPossibleDuplicatesWithoutRefusing) {
  v1::Client first = NewClient("Aisha", "Khan");
  first.set_phone("+447700900001");
  Create(first);
  v1::Client same_person = NewClient("AISHA", "khan");
  const auto by_name = Create(same_person);
  ASSERT_THAT(by_name.possible_duplicates(), SizeIs(1));
  EXPECT_THAT(by_name.possible_duplicates(0).reasons(), ElementsAre("same name and date of birth"));
  v1::Client same_phone = NewClient("Someone", "Else", 1970);
  same_phone.set_phone("+447700900001");
  const auto by_phone = Create(same_phone);
  ASSERT_THAT(by_phone.possible_duplicates(), SizeIs(1));
  EXPECT_THAT(by_phone.possible_duplicates(0).reasons(), ElementsAre("same phone"));
}

TEST_F(ClientRecordsTest, RetriedCreateWritesOnceAndReusedIdIsRefused) {
  const v1::Client in = NewClient("Retry", "Safe");
  const auto first = Create(in, "create-retry-1");
  const auto second = Create(in, "create-retry-1");
  EXPECT_EQ(first.client().name(), second.client().name());
  v1::SearchClientsRequest search;
  search.set_name_prefix("Retry");
  EXPECT_THAT(SearchNames(search), SizeIs(1));

  v1::CreateClientRequest different;
  *different.mutable_client() = NewClient("Other", "Person");
  different.set_request_id("create-retry-1");
  v1::CreateClientResponse response;
  grpc::Status status = stub_->CreateClient(Context().get(), different, &response);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("request_id"));
}

TEST_F(ClientRecordsTest, UpdateUsesTheMaskAndTheEtag) {
  const v1::Client client = Create(NewClient("Maria", "Garcia")).client();
  v1::UpdateClientRequest update;
  *update.mutable_client() = client;
  update.mutable_client()->set_phone("+34600123456");
  update.mutable_client()->set_given_name("Ignored");
  update.mutable_update_mask()->add_paths("phone");
  v1::Client updated;
  ASSERT_TRUE(stub_->UpdateClient(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.phone(), "+34600123456");
  EXPECT_EQ(updated.given_name(), "Maria");
  EXPECT_NE(updated.etag(), client.etag());

  // The old etag is stale now.
  grpc::Status stale = stub_->UpdateClient(Context().get(), update, &updated);
  EXPECT_EQ(stale.error_code(), grpc::ABORTED);

  update.mutable_client()->set_etag(updated.etag());
  update.mutable_update_mask()->set_paths(0, "state");
  grpc::Status bad_path = stub_->UpdateClient(Context().get(), update, &updated);
  EXPECT_EQ(bad_path.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(bad_path), ElementsAre("update_mask.paths[0]"));

  update.mutable_update_mask()->set_paths(0, "home_site_id");
  update.mutable_client()->set_home_site_id("paris");
  grpc::Status bad_site = stub_->UpdateClient(Context().get(), update, &updated);
  EXPECT_EQ(bad_site.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(bad_site), ElementsAre("client.home_site_id"));
}

TEST_F(ClientRecordsTest, ConcurrentUpdatesWithTheSameEtagOneWinsOneIsAborted) {
  const v1::Client client = Create(NewClient("Race", "Condition")).client();
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      v1::UpdateClientRequest update;
      *update.mutable_client() = client;
      update.mutable_client()->set_preferred_name(i == 0 ? "First" : "Second");
      update.mutable_update_mask()->add_paths("preferred_name");
      v1::Client updated;
      grpc::Status status = stub_->UpdateClient(Context().get(), update, &updated);
      if (status.ok()) ++ok;
      if (status.error_code() == grpc::ABORTED) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), 1);
}

TEST_F(ClientRecordsTest, ListsNewestFirstAcrossPagesWithFilters) {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) {
    v1::Client c = NewClient("Page" + std::to_string(i), "Client");
    if (i % 2 == 1) c.set_home_site_id("new-york-soho");
    created.push_back(Create(c).client().name());
  }
  std::vector<std::string> seen;
  std::string token;
  do {
    v1::ListClientsRequest request;
    request.set_page_size(3);
    request.set_page_token(token);
    v1::ListClientsResponse response;
    grpc::Status status = stub_->ListClients(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LE(response.clients_size(), 3);
    for (const auto& c : response.clients()) seen.push_back(c.name());
    token = response.next_page_token();
  } while (!token.empty());
  std::vector<std::string> expected(created.rbegin(), created.rend());
  EXPECT_EQ(seen, expected);

  v1::ListClientsRequest by_site;
  by_site.set_home_site_id("new-york-soho");
  v1::ListClientsResponse response;
  ASSERT_TRUE(stub_->ListClients(Context().get(), by_site, &response).ok());
  EXPECT_THAT(response.clients(), SizeIs(3));

  // A token is tied to its filters.
  v1::ListClientsRequest first;
  first.set_page_size(2);
  ASSERT_TRUE(stub_->ListClients(Context().get(), first, &response).ok());
  by_site.set_page_token(response.next_page_token());
  grpc::Status mixed = stub_->ListClients(Context().get(), by_site, &response);
  EXPECT_EQ(mixed.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(mixed), ElementsAre("page_token"));
}

TEST_F(ClientRecordsTest, SearchFindsNamesInManyScriptsIgnoringCaseAndAccents) {
  Create(NewClient("Zoë", "Dubois"));
  Create(NewClient("Seán", "O'Brien"));
  Create(NewClient("小龙", "李"));
  Create(NewClient("عائشة", "الحسن"));
  Create(NewClient("José-María", "Núñez"));
  EXPECT_THAT(SearchByName("zoe"), ElementsAre("Zoë Dubois"));
  EXPECT_THAT(SearchByName("ZOË"), ElementsAre("Zoë Dubois"));
  EXPECT_THAT(SearchByName("obrien"), ElementsAre("Seán O'Brien"));
  EXPECT_THAT(SearchByName("O'Brien"), ElementsAre("Seán O'Brien"));
  EXPECT_THAT(SearchByName("sean o"), ElementsAre("Seán O'Brien"));
  EXPECT_THAT(SearchByName("李"), ElementsAre("小龙 李"));
  EXPECT_THAT(SearchByName("عائشة"), ElementsAre("عائشة الحسن"));
  EXPECT_THAT(SearchByName("nunez"), ElementsAre("José-María Núñez"));
  EXPECT_THAT(SearchByName("josemaria"), ElementsAre("José-María Núñez"));
  EXPECT_THAT(SearchByName("\"quoted\" OR *"), IsEmpty());
}

TEST_F(ClientRecordsTest, SearchByPhoneEmailAndBirthDateAndPages) {
  v1::Client a = NewClient("Anna", "Smith", 1985);
  a.set_phone("+15551234567");
  a.set_email("anna@example.com");
  Create(a);
  for (int i = 0; i < 5; ++i) Create(NewClient("Smithy" + std::to_string(i), "Smith", 1985));
  v1::SearchClientsRequest by_phone;
  by_phone.set_phone("+15551234567");
  EXPECT_THAT(SearchNames(by_phone), ElementsAre("Anna Smith"));
  v1::SearchClientsRequest by_email;
  by_email.set_email("ANNA@example.com");
  EXPECT_THAT(SearchNames(by_email), ElementsAre("Anna Smith"));
  v1::SearchClientsRequest by_birth;
  *by_birth.mutable_date_of_birth() = a.date_of_birth();
  by_birth.set_page_size(4);
  v1::SearchClientsResponse page;
  ASSERT_TRUE(stub_->SearchClients(Context().get(), by_birth, &page).ok());
  EXPECT_THAT(page.clients(), SizeIs(4));
  ASSERT_FALSE(page.next_page_token().empty());
  by_birth.set_page_token(page.next_page_token());
  ASSERT_TRUE(stub_->SearchClients(Context().get(), by_birth, &page).ok());
  EXPECT_THAT(page.clients(), SizeIs(2));
  EXPECT_TRUE(page.next_page_token().empty());

  v1::SearchClientsRequest nothing;
  v1::SearchClientsResponse response;
  EXPECT_EQ(stub_->SearchClients(Context().get(), nothing, &response).error_code(),
            grpc::INVALID_ARGUMENT);
}

TEST_F(ClientRecordsTest, ArchiveHidesAndRestoreBringsBack) {
  const v1::Client client = Create(NewClient("Archie", "Ved")).client();
  v1::ArchiveClientRequest archive;
  archive.set_name(client.name());
  archive.set_etag(client.etag());
  archive.set_reason("moved abroad");
  v1::Client archived;
  ASSERT_TRUE(stub_->ArchiveClient(Context().get(), archive, &archived).ok());
  EXPECT_EQ(archived.state(), v1::CLIENT_STATE_ARCHIVED);
  EXPECT_THAT(SearchByName("archie"), IsEmpty());
  v1::SearchClientsRequest with_archived;
  with_archived.set_name_prefix("archie");
  with_archived.set_include_archived(true);
  EXPECT_THAT(SearchNames(with_archived), SizeIs(1));

  archive.set_etag(archived.etag());
  EXPECT_EQ(stub_->ArchiveClient(Context().get(), archive, &archived).error_code(),
            grpc::FAILED_PRECONDITION);
  v1::RestoreClientRequest restore;
  restore.set_name(client.name());
  restore.set_etag(archived.etag());
  v1::Client restored;
  ASSERT_TRUE(stub_->RestoreClient(Context().get(), restore, &restored).ok());
  EXPECT_EQ(restored.state(), v1::CLIENT_STATE_ACTIVE);
}

TEST_F(ClientRecordsTest, MedicalHistoryIsVersionedAndOldVersionsStayReadable) {
  const v1::Client client = Create(NewClient("Hist", "Ory")).client();
  const std::string name = client.name() + "/medicalHistory";
  v1::GetMedicalHistoryRequest get;
  get.set_name(name);
  v1::MedicalHistory empty;
  ASSERT_TRUE(stub_->GetMedicalHistory(Context().get(), get, &empty).ok());
  EXPECT_EQ(empty.version(), 0);

  v1::UpdateMedicalHistoryRequest update;
  update.mutable_medical_history()->set_name(name);
  auto* fact = update.mutable_medical_history()->add_facts();
  fact->set_fact(v1::ISOTRETINOIN);
  fact->set_present(false);
  fact->mutable_end_date()->set_year(2026);
  fact->mutable_end_date()->set_month(6);
  fact->mutable_end_date()->set_day(1);
  fact->set_detail("Roaccutane 20 mg");
  auto* radiation = update.mutable_medical_history()->add_facts();
  radiation->set_fact(v1::RADIATION_THERAPY);
  radiation->add_regions(v1::BODY_REGION_DECOLLETE);
  update.set_request_id("history-1");
  v1::MedicalHistory first;
  ASSERT_TRUE(stub_->UpdateMedicalHistory(Context().get(), update, &first).ok());
  EXPECT_EQ(first.version(), 1);
  EXPECT_EQ(first.recorded_by(), "staff/jane-doe");

  // A retry returns the same version.
  v1::MedicalHistory retried;
  ASSERT_TRUE(stub_->UpdateMedicalHistory(Context().get(), update, &retried).ok());
  EXPECT_EQ(retried.version(), 1);

  update.mutable_medical_history()->set_etag(first.etag());
  update.mutable_medical_history()->add_facts()->set_fact(v1::PREGNANT);
  update.mutable_medical_history()->mutable_facts(2)->set_present(true);
  update.set_request_id("history-2");
  v1::MedicalHistory second;
  ASSERT_TRUE(stub_->UpdateMedicalHistory(Context().get(), update, &second).ok());
  EXPECT_EQ(second.version(), 2);

  // Based on a stale version: refused.
  update.set_request_id("history-3");
  v1::MedicalHistory stale;
  EXPECT_EQ(stub_->UpdateMedicalHistory(Context().get(), update, &stale).error_code(),
            grpc::ABORTED);

  get.set_version(1);
  v1::MedicalHistory old;
  ASSERT_TRUE(stub_->GetMedicalHistory(Context().get(), get, &old).ok());
  ASSERT_THAT(old.facts(), SizeIs(2));
  // Facts come back ordered by fact, each with where it applies.
  EXPECT_EQ(old.facts(0).fact(), v1::ISOTRETINOIN);
  EXPECT_THAT(old.facts(0).regions(), IsEmpty());
  EXPECT_EQ(old.facts(1).fact(), v1::RADIATION_THERAPY);
  EXPECT_THAT(old.facts(1).regions(), ElementsAre(v1::BODY_REGION_DECOLLETE));
  v1::ListMedicalHistoryVersionsRequest list;
  list.set_name(name);
  v1::ListMedicalHistoryVersionsResponse versions;
  ASSERT_TRUE(stub_->ListMedicalHistoryVersions(Context().get(), list, &versions).ok());
  ASSERT_THAT(versions.versions(), SizeIs(2));
  EXPECT_EQ(versions.versions(0).version(), 2);
}

TEST_F(ClientRecordsTest, ConsentsAreRecordedWithdrawnAndListed) {
  const v1::Client client = Create(NewClient("Con", "Sent")).client();
  v1::RecordConsentRequest record;
  record.set_parent(client.name());
  record.mutable_consent()->set_treatment_type_id("microneedling");
  record.mutable_consent()->set_form_version("2026-03");
  *record.mutable_consent()->mutable_sign_time() = TimeUtil::GetCurrentTime();
  record.mutable_consent()->set_site_id("london-soho");
  record.mutable_consent()->set_witness("Jane Doe");
  record.set_request_id("consent-1");
  v1::Consent consent;
  ASSERT_TRUE(stub_->RecordConsent(Context().get(), record, &consent).ok());
  EXPECT_EQ(consent.state(), v1::CONSENT_STATE_ACTIVE);

  v1::WithdrawConsentRequest withdraw;
  withdraw.set_name(consent.name());
  withdraw.set_reason("changed her mind");
  withdraw.set_request_id("withdraw-1");
  v1::Consent withdrawn;
  ASSERT_TRUE(stub_->WithdrawConsent(Context().get(), withdraw, &withdrawn).ok());
  EXPECT_EQ(withdrawn.state(), v1::CONSENT_STATE_WITHDRAWN);
  withdraw.set_request_id("withdraw-2");
  EXPECT_EQ(stub_->WithdrawConsent(Context().get(), withdraw, &withdrawn).error_code(),
            grpc::FAILED_PRECONDITION);

  record.mutable_consent()->set_treatment_type_id("tattoo_removal");
  record.set_request_id("consent-2");
  grpc::Status unknown = stub_->RecordConsent(Context().get(), record, &consent);
  EXPECT_EQ(unknown.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(unknown), ElementsAre("consent.treatment_type_id"));

  v1::ListConsentsRequest list;
  list.set_parent(client.name());
  v1::ListConsentsResponse consents;
  ASSERT_TRUE(stub_->ListConsents(Context().get(), list, &consents).ok());
  EXPECT_THAT(consents.consents(), SizeIs(1));
}

TEST_F(ClientRecordsTest, TreatmentRecordsAreCheckedAgainstTheProtocol) {
  const v1::Client client = Create(NewClient("Treat", "Ment")).client();
  ReadyForTreatment(client.name(), {"cheeks"});
  v1::CreateTreatmentRecordRequest request;
  request.set_parent(client.name());
  *request.mutable_treatment_record() = Record("cheeks", 1200);
  request.set_request_id("record-1");
  v1::TreatmentRecord record;
  grpc::Status status = stub_->CreateTreatmentRecord(Context().get(), request, &record);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(record.definition_version(), "2.1.0");
  EXPECT_EQ(record.recorded_by(), "staff/jane-doe");

  struct Bad {
    std::string area;
    int depth;
    std::string field;
  };
  for (const Bad& bad :
       std::vector<Bad>{{"lips", 500, "treatment_record.areas[0].area_id"},
                        {"forehead", 1500, "treatment_record.areas[0].needle_depth_um"},
                        {"cheeks", 1800, "treatment_record.areas[0].needle_depth_um"}}) {
    *request.mutable_treatment_record() = Record(bad.area, bad.depth);
    request.set_request_id("record-bad-" + bad.area + std::to_string(bad.depth));
    grpc::Status refused = stub_->CreateTreatmentRecord(Context().get(), request, &record);
    EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT) << bad.area;
    EXPECT_THAT(Fields(refused), ElementsAre(bad.field)) << refused.error_message();
  }

  // Acne scars on the cheeks may go deeper (charted the same day, so the
  // course interval is overridden).
  *request.mutable_treatment_record() = Record("cheeks", 1800);
  request.mutable_treatment_record()->mutable_areas(0)->set_indication_id("acne_scars");
  request.mutable_treatment_record()->set_interval_override_reason("Second pass, same visit");
  request.set_request_id("record-2");
  ASSERT_TRUE(stub_->CreateTreatmentRecord(Context().get(), request, &record).ok());

  v1::AddTreatmentRecordAddendumRequest addendum;
  addendum.set_name(record.name());
  addendum.mutable_addendum()->set_text("Depth was 1.8 mm on the left cheek only.");
  addendum.set_request_id("addendum-1");
  v1::TreatmentRecord with_addendum;
  ASSERT_TRUE(stub_->AddTreatmentRecordAddendum(Context().get(), addendum, &with_addendum).ok());
  ASSERT_THAT(with_addendum.addenda(), SizeIs(1));
  EXPECT_EQ(with_addendum.addenda(0).author(), "staff/jane-doe");
  EXPECT_EQ(with_addendum.areas(0).needle_depth_um(), 1800);

  v1::ListTreatmentRecordsRequest list;
  list.set_parent(client.name());
  list.set_page_size(1);
  v1::ListTreatmentRecordsResponse page;
  ASSERT_TRUE(stub_->ListTreatmentRecords(Context().get(), list, &page).ok());
  ASSERT_THAT(page.treatment_records(), SizeIs(1));
  EXPECT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(stub_->ListTreatmentRecords(Context().get(), list, &page).ok());
  EXPECT_THAT(page.treatment_records(), SizeIs(1));
  EXPECT_TRUE(page.next_page_token().empty());
}

// A session charts every product it used up, as Inventory allocated it; the
// record reads back with all of them.
TEST_F(ClientRecordsTest, ATreatmentRecordListsEverythingTheSessionUsedUp) {
  const v1::Client client = Create(NewClient("Con", "Sumables")).client();
  ReadyForTreatment(client.name(), {"cheeks", "forehead"});
  absl::StatusOr<std::string> second_lot =
      ready_->StockCartridges("london-soho", 2, "LOT-2026-0043");
  ASSERT_TRUE(second_lot.ok()) << second_lot.status();
  v1::CreateTreatmentRecordRequest request;
  request.set_parent(client.name());
  *request.mutable_treatment_record() = Record("cheeks", 1200);
  v1::TreatedArea* forehead = request.mutable_treatment_record()->add_areas();
  forehead->set_area_id("forehead");
  forehead->set_needle_depth_um(500);
  forehead->set_passes(2);
  // A second cartridge, from the box of another lot scanned at the chair,
  // on the forehead only.
  v1::ConsumableUse& second =
      clinic::testing::AddCartridgeUse(*request.mutable_treatment_record(), "face_36_42");
  second.set_lot(*second_lot);
  second.add_area_ids("forehead");
  // The anaesthetic cream: two units of whatever tube fits.
  v1::ConsumableUse* cream = request.mutable_treatment_record()->add_consumables();
  cream->set_quantity(2);
  cream->set_requirement_id("lidocaine_cream");
  request.set_request_id("consumables-1");
  v1::TreatmentRecord created;
  grpc::Status status = stub_->CreateTreatmentRecord(Context().get(), request, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(created.consumables(), SizeIs(3));
  EXPECT_FALSE(created.has_cartridge());

  v1::GetTreatmentRecordRequest get;
  get.set_name(created.name());
  v1::TreatmentRecord got;
  ASSERT_TRUE(stub_->GetTreatmentRecord(Context().get(), get, &got).ok());
  // The charge's delivery to Billing moves on by itself (here it fails: no
  // price is set), so only the record as charted is compared.
  v1::TreatmentRecord charted = created;
  charted.clear_charge();
  got.clear_charge();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, charted))
      << got.DebugString();
  EXPECT_EQ(got.consumables(1).lot_number(), "LOT-2026-0043");
  EXPECT_EQ(got.consumables(2).quantity(), 2);

  // A requirement of another treatment type, and the single cartridge of
  // older records, are refused, and nothing is written.
  cream->set_requirement_id("prp_kit");
  request.mutable_treatment_record()->mutable_cartridge()->set_lot_number("LOT-2026-0042");
  request.set_request_id("consumables-2");
  status = stub_->CreateTreatmentRecord(Context().get(), request, &created);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("treatment_record.consumables[2].requirement_id",
                                          "treatment_record.cartridge"));
  v1::ListTreatmentRecordsRequest list;
  list.set_parent(client.name());
  v1::ListTreatmentRecordsResponse listed;
  ASSERT_TRUE(stub_->ListTreatmentRecords(Context().get(), list, &listed).ok());
  EXPECT_THAT(listed.treatment_records(), SizeIs(1));
}

// Records charted before records listed consumables name one cartridge. A
// row written as that code wrote it still reads, lists and takes addenda,
// exactly as it was charted.
TEST_F(ClientRecordsTest, ARecordChartedWithOneCartridgeStillReads) {
  const v1::Client client = Create(NewClient("Older", "Record")).client();
  const std::string client_id = client.name().substr(std::string("clients/").size());
  const std::string record_id = storage::NewId();
  v1::TreatmentRecord charted;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        treatment_type_id: "microneedling"
        definition_version: "2.0.0"
        site_id: "london-soho"
        practitioner: "staff/jane-doe"
        perform_time { seconds: 1767225600 }
        areas { area_id: "cheeks" needle_depth_um: 1200 passes: 2 }
        cartridge {
          product: "Dermapen 4 36-pin"
          lot_number: "LOT-2025-0007"
          requirement_id: "face_36_42"
        }
        recorded_by: "staff/jane-doe"
        create_time { seconds: 1767225660 }
      )pb",
      &charted));
  charted.set_name(client.name() + "/treatmentRecords/" + record_id);
  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  {
    SQLite::Database db(data_.Join("client_records.db"), SQLite::OPEN_READWRITE);
    SQLite::Statement insert(db,
                             "INSERT INTO treatment_records (record_id, client_id, "
                             "treatment_type_id, site_id, lot_number, perform_ms, data) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)");
    const std::string bytes = charted.SerializeAsString();
    insert.bind(1, record_id);
    insert.bind(2, client_id);
    insert.bind(3, charted.treatment_type_id());
    insert.bind(4, charted.site_id());
    insert.bind(5, charted.cartridge().lot_number());
    insert.bind(6, static_cast<int64_t>(1767225600000));
    insert.bind(7, bytes.data(), static_cast<int>(bytes.size()));
    ASSERT_EQ(insert.exec(), 1);
  }
  Start();

  v1::GetTreatmentRecordRequest get;
  get.set_name(charted.name());
  v1::TreatmentRecord got;
  grpc::Status status = stub_->GetTreatmentRecord(Context().get(), get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, charted))
      << got.DebugString();
  EXPECT_EQ(got.cartridge().lot_number(), "LOT-2025-0007");
  EXPECT_THAT(got.consumables(), IsEmpty());

  v1::ListTreatmentRecordsRequest list;
  list.set_parent(client.name());
  v1::ListTreatmentRecordsResponse listed;
  ASSERT_TRUE(stub_->ListTreatmentRecords(Context().get(), list, &listed).ok());
  ASSERT_THAT(listed.treatment_records(), SizeIs(1));
  EXPECT_EQ(listed.treatment_records(0).cartridge().product(), "Dermapen 4 36-pin");

  v1::AddTreatmentRecordAddendumRequest addendum;
  addendum.set_name(charted.name());
  addendum.mutable_addendum()->set_text("Reviewed after the upgrade.");
  addendum.set_request_id("old-record-addendum");
  v1::TreatmentRecord with_addendum;
  status = stub_->AddTreatmentRecordAddendum(Context().get(), addendum, &with_addendum);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(with_addendum.addenda(), SizeIs(1));
  EXPECT_EQ(with_addendum.cartridge().lot_number(), "LOT-2025-0007");
}

TEST_F(ClientRecordsTest, BadInputNamesEveryFieldAndWritesNothing) {
  v1::CreateClientRequest request;
  v1::Client* c = request.mutable_client();
  c->set_home_site_id("atlantis");
  c->set_given_name("");
  c->set_family_name("Ok");
  c->mutable_date_of_birth()->set_year(2999);
  c->mutable_date_of_birth()->set_month(1);
  c->mutable_date_of_birth()->set_day(1);
  c->set_phone("07700 900123");
  c->set_email("not-an-email");
  v1::CreateClientResponse response;
  grpc::Status status = stub_->CreateClient(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ::testing::IsSupersetOf({"client.home_site_id", "client.given_name",
                                                       "client.date_of_birth", "client.phone",
                                                       "client.email", "request_id"}));
  v1::ListClientsResponse list;
  ASSERT_TRUE(stub_->ListClients(Context().get(), {}, &list).ok());
  EXPECT_THAT(list.clients(), IsEmpty());

  v1::GetClientRequest get;
  v1::Client client;
  for (const char* name : {"", "clients", "clients/abc", "patients/01J00000000000000000000000"}) {
    get.set_name(name);
    EXPECT_EQ(stub_->GetClient(Context().get(), get, &client).error_code(), grpc::INVALID_ARGUMENT)
        << name;
  }
  get.set_name("clients/01J00000000000000000000000");
  EXPECT_EQ(stub_->GetClient(Context().get(), get, &client).error_code(), grpc::NOT_FOUND);
}

TEST_F(ClientRecordsTest, BadChartInputNamesTheFieldsAndWritesNothing) {
  const v1::Client client = Create(NewClient("Bad", "Chart")).client();
  const std::string history_name = client.name() + "/medicalHistory";

  v1::UpdateMedicalHistoryRequest history;
  history.mutable_medical_history()->set_name(history_name);
  auto* first = history.mutable_medical_history()->add_facts();
  first->set_fact(v1::ECZEMA);
  *first->mutable_start_date() = NewClient("", "").date_of_birth();
  first->mutable_end_date()->set_year(1980);
  first->mutable_end_date()->set_month(1);
  first->mutable_end_date()->set_day(1);
  history.mutable_medical_history()->add_facts()->set_fact(v1::ECZEMA);
  history.mutable_medical_history()->add_facts()->set_fact(static_cast<v1::MedicalFact>(999));
  auto* tattoo = history.mutable_medical_history()->add_facts();
  tattoo->set_fact(v1::TATTOO_OR_PERMANENT_MAKEUP);
  tattoo->add_regions(v1::BODY_REGION_NECK);
  tattoo->add_regions(v1::BODY_REGION_NECK);
  v1::MedicalHistory stored;
  grpc::Status status = stub_->UpdateMedicalHistory(Context().get(), history, &stored);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status),
              ElementsAre("medical_history.facts[0].end_date", "medical_history.facts[1].fact",
                          "medical_history.facts[2].fact", "medical_history.facts[3].regions[1]",
                          "request_id"));
  history.mutable_medical_history()->set_name("clients/x/medicalHistory");
  EXPECT_THAT(Fields(stub_->UpdateMedicalHistory(Context().get(), history, &stored)),
              ElementsAre("medical_history.name"));

  v1::RecordConsentRequest consent;
  consent.set_parent(client.name());
  consent.mutable_consent()->set_site_id("paris");
  *consent.mutable_consent()->mutable_sign_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  consent.set_request_id("bad-consent");
  v1::Consent recorded;
  status = stub_->RecordConsent(Context().get(), consent, &recorded);
  EXPECT_THAT(Fields(status), ElementsAre("consent.treatment_type_id", "consent.form_version",
                                          "consent.sign_time", "consent.site_id"));

  v1::WithdrawConsentRequest withdraw;
  withdraw.set_name(client.name() + "/consents/01J00000000000000000000000");
  withdraw.set_request_id("bad-withdraw");
  EXPECT_THAT(Fields(stub_->WithdrawConsent(Context().get(), withdraw, &recorded)),
              ElementsAre("reason"));
  withdraw.set_reason("no longer wanted");
  EXPECT_EQ(stub_->WithdrawConsent(Context().get(), withdraw, &recorded).error_code(),
            grpc::NOT_FOUND);

  v1::CreateTreatmentRecordRequest record;
  record.set_parent(client.name());
  record.mutable_treatment_record()->set_treatment_type_id("microneedling");
  record.set_request_id("bad-record");
  v1::TreatmentRecord created;
  status = stub_->CreateTreatmentRecord(Context().get(), record, &created);
  EXPECT_THAT(Fields(status),
              ElementsAre("treatment_record.site_id", "treatment_record.practitioner",
                          "treatment_record.perform_time", "treatment_record.areas",
                          "treatment_record.consumables"));

  v1::AddTreatmentRecordAddendumRequest addendum;
  addendum.set_name(client.name() + "/treatmentRecords/01J00000000000000000000000");
  addendum.set_request_id("bad-addendum");
  EXPECT_THAT(Fields(stub_->AddTreatmentRecordAddendum(Context().get(), addendum, &created)),
              ElementsAre("addendum.text"));
  addendum.mutable_addendum()->set_text("Late note.");
  EXPECT_EQ(stub_->AddTreatmentRecordAddendum(Context().get(), addendum, &created).error_code(),
            grpc::NOT_FOUND);

  // None of it was written.
  v1::ListTreatmentRecordsRequest list_records;
  list_records.set_parent(client.name());
  v1::ListTreatmentRecordsResponse records;
  ASSERT_TRUE(stub_->ListTreatmentRecords(Context().get(), list_records, &records).ok());
  EXPECT_THAT(records.treatment_records(), IsEmpty());
  v1::ListConsentsRequest list_consents;
  list_consents.set_parent(client.name());
  v1::ListConsentsResponse consents;
  ASSERT_TRUE(stub_->ListConsents(Context().get(), list_consents, &consents).ok());
  EXPECT_THAT(consents.consents(), IsEmpty());
  v1::GetMedicalHistoryRequest get_history;
  get_history.set_name(history_name);
  ASSERT_TRUE(stub_->GetMedicalHistory(Context().get(), get_history, &stored).ok());
  EXPECT_EQ(stored.version(), 0);
}

TEST_F(ClientRecordsTest, DataSurvivesARestart) {
  const v1::Client client = Create(NewClient("Dur", "Able")).client();
  Restart();
  v1::GetClientRequest get;
  get.set_name(client.name());
  v1::Client got;
  ASSERT_TRUE(stub_->GetClient(Context().get(), get, &got).ok());
  EXPECT_EQ(got.family_name(), "Able");
  EXPECT_EQ(got.etag(), client.etag());
}

// Calls every gRPC server in this process has started, from channelz: a
// call counts as soon as it reaches the server, before its handler runs.
int64_t ServerCallsStarted() {
  char* json = grpc_channelz_get_servers(0);
  const std::string text = json == nullptr ? "" : json;
  gpr_free(json);
  static const std::regex kCalls("\"callsStarted\":\"?([0-9]+)");
  int64_t total = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), kCalls), end; it != end; ++it) {
    total += std::stoll((*it)[1].str());
  }
  return total;
}

TEST_F(ClientRecordsTest, HealthAnswersWhileAWriteWaitsForTheDatabase) {
  // Another process holds the database's write lock, so CreateClient waits
  // (up to busy_timeout) on the service's work pool. gRPC's own threads must
  // stay free: health checks and reads answer at once meanwhile.
  auto blocker =
      storage::Database::Open(data_.Join("client_records.db"), storage::Database::Options());
  ASSERT_TRUE(blocker.ok());
  std::promise<void> locked;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread holder([&] {
    ASSERT_TRUE((*blocker)
                    ->Write([&](storage::Connection&) {
                      locked.set_value();
                      released.wait();
                      return absl::OkStatus();
                    })
                    .ok());
  });
  ASSERT_EQ(locked.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);

  const int64_t calls_before = ServerCallsStarted();
  std::vector<std::thread> writers;
  std::atomic<int> written{0};
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&, i] {
      v1::CreateClientRequest request;
      *request.mutable_client() = NewClient("Waiting" + std::to_string(i), "Writer");
      request.set_request_id("waiting-writer-" + std::to_string(i));
      v1::CreateClientResponse response;
      if (stub_->CreateClient(Context().get(), request, &response).ok()) ++written;
    });
  }
  // The four writes have reached the server (and wait for the lock).
  ASSERT_TRUE(clinic::testing::WaitUntil([&] { return ServerCallsStarted() >= calls_before + 4; },
                                         std::chrono::seconds(30)));

  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 5; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("clinic.v1.ClientRecords");
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  EXPECT_EQ(written.load(), 0);
  release.set_value();
  holder.join();
  for (auto& writer : writers) writer.join();
  // The writers waited for the lock rather than failing.
  EXPECT_EQ(written.load(), 4);
}

TEST(ClientRecordsMigrationTest, UpgradesAnOlderFileAndRefusesANewerOne) {
  clinic::testing::TempDir data;
  const std::string path = data.Join("client_records.db");
  {
    auto db = storage::Database::Open(path, storage::Database::Options());
    ASSERT_TRUE(db.ok());
    const auto& all = client_records::ClientRecordsMigrations();
    std::vector<storage::Migration> older(all.begin(), all.begin() + 2);
    ASSERT_TRUE(storage::Migrate(**db, "client records", older).ok());
  }
  auto store = client_records::OpenSqliteClientRecordsStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  store->reset();
  {
    auto db = storage::Database::Open(path, storage::Database::Options());
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*storage::SchemaVersion(**db),
              static_cast<int>(client_records::ClientRecordsMigrations().size()));
    ASSERT_TRUE((*db)
                    ->Write([](storage::Connection& c) {
                      c.Exec("PRAGMA user_version = 99");
                      return absl::OkStatus();
                    })
                    .ok());
  }
  auto newer = client_records::OpenSqliteClientRecordsStore(path);
  ASSERT_FALSE(newer.ok());
  EXPECT_THAT(std::string(newer.status().message()), HasSubstr("schema version 99"));
}

}  // namespace
}  // namespace clinic
