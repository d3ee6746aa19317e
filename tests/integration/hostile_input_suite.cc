#include "tests/integration/hostile_input_suite.h"

#include <google/protobuf/text_format.h>
#include <sys/stat.h>

#include <chrono>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clinic/v1/access.pb.h"
#include "common/core/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/testing/access_env.h"
#include "tests/testing/rpc_call.h"
#include "tests/testing/treatment_ready.h"

namespace clinic::hostile {

std::string CodeName(grpc::StatusCode code) { return std::string(GrpcCodeName(code)); }

std::string Codes(const std::set<grpc::StatusCode>& codes) {
  std::vector<std::string> names;
  for (grpc::StatusCode code : codes) names.push_back(CodeName(code));
  return absl::StrJoin(names, "|");
}

std::string Shorten(const std::string& text) {
  std::string out = text.size() <= 160 ? text : text.substr(0, 160) + "...";
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return absl::StrCat(out, text.size() > 160 ? absl::StrCat(" (", text.size(), " bytes)") : "");
}

void HostileInputTest::SetUpTestSuite() {
  dir_ = new clinic::testing::TempDir();
  for (const char* sub : {"data", "plugins", "work"}) {
    mkdir(dir_->Join(sub).c_str(), 0750);
  }
  clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                            dir_->Join("plugins/microneedling.so"));
  // Screenings are made against the test plugin, whose rules do not change
  // with the clinical content of the bundled ones.
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_screening"),
                            dir_->Join("plugins/test_screening.so"));
  clinic::testing::WriteFile(dir_->Join("work/clinicd.textproto"),
                             absl::StrFormat(R"(
chain {
  chain_id: "lumen"
  display_name: "Lumen Skin Clinics"
  sites { site_id: "london-soho" display_name: "Soho" time_zone: "Europe/London"
          currency_code: "GBP" tax_rate_basis_points: 2000 }
  sites { site_id: "new-york-soho" display_name: "SoHo" time_zone: "America/New_York"
          currency_code: "USD" tax_rate_basis_points: 888 }
}
server { max_message_bytes: %d }
# One delivery attempt per charge, at once, then none for ten minutes: a
# snapshot taken once every first attempt is done stays still.
delivery { first_retry_ms: 600000 max_retry_ms: 600000 }
)",
                                             kMaxMessageBytes));
  // Every role chain-wide, so authorization never hides validation.
  std::vector<v1::RoleBinding> roles;
  for (v1::Role role : {v1::ROLE_CHAIN_ADMIN, v1::ROLE_SITE_MANAGER, v1::ROLE_PRACTITIONER,
                        v1::ROLE_FRONT_DESK, v1::ROLE_AUDITOR}) {
    roles.push_back(clinic::testing::Binding(role));
  }
  admin_token_ = clinic::testing::IssueTestToken(dir_->Join("data"), kAdmin, roles);
  clinic::testing::IssueTestToken(dir_->Join("data"), kVictim,
                                  {clinic::testing::Binding(v1::ROLE_FRONT_DESK, kSite)});
  server_ = new ClinicdProcess(dir_->Join("work/clinicd.textproto"), dir_->Join("data"),
                               dir_->Join("plugins"), dir_->Join("work"));
  if (!Restart()) return;
  CreateFixtures();
}

void HostileInputTest::TearDownTestSuite() {
  delete server_;
  delete dir_;
  server_ = nullptr;
  dir_ = nullptr;
}

bool HostileInputTest::Restart() {
  std::string error;
  if (!server_->Start(&error)) {
    setup_error_ = error;
    return false;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  // Measured here against the suite's own bound, not the client's default.
  args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, 16 << 20);
  channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials(), args);
  generic_ = std::make_unique<grpc::GenericStub>(channel_);
  snapshot_ = TakeSnapshot(dir_->Join("data"));
  return true;
}

const MethodDescriptor* HostileInputTest::Method(const std::string& service,
                                                 const std::string& name) {
  const auto* found =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("clinic.v1." + service);
  return found == nullptr ? nullptr : found->FindMethodByName(name);
}

Outcome HostileInputTest::Call(const MethodDescriptor* method, const std::string& bytes,
                               const std::string& token, const std::string& request_id) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (!token.empty()) clinic::testing::AddToken(context, token);
  context.AddMetadata("x-request-id", request_id);
  // A stream that opens is given a moment for a first message, so a value
  // it echoes is seen as a unary response's would be.
  clinic::testing::RpcOutcome called =
      clinic::testing::CallRpc(*generic_, context, *method, bytes, absl::Milliseconds(100));
  Outcome outcome;
  outcome.status = std::move(called.status);
  outcome.response = std::move(called.response);
  bool details_seen = false;
  for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
    outcome.trailer_bytes += key.size() + value.size();
    if (key == "grpc-status-details-bin") details_seen = true;
  }
  if (!details_seen) outcome.trailer_bytes += outcome.status.error_details().size();
  outcome.trailer_bytes += outcome.status.error_message().size();
  return outcome;
}

std::unique_ptr<Message> HostileInputTest::Setup(const std::string& service,
                                                 const std::string& name, const std::string& text) {
  const MethodDescriptor* method = Method(service, name);
  if (method == nullptr) {
    setup_error_ = "clinic.v1." + service + "." + name + " does not exist";
    return nullptr;
  }
  std::unique_ptr<Message> request = NewMessage(method->input_type());
  if (!google::protobuf::TextFormat::ParseFromString(text, request.get())) {
    setup_error_ = "fixture request does not parse: " + text;
    return nullptr;
  }
  const Outcome outcome = Call(method, request->SerializeAsString(), admin_token_, NextRequestId());
  std::unique_ptr<Message> response = NewMessage(method->output_type());
  if (!outcome.status.ok() || !response->ParseFromString(outcome.response)) {
    setup_error_ = absl::StrCat("creating a fixture with ", name,
                                " failed: ", CodeName(outcome.status.error_code()), " ",
                                outcome.status.error_message());
    return nullptr;
  }
  return response;
}

std::unique_ptr<Message> HostileInputTest::NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

std::string HostileInputTest::StringAt(const Message& message, const std::string& dotted) {
  const Message* current = &message;
  std::vector<std::string> parts = absl::StrSplit(dotted, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto* field = current->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr) return "";
    if (i + 1 == parts.size()) return current->GetReflection()->GetString(*current, field);
    current = &current->GetReflection()->GetMessage(*current, field);
  }
  return "";
}

void HostileInputTest::CreateFixtures() {
  const std::string now = absl::StrCat(absl::ToUnixSeconds(absl::Now()) - 60);
  values_ = {{"{site}", kSite}, {"{admin}", kAdmin}, {"{victim}", kVictim}, {"{now}", now}};
  for (const auto& [key, family] : std::vector<std::pair<std::string, std::string>>{
           {"{client}", "Client"}, {"{archivable}", "Archivable"}, {"{archived}", "Archived"}}) {
    auto created = Setup(
        "ClientRecords", "CreateClient",
        absl::StrCat("client { home_site_id: '", kSite, "' given_name: 'Fixture' family_name: '",
                     family, "' date_of_birth { year: 1985 month: 6 day: 7 } } ", "request_id: '",
                     NextRequestId(), "'"));
    if (created == nullptr) return;
    values_[key] = StringAt(*created, "client.name");
  }
  auto archived = Setup("ClientRecords", "GetClient", "name: '" + values_["{archived}"] + "'");
  if (archived == nullptr ||
      Setup("ClientRecords", "ArchiveClient",
            absl::StrCat("name: '", values_["{archived}"], "' etag: '", StringAt(*archived, "etag"),
                         "' reason: 'fixture'")) == nullptr ||
      Setup("ClientRecords", "UpdateMedicalHistory",
            absl::StrCat("medical_history { name: '", values_["{client}"],
                         "/medicalHistory' facts { fact: ECZEMA present: true } } request_id: '",
                         NextRequestId(), "'")) == nullptr) {
    return;
  }
  for (const char* key : {"{consent}", "{withdrawable}"}) {
    auto consent =
        Setup("ClientRecords", "RecordConsent",
              absl::StrCat("parent: '", values_["{client}"],
                           "' consent { treatment_type_id: 'microneedling' form_version: '2026-03' "
                           "sign_time { seconds: ",
                           now, " } site_id: '", kSite, "' } request_id: '", NextRequestId(), "'"));
    if (consent == nullptr) return;
    values_[key] = StringAt(*consent, "name");
  }
  // The treatment flow wants a screening, a consent and stock first.
  clinic::testing::TreatmentReady ready(channel_, dir_->Join("data"));
  if (absl::Status s = ready.Prepare(values_["{client}"], "microneedling", kSite, {"cheeks"});
      !s.ok()) {
    setup_error_ = absl::StrCat("preparing the client for a treatment: ", s.ToString());
    return;
  }
  if (absl::StatusOr<std::string> lot = ready.StockCartridges(kSite, 10, "HOSTILE-LOT-1");
      !lot.ok()) {
    setup_error_ = absl::StrCat("stocking cartridges: ", lot.status().ToString());
    return;
  }
  auto record =
      Setup("ClientRecords", "CreateTreatmentRecord",
            absl::StrCat("parent: '", values_["{client}"],
                         "' treatment_record { treatment_type_id: 'microneedling' site_id: '",
                         kSite, "' practitioner: '", kAdmin, "' perform_time { seconds: ", now,
                         " } areas { area_id: 'cheeks' needle_depth_um: 1200 passes: 2 } "
                         "consumables { quantity: 1 requirement_id: 'face_36_42' } } "
                         "request_id: '",
                         NextRequestId(), "'"));
  auto token = Setup("Access", "IssueToken",
                     absl::StrCat("principal: '", kVictim,
                                  "' description: 'fixture' request_id: 'fixture-token'"));
  if (record == nullptr || token == nullptr) return;
  values_["{record}"] = StringAt(*record, "name");
  values_["{token}"] = StringAt(*token, "token.name");

  // A screening that waits for review: a relative finding and one that
  // asks for a sign-off.
  auto screening =
      Setup("Screening", "SubmitScreening",
            absl::StrCat("parent: '", values_["{client}"], "' screening { ", kScreeningBody,
                         " answers { question_id: 'blood_thinners' yes_no: true } "
                         "answers { question_id: 'cancer_treatment' yes_no: true } } request_id: '",
                         NextRequestId(), "'"));
  if (screening == nullptr) return;
  values_["{screening}"] = StringAt(*screening, "name");

  // Values that must be fresh at each call.
  fresh_[kRequestIdMarker] = [] { return absl::StrFormat("hostile-req-%012d", ++calls_); };
  fresh_["NNNNNNNN"] = [] { return absl::StrFormat("%08d", ++calls_); };
  auto etag = [](std::string service, std::string method, std::string text) {
    return [=] {
      const MethodDescriptor* m = Method(service, method);
      std::unique_ptr<Message> request = NewMessage(m->input_type());
      google::protobuf::TextFormat::ParseFromString(text, request.get());
      const Outcome got = Call(m, request->SerializeAsString(), admin_token_, NextRequestId());
      std::unique_ptr<Message> response = NewMessage(m->output_type());
      response->ParseFromString(got.response);
      return StringAt(*response, "etag");
    };
  };
  const std::vector<std::tuple<std::string, char, std::function<std::string()>>> etags = {
      {"{client_etag}", 'C',
       etag("ClientRecords", "GetClient", "name: '" + values_["{client}"] + "'")},
      {"{archivable_etag}", 'A',
       etag("ClientRecords", "GetClient", "name: '" + values_["{archivable}"] + "'")},
      {"{archived_etag}", 'R',
       etag("ClientRecords", "GetClient", "name: '" + values_["{archived}"] + "'")},
      {"{history_etag}", 'H',
       etag("ClientRecords", "GetMedicalHistory",
            "name: '" + values_["{client}"] + "/medicalHistory'")},
      {"{victim_etag}", 'V', etag("Access", "GetPrincipal", absl::StrCat("name: '", kVictim, "'"))},
      {"{screening_etag}", 'S',
       etag("Screening", "GetScreening", "name: '" + values_["{screening}"] + "'")},
  };
  for (const auto& [placeholder, letter, fetch] : etags) {
    // The marker has the length of a real etag of that resource.
    const size_t length = fetch().size();
    if (length < 2) {
      setup_error_ = "cannot read the etag for " + placeholder;
      return;
    }
    const std::string marker = std::string("~") + letter + std::string(length - 2, '~');
    values_[placeholder] = marker;
    fresh_[marker] = fetch;
  }
  values_["{rid}"] = kRequestIdMarker;
  values_["{n}"] = "NNNNNNNN";
  CreateInventoryFixtures();
}

void HostileInputTest::CreateInventoryFixtures() {
  const int year = static_cast<int>(absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year());
  values_["{expiry_year}"] = absl::StrCat(year + 2);
  auto product =
      Setup("Inventory", "CreateProduct",
            absl::StrCat(
                "product { display_name: 'Fixture Cartridge' manufacturer: 'Maker' "
                "kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE cartridge { needles { needle_count: 36 } "
                "needle_length_um: 2500 compatible_devices: 'Dermapen 4' } } request_id: '",
                NextRequestId(), "'"));
  if (product == nullptr) return;
  values_["{product}"] = StringAt(*product, "name");
  // A lot with units enough for every call that takes some.
  auto receive = [](const std::string& lot_number) {
    return Setup(
        "Inventory", "ReceiveStock",
        absl::StrCat("site_id: '", kSite, "' product: '", values_["{product}"], "' lot_number: '",
                     lot_number, "' expiry_date { year: ", values_["{expiry_year}"],
                     " month: 1 day: 1 } quantity: 100000 supplier: 'Supplier Ltd' "
                     "request_id: '",
                     NextRequestId(), "'"));
  };
  auto stocked = receive("FIXTURE-1");
  auto recalled = receive("FIXTURE-R");
  if (stocked == nullptr || recalled == nullptr) return;
  values_["{lot}"] = StringAt(*stocked, "lot");
  values_["{movement}"] = StringAt(*stocked, "name");
  values_["{recalled_lot}"] = StringAt(*recalled, "lot");
  auto transfer_text = [] {
    return absl::StrCat("transfer { from_site_id: '", kSite,
                        "' to_site_id: 'new-york-soho' lines { lot: '", values_["{lot}"],
                        "' quantity: 1 } } request_id: '", NextRequestId(), "'");
  };
  auto transfer = Setup("Inventory", "SendTransfer", transfer_text());
  if (transfer == nullptr ||
      Setup("Inventory", "QuarantineStock",
            absl::StrCat("site_id: '", kSite, "' lot: '", values_["{lot}"],
                         "' quantity: 50000 note: 'fixture' request_id: '", NextRequestId(),
                         "'")) == nullptr ||
      Setup("Inventory", "RecallLot",
            absl::StrCat("name: '", values_["{recalled_lot}"], "' reason: 'fixture' request_id: '",
                         NextRequestId(), "'")) == nullptr) {
    return;
  }
  values_["{transfer}"] = StringAt(*transfer, "name");
  // Receiving a transfer or recalling a lot can happen once: each call gets
  // a new one, behind a marker as long as its name.
  const std::vector<std::tuple<std::string, char, std::function<std::string()>>> fresh = {
      {"{fresh_transfer}", 'T',
       [transfer_text] {
         auto sent = Setup("Inventory", "SendTransfer", transfer_text());
         return sent == nullptr ? std::string() : StringAt(*sent, "name");
       }},
      {"{fresh_lot}", 'L',
       [receive] {
         auto received = receive(absl::StrCat("FRESH-", ++calls_));
         return received == nullptr ? std::string() : StringAt(*received, "lot");
       }},
      {"{product_etag}", 'P',
       [] {
         auto got = Setup("Inventory", "GetProduct", "name: '" + values_["{product}"] + "'");
         return got == nullptr ? std::string() : StringAt(*got, "etag");
       }},
  };
  for (const auto& [placeholder, letter, fetch] : fresh) {
    if (!AddFresh(placeholder, letter, fetch)) return;
  }
  CreateBillingFixtures();
}

bool HostileInputTest::AddFresh(const std::string& placeholder, char letter,
                                std::function<std::string()> fetch) {
  const size_t length = fetch().size();
  if (length < 2) {
    setup_error_ = "cannot make a fresh value for " + placeholder;
    return false;
  }
  const std::string marker = std::string("~") + letter + std::string(length - 2, '~');
  values_[placeholder] = marker;
  fresh_[marker] = std::move(fetch);
  return true;
}

std::unique_ptr<Message> HostileInputTest::Baseline(const MethodDescriptor* method,
                                                    std::string* error) {
  auto entry = Baselines().find(method->full_name());
  std::string text = entry == Baselines().end() ? "" : entry->second;
  text = absl::StrReplaceAll(
      text, std::vector<std::pair<std::string, std::string>>(values_.begin(), values_.end()));
  std::unique_ptr<Message> request = NewMessage(method->input_type());
  if (!google::protobuf::TextFormat::ParseFromString(text, request.get())) {
    *error = absl::StrCat("the baseline of ", method->full_name(), " does not parse: ", text);
    return nullptr;
  }
  // A request id the table did not set is still fresh at each call.
  const auto* request_id = method->input_type()->FindFieldByName("request_id");
  if (request_id != nullptr &&
      request_id->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      !request_id->is_repeated() &&
      request->GetReflection()->GetString(*request, request_id).empty()) {
    request->GetReflection()->SetString(request.get(), request_id, kRequestIdMarker);
  }
  return request;
}

std::string HostileInputTest::Bind(std::string bytes) {
  for (const auto& [marker, fetch] : fresh_) {
    if (bytes.find(marker) == std::string::npos) continue;
    const std::string value = fetch();
    // Same length keeps every length prefix on the wire right.
    if (value.size() == marker.size()) absl::StrReplaceAll({{marker, value}}, &bytes);
  }
  return bytes;
}

void HostileInputTest::ExpectAlive(const std::string& after) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse serving;
  const grpc::Status checked = health->Check(&context, {}, &serving);
  // A real RPC that reads a service database.
  const MethodDescriptor* get_client = Method("ClientRecords", "GetClient");
  std::unique_ptr<Message> request = NewMessage(get_client->input_type());
  request->GetReflection()->SetString(
      request.get(), get_client->input_type()->FindFieldByName("name"), values_["{client}"]);
  const Outcome read =
      Call(get_client, request->SerializeAsString(), admin_token_, NextRequestId());
  if (!checked.ok() || serving.status() != grpc::health::v1::HealthCheckResponse::SERVING ||
      !read.status.ok()) {
    std::string how;
    ADD_FAILURE() << "after " << after << ": health " << CodeName(checked.error_code()) << " "
                  << serving.status() << ", GetClient " << CodeName(read.status.error_code()) << " "
                  << Shorten(read.status.error_message())
                  << (server_->Alive(&how) ? "" : "; the server " + how);
    ASSERT_TRUE(Restart()) << setup_error_;
  }
  snapshot_ = TakeSnapshot(dir_->Join("data"));
}

std::vector<const MethodDescriptor*> HostileInputTest::HostedMethods() {
  using grpc::reflection::v1alpha::ServerReflection;
  auto reflection = ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  std::vector<std::string> names;
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  std::vector<const MethodDescriptor*> methods;
  for (const std::string& name : names) {
    if (!absl::StartsWith(name, "clinic.")) continue;
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) {
      ADD_FAILURE() << name << " is hosted but its descriptor is not linked into this test";
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  }
  return methods;
}

void HostileInputTest::RunBatches(const CaseMaker& make, bool authenticated) {
  // Starts from what the fixtures left behind.
  snapshot_ = TakeSnapshot(dir_->Join("data"));
  std::string error;
  AuditEventsAfter(dir_->Join("data/audit.db"), 0, &audit_sequence_, &error);
  for (const MethodDescriptor* method : HostedMethods()) {
    std::unique_ptr<Message> baseline = Baseline(method, &error);
    if (baseline == nullptr) {
      ADD_FAILURE() << error;
      continue;
    }
    for (const HostileCase& hostile : make(method, *baseline)) {
      RunCase(method, hostile, authenticated);
      if (HasFatalFailure()) return;
    }
    ExpectAlive("the " + method->full_name() + " cases");
    if (HasFatalFailure()) return;
  }
}

}  // namespace clinic::hostile
