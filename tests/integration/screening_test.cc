// Screening over real gRPC on loopback, hosted as clinicd hosts it (every
// service in one process, Screening reading ClientRecords through its API as
// service/in-process), with the bundled microneedling plugin and the
// test_screening plugin, whose rules each fire on one answer or fact:
// questionnaires, submitting, outcomes and findings, reviews, eligibility,
// retries, carried answers, bad input, and the audit trail of the calls
// Screening makes for the caller.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/common.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "google/protobuf/text_format.h"
#include "services/clinicd/all_services.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSite[] = "london-soho";

// Every answer that fires nothing in test_screening.
constexpr char kAllClear[] =
    "answers { question_id: 'pregnant' yes_no: false } "
    "answers { question_id: 'active_breakout' yes_no: false } "
    "answers { question_id: 'blood_thinners' yes_no: false } "
    "answers { question_id: 'cancer_treatment' yes_no: false } "
    "answers { question_id: 'last_isotretinoin_dose' never: true } ";

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

std::string ReasonOf(const grpc::Status& status) {
  v1::Status details;
  if (!details.ParseFromString(status.error_details()) || details.details().empty()) return "";
  v1::ErrorInfo info;
  for (const auto& detail : details.details()) {
    if (detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

class ScreeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_screening"),
                              plugins_.Join("test_screening.so"));
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    v1::Site* site = config.mutable_chain()->add_sites();
    site->set_site_id(kSite);
    site->set_time_zone("Europe/London");
    config.mutable_chain()->add_sites()->set_site_id("new-york-soho");
    auto server = server::Server::Start(config, AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    reception_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/reception", {clinic::testing::Binding(v1::ROLE_FRONT_DESK, kSite)});
    nurse_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kSite)});
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::Screening::NewStub(channel);
    catalog_ = v1::TreatmentCatalog::NewStub(channel);
    clients_ = v1::ClientRecords::NewStub(channel);
    audit_ = v1::Audit::NewStub(channel);
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

  // A client born `years_ago` years (and a month) ago; returns its name.
  std::string NewClient(int years_ago = 35) {
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    const absl::CivilDay birth = absl::CivilDay(today.year() - years_ago, today.month(), 1) - 40;
    const int n = ++clients_made_;
    auto request = Parse<v1::CreateClientRequest>(absl::StrCat(
        "client { home_site_id: '", kSite, "' given_name: 'Test' family_name: 'Client", n,
        "' date_of_birth { year: ", birth.year(), " month: ", birth.month(), " day: ", birth.day(),
        " } fitzpatrick_type: FITZPATRICK_TYPE_III } request_id: 'client-", n, "'"));
    v1::CreateClientResponse response;
    const grpc::Status status = clients_->CreateClient(Context(nurse_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.client().name();
  }

  // Replaces the client's medical history with `facts` (text format).
  void SetHistory(const std::string& client, const std::string& facts) {
    v1::GetMedicalHistoryRequest get;
    get.set_name(client + "/medicalHistory");
    v1::MedicalHistory current;
    ASSERT_TRUE(clients_->GetMedicalHistory(Context(nurse_).get(), get, &current).ok());
    auto request = Parse<v1::UpdateMedicalHistoryRequest>(
        absl::StrCat("medical_history { name: '", client, "/medicalHistory' etag: '",
                     current.etag(), "' ", facts, " } request_id: 'history-", ++histories_, "'"));
    v1::MedicalHistory updated;
    const grpc::Status status =
        clients_->UpdateMedicalHistory(Context(nurse_).get(), request, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Submits a test_screening screening with `answers` for `areas`.
  grpc::Status Submit(const std::string& client, const std::string& answers,
                      v1::ScreeningRecord& response,
                      const std::vector<std::string>& areas = {"forehead", "cheeks"},
                      const std::string& extra = "", const std::string& token = "") {
    std::string planned;
    for (const std::string& area : areas)
      absl::StrAppend(&planned, "planned_area_ids: '", area, "' ");
    auto request = Parse<v1::SubmitScreeningRequest>(absl::StrCat(
        "parent: '", client, "' screening { treatment_type: 'treatmentTypes/test_screening' ",
        "definition_version: '1.0.0' site_id: '", kSite, "' ", planned, answers, extra,
        " } request_id: 'screen-", ++submissions_, "'"));
    return stub_->SubmitScreening(Context(token.empty() ? nurse_ : token).get(), request,
                                  &response);
  }

  v1::ScreeningRecord SubmitOk(const std::string& client, const std::string& answers,
                               const std::vector<std::string>& areas = {"forehead", "cheeks"},
                               const std::string& extra = "") {
    v1::ScreeningRecord response;
    const grpc::Status status = Submit(client, answers, response, areas, extra);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Review(const v1::ScreeningRecord& screening, const std::string& review,
                      v1::ScreeningRecord& response, const std::string& etag = "") {
    auto request = Parse<v1::ReviewScreeningRequest>(absl::StrCat(
        "name: '", screening.name(), "' etag: '", etag.empty() ? screening.etag() : etag,
        "' review { ", review, " } request_id: 'review-", ++reviews_, "'"));
    return stub_->ReviewScreening(Context(nurse_).get(), request, &response);
  }

  v1::Eligibility Eligibility(const std::string& client,
                              const std::vector<std::string>& areas = {"forehead", "cheeks"}) {
    v1::CheckEligibilityRequest request;
    request.set_client(client);
    request.set_treatment_type("treatmentTypes/test_screening");
    request.set_site_id(kSite);
    for (const std::string& area : areas) request.add_area_ids(area);
    v1::Eligibility response;
    const grpc::Status status = stub_->CheckEligibility(Context(nurse_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static std::vector<v1::EligibilityReason> Reasons(const v1::Eligibility& eligibility) {
    std::vector<v1::EligibilityReason> reasons;
    for (const auto& reason : eligibility.reasons()) reasons.push_back(reason.reason());
    return reasons;
  }

  static std::vector<std::string> RuleIds(const v1::ScreeningRecord& screening) {
    std::vector<std::string> ids;
    for (const auto& finding : screening.findings()) ids.push_back(finding.rule_id());
    return ids;
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::string reception_;
  std::string nurse_;
  std::unique_ptr<v1::Screening::Stub> stub_;
  std::unique_ptr<v1::TreatmentCatalog::Stub> catalog_;
  std::unique_ptr<v1::ClientRecords::Stub> clients_;
  std::unique_ptr<v1::Audit::Stub> audit_;
  int clients_made_ = 0;
  int histories_ = 0;
  int submissions_ = 0;
  int reviews_ = 0;
};

TEST_F(ScreeningTest, ServesTheLoadedDefinitionsQuestionsInOrderWithItsVersion) {
  v1::Questionnaire questionnaire;
  const grpc::Status status = Get("treatmentTypes/microneedling/questionnaire", questionnaire);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(questionnaire.name(), "treatmentTypes/microneedling/questionnaire");
  EXPECT_EQ(questionnaire.treatment_type(), "treatmentTypes/microneedling");

  // The definition as the catalog serves it, read by an admin, is the
  // reference: the same questions, field for field, in the same order.
  const std::string admin = clinic::testing::IssueTestToken(
      data_.path(), "staff/admin-reader", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  v1::GetTreatmentTypeRequest get_type;
  get_type.set_name("treatmentTypes/microneedling");
  v1::TreatmentType type;
  ASSERT_TRUE(catalog_->GetTreatmentType(Context(admin).get(), get_type, &type).ok());
  EXPECT_EQ(questionnaire.definition_version(), type.definition().version());
  EXPECT_FALSE(questionnaire.definition_version().empty());
  const auto& expected = type.definition().screening_questions();
  ASSERT_THAT(questionnaire.questions(), SizeIs(expected.size()));
  ASSERT_GT(expected.size(), 1);
  for (int i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(questionnaire.questions(i).SerializeAsString(), expected.Get(i).SerializeAsString())
        << "question " << i << " (" << expected.Get(i).id() << ")";
  }
  EXPECT_THAT(questionnaire.areas(), SizeIs(type.definition().protocol().areas_size()));
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

// The questionnaire is catalog data: the front desk hands it out, but
// submitting answers (whose answer is the findings) is a practitioner's.
TEST_F(ScreeningTest, TheFrontDeskReadsTheQuestionnaireButCannotSubmit) {
  v1::Questionnaire questionnaire;
  ASSERT_TRUE(Get("treatmentTypes/test_screening/questionnaire", questionnaire).ok());
  EXPECT_EQ(questionnaire.questions(0).id(), "pregnant");
  EXPECT_TRUE(questionnaire.questions(1).day_of_treatment());
  const std::string client = NewClient();
  v1::ScreeningRecord response;
  const grpc::Status status = Submit(client, kAllClear, response, {"forehead"}, "", reception_);
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_TRUE(response.findings().empty());
}

TEST_F(ScreeningTest, AClearedScreeningMakesTheClientEligibleForThePlannedAreas) {
  const std::string client = NewClient();
  const v1::ScreeningRecord screening = SubmitOk(client, kAllClear);
  EXPECT_THAT(screening.name(), HasSubstr(client + "/screenings/"));
  EXPECT_EQ(screening.outcome(), v1::SCREENING_OUTCOME_CLEARED);
  EXPECT_EQ(screening.state(), v1::SCREENING_STATE_CLEARED);
  EXPECT_TRUE(screening.findings().empty());
  EXPECT_EQ(screening.screened_by(), "staff/nurse");
  EXPECT_EQ(screening.inputs().fitzpatrick_type(), v1::FITZPATRICK_TYPE_III);
  EXPECT_EQ(screening.inputs().age_years(), 35);
  EXPECT_EQ(screening.definition_version(), "1.0.0");
  // 30 days from now, as the definition says.
  const int64_t days =
      (screening.expire_time().seconds() - screening.create_time().seconds()) / 86400;
  EXPECT_EQ(days, 30);

  const v1::Eligibility eligibility = Eligibility(client);
  EXPECT_TRUE(eligibility.eligible());
  EXPECT_THAT(Reasons(eligibility), ElementsAre(v1::ELIGIBILITY_REASON_CLEARED));
  EXPECT_THAT(eligibility.allowed_area_ids(), ElementsAre("forehead", "cheeks"));
  EXPECT_EQ(eligibility.screening(), screening.name());

  // An area the screening did not plan is not cleared.
  const v1::Eligibility neck = Eligibility(client, {"forehead", "neck"});
  EXPECT_FALSE(neck.eligible());
  EXPECT_THAT(Reasons(neck), ElementsAre(v1::ELIGIBILITY_REASON_AREA_NOT_CLEARED));
  EXPECT_EQ(neck.reasons(0).area_id(), "neck");

  v1::GetScreeningRequest get;
  get.set_name(screening.name());
  v1::ScreeningRecord read;
  ASSERT_TRUE(stub_->GetScreening(Context(nurse_).get(), get, &read).ok());
  EXPECT_EQ(read.SerializeAsString(), screening.SerializeAsString());
}

TEST_F(ScreeningTest, NoScreeningMeansNotEligible) {
  const v1::Eligibility eligibility = Eligibility(NewClient());
  EXPECT_FALSE(eligibility.eligible());
  EXPECT_THAT(Reasons(eligibility), ElementsAre(v1::ELIGIBILITY_REASON_NO_SCREENING));
}

TEST_F(ScreeningTest, AnAbsoluteFindingContraindicatesAndNoReviewClearsIt) {
  const std::string client = NewClient();
  const v1::ScreeningRecord screening = SubmitOk(
      client,
      absl::StrReplaceAll(kAllClear, {{"'pregnant' yes_no: false", "'pregnant' yes_no: true"}}));
  EXPECT_EQ(screening.outcome(), v1::SCREENING_OUTCOME_CONTRAINDICATED);
  ASSERT_THAT(RuleIds(screening), ElementsAre("pregnancy"));
  const v1::Finding& finding = screening.findings(0);
  EXPECT_EQ(finding.certainty(), v1::FINDING_CERTAINTY_CONFIRMED);
  EXPECT_EQ(finding.severity(), v1::SEVERITY_ABSOLUTE);
  EXPECT_EQ(finding.rationale(), "Test rule: refuses the treatment.");
  ASSERT_THAT(finding.evidence(), SizeIs(1));
  EXPECT_EQ(finding.evidence(0).question_id(), "pregnant");

  v1::ScreeningRecord reviewed;
  const grpc::Status status =
      Review(screening, "decision: REVIEW_DECISION_APPROVED reason: 'looks fine'", reviewed);
  EXPECT_EQ(status.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "ABSOLUTE_FINDING");
  EXPECT_THAT(Reasons(Eligibility(client)), ElementsAre(v1::ELIGIBILITY_REASON_CONTRAINDICATED));
}

TEST_F(ScreeningTest, ARelativeFindingWaitsForAReviewWithAReasonAndItsCapApplies) {
  const std::string client = NewClient();
  const v1::ScreeningRecord screening =
      SubmitOk(client, absl::StrReplaceAll(kAllClear, {{"'blood_thinners' yes_no: false",
                                                        "'blood_thinners' yes_no: true"}}));
  EXPECT_EQ(screening.outcome(), v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  EXPECT_EQ(screening.state(), v1::SCREENING_STATE_PENDING_REVIEW);
  EXPECT_THAT(RuleIds(screening), ElementsAre("anticoagulants"));
  ASSERT_THAT(screening.depth_limits(), SizeIs(2));
  EXPECT_EQ(screening.depth_limits(0).max_depth_um(), 1000);
  EXPECT_THAT(Reasons(Eligibility(client)), ElementsAre(v1::ELIGIBILITY_REASON_REVIEW_PENDING));

  v1::ScreeningRecord reviewed;
  grpc::Status status = Review(screening, "decision: REVIEW_DECISION_APPROVED", reviewed);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("review.reason"));

  status = Review(screening,
                  "decision: REVIEW_DECISION_APPROVED reason: 'INR stable at 2.1; shallow only' "
                  "max_depth_um: 800",
                  reviewed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reviewed.state(), v1::SCREENING_STATE_APPROVED);
  ASSERT_THAT(reviewed.reviews(), SizeIs(1));
  EXPECT_EQ(reviewed.reviews(0).reviewer(), "staff/nurse");
  EXPECT_NE(reviewed.etag(), screening.etag());

  // The etag the approval replaced is stale now.
  v1::ScreeningRecord again;
  status = Review(screening, "decision: REVIEW_DECISION_DECLINED reason: 'second thoughts'", again);
  EXPECT_EQ(status.error_code(), grpc::ABORTED);

  const v1::Eligibility eligibility = Eligibility(client);
  EXPECT_TRUE(eligibility.eligible());
  ASSERT_THAT(eligibility.depth_limits(), SizeIs(2));
  EXPECT_EQ(eligibility.depth_limits(0).max_depth_um(), 800);
  EXPECT_THAT(eligibility.depth_limits(0).sources(), ElementsAre("review"));

  // A later decline stands: reviews are appended and the newest decides.
  status = Review(reviewed, "decision: REVIEW_DECISION_DECLINED reason: 'INR rose to 3.4'", again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(again.reviews(), SizeIs(2));
  EXPECT_EQ(again.state(), v1::SCREENING_STATE_DECLINED);
  EXPECT_THAT(Reasons(Eligibility(client)), ElementsAre(v1::ELIGIBILITY_REASON_DECLINED));
}

TEST_F(ScreeningTest, ASignOffIsRequiredToApprove) {
  const std::string client = NewClient();
  const v1::ScreeningRecord screening =
      SubmitOk(client, absl::StrReplaceAll(kAllClear, {{"'cancer_treatment' yes_no: false",
                                                        "'cancer_treatment' yes_no: true"}}));
  ASSERT_THAT(RuleIds(screening), ElementsAre("cancer_treatment"));
  v1::ScreeningRecord reviewed;
  grpc::Status status =
      Review(screening, "decision: REVIEW_DECISION_APPROVED reason: 'in remission'", reviewed);
  EXPECT_EQ(status.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "SIGN_OFF_MISSING");
  status = Review(screening,
                  "decision: REVIEW_DECISION_APPROVED reason: 'in remission' sign_offs { "
                  "rule_id: 'cancer_treatment' reference: 'Letter from Dr Patel, scanned' }",
                  reviewed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(Eligibility(client).eligible());
}

TEST_F(ScreeningTest, APerAreaAnswerExcludesOnlyTheAreasItNames) {
  const std::string client = NewClient();
  const v1::ScreeningRecord screening = SubmitOk(
      client,
      absl::StrReplaceAll(kAllClear, {{"'active_breakout' yes_no: false",
                                       "'active_breakout' yes_no: true area_ids: 'cheeks'"}}));
  EXPECT_EQ(screening.outcome(), v1::SCREENING_OUTCOME_CLEARED);
  ASSERT_THAT(screening.excluded_areas(), SizeIs(1));
  EXPECT_EQ(screening.excluded_areas(0).area_id(), "cheeks");
  EXPECT_FALSE(screening.excluded_areas(0).reviewable());
  EXPECT_TRUE(Eligibility(client, {"forehead"}).eligible());
  const v1::Eligibility cheeks = Eligibility(client, {"forehead", "cheeks"});
  EXPECT_FALSE(cheeks.eligible());
  EXPECT_THAT(cheeks.allowed_area_ids(), ElementsAre("forehead"));
}

// Radiation therapy to the neck leaves the face alone; to the face it
// excludes the facial areas, and with only facial areas planned nothing is
// left to treat.
TEST_F(ScreeningTest, AFactsRegionDecidesWhichAreasItConcerns) {
  const std::string neck = NewClient();
  SetHistory(neck, "facts { fact: RADIATION_THERAPY present: true regions: BODY_REGION_NECK }");
  EXPECT_EQ(SubmitOk(neck, kAllClear).outcome(), v1::SCREENING_OUTCOME_CLEARED);

  const std::string face = NewClient();
  SetHistory(face, "facts { fact: RADIATION_THERAPY present: true regions: BODY_REGION_FACE }");
  const v1::ScreeningRecord screening = SubmitOk(face, kAllClear);
  EXPECT_EQ(screening.outcome(), v1::SCREENING_OUTCOME_CONTRAINDICATED);
  EXPECT_THAT(screening.excluded_areas(), SizeIs(2));
  ASSERT_THAT(screening.findings(), SizeIs(1));
  ASSERT_THAT(screening.findings(0).evidence(), SizeIs(1));
  EXPECT_EQ(screening.findings(0).evidence(0).fact(), v1::RADIATION_THERAPY);
}

TEST_F(ScreeningTest, AnUnansweredOptionalQuestionIsNotRuledOut) {
  const std::string client = NewClient();
  const v1::ScreeningRecord screening = SubmitOk(
      client,
      absl::StrReplaceAll(
          kAllClear, {{"answers { question_id: 'last_isotretinoin_dose' never: true } ", ""}}));
  EXPECT_EQ(screening.outcome(), v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  ASSERT_THAT(RuleIds(screening), ElementsAre("isotretinoin_6_months"));
  EXPECT_EQ(screening.findings(0).certainty(), v1::FINDING_CERTAINTY_NOT_RULED_OUT);
}

TEST_F(ScreeningTest, AMinorIsRefusedByAge) {
  const v1::ScreeningRecord screening = SubmitOk(NewClient(/*years_ago=*/16), kAllClear);
  EXPECT_EQ(screening.outcome(), v1::SCREENING_OUTCOME_CONTRAINDICATED);
  EXPECT_THAT(RuleIds(screening), ElementsAre("under_18"));
}

// A change to a fact a rule reads revokes eligibility; a change to a fact no
// rule reads does not.
TEST_F(ScreeningTest, AHistoryChangeInAFactARuleReadsRevokesEligibility) {
  const std::string unrelated = NewClient();
  SubmitOk(unrelated, kAllClear);
  SetHistory(unrelated, "facts { fact: ECZEMA present: true }");
  EXPECT_TRUE(Eligibility(unrelated).eligible());

  const std::string related = NewClient();
  SubmitOk(related, kAllClear);
  SetHistory(related, "facts { fact: ANTICOAGULANT present: true detail: 'warfarin' }");
  const v1::Eligibility eligibility = Eligibility(related);
  EXPECT_FALSE(eligibility.eligible());
  EXPECT_THAT(Reasons(eligibility), ElementsAre(v1::ELIGIBILITY_REASON_MEDICAL_HISTORY_CHANGED));
  EXPECT_THAT(eligibility.reasons(0).message(), HasSubstr("ANTICOAGULANT"));
}

TEST_F(ScreeningTest, ARetryReturnsTheFirstScreening) {
  const std::string client = NewClient();
  auto request = Parse<v1::SubmitScreeningRequest>(absl::StrCat(
      "parent: '", client,
      "' screening { treatment_type: 'treatmentTypes/test_screening' "
      "definition_version: '1.0.0' site_id: '",
      kSite, "' planned_area_ids: 'forehead' ", kAllClear, " } request_id: 'same-request'"));
  v1::ScreeningRecord first;
  v1::ScreeningRecord second;
  ASSERT_TRUE(stub_->SubmitScreening(Context(nurse_).get(), request, &first).ok());
  ASSERT_TRUE(stub_->SubmitScreening(Context(nurse_).get(), request, &second).ok());
  EXPECT_EQ(first.name(), second.name());
  v1::ListScreeningsRequest list;
  list.set_parent(client);
  v1::ListScreeningsResponse listed;
  ASSERT_TRUE(stub_->ListScreenings(Context(nurse_).get(), list, &listed).ok());
  EXPECT_THAT(listed.screenings(), SizeIs(1));
}

// On a treatment day only the day-of-treatment questions are asked again;
// the rest come from the earlier screening with their own times.
TEST_F(ScreeningTest, AnswersCarryFromAnEarlierScreening) {
  const std::string client = NewClient();
  const v1::ScreeningRecord first = SubmitOk(client, kAllClear);
  const v1::ScreeningRecord today =
      SubmitOk(client, "answers { question_id: 'active_breakout' yes_no: false }", {"forehead"},
               absl::StrCat("carried_from: '", first.name(), "'"));
  EXPECT_EQ(today.outcome(), v1::SCREENING_OUTCOME_CLEARED);
  EXPECT_THAT(today.answers(), SizeIs(5));
  EXPECT_EQ(today.expire_time().seconds(), first.expire_time().seconds());
  EXPECT_TRUE(Eligibility(client, {"forehead"}).eligible());
  // Areas the earlier screening did not plan are not covered by its answers.
  v1::ScreeningRecord response;
  const grpc::Status status =
      Submit(client, "answers { question_id: 'active_breakout' yes_no: false }", response, {"neck"},
             absl::StrCat("carried_from: '", first.name(), "'"));
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("screening.planned_area_ids[0]"));

  v1::ListScreeningsRequest list;
  list.set_parent(client);
  list.set_page_size(1);
  v1::ListScreeningsResponse page;
  ASSERT_TRUE(stub_->ListScreenings(Context(nurse_).get(), list, &page).ok());
  ASSERT_THAT(page.screenings(), SizeIs(1));
  EXPECT_EQ(page.screenings(0).name(), today.name());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(stub_->ListScreenings(Context(nurse_).get(), list, &page).ok());
  ASSERT_THAT(page.screenings(), SizeIs(1));
  EXPECT_EQ(page.screenings(0).name(), first.name());
  EXPECT_TRUE(page.next_page_token().empty());
}

TEST_F(ScreeningTest, BadAnswersAreRefusedNamingTheAnswer) {
  const std::string client = NewClient();
  struct Case {
    std::string answers;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {absl::StrCat(kAllClear, "answers { question_id: 'no_such_question' yes_no: true }"),
            "screening.answers[5].question_id"},
           {absl::StrReplaceAll(kAllClear, {{"'pregnant' yes_no: false", "'pregnant' number: 3"}}),
            "screening.answers[0]"},
           {absl::StrReplaceAll(kAllClear,
                                {{"answers { question_id: 'pregnant' yes_no: false } ", ""}}),
            "screening.answers"},
       }) {
    v1::ScreeningRecord response;
    const grpc::Status status = Submit(client, c.answers, response);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << c.answers;
    EXPECT_THAT(status.error_message(), HasSubstr(c.field)) << status.error_message();
    EXPECT_LE(status.error_message().size(), 1024u);
  }
  v1::ScreeningRecord response;
  grpc::Status status = Submit(client, kAllClear, response, {"elbow"});
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("screening.planned_area_ids[0]"));

  auto request = Parse<v1::SubmitScreeningRequest>(absl::StrCat(
      "parent: '", client,
      "' screening { treatment_type: 'treatmentTypes/test_screening' "
      "definition_version: '0.9.0' site_id: '",
      kSite, "' planned_area_ids: 'forehead' ", kAllClear, " } request_id: 'old-version'"));
  status = stub_->SubmitScreening(Context(nurse_).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "DEFINITION_VERSION_MISMATCH");

  status = Submit("clients/01J00000000000000000000000", kAllClear, response);
  EXPECT_EQ(status.error_code(), grpc::NOT_FOUND);

  v1::ListScreeningsRequest list;
  list.set_parent(client);
  v1::ListScreeningsResponse listed;
  ASSERT_TRUE(stub_->ListScreenings(Context(nurse_).get(), list, &listed).ok());
  EXPECT_TRUE(listed.screenings().empty());
}

// Screening reads the client as service/in-process acting for the nurse, and
// ClientRecords' audit trail says so.
TEST_F(ScreeningTest, TheCallsToClientRecordsAreAuditedForThePerson) {
  const std::string client = NewClient();
  SubmitOk(client, kAllClear);
  const std::string auditor = clinic::testing::IssueTestToken(
      data_.path(), "staff/auditor", {clinic::testing::Binding(v1::ROLE_AUDITOR)});
  v1::ListAuditEventsRequest request;
  request.set_principal("service/in-process");
  request.set_page_size(50);
  v1::ListAuditEventsResponse response;
  const grpc::Status status = audit_->ListAuditEvents(Context(auditor).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> methods;
  for (const auto& event : response.events()) {
    EXPECT_EQ(event.on_behalf_of(), "staff/nurse");
    methods.push_back(event.method());
  }
  EXPECT_THAT(methods,
              ::testing::UnorderedElementsAre("/clinic.v1.ClientRecords/GetClient",
                                              "/clinic.v1.ClientRecords/GetMedicalHistory"));
}

// The process's own identity is for calls inside the process: its secret is
// refused when it arrives over the network, even from loopback.
TEST_F(ScreeningTest, TheInProcessIdentityIsRefusedFromTheNetwork) {
  const std::string secret = server_->upstreams().in_process_identity().secret();
  v1::GetClientRequest request;
  request.set_name(NewClient());
  v1::Client client;
  {
    auto context = Context(secret);
    context->AddMetadata("x-clinic-on-behalf-of", "staff/nurse");
    EXPECT_EQ(clients_->GetClient(context.get(), request, &client).error_code(),
              grpc::UNAUTHENTICATED);
  }
  auto in_process = v1::ClientRecords::NewStub(server_->InProcessChannel());
  auto context = Context(secret);
  context->AddMetadata("x-clinic-on-behalf-of", "staff/nurse");
  const grpc::Status status = in_process->GetClient(context.get(), request, &client);
  EXPECT_TRUE(status.ok()) << status.error_message();
  // Alone, it may read the catalog only, like every service identity.
  auto alone = Context(secret);
  EXPECT_EQ(in_process->GetClient(alone.get(), request, &client).error_code(),
            grpc::PERMISSION_DENIED);
}

}  // namespace
}  // namespace clinic
