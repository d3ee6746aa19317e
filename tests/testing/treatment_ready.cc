#include "tests/testing/treatment_ready.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "common/storage/ids.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "tests/testing/access_env.h"
#include "tools/screening_answers/plain_answer.h"

namespace clinic::testing {
namespace {

absl::Status Failed(absl::string_view doing, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(doing, ": ", status.error_message()));
}

}  // namespace

TreatmentReady::TreatmentReady(std::shared_ptr<grpc::Channel> channel, const std::string& data_dir)
    : channel_(std::move(channel)),
      practitioner_(
          IssueTestToken(data_dir, "staff/ready-practitioner", {Binding(v1::ROLE_PRACTITIONER)})),
      clerk_(IssueTestToken(data_dir, "staff/ready-stock", {Binding(v1::ROLE_INVENTORY_CLERK)})) {}

std::unique_ptr<grpc::ClientContext> TreatmentReady::Context(const std::string& token) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  AddToken(*context, token);
  return context;
}

std::string TreatmentReady::NextId() { return absl::StrCat("ready-", storage::NewId()); }

absl::StatusOr<v1::ScreeningRecord> TreatmentReady::Screen(const std::string& client,
                                                           const std::string& treatment_type,
                                                           const std::string& site,
                                                           const std::vector<std::string>& areas) {
  auto stub = v1::Screening::NewStub(channel_);
  v1::GetQuestionnaireRequest get;
  get.set_name(absl::StrCat("treatmentTypes/", treatment_type, "/questionnaire"));
  v1::Questionnaire questionnaire;
  grpc::Status status = stub->GetQuestionnaire(Context(practitioner_).get(), get, &questionnaire);
  if (!status.ok()) return Failed("reading the questionnaire", status);
  v1::SubmitScreeningRequest submit;
  submit.set_parent(client);
  submit.set_request_id(NextId());
  v1::ScreeningRecord& screening = *submit.mutable_screening();
  screening.set_treatment_type(questionnaire.treatment_type());
  screening.set_definition_version(questionnaire.definition_version());
  screening.set_site_id(site);
  for (const std::string& area : areas) screening.add_planned_area_ids(area);
  tools::AddPlainAnswers(questionnaire.questions(), screening.mutable_answers());
  v1::ScreeningRecord record;
  status = stub->SubmitScreening(Context(practitioner_).get(), submit, &record);
  if (!status.ok()) return Failed("submitting the screening", status);
  if (record.state() != v1::SCREENING_STATE_PENDING_REVIEW) return record;
  v1::ReviewScreeningRequest review;
  review.set_name(record.name());
  review.set_etag(record.etag());
  review.set_request_id(NextId());
  review.mutable_review()->set_decision(v1::REVIEW_DECISION_APPROVED);
  review.mutable_review()->set_reason("Reviewed in clinic; fine to treat.");
  v1::ScreeningRecord reviewed;
  status = stub->ReviewScreening(Context(practitioner_).get(), review, &reviewed);
  if (!status.ok()) return Failed("approving the screening", status);
  return reviewed;
}

absl::Status TreatmentReady::Consent(const std::string& client, const std::string& treatment_type,
                                     const std::string& site) {
  v1::RecordConsentRequest request;
  request.set_parent(client);
  request.set_request_id(NextId());
  v1::Consent& consent = *request.mutable_consent();
  consent.set_treatment_type_id(treatment_type);
  consent.set_form_version("2026-01");
  *consent.mutable_sign_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  consent.set_site_id(site);
  consent.set_witness("Reception");
  v1::Consent recorded;
  const grpc::Status status = v1::ClientRecords::NewStub(channel_)->RecordConsent(
      Context(practitioner_).get(), request, &recorded);
  return status.ok() ? absl::OkStatus() : Failed("recording the consent", status);
}

absl::Status TreatmentReady::Prepare(const std::string& client, const std::string& treatment_type,
                                     const std::string& site,
                                     const std::vector<std::string>& areas) {
  absl::StatusOr<v1::ScreeningRecord> screening = Screen(client, treatment_type, site, areas);
  if (!screening.ok()) return screening.status();
  return Consent(client, treatment_type, site);
}

absl::StatusOr<std::string> TreatmentReady::Product(const std::string& text, std::string& cached) {
  if (!cached.empty()) return cached;
  v1::CreateProductRequest request;
  if (!google::protobuf::TextFormat::ParseFromString(text, request.mutable_product())) {
    return absl::InternalError("bad product text");
  }
  request.set_request_id(NextId());
  v1::Product product;
  const grpc::Status status =
      v1::Inventory::NewStub(channel_)->CreateProduct(Context(clerk_).get(), request, &product);
  if (!status.ok()) return Failed("creating the product", status);
  cached = product.name();
  return cached;
}

absl::StatusOr<std::string> TreatmentReady::Receive(const std::string& site,
                                                    const std::string& product, int units,
                                                    const std::string& lot_number) {
  v1::ReceiveStockRequest request;
  request.set_site_id(site);
  request.set_product(product);
  request.set_lot_number(lot_number);
  const int year = static_cast<int>(absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year()) + 1;
  request.mutable_expiry_date()->set_year(year);
  request.mutable_expiry_date()->set_month(6);
  request.mutable_expiry_date()->set_day(30);
  request.set_quantity(units);
  request.set_supplier("MedSupply");
  request.set_request_id(NextId());
  v1::Movement movement;
  const grpc::Status status =
      v1::Inventory::NewStub(channel_)->ReceiveStock(Context(clerk_).get(), request, &movement);
  if (!status.ok()) return Failed("receiving stock", status);
  return movement.lot();
}

absl::StatusOr<std::string> TreatmentReady::StockCartridges(const std::string& site, int units,
                                                            const std::string& lot_number,
                                                            int needles) {
  absl::StatusOr<std::string> product = Product(
      absl::StrCat("display_name: 'Dermapen 4 cartridge, ", needles,
                   " needles' manufacturer: 'Dermapen World' model: 'DP4-", needles,
                   "' kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE cartridge { needles { needle_count: ",
                   needles, " } needle_length_um: 2500 compatible_devices: 'Dermapen 4' }"),
      cartridges_[needles]);
  if (!product.ok()) return product.status();
  return Receive(site, *product, units, lot_number);
}

absl::StatusOr<std::string> TreatmentReady::StockCream(const std::string& site, int units,
                                                       const std::string& lot_number) {
  absl::StatusOr<std::string> product = Product(
      "display_name: 'Lidocaine 4% cream' manufacturer: 'Pharma' model: 'LC-4' "
      "kind: CONSUMABLE_KIND_TOPICAL_ANAESTHETIC category: 'lidocaine_cream'",
      cream_);
  if (!product.ok()) return product.status();
  return Receive(site, *product, units, lot_number);
}

}  // namespace clinic::testing
