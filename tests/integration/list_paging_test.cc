// Every list pages the same way (common/storage/paging.h), checked over gRPC
// on one server hosting every service with a small message limit: paging
// through any list at any page size returns each item exactly once, pages of
// large items stop at the byte budget and still fit in a response, and a
// token is refused by every list and query but its own.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "google/protobuf/util/time_util.h"
#include "services/access/access_service.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/all_services.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/charting.h"
#include "tests/testing/test_env.h"
#include "tests/testing/treatment_ready.h"

namespace clinic {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::Le;

// A page budget of 8 KiB: items of a few hundred bytes fill it well before
// 100 of them.
constexpr int kMaxMessageBytes = 16 << 10;
constexpr char kSite[] = "london-soho";
constexpr int kClients = 20;
constexpr int kHistoryVersions = 6;
constexpr int kConsents = 40;
constexpr int kTreatmentRecords = 6;

// One page of a list, as its caller sees it.
struct Page {
  grpc::Status status;
  std::vector<std::string> names;
  std::string next_page_token;
  size_t bytes = 0;
};

// Asks a list for the page of this size after this token.
using PageCall = std::function<Page(int32_t page_size, const std::string& page_token)>;

struct List {
  std::string method;
  PageCall call;
};

class PagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The test plugins: a bundled definition (some 25 KB) is larger than
    // this server's whole message limit, so ListTreatmentTypes could not send
    // even a page of one.
    for (const char* plugin : {"test_alpha", "test_beta", "test_screening"}) {
      clinic::testing::CopyFile(clinic::testing::TestPluginPath(plugin),
                                plugins_.Join(absl::StrCat(plugin, ".so")));
    }
    for (const char* bad : {"a", "b", "c"}) {
      clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_bad_abi"),
                                plugins_.Join(absl::StrCat("test_bad_abi_", bad, ".so")));
    }
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_server()->set_max_message_bytes(kMaxMessageBytes);
    config.mutable_chain()->add_sites()->set_site_id(kSite);
    auto server = server::Server::Start(config, clinic::AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    catalog_ = v1::TreatmentCatalog::NewStub(channel);
    access_ = v1::Access::NewStub(channel);
    audit_ = v1::Audit::NewStub(channel);
    records_ = v1::ClientRecords::NewStub(channel);
    ready_ = std::make_unique<clinic::testing::TreatmentReady>(channel, data_.path());
    admin_ = clinic::testing::IssueTestToken(data_.path(), "staff/root",
                                             {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
    nurse_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kSite)});
    for (int i = 0; i < 3; ++i) {
      clinic::testing::IssueTestToken(data_.path(), absl::StrCat("staff/extra-", i), {});
    }
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& secret) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, secret);
    return context;
  }

  static std::vector<std::string> Fields(const grpc::Status& status) {
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
    return fields;
  }

  // A PageCall for `rpc` of `stub`, sending `base` with the paging fields
  // set, as `secret`; `names` lists a response's items.
  template <typename Stub, typename Request, typename Response, typename Names>
  static PageCall Lister(Stub* stub,
                         grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                         std::string secret, Request base, Names names) {
    return [=](int32_t page_size, const std::string& page_token) {
      Request request = base;
      request.set_page_size(page_size);
      request.set_page_token(page_token);
      Response response;
      Page page;
      page.status = (stub->*rpc)(As(secret).get(), request, &response);
      page.names = names(response);
      page.next_page_token = response.next_page_token();
      page.bytes = response.ByteSizeLong();
      return page;
    };
  }

  template <typename Items, typename Key>
  static std::vector<std::string> Keys(const Items& items, Key key) {
    std::vector<std::string> keys;
    for (const auto& item : items) keys.push_back(key(item));
    return keys;
  }

  // Every item of a list, following next_page_token from the first page;
  // checks that every page is OK, not empty and within the message limit.
  static std::vector<std::string> PageAll(const List& list, int32_t page_size,
                                          int* pages = nullptr) {
    std::vector<std::string> all;
    std::string token;
    int count = 0;
    do {
      const Page page = list.call(page_size, token);
      EXPECT_TRUE(page.status.ok()) << list.method << ": " << page.status.error_message();
      if (!page.status.ok()) break;
      EXPECT_FALSE(page.names.empty()) << list.method;
      EXPECT_THAT(page.bytes, Le(static_cast<size_t>(kMaxMessageBytes))) << list.method;
      all.insert(all.end(), page.names.begin(), page.names.end());
      token = page.next_page_token;
    } while (!token.empty() && ++count < 1000);
    if (pages != nullptr) *pages = count + 1;
    return all;
  }

  // Clients with long addresses (about 1 KiB each), created oldest first;
  // their names in that order.
  std::vector<std::string> CreateClients() {
    std::vector<std::string> names;
    for (int i = 0; i < kClients; ++i) {
      v1::CreateClientRequest request;
      v1::Client* client = request.mutable_client();
      client->set_home_site_id(kSite);
      client->set_given_name(absl::StrCat("Given", i < 10 ? "0" : "", i));
      client->set_family_name("Pagewell");
      client->mutable_date_of_birth()->set_year(1990);
      client->mutable_date_of_birth()->set_month(4);
      client->mutable_date_of_birth()->set_day(12);
      for (int line = 0; line < 5; ++line) {
        client->mutable_address()->add_lines(std::string(200, 'a' + line));
      }
      request.set_request_id(absl::StrCat("client-", i));
      v1::CreateClientResponse response;
      const grpc::Status status = records_->CreateClient(As(nurse_).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      names.push_back(response.client().name());
    }
    return names;
  }

  // Chart entries of `client` large enough that a few fill a page: medical
  // history versions and treatment records with long notes, and consents.
  // Each list's names, newest first.
  void CreateChart(const std::string& client, std::vector<std::string>* versions,
                   std::vector<std::string>* consents, std::vector<std::string>* records) {
    std::string etag;
    for (int i = 1; i <= kHistoryVersions; ++i) {
      v1::UpdateMedicalHistoryRequest update;
      update.mutable_medical_history()->set_name(client + "/medicalHistory");
      update.mutable_medical_history()->set_etag(etag);
      update.mutable_medical_history()->set_notes(std::string(3000, 'n'));
      update.set_request_id(absl::StrCat(client, "-history-", i));
      v1::MedicalHistory stored;
      const grpc::Status status = records_->UpdateMedicalHistory(As(nurse_).get(), update, &stored);
      ASSERT_TRUE(status.ok()) << status.error_message();
      etag = stored.etag();
      versions->insert(versions->begin(), absl::StrCat(stored.version()));
    }
    for (int i = 0; i < kConsents; ++i) {
      v1::RecordConsentRequest record;
      record.set_parent(client);
      record.mutable_consent()->set_treatment_type_id("test_screening");
      record.mutable_consent()->set_form_version(std::string(64, 'v'));
      *record.mutable_consent()->mutable_sign_time() = TimeUtil::GetCurrentTime();
      record.mutable_consent()->set_site_id(kSite);
      record.mutable_consent()->set_witness(std::string(200, 'w'));
      record.set_request_id(absl::StrCat(client, "-consent-", i));
      v1::Consent consent;
      const grpc::Status status = records_->RecordConsent(As(nurse_).get(), record, &consent);
      ASSERT_TRUE(status.ok()) << status.error_message();
      consents->insert(consents->begin(), consent.name());
    }
    // The flow wants a screening and stock; the consents above are on file.
    ASSERT_TRUE(ready_->Screen(client, "test_screening", kSite, {"cheeks"}).ok());
    ASSERT_TRUE(ready_->StockCartridges(kSite, kTreatmentRecords, client + "-lot", 12).ok());
    for (int i = 0; i < kTreatmentRecords; ++i) {
      v1::CreateTreatmentRecordRequest request;
      request.set_parent(client);
      v1::TreatmentRecord* record = request.mutable_treatment_record();
      record->set_treatment_type_id("test_screening");
      record->set_site_id(kSite);
      record->set_practitioner("staff/nurse");
      // A second apart, in the order created, so newest first is the
      // reverse of creation.
      *record->mutable_perform_time() =
          TimeUtil::GetCurrentTime() - TimeUtil::SecondsToDuration(kTreatmentRecords - i);
      auto* area = record->add_areas();
      area->set_area_id("cheeks");
      area->set_needle_depth_um(1200);
      area->set_passes(2);
      clinic::testing::AddCartridgeUse(*record, "face_12");
      // All charted at once, a course that wants weeks between sessions.
      record->set_interval_override_reason("Paging fixture");
      record->set_notes(std::string(3000, 'r'));
      request.set_request_id(absl::StrCat(client, "-record-", i));
      v1::TreatmentRecord created;
      const grpc::Status status =
          records_->CreateTreatmentRecord(As(nurse_).get(), request, &created);
      ASSERT_TRUE(status.ok()) << status.error_message();
      records->insert(records->begin(), created.name());
    }
  }

  // The five ClientRecords lists over `client`'s chart and the clients.
  std::vector<List> ClientRecordsLists(const std::string& client, const std::string& prefix) {
    v1::SearchClientsRequest search;
    search.set_name_prefix(prefix);
    v1::ListMedicalHistoryVersionsRequest versions;
    versions.set_name(client + "/medicalHistory");
    v1::ListConsentsRequest consents;
    consents.set_parent(client);
    v1::ListTreatmentRecordsRequest records;
    records.set_parent(client);
    const auto name = [](const auto& item) { return item.name(); };
    return {
        {"ListClients", Lister(records_.get(), &v1::ClientRecords::Stub::ListClients, nurse_,
                               v1::ListClientsRequest(),
                               [name](const auto& r) { return Keys(r.clients(), name); })},
        {"SearchClients",
         Lister(records_.get(), &v1::ClientRecords::Stub::SearchClients, nurse_, search,
                [name](const auto& r) { return Keys(r.clients(), name); })},
        {"ListMedicalHistoryVersions",
         Lister(
             records_.get(), &v1::ClientRecords::Stub::ListMedicalHistoryVersions, nurse_, versions,
             [](const auto& r) {
               return Keys(r.versions(), [](const auto& v) { return absl::StrCat(v.version()); });
             })},
        {"ListConsents",
         Lister(records_.get(), &v1::ClientRecords::Stub::ListConsents, nurse_, consents,
                [name](const auto& r) { return Keys(r.consents(), name); })},
        {"ListTreatmentRecords",
         Lister(records_.get(), &v1::ClientRecords::Stub::ListTreatmentRecords, nurse_, records,
                [name](const auto& r) { return Keys(r.treatment_records(), name); })},
    };
  }

  // The lists of the catalog, Access and Audit.
  std::vector<List> ProcessLists() {
    const auto name = [](const auto& item) { return item.name(); };
    return {
        {"ListTreatmentTypes",
         Lister(catalog_.get(), &v1::TreatmentCatalog::Stub::ListTreatmentTypes, admin_,
                v1::ListTreatmentTypesRequest(),
                [name](const auto& r) { return Keys(r.treatment_types(), name); })},
        {"ListPluginProblems",
         Lister(catalog_.get(), &v1::TreatmentCatalog::Stub::ListPluginProblems, admin_,
                v1::ListPluginProblemsRequest(),
                [](const auto& r) {
                  return Keys(r.problems(), [](const auto& p) { return p.file_name(); });
                })},
        {"ListPrincipals", Lister(access_.get(), &v1::Access::Stub::ListPrincipals, admin_,
                                  v1::ListPrincipalsRequest(),
                                  [name](const auto& r) { return Keys(r.principals(), name); })},
        {"ListTokens",
         Lister(access_.get(), &v1::Access::Stub::ListTokens, admin_, v1::ListTokensRequest(),
                [name](const auto& r) { return Keys(r.tokens(), name); })},
        {"ListAuditEvents", Lister(audit_.get(), &v1::Audit::Stub::ListAuditEvents, admin_,
                                   v1::ListAuditEventsRequest(),
                                   [](const auto& r) {
                                     return Keys(r.events(), [](const auto& e) {
                                       return absl::StrCat(e.sequence());
                                     });
                                   })},
    };
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<clinic::testing::TreatmentReady> ready_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::TreatmentCatalog::Stub> catalog_;
  std::unique_ptr<v1::Access::Stub> access_;
  std::unique_ptr<v1::Audit::Stub> audit_;
  std::unique_ptr<v1::ClientRecords::Stub> records_;
  std::string admin_;
  std::string nurse_;
};

TEST_F(PagingTest, EveryListReturnsEachItemExactlyOnceWhateverThePageSize) {
  const std::vector<std::string> clients = CreateClients();
  std::vector<std::string> versions, consents, records;
  ASSERT_NO_FATAL_FAILURE(CreateChart(clients[0], &versions, &consents, &records));

  const std::vector<std::vector<std::string>> expected = {
      std::vector<std::string>(clients.rbegin(), clients.rend()),  // newest first
      clients,                                                     // by name: Given00, Given01, ...
      versions, consents, records};
  const std::vector<List> chart = ClientRecordsLists(clients[0], "Pagewell");
  for (size_t i = 0; i < chart.size(); ++i) {
    for (int32_t page_size : {1, 3, 0, 100}) {
      EXPECT_EQ(PageAll(chart[i], page_size), expected[i])
          << chart[i].method << " page_size " << page_size;
    }
  }

  const std::vector<List> lists = ProcessLists();
  for (int32_t page_size : {1, 2, 100}) {
    EXPECT_THAT(PageAll(lists[0], page_size),
                ElementsAre("treatmentTypes/test_alpha", "treatmentTypes/test_beta",
                            "treatmentTypes/test_screening"));
    EXPECT_THAT(PageAll(lists[1], page_size),
                ElementsAre("test_bad_abi_a.so", "test_bad_abi_b.so", "test_bad_abi_c.so"));
    EXPECT_THAT(PageAll(lists[2], page_size),
                ElementsAre("staff/extra-0", "staff/extra-1", "staff/extra-2", "staff/nurse",
                            "staff/ready-practitioner", "staff/ready-stock", "staff/root"));
  }
  // Tokens: one per principal, in the same order at every page size.
  const std::vector<std::string> tokens = PageAll(lists[3], 100);
  EXPECT_EQ(tokens.size(), 7u);
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), tokens.size());
  EXPECT_EQ(PageAll(lists[3], 1), tokens);
  EXPECT_EQ(PageAll(lists[3], 2), tokens);

  // The audit trail grows with every call, paging included; the events up to
  // the first page's newest come back once each, newest first, down to the
  // first event.
  for (int32_t page_size : {1, 7, 0, 500}) {
    const std::vector<std::string> events = PageAll(lists[4], page_size);
    ASSERT_FALSE(events.empty());
    int64_t newest = 0;
    ASSERT_TRUE(absl::SimpleAtoi(events.front(), &newest));
    std::vector<std::string> every;
    for (int64_t sequence = newest; sequence >= 1; --sequence) {
      every.push_back(absl::StrCat(sequence));
    }
    EXPECT_EQ(events, every) << "page_size " << page_size;
  }
}

TEST_F(PagingTest, PagesOfLargeItemsStopAtTheBudgetAndFitInAResponse) {
  const std::vector<std::string> clients = CreateClients();
  std::vector<std::string> versions, consents, records;
  ASSERT_NO_FATAL_FAILURE(CreateChart(clients[0], &versions, &consents, &records));
  // None of these lists has 100 items, yet 100 of any of them would pass the
  // budget, so asking for 100 (or more) gives several pages, each within the
  // message limit.
  for (const List& list : ClientRecordsLists(clients[0], "Pagewell")) {
    for (int32_t page_size : {100, 1 << 30}) {
      int pages = 0;
      const std::vector<std::string> all = PageAll(list, page_size, &pages);
      EXPECT_LT(all.size(), 100u) << list.method;
      EXPECT_GE(pages, 2) << list.method << " page_size " << page_size;
    }
  }
}

TEST_F(PagingTest, ATokenIsRefusedByEveryOtherListAndQuery) {
  const std::vector<std::string> clients = CreateClients();
  std::vector<std::string> versions, consents, records;
  ASSERT_NO_FATAL_FAILURE(CreateChart(clients[0], &versions, &consents, &records));
  ASSERT_NO_FATAL_FAILURE(CreateChart(clients[1], &versions, &consents, &records));

  std::vector<List> lists = ClientRecordsLists(clients[0], "Pagewell");
  for (List& list : ProcessLists()) lists.push_back(std::move(list));
  std::vector<std::string> tokens;
  for (const List& list : lists) {
    const Page first = list.call(1, "");
    ASSERT_TRUE(first.status.ok()) << list.method << ": " << first.status.error_message();
    ASSERT_FALSE(first.next_page_token.empty()) << list.method;
    tokens.push_back(first.next_page_token);
  }
  for (size_t from = 0; from < lists.size(); ++from) {
    for (size_t to = 0; to < lists.size(); ++to) {
      const Page page = lists[to].call(1, tokens[from]);
      if (from == to) {
        EXPECT_TRUE(page.status.ok()) << lists[to].method << ": " << page.status.error_message();
        continue;
      }
      EXPECT_EQ(page.status.error_code(), grpc::INVALID_ARGUMENT)
          << lists[from].method << "'s token sent to " << lists[to].method;
      EXPECT_THAT(Fields(page.status), ElementsAre("page_token"))
          << lists[from].method << "'s token sent to " << lists[to].method;
    }
  }

  // The same lists over another client, or another search: the tokens of
  // the first are refused there.
  const std::vector<List> other = ClientRecordsLists(clients[1], "Given01");
  for (size_t i = 1; i < other.size(); ++i) {
    const Page page = other[i].call(1, tokens[i]);
    EXPECT_EQ(page.status.error_code(), grpc::INVALID_ARGUMENT) << other[i].method;
    EXPECT_THAT(Fields(page.status), ElementsAre("page_token")) << other[i].method;
  }
}

}  // namespace
}  // namespace clinic
