// clinicctl's screening commands: the questionnaire, submitting a screening
// from a file, listing and reading screenings, a clinician's review, and
// whether a client may be treated now.
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, areas, "",
          "eligibility, review-screening, screen-interactive: comma-separated area ids, e.g. "
          "forehead,cheeks.");
ABSL_FLAG(std::string, save, "",
          "screen-interactive: also write the answers to this file, which `screen` takes.");
ABSL_FLAG(bool, yes, false, "screen-interactive: submit without asking to confirm.");
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

// Asking on the terminal. Prompts go to stderr so that stdout carries only
// the submitted screening, as with every other command.
class Prompter {
 public:
  // One line typed, trimmed; false when input ended. Lines starting with
  // '#' are skipped, so a file of answers piped in can say which question
  // each line answers.
  bool Ask(const std::string& prompt, std::string& line) {
    std::fprintf(stderr, "%s", prompt.c_str());
    std::fflush(stderr);
    do {
      if (!std::getline(std::cin, line)) return false;
      line = std::string(absl::StripAsciiWhitespace(line));
    } while (!line.empty() && line[0] == '#');
    return true;
  }
};

// Retries one question this many times before giving up, so a script that
// pipes in wrong answers ends instead of looping.
constexpr int kTries = 5;

std::string Hint(const v1::ScreeningQuestion& question) {
  std::vector<std::string> ways;
  switch (question.answer_type()) {
    case v1::ANSWER_TYPE_YES_NO:
      ways.push_back("y/n");
      break;
    case v1::ANSWER_TYPE_DATE:
      ways.push_back("YYYY-MM-DD");
      if (!question.never_label().empty()) {
        ways.push_back(absl::StrCat("never (", question.never_label(), ")"));
      }
      break;
    case v1::ANSWER_TYPE_NUMBER:
      ways.push_back(absl::StrCat(question.number_bounds().min(), " to ",
                                  question.number_bounds().max(), " ",
                                  question.number_bounds().unit()));
      break;
    case v1::ANSWER_TYPE_CHOICE:
      for (int i = 0; i < question.options_size(); ++i) {
        ways.push_back(absl::StrCat(i + 1, "=", question.options(i).label()));
      }
      break;
    default:
      ways.push_back("text");
  }
  if (question.unknown_allowed()) ways.push_back("? for don't know");
  if (!question.required()) ways.push_back("empty to skip");
  return absl::StrJoin(ways, ", ");
}

// `line` as an answer to `question`; false, having said why, when it is not
// one.
bool ParseAnswer(const v1::ScreeningQuestion& question, const std::string& line,
                 v1::Answer& answer) {
  const std::string lower = absl::AsciiStrToLower(line);
  if (question.unknown_allowed() && (lower == "?" || lower == "unknown")) {
    answer.set_unknown(true);
    return true;
  }
  switch (question.answer_type()) {
    case v1::ANSWER_TYPE_YES_NO:
      if (lower == "y" || lower == "yes") {
        answer.set_yes_no(true);
        return true;
      }
      if (lower == "n" || lower == "no") {
        answer.set_yes_no(false);
        return true;
      }
      std::fprintf(stderr, "  answer y or n\n");
      return false;
    case v1::ANSWER_TYPE_DATE:
      if (!question.never_label().empty() && lower == "never") {
        answer.set_never(true);
        return true;
      }
      return ParseDate(line, answer.mutable_date());
    case v1::ANSWER_TYPE_NUMBER: {
      double number = 0;
      if (!absl::SimpleAtod(line, &number) || number < question.number_bounds().min() ||
          number > question.number_bounds().max()) {
        std::fprintf(stderr, "  answer a number from %g to %g\n", question.number_bounds().min(),
                     question.number_bounds().max());
        return false;
      }
      answer.set_number(number);
      return true;
    }
    case v1::ANSWER_TYPE_CHOICE: {
      int index = 0;
      if (absl::SimpleAtoi(line, &index) && index >= 1 && index <= question.options_size()) {
        answer.set_choice_id(question.options(index - 1).id());
        return true;
      }
      for (const v1::ChoiceOption& option : question.options()) {
        if (option.id() == line) {
          answer.set_choice_id(option.id());
          return true;
        }
      }
      std::fprintf(stderr, "  answer the number of an option, 1 to %d\n", question.options_size());
      return false;
    }
    default:
      answer.set_text(line);
      return true;
  }
}

int ScreenInteractive(const std::vector<std::string>& args) {
  const std::string site = absl::GetFlag(FLAGS_site);
  if (site.empty()) {
    std::fprintf(stderr,
                 "usage: clinicctl screen-interactive clients/ID TYPE --site=SITE\n"
                 "error: --site is required: where the client is screened\n");
    return kBadUsage;
  }
  auto stub = Screening();
  v1::GetQuestionnaireRequest get;
  get.set_name("treatmentTypes/" + args[1] + "/questionnaire");
  v1::Questionnaire questionnaire;
  if (grpc::Status status = stub->GetQuestionnaire(Context().get(), get, &questionnaire);
      !status.ok()) {
    return PrintError(status);
  }
  v1::ScreeningRecord screening;
  screening.set_treatment_type(questionnaire.treatment_type());
  screening.set_definition_version(questionnaire.definition_version());
  screening.set_site_id(site);
  std::set<std::string> known_areas;
  for (const v1::TreatmentArea& area : questionnaire.areas()) known_areas.insert(area.id());
  Prompter prompter;
  std::vector<std::string> areas = Areas();
  for (int tries = 0;
       areas.empty() ||
       !std::all_of(areas.begin(), areas.end(), [&](auto& a) { return known_areas.count(a) > 0; });
       ++tries) {
    if (tries == kTries) return kBadUsage;
    std::vector<std::string> listed;
    for (const v1::TreatmentArea& area : questionnaire.areas()) {
      listed.push_back(absl::StrCat(area.id(), " (", area.display_name(), ")"));
    }
    std::string line;
    if (!prompter.Ask(
            absl::StrCat("Areas to treat, comma-separated: ", absl::StrJoin(listed, ", "), "\n> "),
            line)) {
      std::fprintf(stderr, "error: input ended before the areas were given\n");
      return kBadUsage;
    }
    areas = absl::StrSplit(line, ',', absl::SkipWhitespace());
    for (std::string& area : areas) area = std::string(absl::StripAsciiWhitespace(area));
  }
  for (const std::string& area : areas) screening.add_planned_area_ids(area);

  const int count = questionnaire.questions_size();
  for (int i = 0; i < count; ++i) {
    const v1::ScreeningQuestion& question = questionnaire.questions(i);
    std::string prompt = absl::StrCat("\n[", i + 1, "/", count, "] ", question.text(), "\n");
    if (!question.help_text().empty()) absl::StrAppend(&prompt, "  ", question.help_text(), "\n");
    absl::StrAppend(&prompt, "  (", Hint(question), ")\n> ");
    v1::Answer answer;
    answer.set_question_id(question.id());
    bool answered = false;
    for (int tries = 0; tries < kTries && !answered; ++tries) {
      std::string line;
      if (!prompter.Ask(prompt, line)) {
        std::fprintf(stderr, "error: input ended before question %s was answered\n",
                     question.id().c_str());
        return kBadUsage;
      }
      if (line.empty()) {
        if (!question.required()) break;
        std::fprintf(stderr, "  this question must be answered\n");
        continue;
      }
      answered = ParseAnswer(question, line, answer);
    }
    if (!answered) {
      if (!question.required()) continue;
      std::fprintf(stderr, "error: no usable answer to question %s\n", question.id().c_str());
      return kBadUsage;
    }
    if (question.per_area() && answer.yes_no() && areas.size() > 1) {
      std::string line;
      if (!prompter.Ask(absl::StrCat("  Which areas (", absl::StrJoin(areas, ","),
                                     ")? Empty for all of them\n> "),
                        line)) {
        std::fprintf(stderr, "error: input ended\n");
        return kBadUsage;
      }
      for (absl::string_view area : absl::StrSplit(line, ',', absl::SkipWhitespace())) {
        answer.add_area_ids(std::string(absl::StripAsciiWhitespace(area)));
      }
    }
    *screening.add_answers() = std::move(answer);
  }

  std::string text;
  google::protobuf::TextFormat::PrintToString(screening, &text);
  std::fprintf(stderr, "\nThe screening:\n%s", text.c_str());
  if (const std::string save = absl::GetFlag(FLAGS_save); !save.empty()) {
    std::ofstream out(save);
    out << text;
    if (!out) {
      std::fprintf(stderr, "error: cannot write %s\n", save.c_str());
      return kBadUsage;
    }
    std::fprintf(stderr, "saved to %s (clinicctl screen %s %s submits it)\n", save.c_str(),
                 args[0].c_str(), save.c_str());
  }
  if (!absl::GetFlag(FLAGS_yes)) {
    std::string line;
    if (!prompter.Ask("Submit it? [y/N] ", line) || absl::AsciiStrToLower(line) != "y") {
      std::fprintf(stderr, "not submitted\n");
      return 0;
    }
  }
  v1::SubmitScreeningRequest request;
  request.set_parent(args[0]);
  *request.mutable_screening() = std::move(screening);
  request.set_request_id(RequestId());
  v1::ScreeningRecord response;
  return Print(stub->SubmitScreening(Context().get(), request, &response), response);
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
  registry.Add({"screen-interactive",
                "clients/ID TYPE --site=SITE",
                "answer a screening question by question, then submit it",
                "Asks for the areas (unless --areas gives them) and each question of the\n"
                "treatment type's questionnaire on the terminal, shows the answers and submits\n"
                "them once confirmed (--yes skips that). --save keeps the answers in a file\n"
                "that `clinicctl screen` takes, e.g. for the next visit. Answers may be piped\n"
                "in, one line each; lines starting with # are skipped.",
                {"site", "areas", "save", "yes", "request_id"},
                ScreenInteractive});
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
