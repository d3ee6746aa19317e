// clinicctl's screening commands: the questionnaire, submitting a screening
// from a file, listing and reading screenings, a clinician's review, and
// whether a client may be treated now.
#include <google/protobuf/text_format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, areas, "",
          "eligibility, review-screening: comma-separated area ids, e.g. forehead,cheeks.");
ABSL_FLAG(int, max_depth_um, 0, "review-screening: the deepest needle depth approved.");
ABSL_FLAG(std::string, sign_off_rule, "", "review-screening: the rule a sign-off answers.");
ABSL_FLAG(std::string, sign_off_reference, "",
          "review-screening: where the sign-off document is, e.g. 'Letter from Dr Patel'.");

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::Screening::Stub> Screening() { return v1::Screening::NewStub(Channel()); }

std::vector<std::string> Areas() {
  return absl::StrSplit(absl::GetFlag(FLAGS_areas), ',', absl::SkipWhitespace());
}

int Questionnaire(const std::vector<std::string>& args) {
  v1::GetQuestionnaireRequest request;
  request.set_name("treatmentTypes/" + args[0] + "/questionnaire");
  v1::Questionnaire response;
  return Print(Screening()->GetQuestionnaire(Context().get(), request, &response), response);
}

int Screen(const std::vector<std::string>& args) {
  v1::SubmitScreeningRequest request;
  request.set_parent(args[0]);
  const std::string text = ReadFileOrEmpty(args[1]);
  if (text.empty() ||
      !google::protobuf::TextFormat::ParseFromString(text, request.mutable_screening())) {
    std::fprintf(stderr, "error: %s is not a text-format clinic.v1.ScreeningRecord\n",
                 args[1].c_str());
    return kBadUsage;
  }
  request.set_request_id(RequestId());
  v1::ScreeningRecord response;
  return Print(Screening()->SubmitScreening(Context().get(), request, &response), response);
}

int Screenings(const std::vector<std::string>& args) {
  v1::ListScreeningsRequest request;
  request.set_parent(args[0]);
  if (args.size() == 2) request.set_treatment_type("treatmentTypes/" + args[1]);
  return ForEachPage(
      *Screening(), &v1::Screening::Stub::ListScreenings, request,
      [](const v1::ListScreeningsResponse& page) {
        for (const auto& item : page.screenings()) {
          PrintRow(item, {item.name(), item.treatment_type(), item.definition_version(),
                          v1::ScreeningState_Name(item.state()), FormatTime(item.create_time())});
        }
      });
}

int GetScreening(const std::vector<std::string>& args) {
  v1::GetScreeningRequest request;
  request.set_name(args[0]);
  v1::ScreeningRecord response;
  return Print(Screening()->GetScreening(Context().get(), request, &response), response);
}

int ReviewScreening(const std::vector<std::string>& args) {
  const std::string& decision = args[1];
  if (decision != "approve" && decision != "decline") {
    std::fprintf(stderr,
                 "usage: clinicctl review-screening NAME approve|decline REASON\n"
                 "error: the decision is approve or decline\n");
    return kBadUsage;
  }
  auto stub = Screening();
  // The review is made against the screening as it is now.
  v1::GetScreeningRequest get;
  get.set_name(args[0]);
  v1::ScreeningRecord current;
  if (grpc::Status status = stub->GetScreening(Context().get(), get, &current); !status.ok()) {
    return PrintError(status);
  }
  v1::ReviewScreeningRequest request;
  request.set_name(args[0]);
  request.set_etag(current.etag());
  request.set_request_id(RequestId());
  v1::Review& review = *request.mutable_review();
  review.set_decision(decision == "approve" ? v1::REVIEW_DECISION_APPROVED
                                            : v1::REVIEW_DECISION_DECLINED);
  review.set_reason(args[2]);
  for (const std::string& area : Areas()) review.add_allowed_area_ids(area);
  review.set_max_depth_um(absl::GetFlag(FLAGS_max_depth_um));
  if (!absl::GetFlag(FLAGS_sign_off_rule).empty()) {
    v1::SignOff* sign_off = review.add_sign_offs();
    sign_off->set_rule_id(absl::GetFlag(FLAGS_sign_off_rule));
    sign_off->set_reference(absl::GetFlag(FLAGS_sign_off_reference));
  }
  v1::ScreeningRecord response;
  return Print(stub->ReviewScreening(Context().get(), request, &response), response);
}

int Eligibility(const std::vector<std::string>& args) {
  v1::CheckEligibilityRequest request;
  request.set_client(args[0]);
  request.set_treatment_type("treatmentTypes/" + args[1]);
  request.set_site_id(absl::GetFlag(FLAGS_site));
  for (const std::string& area : Areas()) request.add_area_ids(area);
  v1::Eligibility response;
  return Print(Screening()->CheckEligibility(Context().get(), request, &response), response);
}

}  // namespace

void AddScreeningCommands(Registry& registry) {
  registry.Area("screening");
  registry.Add({"questionnaire",
                "ID",
                "show a treatment type's screening questions",
                "The questions, the treatable areas and the definition version a screening\n"
                "answers.",
                {},
                Questionnaire});
  registry.Add({"screen",
                "clients/ID FILE",
                "submit a screening written in FILE",
                "FILE is a text-format clinic.v1.ScreeningRecord: treatment_type,\n"
                "definition_version, site_id, planned_area_ids and answers (docs/screening.md).\n"
                "Prints the screening with its outcome and findings.",
                {"request_id"},
                Screen});
  registry.Add({"screenings",
                "clients/ID [TYPE]",
                "list a client's screenings, newest first",
                "One line per screening: name, treatment type, definition version, state,\n"
                "time. TYPE keeps only one treatment type's.",
                {},
                Screenings});
  registry.Add({"screening",
                "NAME",
                "show one screening with its findings and reviews",
                "NAME is clients/ID/screenings/ID.",
                {},
                GetScreening});
  registry.Add({"review-screening",
                "NAME approve|decline REASON",
                "review a screening as a clinician",
                "Approves or declines a screening whose findings need a clinician, against the\n"
                "screening as it is now; an approval may limit the areas and the depth and\n"
                "record a sign-off.",
                {"areas", "max_depth_um", "sign_off_rule", "sign_off_reference", "request_id"},
                ReviewScreening});
  registry.Add({"eligibility",
                "clients/ID TYPE",
                "may the client be treated now",
                "Whether the client has a valid screening for TYPE at the site and areas, and\n"
                "what limits apply.",
                {"site", "areas"},
                Eligibility});
}

}  // namespace clinic::clinicctl
