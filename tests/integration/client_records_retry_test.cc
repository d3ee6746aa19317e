// Retried writes through the ClientRecords API: a request_id belongs to the
// caller that sent it. The same caller's retry (same id, same body) gets the
// first response and writes nothing new; the same id with another body is
// INVALID_ARGUMENT naming request_id; the same id and body from another
// caller is that caller's own request, never a replay of someone else's.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "clinic/v1/clients.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "google/protobuf/util/time_util.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/all_services.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/charting.h"
#include "tests/testing/test_env.h"
#include "tests/testing/treatment_ready.h"

namespace clinic {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::SizeIs;

std::vector<std::string> Fields(const grpc::Status& status) {
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
  return fields;
}

class ClientRecordsRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_chain()->add_sites()->set_site_id("london-soho");
    auto server = server::Server::Start(config, AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    jane_ = clinic::testing::IssueTestToken(data_.path(), "staff/jane",
                                            {clinic::testing::Binding(v1::ROLE_PRACTITIONER)});
    ana_ = clinic::testing::IssueTestToken(data_.path(), "staff/ana",
                                           {clinic::testing::Binding(v1::ROLE_PRACTITIONER)});
    service_ = clinic::testing::IssueTestToken(data_.path(), "service/screening",
                                               {clinic::testing::Binding(v1::ROLE_SERVICE)});
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::ClientRecords::NewStub(channel);
    ready_ = std::make_unique<clinic::testing::TreatmentReady>(channel, data_.path());
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& token,
                                                 const std::string& person = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    if (!person.empty()) context->AddMetadata("x-clinic-on-behalf-of", person);
    return context;
  }

  static v1::CreateClientRequest NewClient(const std::string& request_id) {
    v1::CreateClientRequest request;
    request.mutable_client()->set_home_site_id("london-soho");
    request.mutable_client()->set_given_name("Shared");
    request.mutable_client()->set_family_name("Request");
    request.mutable_client()->mutable_date_of_birth()->set_year(1988);
    request.mutable_client()->mutable_date_of_birth()->set_month(3);
    request.mutable_client()->mutable_date_of_birth()->set_day(14);
    request.set_request_id(request_id);
    return request;
  }

  std::string CreateClient() {
    v1::CreateClientResponse response;
    const grpc::Status status =
        stub_->CreateClient(As(jane_).get(), NewClient("setup-client"), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.client().name();
  }

  int CountClients() {
    v1::ListClientsResponse response;
    EXPECT_TRUE(stub_->ListClients(As(jane_).get(), {}, &response).ok());
    return response.clients_size();
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::string jane_;
  std::string ana_;
  std::string service_;
  std::unique_ptr<v1::ClientRecords::Stub> stub_;
  std::unique_ptr<clinic::testing::TreatmentReady> ready_;
};

TEST_F(ClientRecordsRetryTest, ARequestIdBelongsToItsCaller) {
  const v1::CreateClientRequest request = NewClient("shared-id");
  v1::CreateClientResponse jane_first, ana_first, jane_retry, ana_retry, for_jane;
  ASSERT_TRUE(stub_->CreateClient(As(jane_).get(), request, &jane_first).ok());
  // Ana sends the same id and body: her own new client, not Jane's response.
  ASSERT_TRUE(stub_->CreateClient(As(ana_).get(), request, &ana_first).ok());
  EXPECT_NE(ana_first.client().name(), jane_first.client().name());
  // Each one's retry still replays their own first response.
  ASSERT_TRUE(stub_->CreateClient(As(jane_).get(), request, &jane_retry).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(jane_retry, jane_first));
  ASSERT_TRUE(stub_->CreateClient(As(ana_).get(), request, &ana_retry).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(ana_retry, ana_first));
  // A service acting for Jane is another caller than Jane herself.
  ASSERT_TRUE(stub_->CreateClient(As(service_, "staff/jane").get(), request, &for_jane).ok());
  EXPECT_NE(for_jane.client().name(), jane_first.client().name());
  EXPECT_EQ(CountClients(), 3);

  // Another body under Ana's id is refused for Ana only.
  v1::CreateClientRequest other = request;
  other.mutable_client()->set_given_name("Other");
  v1::CreateClientResponse refused;
  const grpc::Status status = stub_->CreateClient(As(ana_).get(), other, &refused);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("request_id"));
  EXPECT_EQ(CountClients(), 3);
}

// Runs `call` twice with `request` and expects one write and equal answers,
// then once with `changed` (same id) and expects INVALID_ARGUMENT naming
// request_id and nothing written; `count` says how many were written.
template <typename Request, typename Response>
void ExpectRetrySafe(const std::function<grpc::Status(const Request&, Response*)>& call,
                     const Request& request, const Request& changed,
                     const std::function<int()>& count) {
  const int before = count();
  Response first, second, third;
  const grpc::Status status = call(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(count(), before + 1);
  ASSERT_TRUE(call(request, &second).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(first, second))
      << first.DebugString() << " vs " << second.DebugString();
  EXPECT_EQ(count(), before + 1);
  const grpc::Status refused = call(changed, &third);
  EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_THAT(Fields(refused), ElementsAre("request_id"));
  EXPECT_EQ(count(), before + 1);
}

TEST_F(ClientRecordsRetryTest, ConsentsAreRecordedAndWithdrawnOnce) {
  const std::string client = CreateClient();
  // The consents of the client in `state` (any state when unspecified).
  auto consents = [&](v1::ConsentState state) {
    v1::ListConsentsRequest list;
    list.set_parent(client);
    v1::ListConsentsResponse response;
    EXPECT_TRUE(stub_->ListConsents(As(jane_).get(), list, &response).ok());
    int count = 0;
    for (const auto& c : response.consents()) {
      count += state == v1::CONSENT_STATE_UNSPECIFIED || c.state() == state;
    }
    return count;
  };
  v1::RecordConsentRequest record;
  record.set_parent(client);
  record.mutable_consent()->set_treatment_type_id("microneedling");
  record.mutable_consent()->set_form_version("2026-03");
  *record.mutable_consent()->mutable_sign_time() = TimeUtil::GetCurrentTime();
  record.mutable_consent()->set_site_id("london-soho");
  record.set_request_id("consent-once");
  v1::RecordConsentRequest other_record = record;
  other_record.mutable_consent()->set_form_version("2026-04");
  ExpectRetrySafe<v1::RecordConsentRequest, v1::Consent>(
      [&](const v1::RecordConsentRequest& r, v1::Consent* c) {
        return stub_->RecordConsent(As(jane_).get(), r, c);
      },
      record, other_record, [&] { return consents(v1::CONSENT_STATE_UNSPECIFIED); });

  v1::ListConsentsRequest list;
  list.set_parent(client);
  v1::ListConsentsResponse listed;
  ASSERT_TRUE(stub_->ListConsents(As(jane_).get(), list, &listed).ok());
  ASSERT_THAT(listed.consents(), SizeIs(1));
  v1::WithdrawConsentRequest withdraw;
  withdraw.set_name(listed.consents(0).name());
  withdraw.set_reason("changed her mind");
  withdraw.set_request_id("withdraw-once");
  v1::WithdrawConsentRequest other_withdraw = withdraw;
  other_withdraw.set_reason("moved away");
  // A withdrawal that ran again would be FAILED_PRECONDITION, not a replay.
  ExpectRetrySafe<v1::WithdrawConsentRequest, v1::Consent>(
      [&](const v1::WithdrawConsentRequest& r, v1::Consent* c) {
        return stub_->WithdrawConsent(As(jane_).get(), r, c);
      },
      withdraw, other_withdraw, [&] { return consents(v1::CONSENT_STATE_WITHDRAWN); });
}

TEST_F(ClientRecordsRetryTest, TreatmentRecordsAndAddendaAreWrittenOnce) {
  const std::string client = CreateClient();
  auto records = [&] {
    v1::ListTreatmentRecordsRequest list;
    list.set_parent(client);
    v1::ListTreatmentRecordsResponse response;
    EXPECT_TRUE(stub_->ListTreatmentRecords(As(jane_).get(), list, &response).ok());
    return response.treatment_records_size();
  };
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", "london-soho", {"cheeks"}).ok());
  ASSERT_TRUE(ready_->StockCartridges("london-soho", 5).ok());
  v1::CreateTreatmentRecordRequest create;
  create.set_parent(client);
  v1::TreatmentRecord* record = create.mutable_treatment_record();
  record->set_treatment_type_id("microneedling");
  record->set_site_id("london-soho");
  record->set_practitioner("staff/jane");
  *record->mutable_perform_time() = TimeUtil::GetCurrentTime();
  auto* area = record->add_areas();
  area->set_area_id("cheeks");
  area->set_needle_depth_um(1200);
  area->set_passes(2);
  clinic::testing::AddCartridgeUse(*record, "face_36_42");
  create.set_request_id("record-once");
  v1::CreateTreatmentRecordRequest other_create = create;
  other_create.mutable_treatment_record()->mutable_areas(0)->set_needle_depth_um(1000);
  ExpectRetrySafe<v1::CreateTreatmentRecordRequest, v1::TreatmentRecord>(
      [&](const v1::CreateTreatmentRecordRequest& r, v1::TreatmentRecord* t) {
        const grpc::Status status = stub_->CreateTreatmentRecord(As(jane_).get(), r, t);
        // The charge moves on between the calls (attempts, next attempt);
        // the record is what must come back the same.
        t->clear_charge();
        return status;
      },
      create, other_create, records);

  v1::ListTreatmentRecordsRequest list;
  list.set_parent(client);
  v1::ListTreatmentRecordsResponse listed;
  ASSERT_TRUE(stub_->ListTreatmentRecords(As(jane_).get(), list, &listed).ok());
  ASSERT_THAT(listed.treatment_records(), SizeIs(1));
  const std::string name = listed.treatment_records(0).name();
  auto addenda = [&] {
    v1::GetTreatmentRecordRequest get;
    get.set_name(name);
    v1::TreatmentRecord got;
    EXPECT_TRUE(stub_->GetTreatmentRecord(As(jane_).get(), get, &got).ok());
    return got.addenda_size();
  };
  v1::AddTreatmentRecordAddendumRequest addendum;
  addendum.set_name(name);
  addendum.mutable_addendum()->set_text("Mild erythema resolved on day 2.");
  addendum.set_request_id("addendum-once");
  v1::AddTreatmentRecordAddendumRequest other_addendum = addendum;
  other_addendum.mutable_addendum()->set_text("No erythema.");
  ExpectRetrySafe<v1::AddTreatmentRecordAddendumRequest, v1::TreatmentRecord>(
      [&](const v1::AddTreatmentRecordAddendumRequest& r, v1::TreatmentRecord* t) {
        return stub_->AddTreatmentRecordAddendum(As(jane_).get(), r, t);
      },
      addendum, other_addendum, addenda);
}

}  // namespace
}  // namespace clinic
