#include "services/screening/screening_service.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/definition/semver.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/paging.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "services/screening/eligibility.h"
#include "services/screening/screening_evaluator.h"
#include "services/screening/screening_names.h"

namespace clinic::screening {
namespace {

constexpr absl::string_view kDomain = "clinic.v1.Screening";
// Bounds checked before anything else is read: a questionnaire has far fewer
// questions and a protocol far fewer areas.
constexpr int kMaxAnswers = 500;
constexpr int kMaxAreas = 64;
constexpr int kMaxSignOffs = 50;
constexpr size_t kMaxReason = 2000;
constexpr size_t kMaxReference = 500;
constexpr int kMaxDepthUm = 3000;

absl::Status Refused(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::FailedPreconditionError(message), reason, kDomain);
}

const v1::TreatmentArea* FindArea(const v1::TreatmentDefinition& definition, absl::string_view id) {
  for (const v1::TreatmentArea& area : definition.protocol().areas()) {
    if (area.id() == id) return &area;
  }
  return nullptr;
}

// Area ids a request names: at most kMaxAreas, each an area of the protocol,
// none twice. `required`: at least one.
void CheckAreaIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                  const v1::TreatmentDefinition& definition, absl::string_view field, bool required,
                  std::vector<FieldViolation>& out) {
  if (ids.empty()) {
    if (required) out.push_back({std::string(field), "must name at least one area"});
    return;
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < ids.size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    if (FindArea(definition, ids[i]) == nullptr) {
      out.push_back({path, absl::StrCat(Quote(ids[i]), " is not an area of ", definition.id())});
    } else if (!seen.insert(ids[i]).second) {
      out.push_back({path, absl::StrCat(Quote(ids[i]), " is listed twice")});
    }
  }
}

// The day `time` falls on at the site.
absl::CivilDay DayAt(absl::Time time, absl::TimeZone zone) { return absl::ToCivilDay(time, zone); }

absl::Duration Validity(const v1::TreatmentDefinition& definition) {
  return absl::Seconds(definition.screening_validity().seconds());
}

}  // namespace

ScreeningService::ScreeningService(std::unique_ptr<ScreeningStore> store, config::Sites sites,
                                   plugins::PluginHost& plugins,
                                   const server::Upstream& client_records)
    // Submitting and checking eligibility wait on ClientRecords and the
    // database, so they run on the pool, never on gRPC's threads.
    : ServiceKit(server::kStoreServiceThreads),
      store_(std::move(store)),
      sites_(std::move(sites)),
      plugins_(plugins),
      client_records_(client_records) {
  Handle("GetQuestionnaire", &ScreeningService::GetQuestionnaire, server::Runs::kInline);
  Handle("SubmitScreening", &ScreeningService::SubmitScreening);
  Handle("GetScreening", &ScreeningService::GetScreening);
  Handle("ListScreenings", &ScreeningService::ListScreenings);
  Handle("ReviewScreening", &ScreeningService::ReviewScreening);
  Handle("CheckEligibility", &ScreeningService::CheckEligibility);
}

absl::Status ScreeningService::GetQuestionnaire(const server::Call& /*call*/,
                                                const v1::GetQuestionnaireRequest& request,
                                                v1::Questionnaire& response) {
  absl::StatusOr<ResourceName> name = kQuestionnaireName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  const std::string& id = name->id("id");
  // One snapshot for the whole answer, so the questions and the version
  // always come from the same definition, even during a reload.
  const auto snapshot = plugins_.Current();
  const v1::TreatmentType* type = snapshot->Find(id);
  if (type == nullptr) return plugins::TreatmentTypeNotLoaded(id, kDomain);
  const v1::TreatmentDefinition& definition = type->definition();
  response.set_name(kQuestionnaireName.Format(definition.id()));
  response.set_treatment_type(plugins::kTreatmentTypeName.Format(definition.id()));
  response.set_definition_version(definition.version());
  *response.mutable_questions() = definition.screening_questions();
  *response.mutable_areas() = definition.protocol().areas();
  return absl::OkStatus();
}

absl::StatusOr<v1::Client> ScreeningService::ReadClient(const server::Call& call,
                                                        const std::string& client_id) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client_records_.channel();
  if (!channel.ok()) return channel.status();
  v1::ClientRecords::Stub stub(*channel);
  grpc::ClientContext context;
  client_records_.Prepare(context, call);
  v1::GetClientRequest request;
  request.set_name(kClientName.Format(client_id));
  v1::Client client;
  const grpc::Status status = stub.GetClient(&context, request, &client);
  if (!status.ok()) return server::UpstreamError(client_records_, "reading the client", status);
  return client;
}

absl::StatusOr<v1::MedicalHistory> ScreeningService::ReadMedicalHistory(
    const server::Call& call, const std::string& client_id) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client_records_.channel();
  if (!channel.ok()) return channel.status();
  v1::ClientRecords::Stub stub(*channel);
  grpc::ClientContext context;
  client_records_.Prepare(context, call);
  v1::GetMedicalHistoryRequest request;
  request.set_name(kMedicalHistoryName.Format(client_id));
  v1::MedicalHistory history;
  const grpc::Status status = stub.GetMedicalHistory(&context, request, &history);
  if (!status.ok()) {
    return server::UpstreamError(client_records_, "reading the medical history", status);
  }
  return history;
}

absl::Status ScreeningService::SubmitScreening(const server::Call& call,
                                               const v1::SubmitScreeningRequest& request,
                                               v1::ScreeningRecord& response) {
  const v1::ScreeningRecord& in = request.screening();
  // Sizes first: nothing below walks a list before it is known to be small.
  if (in.answers_size() > kMaxAnswers) {
    return InvalidField("screening.answers", absl::StrCat("must hold at most ", kMaxAnswers,
                                                          " answers; got ", in.answers_size()));
  }
  if (in.planned_area_ids_size() > kMaxAreas) {
    return InvalidField(
        "screening.planned_area_ids",
        absl::StrCat("must name at most ", kMaxAreas, " areas; got ", in.planned_area_ids_size()));
  }
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  const std::string& client_id = parent->id("client_id");
  std::vector<FieldViolation> violations;
  if (absl::Status s = storage::ValidateRequestId(request.request_id(), /*required=*/true);
      !s.ok()) {
    for (FieldViolation& v : GetFieldViolations(s)) violations.push_back(std::move(v));
  }
  if (!request.has_screening()) violations.push_back({"screening", "is required"});
  std::string type_id;
  if (in.treatment_type().empty()) {
    violations.push_back({"screening.treatment_type", "is required"});
  } else if (absl::StatusOr<ResourceName> type =
                 plugins::kTreatmentTypeName.Parse(in.treatment_type(), "screening.treatment_type");
             !type.ok()) {
    for (FieldViolation& v : GetFieldViolations(type.status())) violations.push_back(std::move(v));
  } else {
    type_id = type->id("id");
  }
  if (in.definition_version().empty()) {
    violations.push_back({"screening.definition_version",
                          "is required: the version of the questionnaire that was answered"});
  }
  sites_.CheckSite(in.site_id(), "screening.site_id", /*required=*/true, violations);
  std::string carried_id;
  if (!in.carried_from().empty()) {
    absl::StatusOr<ResourceName> carried =
        kScreeningName.Parse(in.carried_from(), "screening.carried_from");
    if (!carried.ok()) {
      for (FieldViolation& v : GetFieldViolations(carried.status())) {
        violations.push_back(std::move(v));
      }
    } else if (carried->id("client_id") != client_id) {
      violations.push_back({"screening.carried_from", "must be a screening of the same client"});
    } else {
      carried_id = carried->id("screening_id");
    }
  }
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;

  // A retry is answered from what the first call stored, whatever has
  // changed since (a plugin upgrade, the history).
  absl::StatusOr<absl::optional<v1::ScreeningRecord>> replay =
      store_->FindSubmitted(request, call.request_scope());
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) {
    response = **std::move(replay);
    return absl::OkStatus();
  }

  const auto snapshot = plugins_.Current();
  const v1::TreatmentType* type = snapshot->Find(type_id);
  if (type == nullptr) return plugins::TreatmentTypeNotLoaded(type_id, kDomain);
  const v1::TreatmentDefinition& definition = type->definition();
  if (in.definition_version() != definition.version()) {
    return Refused("DEFINITION_VERSION_MISMATCH",
                   absl::StrCat("screening.definition_version ", Quote(in.definition_version()),
                                " is not the loaded version ", Quote(definition.version()), " of ",
                                definition.id(), ": get the questionnaire again and re-ask"));
  }
  CheckAreaIds(in.planned_area_ids(), definition, "screening.planned_area_ids",
               /*required=*/true, violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;

  const absl::Time now = absl::Now();
  const absl::TimeZone zone = sites_.ZoneOf(in.site_id());
  const absl::CivilDay today = DayAt(now, zone);
  const std::vector<std::string> planned(in.planned_area_ids().begin(),
                                         in.planned_area_ids().end());

  // The answers: this request's, then those carried from an earlier
  // screening for every question it leaves out, with their own times.
  google::protobuf::RepeatedPtrField<v1::Answer> answers = in.answers();
  for (v1::Answer& answer : answers) *answer.mutable_answer_time() = ToTimestampMillis(now);
  if (!carried_id.empty()) {
    absl::StatusOr<v1::ScreeningRecord> carried = store_->Get(client_id, carried_id);
    if (!carried.ok()) return carried.status();
    if (carried->treatment_type() != in.treatment_type() ||
        carried->definition_version() != in.definition_version()) {
      return Refused(
          "CARRIED_SCREENING_UNUSABLE",
          absl::StrCat("screening.carried_from is a screening for ", carried->treatment_type(),
                       " version ", Quote(carried->definition_version()),
                       "; answers carry only within one treatment type and version"));
    }
    if (FromTimestamp(carried->expire_time()) <= now) {
      return Refused("CARRIED_SCREENING_UNUSABLE",
                     "screening.carried_from has expired; screen the client in full");
    }
    for (int i = 0; i < in.planned_area_ids_size(); ++i) {
      const auto& before = carried->planned_area_ids();
      if (std::find(before.begin(), before.end(), in.planned_area_ids(i)) == before.end()) {
        violations.push_back({absl::StrCat("screening.planned_area_ids[", i, "]"),
                              absl::StrCat(Quote(in.planned_area_ids(i)),
                                           " was not planned in screening.carried_from, so its "
                                           "answers do not cover it")});
      }
    }
    if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
    std::set<std::string> answered;
    for (const v1::Answer& answer : in.answers()) answered.insert(answer.question_id());
    for (const v1::Answer& old : carried->answers()) {
      if (answered.count(old.question_id()) > 0) continue;
      v1::Answer answer = old;
      if (!answer.area_ids().empty()) {
        // Only the areas still planned; a "yes" that applied to none of them
        // is a "no" for this screening.
        google::protobuf::RepeatedPtrField<std::string> kept;
        for (const std::string& area : answer.area_ids()) {
          if (std::find(planned.begin(), planned.end(), area) != planned.end()) *kept.Add() = area;
        }
        if (kept.empty()) {
          answer.clear_area_ids();
          answer.set_yes_no(false);
        } else {
          *answer.mutable_area_ids() = std::move(kept);
        }
      }
      *answers.Add() = std::move(answer);
    }
  }
  if (absl::Status invalid = CheckAnswers(definition, planned, answers, today, "screening.");
      !invalid.ok()) {
    return invalid;
  }

  absl::StatusOr<v1::Client> client = ReadClient(call, client_id);
  if (!client.ok()) return client.status();
  if (client->state() == v1::CLIENT_STATE_ARCHIVED) {
    return Refused("CLIENT_ARCHIVED",
                   absl::StrCat(request.parent(), " is archived; restore the client first"));
  }
  absl::StatusOr<v1::MedicalHistory> history = ReadMedicalHistory(call, client_id);
  if (!history.ok()) return history.status();

  EvaluationInput input;
  input.definition = &definition;
  input.planned_area_ids = planned;
  input.answers.assign(answers.begin(), answers.end());
  input.facts.assign(history->facts().begin(), history->facts().end());
  input.date_of_birth = client->date_of_birth();
  input.fitzpatrick_type = client->fitzpatrick_type();
  input.screening_day = today;
  Evaluation evaluation = Evaluate(input);

  v1::ScreeningRecord screening;
  screening.set_name(kScreeningName.Format(client_id, storage::NewId()));
  screening.set_treatment_type(plugins::kTreatmentTypeName.Format(definition.id()));
  screening.set_definition_version(definition.version());
  screening.set_site_id(in.site_id());
  *screening.mutable_planned_area_ids() = in.planned_area_ids();
  *screening.mutable_answers() = answers;
  screening.set_carried_from(in.carried_from());
  screening.set_outcome(evaluation.outcome);
  for (v1::Finding& finding : evaluation.findings) *screening.add_findings() = std::move(finding);
  for (v1::ExcludedArea& area : evaluation.excluded_areas) {
    *screening.add_excluded_areas() = std::move(area);
  }
  for (v1::DepthLimit& limit : evaluation.depth_limits) {
    *screening.add_depth_limits() = std::move(limit);
  }
  v1::ScreeningInputs& inputs = *screening.mutable_inputs();
  inputs.set_medical_history_version(history->version());
  *inputs.mutable_facts() = history->facts();
  *inputs.mutable_date_of_birth() = client->date_of_birth();
  inputs.set_fitzpatrick_type(client->fitzpatrick_type());
  inputs.set_age_years(evaluation.age_years);
  screening.set_screened_by(call.principal());
  *screening.mutable_create_time() = ToTimestampMillis(now);
  absl::Time earliest = now;
  for (const v1::Answer& answer : answers)
    earliest = std::min(earliest, FromTimestamp(answer.answer_time()));
  *screening.mutable_expire_time() = ToTimestampMillis(earliest + Validity(definition));

  absl::StatusOr<v1::ScreeningRecord> stored =
      store_->Submit(request, call.request_scope(), screening);
  if (!stored.ok()) return stored.status();
  response = *std::move(stored);
  return absl::OkStatus();
}

absl::Status ScreeningService::GetScreening(const server::Call& /*call*/,
                                            const v1::GetScreeningRequest& request,
                                            v1::ScreeningRecord& response) {
  absl::StatusOr<ResourceName> name = kScreeningName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::ScreeningRecord> screening =
      store_->Get(name->id("client_id"), name->id("screening_id"));
  if (!screening.ok()) return screening.status();
  response = *std::move(screening);
  return absl::OkStatus();
}

absl::Status ScreeningService::ListScreenings(const server::Call& /*call*/,
                                              const v1::ListScreeningsRequest& request,
                                              v1::ListScreeningsResponse& response) {
  absl::StatusOr<ResourceName> parent = kClientName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  std::string type_id;
  if (!request.treatment_type().empty()) {
    absl::StatusOr<ResourceName> type =
        plugins::kTreatmentTypeName.Parse(request.treatment_type(), "treatment_type");
    if (!type.ok()) return type.status();
    type_id = type->id("id");
  }
  absl::StatusOr<v1::ListScreeningsResponse> listed =
      store_->List(parent->id("client_id"), type_id, request);
  if (!listed.ok()) return listed.status();
  response = *std::move(listed);
  return absl::OkStatus();
}

absl::Status ScreeningService::ReviewScreening(const server::Call& call,
                                               const v1::ReviewScreeningRequest& request,
                                               v1::ScreeningRecord& response) {
  const v1::Review& in = request.review();
  if (in.allowed_area_ids_size() > kMaxAreas) {
    return InvalidField("review.allowed_area_ids",
                        absl::StrCat("must name at most ", kMaxAreas, " areas"));
  }
  if (in.sign_offs_size() > kMaxSignOffs) {
    return InvalidField("review.sign_offs",
                        absl::StrCat("must hold at most ", kMaxSignOffs, " sign-offs"));
  }
  absl::StatusOr<ResourceName> name = kScreeningName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  std::vector<FieldViolation> violations;
  if (absl::Status s = storage::ValidateRequestId(request.request_id(), /*required=*/true);
      !s.ok()) {
    for (FieldViolation& v : GetFieldViolations(s)) violations.push_back(std::move(v));
  }
  if (request.etag().empty()) {
    violations.push_back({"etag", "is required: the screening's etag as last read"});
  }
  const bool approve = in.decision() == v1::REVIEW_DECISION_APPROVED;
  if (in.decision() != v1::REVIEW_DECISION_APPROVED &&
      in.decision() != v1::REVIEW_DECISION_DECLINED) {
    violations.push_back(
        {"review.decision", "must be REVIEW_DECISION_APPROVED or REVIEW_DECISION_DECLINED"});
  }
  ValidateText(in.reason(), "review.reason", /*required=*/true, kMaxReason, violations);
  if (in.max_depth_um() < 0 || in.max_depth_um() > kMaxDepthUm) {
    violations.push_back({"review.max_depth_um",
                          absl::StrCat("must be 1 to ", kMaxDepthUm,
                                       " micrometres, or 0 for no limit beyond the findings'")});
  }
  std::set<absl::string_view> allowed;
  for (int i = 0; i < in.allowed_area_ids_size(); ++i) {
    if (!allowed.insert(in.allowed_area_ids(i)).second) {
      violations.push_back({absl::StrCat("review.allowed_area_ids[", i, "]"),
                            absl::StrCat(Quote(in.allowed_area_ids(i)), " is listed twice")});
    }
  }
  std::set<absl::string_view> signed_rules;
  for (int i = 0; i < in.sign_offs_size(); ++i) {
    const v1::SignOff& sign_off = in.sign_offs(i);
    const std::string path = absl::StrCat("review.sign_offs[", i, "]");
    ValidateText(sign_off.rule_id(), path + ".rule_id", /*required=*/true, 63, violations);
    ValidateText(sign_off.reference(), path + ".reference", /*required=*/true, kMaxReference,
                 violations);
    if (!sign_off.rule_id().empty() && !signed_rules.insert(sign_off.rule_id()).second) {
      violations.push_back(
          {path + ".rule_id", absl::StrCat(Quote(sign_off.rule_id()), " is signed off twice")});
    }
  }
  if (!approve &&
      (!in.allowed_area_ids().empty() || in.max_depth_um() != 0 || !in.sign_offs().empty())) {
    violations.push_back({"review",
                          "a decline takes only a reason: areas, depth and sign-offs "
                          "belong to approvals"});
  }
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;

  const absl::Time now = absl::Now();
  v1::Review review;
  review.set_decision(in.decision());
  review.set_reason(in.reason());
  *review.mutable_allowed_area_ids() = in.allowed_area_ids();
  review.set_max_depth_um(in.max_depth_um());
  *review.mutable_sign_offs() = in.sign_offs();
  review.set_reviewer(call.principal());
  *review.mutable_review_time() = ToTimestampMillis(now);

  const auto check = [&](const v1::ScreeningRecord& screening) -> absl::Status {
    if (screening.outcome() == v1::SCREENING_OUTCOME_CLEARED) {
      return Refused("NOT_REQUIRING_REVIEW",
                     absl::StrCat(screening.name(),
                                  " was cleared by the rules; there is nothing "
                                  "to review"));
    }
    if (screening.outcome() == v1::SCREENING_OUTCOME_CONTRAINDICATED) {
      return Refused("ABSOLUTE_FINDING", absl::StrCat(screening.name(),
                                                      " is contraindicated by an absolute rule, "
                                                      "which no review can clear"));
    }
    if (FromTimestamp(screening.expire_time()) <= now) {
      return Refused("SCREENING_EXPIRED",
                     absl::StrCat(screening.name(), " has expired; screen the client again"));
    }
    if (!approve) return absl::OkStatus();
    std::vector<FieldViolation> wrong;
    for (int i = 0; i < in.allowed_area_ids_size(); ++i) {
      const std::string& area = in.allowed_area_ids(i);
      const auto& planned = screening.planned_area_ids();
      if (std::find(planned.begin(), planned.end(), area) == planned.end()) {
        wrong.push_back({absl::StrCat("review.allowed_area_ids[", i, "]"),
                         absl::StrCat(Quote(area), " was not planned in this screening")});
        continue;
      }
      for (const v1::ExcludedArea& excluded : screening.excluded_areas()) {
        if (excluded.area_id() == area && !excluded.reviewable()) {
          return Refused("ABSOLUTE_FINDING",
                         absl::StrCat("review.allowed_area_ids[", i, "]: ", Quote(area),
                                      " is excluded by absolute rule ",
                                      Quote(absl::StrJoin(excluded.rule_ids(), ", ")),
                                      ", which no review can clear"));
        }
      }
    }
    std::set<std::string> needed;
    for (const v1::Finding& finding : screening.findings()) {
      if (finding.action().has_require_sign_off()) needed.insert(finding.rule_id());
    }
    for (int i = 0; i < in.sign_offs_size(); ++i) {
      if (needed.count(in.sign_offs(i).rule_id()) == 0) {
        wrong.push_back({absl::StrCat("review.sign_offs[", i, "].rule_id"),
                         absl::StrCat(Quote(in.sign_offs(i).rule_id()),
                                      " is not a finding of this screening that asks for a "
                                      "sign-off")});
      }
    }
    if (absl::Status invalid = Violations(wrong); !invalid.ok()) return invalid;
    for (const std::string& rule : needed) {
      if (signed_rules.count(rule) == 0) {
        return Refused("SIGN_OFF_MISSING",
                       absl::StrCat("finding ", Quote(rule),
                                    " asks for a sign-off; record it in review.sign_offs to "
                                    "approve"));
      }
    }
    return absl::OkStatus();
  };
  absl::StatusOr<v1::ScreeningRecord> reviewed =
      store_->AppendReview(request, call.request_scope(), name->id("client_id"),
                           name->id("screening_id"), review, check);
  if (!reviewed.ok()) return reviewed.status();
  response = *std::move(reviewed);
  return absl::OkStatus();
}

absl::Status ScreeningService::CheckEligibility(const server::Call& call,
                                                const v1::CheckEligibilityRequest& request,
                                                v1::Eligibility& response) {
  if (request.area_ids_size() > kMaxAreas) {
    return InvalidField("area_ids", absl::StrCat("must name at most ", kMaxAreas, " areas"));
  }
  absl::StatusOr<ResourceName> client_name = kClientName.Parse(request.client(), "client");
  if (!client_name.ok()) return client_name.status();
  const std::string& client_id = client_name->id("client_id");
  absl::StatusOr<ResourceName> type_name =
      plugins::kTreatmentTypeName.Parse(request.treatment_type(), "treatment_type");
  if (!type_name.ok()) return type_name.status();
  if (absl::Status site = sites_.CheckSite(request.site_id(), "site_id", /*required=*/true);
      !site.ok()) {
    return site;
  }
  const auto snapshot = plugins_.Current();
  const v1::TreatmentType* type = snapshot->Find(type_name->id("id"));
  if (type == nullptr) return plugins::TreatmentTypeNotLoaded(type_name->id("id"), kDomain);
  const v1::TreatmentDefinition& definition = type->definition();
  std::vector<FieldViolation> violations;
  CheckAreaIds(request.area_ids(), definition, "area_ids", /*required=*/true, violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;

  absl::StatusOr<absl::optional<v1::ScreeningRecord>> newest =
      store_->Newest(client_id, definition.id());
  if (!newest.ok()) return newest.status();
  if (!newest->has_value()) {
    v1::EligibilityFinding* reason = response.add_reasons();
    reason->set_reason(v1::ELIGIBILITY_REASON_NO_SCREENING);
    reason->set_message(absl::StrCat("the client has no screening for ", definition.id()));
    return absl::OkStatus();
  }
  const v1::ScreeningRecord& screening = **newest;

  absl::StatusOr<v1::MedicalHistory> history = ReadMedicalHistory(call, client_id);
  if (!history.ok()) return history.status();
  absl::optional<v1::Client> client;
  const DefinitionReads reads = ReadsOf(definition);
  if (reads.age || reads.fitzpatrick) {
    absl::StatusOr<v1::Client> read = ReadClient(call, client_id);
    if (!read.ok()) return read.status();
    client = *std::move(read);
  }
  EligibilityInputs inputs;
  inputs.screening = &screening;
  inputs.definition = &definition;
  inputs.history = &*history;
  inputs.client = client ? &*client : nullptr;
  inputs.area_ids.assign(request.area_ids().begin(), request.area_ids().end());
  inputs.now = absl::Now();
  inputs.zone = sites_.ZoneOf(request.site_id());
  response = DecideEligibility(inputs);
  return absl::OkStatus();
}

server::ServiceFactory ScreeningFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    absl::StatusOr<const server::Upstream*> client_records =
        context.upstreams.Get("client_records", v1::ClientRecords::service_full_name());
    if (!client_records.ok()) return client_records.status();
    absl::StatusOr<std::unique_ptr<ScreeningStore>> store = OpenSqliteScreeningStore(
        context.config.data_dir() + "/screening.db", storage::PageBudgetBytes(context.config));
    if (!store.ok()) return store.status();
    return std::make_unique<ScreeningService>(std::move(*store), config::Sites(context.config),
                                              context.plugin_host, **client_records);
  };
}

}  // namespace clinic::screening
