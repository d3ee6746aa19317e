// The treatment flow: chart, CreateTreatmentRecord of --treatment_type in its
// first area for one of a set of clients made ready for it (screened,
// consented) with cartridges in stock, so every call runs the whole main
// path: eligibility from Screening, the consent and interval checks,
// consumption at Inventory, the record and its charge for Billing. The
// calls override the course interval (each client is treated many times in
// a run), which the practitioner the bench acts as may do.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/time.h"
#include "google/protobuf/util/time_util.h"
#include "tools/clinic_bench/fixture.h"
#include "tools/clinic_bench/operation.h"
#include "tools/screening_answers/plain_answer.h"

namespace clinic::bench {
namespace {

// Clients made ready; each call treats one of them.
constexpr size_t kReadyClients = 32;
// Lots of cartridges received for the run, each with more units than any
// run consumes.
constexpr int kLots = 4;
constexpr int64_t kUnitsPerLot = 100000;

class CreateTreatmentRecordOperation : public Operation {
 public:
  explicit CreateTreatmentRecordOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "ClientRecords/CreateTreatmentRecord"; }
  bool DurableWrite() const override { return true; }
  std::vector<v1::Role> Roles() const override {
    return {v1::ROLE_PRACTITIONER, v1::ROLE_INVENTORY_CLERK};
  }

  absl::Status Prepare() override {
    for (int i = 0; i < fixture_.channel_count(); ++i) {
      stubs_.push_back(v1::ClientRecords::NewStub(fixture_.channel(i)));
    }
    absl::StatusOr<const v1::Questionnaire*> questionnaire = fixture_.Questionnaire();
    if (!questionnaire.ok()) return questionnaire.status();
    const v1::TreatmentArea& area = (*questionnaire)->areas(0);
    absl::StatusOr<v1::CartridgeRequirement> cartridge = CartridgeFor(area.id());
    if (!cartridge.ok()) return cartridge.status();
    if (absl::Status s = Stock(*cartridge); !s.ok()) return s;
    // Clients of its own: the mix's updates of seeded clients' medical
    // histories would (rightly) void their screenings mid-run.
    for (size_t i = 0; i < kReadyClients; ++i) {
      absl::StatusOr<std::string> client = NewClient(i);
      if (!client.ok()) return client.status();
      if (absl::Status s = Ready(*client, **questionnaire, area.id()); !s.ok()) return s;
      ready_.push_back(*client);
    }

    v1::TreatmentRecord& record = *template_.mutable_treatment_record();
    record.set_treatment_type_id(fixture_.treatment_type());
    record.set_site_id(fixture_.site_id());
    record.set_practitioner(fixture_.principal());
    v1::TreatedArea* treated = record.add_areas();
    treated->set_area_id(area.id());
    treated->set_needle_depth_um(area.min_depth_um());
    treated->set_passes(area.min_passes());
    v1::ConsumableUse& use = *record.add_consumables();
    use.set_requirement_id(cartridge->id());
    record.set_notes("Tolerated well; mild erythema expected for 24 hours.");
    record.set_interval_override_reason("clinic-bench: the same clients, session after session");
    return absl::OkStatus();
  }

  void Start(Slot& slot, Done done) override {
    auto call = std::make_shared<Unary<v1::CreateTreatmentRecordRequest, v1::TreatmentRecord>>();
    fixture_.PrepareContext(call->context);
    call->request = template_;
    call->request.set_parent(ready_[slot.random()() % ready_.size()]);
    call->request.set_request_id(fixture_.NextRequestId());
    *call->request.mutable_treatment_record()->mutable_perform_time() =
        ToTimestamp(absl::Now() - absl::Minutes(30));
    stubs_[static_cast<size_t>(slot.channel())]->async()->CreateTreatmentRecord(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status); });
  }

 private:
  // The first cartridge requirement of the loaded definition for `area_id`.
  absl::StatusOr<v1::CartridgeRequirement> CartridgeFor(const std::string& area_id) {
    auto catalog = v1::TreatmentCatalog::NewStub(fixture_.channel(0));
    v1::GetTreatmentTypeRequest request;
    request.set_name("treatmentTypes/" + fixture_.treatment_type());
    v1::TreatmentType type;
    grpc::ClientContext context;
    fixture_.PrepareContext(context);
    const grpc::Status status = catalog->GetTreatmentType(&context, request, &type);
    if (!status.ok()) return FromGrpc(status, "TreatmentCatalog/GetTreatmentType");
    for (const v1::CartridgeRequirement& cartridge : type.definition().cartridges()) {
      if (cartridge.area_ids().empty() ||
          std::find(cartridge.area_ids().begin(), cartridge.area_ids().end(), area_id) !=
              cartridge.area_ids().end()) {
        return cartridge;
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        fixture_.treatment_type(), " has no cartridge requirement for area ", area_id));
  }

  // A product made to fit `cartridge`, received at the site in kLots lots.
  absl::Status Stock(const v1::CartridgeRequirement& cartridge) {
    v1::Product product;
    product.set_display_name("Bench cartridge for the chart operation");
    product.set_manufacturer("Clinic Core bench");
    product.set_kind(v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE);
    if (!cartridge.needles().empty()) {
      *product.mutable_cartridge()->mutable_needles() = cartridge.needles(0);
    }
    product.mutable_cartridge()->set_needle_length_um(cartridge.min_needle_length_um());
    product.mutable_cartridge()->set_insulated(cartridge.insulated_needles_required());
    product.mutable_cartridge()->add_compatible_devices("Bench pen");
    return StockProduct(fixture_, product, "BENCH-CHART-", kLots, kUnitsPerLot).status();
  }

  absl::StatusOr<std::string> NewClient(size_t serial) {
    v1::CreateClientRequest create;
    v1::Client& client = *create.mutable_client();
    client.set_home_site_id(fixture_.site_id());
    client.set_given_name("Chart");
    client.set_family_name(absl::StrCat("Bench ",
                                        std::string(1, static_cast<char>('A' + serial % 26)),
                                        std::string(1, static_cast<char>('a' + serial / 26))));
    client.mutable_date_of_birth()->set_year(1980 + static_cast<int>(serial % 20));
    client.mutable_date_of_birth()->set_month(1 + static_cast<int>(serial % 12));
    client.mutable_date_of_birth()->set_day(1 + static_cast<int>(serial % 28));
    create.set_request_id(fixture_.NextRequestId());
    grpc::ClientContext context;
    fixture_.PrepareContext(context);
    v1::CreateClientResponse created;
    const grpc::Status status = stubs_[0]->CreateClient(&context, create, &created);
    if (!status.ok()) return FromGrpc(status, "ClientRecords/CreateClient");
    return created.client().name();
  }

  // Screens `client` for `area_id` (approving a screening the rules send for
  // review) and records a consent.
  absl::Status Ready(const std::string& client, const v1::Questionnaire& questionnaire,
                     const std::string& area_id) {
    auto screening = v1::Screening::NewStub(fixture_.channel(0));
    v1::SubmitScreeningRequest submit;
    submit.set_parent(client);
    submit.set_request_id(fixture_.NextRequestId());
    v1::ScreeningRecord& answers = *submit.mutable_screening();
    answers.set_treatment_type(questionnaire.treatment_type());
    answers.set_definition_version(questionnaire.definition_version());
    answers.set_site_id(fixture_.site_id());
    answers.add_planned_area_ids(area_id);
    tools::AddPlainAnswers(questionnaire.questions(), answers.mutable_answers());
    v1::ScreeningRecord submitted;
    {
      grpc::ClientContext context;
      fixture_.PrepareContext(context);
      const grpc::Status status = screening->SubmitScreening(&context, submit, &submitted);
      if (!status.ok()) return FromGrpc(status, "Screening/SubmitScreening");
    }
    if (submitted.state() == v1::SCREENING_STATE_PENDING_REVIEW) {
      v1::ReviewScreeningRequest review;
      review.set_name(submitted.name());
      review.set_etag(submitted.etag());
      review.set_request_id(fixture_.NextRequestId());
      review.mutable_review()->set_decision(v1::REVIEW_DECISION_APPROVED);
      review.mutable_review()->set_reason("clinic-bench: approved for the run");
      grpc::ClientContext context;
      fixture_.PrepareContext(context);
      v1::ScreeningRecord reviewed;
      const grpc::Status status = screening->ReviewScreening(&context, review, &reviewed);
      if (!status.ok()) return FromGrpc(status, "Screening/ReviewScreening");
    }
    v1::RecordConsentRequest consent;
    consent.set_parent(client);
    consent.set_request_id(fixture_.NextRequestId());
    consent.mutable_consent()->set_treatment_type_id(fixture_.treatment_type());
    consent.mutable_consent()->set_form_version("bench");
    *consent.mutable_consent()->mutable_sign_time() = ToTimestamp(absl::Now());
    consent.mutable_consent()->set_site_id(fixture_.site_id());
    grpc::ClientContext context;
    fixture_.PrepareContext(context);
    v1::Consent recorded;
    const grpc::Status status = stubs_[0]->RecordConsent(&context, consent, &recorded);
    return status.ok() ? absl::OkStatus() : FromGrpc(status, "ClientRecords/RecordConsent");
  }

  Fixture& fixture_;
  std::vector<std::unique_ptr<v1::ClientRecords::Stub>> stubs_;
  std::vector<std::string> ready_;
  v1::CreateTreatmentRecordRequest template_;
};

CLINIC_BENCH_OPERATION(
    "chart", CreateTreatmentRecordOperation,
    "ClientRecords/CreateTreatmentRecord of --treatment_type for a client made ready for it: "
    "eligibility, consent, interval, consumption and the charge, the whole main path");

}  // namespace
}  // namespace clinic::bench
