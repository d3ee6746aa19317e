// Screening operations: screen, a full questionnaire submitted for a seeded
// client (the server reads the client and its medical history through
// ClientRecords and evaluates every rule before storing the screening).
#include <memory>
#include <string>
#include <vector>

#include "clinic/v1/screening.grpc.pb.h"
#include "tools/clinic_bench/fixture.h"
#include "tools/clinic_bench/operation.h"
#include "tools/screening_answers/plain_answer.h"

namespace clinic::bench {

using tools::AddPlainAnswers;

namespace {

class SubmitScreeningOperation : public Operation {
 public:
  explicit SubmitScreeningOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "Screening/SubmitScreening"; }
  bool DurableWrite() const override { return true; }
  bool NeedsClients() const override { return true; }
  std::vector<v1::Role> Roles() const override { return {v1::ROLE_PRACTITIONER}; }

  absl::Status Prepare() override {
    for (int i = 0; i < fixture_.channel_count(); ++i) {
      stubs_.push_back(v1::Screening::NewStub(fixture_.channel(i)));
    }
    absl::StatusOr<const v1::Questionnaire*> questionnaire = fixture_.Questionnaire();
    if (!questionnaire.ok()) return questionnaire.status();
    v1::ScreeningRecord& screening = *template_.mutable_screening();
    screening.set_treatment_type((*questionnaire)->treatment_type());
    screening.set_definition_version((*questionnaire)->definition_version());
    screening.set_site_id(fixture_.site_id());
    screening.add_planned_area_ids((*questionnaire)->areas(0).id());
    AddPlainAnswers((*questionnaire)->questions(), screening.mutable_answers());
    return absl::OkStatus();
  }

  void Start(Slot& slot, Done done) override {
    struct Call {
      grpc::ClientContext context;
      v1::SubmitScreeningRequest request;
      v1::ScreeningRecord response;
    };
    auto call = std::make_shared<Call>();
    fixture_.PrepareContext(call->context);
    call->request = template_;
    call->request.set_parent(fixture_.RandomClient(slot.random()));
    call->request.set_request_id(fixture_.NextRequestId());
    stubs_[static_cast<size_t>(slot.channel())]->async()->SubmitScreening(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status); });
  }

 private:
  Fixture& fixture_;
  std::vector<std::unique_ptr<v1::Screening::Stub>> stubs_;
  v1::SubmitScreeningRequest template_;
};

CLINIC_BENCH_OPERATION("screen", SubmitScreeningOperation,
                       "Screening/SubmitScreening of --treatment_type's whole questionnaire");

}  // namespace
}  // namespace clinic::bench
