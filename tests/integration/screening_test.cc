// Screening over real gRPC on loopback, with the bundled microneedling plugin
// loaded: the questionnaire comes from the loaded definition, in its order
// and with its version; unknown types and malformed names are refused with
// the shared wording; a caller without the permission is refused.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clinic/v1/common.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "services/screening/screening_service.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

class ScreeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("clinic_microneedling.so"));
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_chain()->add_sites()->set_site_id("london-soho");
    auto server = server::Server::Start(
        config, {catalog::TreatmentCatalogFactory(), screening::ScreeningFactory()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    reception_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/reception",
        {clinic::testing::Binding(v1::ROLE_FRONT_DESK, "london-soho")});
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::Screening::NewStub(channel);
    catalog_ = v1::TreatmentCatalog::NewStub(channel);
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    return context;
  }

  grpc::Status Get(const std::string& name, v1::Questionnaire& response) {
    v1::GetQuestionnaireRequest request;
    request.set_name(name);
    return stub_->GetQuestionnaire(Context(reception_).get(), request, &response);
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::string reception_;
  std::unique_ptr<v1::Screening::Stub> stub_;
  std::unique_ptr<v1::TreatmentCatalog::Stub> catalog_;
};

TEST_F(ScreeningTest, ServesTheLoadedDefinitionsQuestionsInOrderWithItsVersion) {
  v1::Questionnaire questionnaire;
  const grpc::Status status = Get("treatmentTypes/microneedling/questionnaire", questionnaire);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(questionnaire.name(), "treatmentTypes/microneedling/questionnaire");
  EXPECT_EQ(questionnaire.treatment_type(), "treatmentTypes/microneedling");
  EXPECT_EQ(questionnaire.definition_version(), "1.0.0");

  // The definition as the catalog serves it, read by an admin, is the
  // reference: the same questions, field for field, in the same order.
  const std::string admin = clinic::testing::IssueTestToken(
      data_.path(), "staff/admin-reader", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  v1::GetTreatmentTypeRequest get_type;
  get_type.set_name("treatmentTypes/microneedling");
  v1::TreatmentType type;
  ASSERT_TRUE(catalog_->GetTreatmentType(Context(admin).get(), get_type, &type).ok());
  const auto& expected = type.definition().screening_questions();
  ASSERT_THAT(questionnaire.questions(), SizeIs(expected.size()));
  ASSERT_GT(expected.size(), 1);
  for (int i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(questionnaire.questions(i).SerializeAsString(), expected.Get(i).SerializeAsString())
        << "question " << i << " (" << expected.Get(i).id() << ")";
  }
  EXPECT_EQ(questionnaire.questions(0).id(), "active_skin_condition");
  EXPECT_EQ(questionnaire.questions(questionnaire.questions_size() - 1).id(), "notes");
}

TEST_F(ScreeningTest, AnUnknownTypeIsNotFoundWithTheCatalogsReason) {
  v1::Questionnaire questionnaire;
  const grpc::Status status = Get("treatmentTypes/laser_hair_removal/questionnaire", questionnaire);
  EXPECT_EQ(status.error_code(), grpc::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              HasSubstr("treatment type 'laser_hair_removal' is not loaded"));
  v1::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_FALSE(details.details().empty());
  v1::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "TREATMENT_TYPE_NOT_LOADED");
  EXPECT_EQ(info.domain(), "clinic.v1.Screening");
  EXPECT_EQ(questionnaire.questions_size(), 0);
}

// A treatment type's id is any segment (docs/api.md), so a huge one is well
// formed and simply not loaded; the answer stays small all the same.
TEST_F(ScreeningTest, AHugeUnknownTypeIsNotFoundWithASmallMessage) {
  v1::Questionnaire questionnaire;
  const std::string huge(1 << 20, 'a');
  const grpc::Status status = Get("treatmentTypes/" + huge + "/questionnaire", questionnaire);
  EXPECT_EQ(status.error_code(), grpc::NOT_FOUND);
  EXPECT_LE(status.error_message().size(), 512u);
  EXPECT_THAT(status.error_message(), HasSubstr("(1048576 bytes)"));
}

TEST_F(ScreeningTest, MalformedNamesAreRefusedNamingTheField) {
  struct Case {
    std::string name;
    std::string fragment;
  };
  const std::string pattern = "\"treatmentTypes/{id}/questionnaire\"";
  for (const Case& c : std::vector<Case>{
           {"", "name: is required, of the form " + pattern},
           {"treatmentTypes/microneedling", "is not of the form " + pattern},
           {"clients/microneedling/questionnaire", "is not of the form " + pattern},
           {"treatmentTypes/microneedling/questionnaires", "is not of the form " + pattern},
           {"treatmentTypes//questionnaire", "is not of the form " + pattern},
           {"treatmentTypes/microneedling/questionnaire/", "is not of the form " + pattern},
           {"treatmentTypes/microneedling/questionnaire/extra", "is not of the form " + pattern},
           {std::string(1 << 20, 'x'), "(1048576 bytes) is not of the form " + pattern},
       }) {
    const std::string shown = c.name.substr(0, 60);
    v1::Questionnaire questionnaire;
    const grpc::Status status = Get(c.name, questionnaire);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << shown;
    EXPECT_THAT(status.error_message(), HasSubstr(c.fragment)) << shown;
    EXPECT_LE(status.error_message().size(), 512u) << shown;
    const std::vector<FieldViolation> violations = GetFieldViolations(FromGrpcStatus(status));
    ASSERT_THAT(violations, SizeIs(1)) << shown;
    EXPECT_EQ(violations[0].field, "name") << shown;
    EXPECT_EQ(questionnaire.questions_size(), 0) << shown;
  }
}

// Roles are the access matrix's job; one caller without the permission
// shows the policy is enforced in front of this handler.
TEST_F(ScreeningTest, ACallerWithoutThePermissionIsRefused) {
  const std::string stock = clinic::testing::IssueTestToken(
      data_.path(), "staff/stock",
      {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK, "london-soho")});
  v1::GetQuestionnaireRequest request;
  request.set_name("treatmentTypes/microneedling/questionnaire");
  v1::Questionnaire questionnaire;
  const grpc::Status status =
      stub_->GetQuestionnaire(Context(stock).get(), request, &questionnaire);
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("active_skin_condition")));
  EXPECT_EQ(questionnaire.questions_size(), 0);
}

// The treatment flow reads the questionnaire for the person it acts for; a
// service token alone does not.
TEST_F(ScreeningTest, AServiceReadsTheQuestionnaireOnlyForAPerson) {
  const std::string service = clinic::testing::IssueTestToken(
      data_.path(), "service/treatment-flow", {clinic::testing::Binding(v1::ROLE_SERVICE)});
  v1::GetQuestionnaireRequest request;
  request.set_name("treatmentTypes/microneedling/questionnaire");
  {
    auto context = Context(service);
    context->AddMetadata("x-clinic-on-behalf-of", "staff/reception");
    v1::Questionnaire questionnaire;
    const grpc::Status status = stub_->GetQuestionnaire(context.get(), request, &questionnaire);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(questionnaire.definition_version(), "1.0.0");
  }
  v1::Questionnaire questionnaire;
  EXPECT_EQ(stub_->GetQuestionnaire(Context(service).get(), request, &questionnaire).error_code(),
            grpc::PERMISSION_DENIED);
}

}  // namespace
}  // namespace clinic
