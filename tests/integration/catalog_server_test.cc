// A real server on a loopback port hosting the TreatmentCatalog, called over
// gRPC: listing and paging, getting, errors with field details, plugin
// problems, reloads, the versions it has accepted, health checking,
// reflection and request ids.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "clinic/v1/common.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/hash.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "common/plugins/definition_history.h"
#include "common/server/server.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using v1::TreatmentCatalog;

class CatalogServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("rf_microneedling"),
                              plugins_.Join("rf_microneedling.so"));
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("prp_microneedling"),
                              plugins_.Join("prp_microneedling.so"));
    clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_bad_abi"),
                              plugins_.Join("test_bad_abi.so"));
    StartServer();
  }

  void StartServer() {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    auto server = server::Server::Start(config, {catalog::TreatmentCatalogFactory()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
    token_ = clinic::testing::IssueTestToken(data_.path(), "staff/admin",
                                             {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = TreatmentCatalog::NewStub(channel_);
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token_);
    return context;
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<TreatmentCatalog::Stub> stub_;
};

TEST_F(CatalogServerTest, ListsLoadedTreatmentTypesInIdOrder) {
  v1::ListTreatmentTypesRequest request;
  v1::ListTreatmentTypesResponse response;
  ASSERT_TRUE(stub_->ListTreatmentTypes(Context().get(), request, &response).ok());
  std::vector<std::string> names;
  for (const auto& type : response.treatment_types()) names.push_back(type.name());
  EXPECT_THAT(names, ElementsAre("treatmentTypes/microneedling", "treatmentTypes/prp_microneedling",
                                 "treatmentTypes/rf_microneedling"));
  EXPECT_THAT(response.next_page_token(), IsEmpty());
  EXPECT_FALSE(response.treatment_types(0).definition().contraindications().empty());
}

TEST_F(CatalogServerTest, PagesThroughWithOpaqueTokens) {
  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    v1::ListTreatmentTypesRequest request;
    request.set_page_size(1);
    request.set_page_token(token);
    v1::ListTreatmentTypesResponse response;
    grpc::Status status = stub_->ListTreatmentTypes(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_THAT(response.treatment_types(), SizeIs(1));
    ids.push_back(response.treatment_types(0).definition().id());
    token = response.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_THAT(ids, ElementsAre("microneedling", "prp_microneedling", "rf_microneedling"));
}

TEST_F(CatalogServerTest, RefusesForeignAndMalformedPageTokensAndNegativeSizes) {
  // The unsigned layout the catalog once used ("p1|pluginProblems|x" and
  // "p1|treatmentTypes|prp_microneedling") is refused like any forgery.
  for (const std::string& token :
       {std::string("garbage!"), std::string("cDF8cGx1Z2luUHJvYmxlbXN8eA"),
        std::string("cDF8dHJlYXRtZW50VHlwZXN8cHJwX21pY3JvbmVlZGxpbmc")}) {
    v1::ListTreatmentTypesRequest request;
    request.set_page_token(token);
    v1::ListTreatmentTypesResponse response;
    grpc::Status status = stub_->ListTreatmentTypes(Context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << token;
    EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  }
  v1::ListTreatmentTypesRequest request;
  request.set_page_size(-1);
  v1::ListTreatmentTypesResponse response;
  grpc::Status status = stub_->ListTreatmentTypes(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  const auto violations = GetFieldViolations(FromGrpcStatus(status));
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field, "page_size");
}

// The catalog has no database of its own; its tokens are signed with the key
// in the process's access database, like every other list's.
TEST_F(CatalogServerTest, PageTokensAreSignedBoundToTheirListAndSurviveARestart) {
  const auto list_types = [&](const std::string& token, v1::ListTreatmentTypesResponse* page) {
    v1::ListTreatmentTypesRequest request;
    request.set_page_size(1);
    request.set_page_token(token);
    return stub_->ListTreatmentTypes(Context().get(), request, page);
  };
  const auto expect_refused = [](const grpc::Status& status, const std::string& token) {
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << token;
    const auto violations = GetFieldViolations(FromGrpcStatus(status));
    ASSERT_THAT(violations, SizeIs(1)) << token;
    EXPECT_EQ(violations[0].field, "page_token");
  };
  v1::ListTreatmentTypesResponse first;
  ASSERT_TRUE(list_types("", &first).ok());
  const std::string token = first.next_page_token();
  ASSERT_FALSE(token.empty());

  // Any one byte edited, one dropped or one added: refused.
  for (size_t i = 0; i < token.size(); ++i) {
    std::string edited = token;
    edited[i] = token[i] == 'A' ? 'B' : 'A';
    v1::ListTreatmentTypesResponse page;
    expect_refused(list_types(edited, &page), edited);
  }
  for (const std::string& bad : {token.substr(0, token.size() - 1), token.substr(1), token + "A"}) {
    v1::ListTreatmentTypesResponse page;
    expect_refused(list_types(bad, &page), bad);
  }
  // Nor does another list take it.
  v1::ListPluginProblemsRequest problems;
  problems.set_page_token(token);
  v1::ListPluginProblemsResponse problems_page;
  expect_refused(stub_->ListPluginProblems(Context().get(), problems, &problems_page), token);

  // The key outlives the process: the token still resumes after a restart.
  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  StartServer();
  v1::ListTreatmentTypesResponse second;
  const grpc::Status status = list_types(token, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(second.treatment_types(), SizeIs(1));
  EXPECT_EQ(second.treatment_types(0).definition().id(), "prp_microneedling");
}

TEST_F(CatalogServerTest, GetsOneTreatmentTypeWithItsSource) {
  v1::GetTreatmentTypeRequest request;
  request.set_name("treatmentTypes/rf_microneedling");
  v1::TreatmentType type;
  ASSERT_TRUE(stub_->GetTreatmentType(Context().get(), request, &type).ok());
  EXPECT_EQ(type.definition().id(), "rf_microneedling");
  EXPECT_EQ(type.source().file_name(), "rf_microneedling.so");
  EXPECT_TRUE(type.source().has_loaded_at());
}

TEST_F(CatalogServerTest, GetErrorsNameTheFieldAndTheReason) {
  struct Case {
    std::string name;
    grpc::StatusCode code;
    std::string fragment;
  };
  for (const Case& c :
       std::vector<Case>{{"", grpc::INVALID_ARGUMENT, "name: is required"},
                         {"microneedling", grpc::INVALID_ARGUMENT,
                          "\"microneedling\" is not of the form \"treatmentTypes/{id}\""},
                         {"treatmentTypes/", grpc::INVALID_ARGUMENT, "is not of the form"},
                         {"treatmentTypes/a/b", grpc::INVALID_ARGUMENT, "is not of the form"},
                         {"treatmentTypes/laser_hair_removal", grpc::NOT_FOUND,
                          "treatment type 'laser_hair_removal' is not loaded"}}) {
    v1::GetTreatmentTypeRequest request;
    request.set_name(c.name);
    v1::TreatmentType type;
    grpc::Status status = stub_->GetTreatmentType(Context().get(), request, &type);
    EXPECT_EQ(status.error_code(), c.code) << c.name;
    EXPECT_THAT(status.error_message(), HasSubstr(c.fragment)) << c.name;
    v1::Status details;
    ASSERT_TRUE(details.ParseFromString(status.error_details())) << c.name;
    EXPECT_EQ(details.code(), static_cast<int>(c.code));
    ASSERT_FALSE(details.details().empty()) << c.name;
    if (c.code == grpc::INVALID_ARGUMENT) {
      v1::BadRequest bad_request;
      ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
      ASSERT_THAT(bad_request.field_violations(), SizeIs(1));
      EXPECT_EQ(bad_request.field_violations(0).field(), "name");
    } else {
      v1::ErrorInfo info;
      ASSERT_TRUE(details.details(0).UnpackTo(&info));
      EXPECT_EQ(info.reason(), "TREATMENT_TYPE_NOT_LOADED");
      EXPECT_EQ(info.domain(), "clinic.v1.TreatmentCatalog");
    }
  }
}

TEST_F(CatalogServerTest, ListsPluginProblems) {
  v1::ListPluginProblemsRequest request;
  v1::ListPluginProblemsResponse response;
  ASSERT_TRUE(stub_->ListPluginProblems(Context().get(), request, &response).ok());
  ASSERT_THAT(response.problems(), SizeIs(1));
  EXPECT_EQ(response.problems(0).file_name(), "test_bad_abi.so");
  EXPECT_EQ(response.problems(0).stage(), v1::PLUGIN_PROBLEM_STAGE_ABI);
  EXPECT_THAT(response.problems(0).reasons(0), HasSubstr("ABI version 999"));
}

TEST_F(CatalogServerTest, ReloadServesNewPluginsAndReportsNewProblems) {
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha"),
                            plugins_.Join("test_alpha.so"));
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_crash_on_load"),
                            plugins_.Join("test_crash_on_load.so"));
  ASSERT_EQ(unlink(plugins_.Join("test_bad_abi.so").c_str()), 0);
  v1::ReloadPluginsResponse reload;
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), v1::ReloadPluginsRequest(), &reload).ok());
  EXPECT_THAT(reload.loaded_treatment_type_ids(),
              ElementsAre("microneedling", "prp_microneedling", "rf_microneedling", "test_alpha"));
  ASSERT_THAT(reload.problems(), SizeIs(1));
  EXPECT_EQ(reload.problems(0).stage(), v1::PLUGIN_PROBLEM_STAGE_CRASH);

  v1::GetTreatmentTypeRequest request;
  request.set_name("treatmentTypes/test_alpha");
  v1::TreatmentType type;
  EXPECT_TRUE(stub_->GetTreatmentType(Context().get(), request, &type).ok());
  v1::ListPluginProblemsResponse problems;
  ASSERT_TRUE(
      stub_->ListPluginProblems(Context().get(), v1::ListPluginProblemsRequest(), &problems).ok());
  ASSERT_THAT(problems.problems(), SizeIs(1));
  EXPECT_EQ(problems.problems(0).file_name(), "test_crash_on_load.so");
}

// Every definition version the catalog accepted is served by name, loaded
// or not, and a version stays bound to the content it was first accepted
// with, across reloads and restarts.

TEST_F(CatalogServerTest, GetsALoadedVersionWithItsHashAndLoadTimes) {
  // Whichever version of the bundled plugin is built.
  v1::GetTreatmentTypeRequest get_type;
  get_type.set_name("treatmentTypes/microneedling");
  v1::TreatmentType type;
  ASSERT_TRUE(stub_->GetTreatmentType(Context().get(), get_type, &type).ok());
  const std::string loaded = type.definition().version();
  v1::GetTreatmentTypeVersionRequest request;
  request.set_name("treatmentTypes/microneedling/versions/" + loaded);
  v1::TreatmentTypeVersion version;
  const grpc::Status status = stub_->GetTreatmentTypeVersion(Context().get(), request, &version);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(version.name(), "treatmentTypes/microneedling/versions/" + loaded);
  EXPECT_EQ(version.definition().id(), "microneedling");
  EXPECT_EQ(version.definition().version(), loaded);
  EXPECT_TRUE(version.currently_loaded());
  EXPECT_EQ(version.definition_sha256(),
            Sha256Hex(plugins::CanonicalDefinitionBytes(version.definition())));
  EXPECT_EQ(version.file_name(), "microneedling.so");
  EXPECT_EQ(version.file_sha256(), type.source().sha256());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(version.definition(), type.definition()));
  EXPECT_TRUE(version.has_first_load_time());
  EXPECT_GE(FromTimestamp(version.last_load_time()), FromTimestamp(version.first_load_time()));
}

TEST_F(CatalogServerTest, VersionErrorsNameTheFieldAndTheReason) {
  struct Case {
    std::string name;
    grpc::StatusCode code;
    std::string fragment;
  };
  for (const Case& c : std::vector<Case>{
           {"", grpc::INVALID_ARGUMENT, "name: is required"},
           {"treatmentTypes/microneedling", grpc::INVALID_ARGUMENT,
            "is not of the form \"treatmentTypes/{id}/versions/{version}\""},
           {"treatmentTypes/microneedling/versions/", grpc::INVALID_ARGUMENT, "is not of the form"},
           {"treatmentTypes/microneedling/versions/1.0.0/x", grpc::INVALID_ARGUMENT,
            "is not of the form"},
           {"treatmentTypes/microneedling/versions/9.9.9", grpc::NOT_FOUND,
            "treatment type 'microneedling' version '9.9.9' was never loaded"},
           {"treatmentTypes/botox/versions/1.0.0", grpc::NOT_FOUND,
            "treatment type 'botox' version '1.0.0' was never loaded"}}) {
    v1::GetTreatmentTypeVersionRequest request;
    request.set_name(c.name);
    v1::TreatmentTypeVersion version;
    const grpc::Status status = stub_->GetTreatmentTypeVersion(Context().get(), request, &version);
    EXPECT_EQ(status.error_code(), c.code) << c.name;
    EXPECT_THAT(status.error_message(), HasSubstr(c.fragment)) << c.name;
    const absl::Status error = FromGrpcStatus(status);
    if (c.code == grpc::INVALID_ARGUMENT) {
      const auto violations = GetFieldViolations(error);
      ASSERT_THAT(violations, SizeIs(1)) << c.name;
      EXPECT_EQ(violations[0].field, "name");
    } else {
      absl::optional<absl::Cord> payload = error.GetPayload(kErrorInfoTypeUrl);
      ASSERT_TRUE(payload.has_value()) << c.name;
      v1::ErrorInfo info;
      ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
      EXPECT_EQ(info.reason(), "TREATMENT_TYPE_VERSION_NOT_FOUND");
      EXPECT_EQ(info.domain(), "clinic.v1.TreatmentCatalog");
    }
  }

  v1::ListTreatmentTypeVersionsRequest list;
  list.set_parent("treatmentTypes/botox");
  v1::ListTreatmentTypeVersionsResponse page;
  grpc::Status status = stub_->ListTreatmentTypeVersions(Context().get(), list, &page);
  EXPECT_EQ(status.error_code(), grpc::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("treatment type 'botox' was never loaded"));
  list.set_parent("treatmentTypes/microneedling/versions");
  status = stub_->ListTreatmentTypeVersions(Context().get(), list, &page);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  const auto violations = GetFieldViolations(FromGrpcStatus(status));
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field, "parent");
}

TEST_F(CatalogServerTest, AnUpgradeKeepsEveryVersionListedNewestFirstAndPaged) {
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha"),
                            plugins_.Join("test_alpha.so"));
  v1::ReloadPluginsResponse reload;
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), {}, &reload).ok());
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_v2"),
                            plugins_.Join("test_alpha.so"));
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), {}, &reload).ok());
  EXPECT_THAT(reload.problems(), SizeIs(1));  // test_bad_abi.so

  const auto list = [&](const std::string& token, v1::ListTreatmentTypeVersionsResponse* page) {
    v1::ListTreatmentTypeVersionsRequest request;
    request.set_parent("treatmentTypes/test_alpha");
    request.set_page_size(1);
    request.set_page_token(token);
    return stub_->ListTreatmentTypeVersions(Context().get(), request, page);
  };
  std::vector<std::string> names;
  std::vector<bool> loaded;
  std::string token;
  std::string first_token;
  int pages = 0;
  do {
    v1::ListTreatmentTypeVersionsResponse page;
    const grpc::Status status = list(token, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_THAT(page.versions(), SizeIs(1));
    names.push_back(page.versions(0).name());
    loaded.push_back(page.versions(0).currently_loaded());
    token = page.next_page_token();
    if (first_token.empty()) first_token = token;
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_THAT(names, ElementsAre("treatmentTypes/test_alpha/versions/2.0.0",
                                 "treatmentTypes/test_alpha/versions/1.0.0"));
  EXPECT_THAT(loaded, ElementsAre(true, false));

  // A token is bound to its parent.
  v1::ListTreatmentTypeVersionsRequest other;
  other.set_parent("treatmentTypes/microneedling");
  other.set_page_token(first_token);
  v1::ListTreatmentTypeVersionsResponse other_page;
  const grpc::Status refused =
      stub_->ListTreatmentTypeVersions(Context().get(), other, &other_page);
  EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT);
  const auto violations = GetFieldViolations(FromGrpcStatus(refused));
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field, "page_token");

  v1::GetTreatmentTypeVersionRequest get;
  get.set_name("treatmentTypes/test_alpha/versions/1.0.0");
  v1::TreatmentTypeVersion old;
  ASSERT_TRUE(stub_->GetTreatmentTypeVersion(Context().get(), get, &old).ok());
  EXPECT_EQ(old.definition().display_name(), "Test alpha treatment");
  EXPECT_FALSE(old.currently_loaded());
}

TEST_F(CatalogServerTest, AReusedVersionWithOtherContentIsRefusedAcrossRestarts) {
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha"),
                            plugins_.Join("test_alpha.so"));
  v1::ReloadPluginsResponse reload;
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), {}, &reload).ok());
  v1::GetTreatmentTypeVersionRequest get;
  get.set_name("treatmentTypes/test_alpha/versions/1.0.0");
  v1::TreatmentTypeVersion recorded;
  ASSERT_TRUE(stub_->GetTreatmentTypeVersion(Context().get(), get, &recorded).ok());

  const auto expect_refused = [&](const std::string& when) {
    v1::ListPluginProblemsResponse problems;
    ASSERT_TRUE(stub_->ListPluginProblems(Context().get(), {}, &problems).ok()) << when;
    const v1::PluginProblem* reused = nullptr;
    for (const auto& problem : problems.problems()) {
      if (problem.file_name() == "test_alpha.so") reused = &problem;
    }
    ASSERT_NE(reused, nullptr) << when;
    EXPECT_EQ(reused->stage(), v1::PLUGIN_PROBLEM_STAGE_VERSION_REUSED) << when;
    EXPECT_EQ(reused->treatment_type_id(), "test_alpha") << when;
    EXPECT_THAT(reused->reasons(0), HasSubstr("was already loaded with other content")) << when;
    EXPECT_THAT(reused->reasons(0), HasSubstr("raise the version")) << when;
    // The recorded content is what the version still means.
    v1::TreatmentTypeVersion version;
    ASSERT_TRUE(stub_->GetTreatmentTypeVersion(Context().get(), get, &version).ok()) << when;
    EXPECT_EQ(version.definition_sha256(), recorded.definition_sha256()) << when;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(version.definition(),
                                                                   recorded.definition()))
        << when;
  };

  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_changed"),
                            plugins_.Join("test_alpha.so"));
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), {}, &reload).ok());
  expect_refused("at reload");
  // The plugin loaded before keeps serving.
  v1::GetTreatmentTypeRequest get_type;
  get_type.set_name("treatmentTypes/test_alpha");
  v1::TreatmentType type;
  ASSERT_TRUE(stub_->GetTreatmentType(Context().get(), get_type, &type).ok());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(type.definition(), recorded.definition()));

  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  StartServer();
  expect_refused("after a restart");
  // Nothing loaded it in this process, yet the version is still served.
  EXPECT_EQ(stub_->GetTreatmentType(Context().get(), get_type, &type).error_code(),
            grpc::NOT_FOUND);
  v1::TreatmentTypeVersion version;
  ASSERT_TRUE(stub_->GetTreatmentTypeVersion(Context().get(), get, &version).ok());
  EXPECT_FALSE(version.currently_loaded());
}

TEST_F(CatalogServerTest, AVersionNumberThatHidesANarrowedRangeIsRefusedAndChangesAreKept) {
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha"),
                            plugins_.Join("test_alpha.so"));
  v1::ReloadPluginsResponse reload;
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), {}, &reload).ok());

  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_narrowed"),
                            plugins_.Join("test_alpha.so"));
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), {}, &reload).ok());
  const v1::PluginProblem* refused = nullptr;
  for (const auto& problem : reload.problems()) {
    if (problem.file_name() == "test_alpha.so") refused = &problem;
  }
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->stage(), v1::PLUGIN_PROBLEM_STAGE_VERSION_STEP);
  EXPECT_THAT(refused->reasons(0), HasSubstr("needs a new major version: use 2.0.0 or higher"));
  v1::GetTreatmentTypeRequest get_type;
  get_type.set_name("treatmentTypes/test_alpha");
  v1::TreatmentType served;
  ASSERT_TRUE(stub_->GetTreatmentType(Context().get(), get_type, &served).ok());
  EXPECT_EQ(served.definition().version(), "1.0.0");
  v1::GetTreatmentTypeVersionRequest get;
  get.set_name("treatmentTypes/test_alpha/versions/1.1.0");
  v1::TreatmentTypeVersion version;
  EXPECT_EQ(stub_->GetTreatmentTypeVersion(Context().get(), get, &version).error_code(),
            grpc::NOT_FOUND);

  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_minor"),
                            plugins_.Join("test_alpha.so"));
  ASSERT_TRUE(stub_->ReloadPlugins(Context().get(), {}, &reload).ok());
  const v1::TreatmentTypeChange* upgrade = nullptr;
  for (const auto& change : reload.changes()) {
    if (change.treatment_type_id() == "test_alpha") upgrade = &change;
  }
  ASSERT_NE(upgrade, nullptr);
  EXPECT_EQ(upgrade->kind(), v1::TREATMENT_TYPE_CHANGE_KIND_UPGRADED);
  EXPECT_THAT(upgrade->changes(), SizeIs(3));
  ASSERT_TRUE(stub_->GetTreatmentTypeVersion(Context().get(), get, &version).ok());
  EXPECT_TRUE(version.currently_loaded());
  EXPECT_EQ(version.previous_version(), "1.0.0");
  ASSERT_THAT(version.changes(), SizeIs(3));
  EXPECT_EQ(version.changes(1).impact(), v1::VERSION_IMPACT_MINOR);
  EXPECT_EQ(version.changes(1).field(), "protocol.areas[0] (forehead).min_depth_um");
  EXPECT_EQ(version.changes(1).description(),
            "lowered from 250 um to 200 um: the depth range is wider");
}

TEST_F(CatalogServerTest, HealthReportsEachServiceAndTheProcess) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const std::string& service : {std::string(""), std::string("clinic.v1.TreatmentCatalog")}) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("clinic.v1.NoSuchService");
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_EQ(health->Check(Context().get(), request, &response).error_code(), grpc::NOT_FOUND);

  server_->Shutdown(absl::ZeroDuration());
  request.set_service("clinic.v1.TreatmentCatalog");
  EXPECT_FALSE(health->Check(Context().get(), request, &response).ok());
}

TEST_F(CatalogServerTest, ReflectionListsTheServicesAndDescribesTheContracts) {
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel_);
  auto context = Context();
  auto stream = reflection->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service()) {
    services.push_back(service.name());
  }
  EXPECT_THAT(services,
              ::testing::IsSupersetOf({"clinic.v1.TreatmentCatalog", "grpc.health.v1.Health"}));

  request.set_file_containing_symbol("clinic.v1.TreatmentDefinition");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_file_descriptor_response()) << response.DebugString();
  EXPECT_FALSE(response.file_descriptor_response().file_descriptor_proto().empty());
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(CatalogServerTest, EchoesTheCallersRequestIdOrMakesOne) {
  {
    auto context = Context();
    context->AddMetadata("x-request-id", "front-desk-42");
    v1::ListTreatmentTypesResponse response;
    ASSERT_TRUE(stub_->ListTreatmentTypes(context.get(), {}, &response).ok());
    auto it = context->GetServerInitialMetadata().find("x-request-id");
    ASSERT_NE(it, context->GetServerInitialMetadata().end());
    EXPECT_EQ(std::string(it->second.data(), it->second.size()), "front-desk-42");
  }
  {
    auto context = Context();
    v1::ListTreatmentTypesResponse response;
    ASSERT_TRUE(stub_->ListTreatmentTypes(context.get(), {}, &response).ok());
    auto it = context->GetServerInitialMetadata().find("x-request-id");
    ASSERT_NE(it, context->GetServerInitialMetadata().end());
    EXPECT_THAT(std::string(it->second.data(), it->second.size()), SizeIs(32));
  }
}

TEST_F(CatalogServerTest, InProcessChannelReachesTheSameServices) {
  auto stub = TreatmentCatalog::NewStub(server_->InProcessChannel());
  v1::ListTreatmentTypesResponse response;
  ASSERT_TRUE(stub->ListTreatmentTypes(Context().get(), {}, &response).ok());
  EXPECT_THAT(response.treatment_types(), SizeIs(3));
}

// gRPC's reflection library registers itself for every server in the
// process when it is linked; server.reflection_disabled must still turn it
// off for this server, and an enabled server serves it once.
TEST(ServerReflectionTest, ReflectionDisabledMeansNoReflection) {
  clinic::testing::TempDir data;
  clinic::testing::TempDir plugins;
  config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data.path(), plugins.path());
  config.mutable_server()->set_reflection_disabled(true);
  auto server = server::Server::Start(config, {catalog::TreatmentCatalogFactory()});
  ASSERT_TRUE(server.ok()) << server.status();
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::UNIMPLEMENTED);
}

TEST(ServerStartTest, RefusesAnAddressItCannotListenOn) {
  clinic::testing::TempDir data;
  config::v1::ServerConfig config;
  config.set_listen_address("256.1.1.1:99999");
  config.set_data_dir(data.path());
  config.set_plugin_dir(data.path());
  auto server = server::Server::Start(config, {catalog::TreatmentCatalogFactory()});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("listen_address"));
}

// The plugin folder loads on a thread of its own while the access and audit
// databases open (server.cc, PluginLoading). A database that cannot open
// must still stop the start with its own message while a plugin is being
// probed, and a definition history that cannot open must stop it too.
class ServerStartFailureTest : public ::testing::Test {
 protected:
  ServerStartFailureTest() {
    // A regular file where a folder is expected: nothing can be made under it.
    clinic::testing::WriteFile(data_.Join("blocker"), "not a folder");
    const std::string plugins = data_.Join("plugins");
    mkdir(plugins.c_str(), 0755);
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins + "/microneedling.so");
    config_.set_listen_address("127.0.0.1:0");
    config_.set_data_dir(data_.path());
    config_.set_plugin_dir(plugins);
    config_.mutable_plugins()->set_probe_path(clinic::testing::ProbePath());
  }

  std::string Unopenable(const std::string& name) const { return data_.Join("blocker/" + name); }

  absl::Status Start() {
    auto server = server::Server::Start(config_, {catalog::TreatmentCatalogFactory()});
    return server.status();
  }

  clinic::testing::TempDir data_;
  config::v1::ServerConfig config_;
};

TEST_F(ServerStartFailureTest, AnAccessDatabaseThatCannotOpenStopsTheStartWhilePluginsLoad) {
  config_.mutable_security()->set_access_database(Unopenable("access.db"));
  const absl::Status status = Start();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("blocker/access.db"));
}

TEST_F(ServerStartFailureTest, AnAuditTrailThatCannotOpenStopsTheStartWhilePluginsLoad) {
  config_.mutable_security()->set_audit_database(Unopenable("audit.db"));
  const absl::Status status = Start();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("blocker/audit.db"));
}

TEST_F(ServerStartFailureTest, ADefinitionHistoryThatCannotOpenStopsTheStart) {
  config_.mutable_plugins()->set_history_database(Unopenable("history.db"));
  const absl::Status status = Start();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("blocker/history.db"));
}

TEST_F(ServerStartFailureTest, AStartThatSucceedsHasLoadedThePluginsBeforeItListens) {
  auto server = server::Server::Start(config_, {catalog::TreatmentCatalogFactory()});
  ASSERT_TRUE(server.ok()) << server.status();
  // Start returned, so the server listens: the catalog it serves is whole.
  EXPECT_EQ((*server)->plugin_host().Current()->treatment_types().size(), 1u);
  EXPECT_THAT((*server)->plugin_host().Current()->problems(), IsEmpty());
}

}  // namespace
}  // namespace clinic
