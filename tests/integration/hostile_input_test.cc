// Hostile input over every RPC of every service the server reports as hosted,
// found from the descriptors, so a new service or field is covered without
// editing this file. clinicd runs as a child process; for every string and
// Timestamp field and for whole-request bytes (hostile_input_cases.h) the
// suite checks that the call returns the code the case allows, with a bounded
// message naming the field, that a refused call wrote nothing, that its audit
// event records the status the caller got and stays small, and that the
// server is alive after every RPC's batch. A failure reads
// "<Service.Method> <field> [<variant>] as <caller>: <what was wrong>".
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clinic/v1/options.pb.h"
#include "common/core/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/integration/hostile_input_cases.h"
#include "tests/integration/hostile_input_env.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using hostile::Baselines;
using hostile::HostileCase;

constexpr size_t kMaxMessageBytes = 64 * 1024;
// Far above any field's bound yet under the message limit, so the value
// reaches validation instead of the transport's size check.
constexpr size_t kOversizedBytes = kMaxMessageBytes - 8 * 1024;
constexpr size_t kMaxStatusMessageBytes = 2 * 1024;
constexpr size_t kMaxTrailerBytes = 8 * 1024;
constexpr size_t kMaxAuditEventBytes = 4 * 1024;
constexpr char kSite[] = "london-soho";
constexpr char kAdmin[] = "staff/hostile-admin";
constexpr char kVictim[] = "staff/victim";
// Same-length markers swapped on the wire for values that must be fresh at
// each call: a new request_id (a refused call must not spend it, an accepted
// one must not block the next case) and the current etag of a resource.
constexpr char kRequestIdMarker[] = "RIDRIDRIDRIDRIDRIDRIDRID";

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : absl::StrCat("code ", code);
}

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

// What one call returned.
struct Outcome {
  grpc::Status status;
  std::string response;
  size_t trailer_bytes = 0;
};

class HostileInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new clinic::testing::TempDir();
    for (const char* sub : {"data", "plugins", "work"}) {
      mkdir(dir_->Join(sub).c_str(), 0750);
    }
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              dir_->Join("plugins/clinic_microneedling.so"));
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
    server_ = new hostile::ClinicdProcess(dir_->Join("work/clinicd.textproto"), dir_->Join("data"),
                                          dir_->Join("plugins"), dir_->Join("work"));
    if (!Restart()) return;
    CreateFixtures();
  }

  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    server_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static bool Restart() {
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
    snapshot_ = hostile::TakeSnapshot(dir_->Join("data"));
    return true;
  }

  static const MethodDescriptor* Method(const std::string& service, const std::string& name) {
    const auto* found = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
        "clinic.v1." + service);
    return found == nullptr ? nullptr : found->FindMethodByName(name);
  }

  static Outcome Call(const MethodDescriptor* method, const std::string& bytes,
                      const std::string& token, const std::string& request_id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) clinic::testing::AddToken(context, token);
    context.AddMetadata("x-request-id", request_id);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic_->UnaryCall(&context, "/" + method->service()->full_name() + "/" + method->name(),
                        grpc::StubOptions(), &request, &response,
                        [&done](grpc::Status status) { done.set_value(std::move(status)); });
    Outcome outcome;
    outcome.status = done.get_future().get();
    std::vector<grpc::Slice> slices;
    if (outcome.status.ok() && response.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        outcome.response.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    bool details_seen = false;
    for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
      outcome.trailer_bytes += key.size() + value.size();
      if (key == "grpc-status-details-bin") details_seen = true;
    }
    if (!details_seen) outcome.trailer_bytes += outcome.status.error_details().size();
    outcome.trailer_bytes += outcome.status.error_message().size();
    return outcome;
  }

  // Calls `service.method` with a text-format request as the admin and
  // returns the response, recording a setup error when it fails.
  static std::unique_ptr<Message> Setup(const std::string& service, const std::string& name,
                                        const std::string& text) {
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
    const Outcome outcome =
        Call(method, request->SerializeAsString(), admin_token_, NextRequestId());
    std::unique_ptr<Message> response = NewMessage(method->output_type());
    if (!outcome.status.ok() || !response->ParseFromString(outcome.response)) {
      setup_error_ = absl::StrCat("creating a fixture with ", name,
                                  " failed: ", CodeName(outcome.status.error_code()), " ",
                                  outcome.status.error_message());
      return nullptr;
    }
    return response;
  }

  static std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
    return std::unique_ptr<Message>(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  }

  static std::string StringAt(const Message& message, const std::string& dotted) {
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

  static void CreateFixtures();

  static std::string NextRequestId() { return absl::StrCat("hostile-", ++calls_); }

  // The baseline of `method` with static placeholders filled and fresh
  // values left as markers, or an empty request for an RPC not in the table.
  static std::unique_ptr<Message> Baseline(const MethodDescriptor* method, std::string* error);

  // Swaps the markers in `bytes` for fresh values.
  static std::string Bind(std::string bytes);

  // Sends one case and checks everything the suite promises about it.
  void RunCase(const MethodDescriptor* method, const HostileCase& hostile, bool authenticated);

  using CaseMaker =
      std::function<std::vector<HostileCase>(const MethodDescriptor*, const Message&)>;
  // Runs every case `make` builds for every hosted RPC, one RPC at a time,
  // checking the server is alive after each RPC's batch.
  void RunBatches(const CaseMaker& make, bool authenticated);

  // Fails (and restarts the server) unless health and a real RPC succeed.
  void ExpectAlive(const std::string& after);

  // The Clinic Core RPCs of every service the server reports through
  // reflection, from the generated descriptors.
  std::vector<const MethodDescriptor*> HostedMethods();

  inline static clinic::testing::TempDir* dir_ = nullptr;
  inline static hostile::ClinicdProcess* server_ = nullptr;
  inline static std::string setup_error_;
  inline static std::string admin_token_;
  inline static std::shared_ptr<grpc::Channel> channel_;
  inline static std::unique_ptr<grpc::GenericStub> generic_;
  inline static hostile::Snapshot snapshot_;
  inline static int64_t audit_sequence_ = 0;
  inline static int calls_ = 0;
  // "{client}" -> "clients/..."
  inline static std::map<std::string, std::string> values_;
  // marker -> how to get the current value ("{client_etag}" and the like).
  inline static std::map<std::string, std::function<std::string()>> fresh_;
};

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
  auto record =
      Setup("ClientRecords", "CreateTreatmentRecord",
            absl::StrCat("parent: '", values_["{client}"],
                         "' treatment_record { treatment_type_id: 'microneedling' site_id: '",
                         kSite, "' practitioner: '", kAdmin, "' perform_time { seconds: ", now,
                         " } areas { area_id: 'cheeks' needle_depth_um: 1200 passes: 2 } "
                         "cartridge { product: '36-pin cartridge' lot_number: 'LOT-2026-0042' } } "
                         "request_id: '",
                         NextRequestId(), "'"));
  auto token = Setup("Access", "IssueToken",
                     absl::StrCat("principal: '", kVictim, "' description: 'fixture'"));
  if (record == nullptr || token == nullptr) return;
  values_["{record}"] = StringAt(*record, "name");
  values_["{token}"] = StringAt(*token, "token.name");

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

void HostileInputTest::RunCase(const MethodDescriptor* method, const HostileCase& hostile,
                               bool authenticated) {
  const std::string request_id = NextRequestId();
  const std::string bytes = Bind(hostile.bytes);
  const Outcome outcome = Call(method, bytes, authenticated ? admin_token_ : "", request_id);
  const grpc::Status& status = outcome.status;
  const grpc::StatusCode code = status.error_code();
  const std::string where =
      absl::StrCat(method->service()->name(), ".", method->name(), " ", hostile.field, " [",
                   hostile.variant, "] as ", authenticated ? "admin" : "nobody", ": ");
  std::string how;
  bool alive = server_->Alive(&how);
  // A server that is going down answers UNAVAILABLE first; wait for it to end.
  for (int i = 0; alive && code == grpc::UNAVAILABLE && i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    alive = server_->Alive(&how);
  }
  if (!alive) {
    ADD_FAILURE() << where << "the server " << how << " (the caller got " << CodeName(code)
                  << "); its log ends: " << server_->LogTail(800);
    ASSERT_TRUE(Restart()) << setup_error_;
    return;
  }

  if (hostile.allowed.count(code) == 0) {
    ADD_FAILURE() << where << "got " << CodeName(code) << " \"" << Shorten(status.error_message())
                  << "\", expected " << Codes(hostile.allowed);
  }
  if (!status.ok()) {
    if (status.error_message().empty()) ADD_FAILURE() << where << "the error message is empty";
    if (status.error_message().size() > kMaxStatusMessageBytes) {
      ADD_FAILURE() << where << "the error message has " << status.error_message().size()
                    << " bytes (at most " << kMaxStatusMessageBytes << ")";
    }
    if (outcome.trailer_bytes > kMaxTrailerBytes) {
      ADD_FAILURE() << where << "the trailing metadata has " << outcome.trailer_bytes
                    << " bytes (at most " << kMaxTrailerBytes << ")";
    }
    if (hostile.must_name_field && code == grpc::INVALID_ARGUMENT) {
      bool named = absl::StrContains(status.error_message(), hostile.leaf);
      for (const FieldViolation& violation : GetFieldViolations(FromGrpcStatus(status))) {
        named = named || absl::StrContains(violation.field, hostile.leaf);
      }
      if (!named) {
        ADD_FAILURE() << where << "INVALID_ARGUMENT does not name \"" << hostile.leaf
                      << "\": " << Shorten(status.error_message());
      }
    }
  } else if (hostile.hostile_size > 0 && outcome.response.size() >= hostile.hostile_size) {
    ADD_FAILURE() << where << "accepted, and the response (" << outcome.response.size()
                  << " bytes) echoes the " << hostile.hostile_size << "-byte value";
  }

  hostile::Snapshot after = hostile::TakeSnapshot(dir_->Join("data"));
  if (!status.ok()) {
    const std::vector<std::string> changed = hostile::Differences(snapshot_, after);
    if (!changed.empty()) {
      ADD_FAILURE() << where << "refused with " << CodeName(code)
                    << " but wrote: " << absl::StrJoin(changed, ", ");
    }
  }
  snapshot_ = std::move(after);

  std::string error;
  int64_t last = 0;
  const std::vector<v1::AuditEvent> events =
      hostile::AuditEventsAfter(dir_->Join("data/audit.db"), audit_sequence_, &last, &error);
  audit_sequence_ = last;
  if (!error.empty()) ADD_FAILURE() << where << error;
  if (method->options().GetExtension(v1::policy).audit_exempt()) return;
  auto event = std::find_if(events.begin(), events.end(),
                            [&](const v1::AuditEvent& e) { return e.request_id() == request_id; });
  if (event == events.end()) {
    ADD_FAILURE() << where << "no audit event carries request id " << request_id << " (got "
                  << CodeName(code) << ")";
    return;
  }
  if (event->status_code() != code) {
    ADD_FAILURE() << where << "the audit event records "
                  << CodeName(static_cast<grpc::StatusCode>(event->status_code()))
                  << ", the caller got " << CodeName(code);
  }
  if (event->ByteSizeLong() > kMaxAuditEventBytes) {
    ADD_FAILURE() << where << "the audit event has " << event->ByteSizeLong() << " bytes (at most "
                  << kMaxAuditEventBytes << ")";
  }
}

void HostileInputTest::ExpectAlive(const std::string& after) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse serving;
  const grpc::Status checked = health->Check(&context, {}, &serving);
  const Outcome read =
      Call(Method("ClientRecords", "GetClient"),
           Baseline(Method("ClientRecords", "GetClient"), &setup_error_)->SerializeAsString(),
           admin_token_, NextRequestId());
  if (!checked.ok() || serving.status() != grpc::health::v1::HealthCheckResponse::SERVING ||
      !read.status.ok()) {
    std::string how;
    ADD_FAILURE() << "after " << after << ": health " << CodeName(checked.error_code()) << " "
                  << serving.status() << ", GetClient " << CodeName(read.status.error_code()) << " "
                  << Shorten(read.status.error_message())
                  << (server_->Alive(&how) ? "" : "; the server " + how);
    ASSERT_TRUE(Restart()) << setup_error_;
  }
  snapshot_ = hostile::TakeSnapshot(dir_->Join("data"));
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
  snapshot_ = hostile::TakeSnapshot(dir_->Join("data"));
  std::string error;
  hostile::AuditEventsAfter(dir_->Join("data/audit.db"), 0, &audit_sequence_, &error);
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

TEST_F(HostileInputTest, EveryCoreServiceIsHostedAndFound) {
  std::set<std::string> services;
  for (const MethodDescriptor* method : HostedMethods()) {
    services.insert(method->service()->full_name());
  }
  for (const char* core : {"clinic.v1.TreatmentCatalog", "clinic.v1.Access", "clinic.v1.Audit",
                           "clinic.v1.ClientRecords"}) {
    EXPECT_EQ(services.count(core), 1u) << core;
  }
}

// The baselines are valid, so in every other test the hostile value is the
// only thing wrong with a call.
TEST_F(HostileInputTest, EveryBaselineIsAccepted) {
  for (const MethodDescriptor* method : HostedMethods()) {
    std::string error;
    std::unique_ptr<Message> baseline = Baseline(method, &error);
    ASSERT_NE(baseline, nullptr) << error;
    const Outcome outcome =
        Call(method, Bind(baseline->SerializeAsString()), admin_token_, NextRequestId());
    EXPECT_TRUE(outcome.status.ok())
        << method->full_name() << " refused its baseline: " << CodeName(outcome.status.error_code())
        << " " << Shorten(outcome.status.error_message())
        << (Baselines().count(method->full_name()) == 0 ? " (add a plausible request to Baselines)"
                                                        : "");
  }
}

TEST_F(HostileInputTest, StringFields) {
  RunBatches(
      [](const MethodDescriptor* method, const Message& baseline) {
        return hostile::StringCases(*method, baseline, kOversizedBytes);
      },
      true);
}

TEST_F(HostileInputTest, TimestampFields) {
  RunBatches([](const MethodDescriptor* method,
                const Message& baseline) { return hostile::TimestampCases(*method, baseline); },
             true);
}

TEST_F(HostileInputTest, RandomAndTruncatedRequests) {
  RunBatches(
      [](const MethodDescriptor* method, const Message& baseline) {
        uint32_t seed = 2166136261u;  // FNV-1a of the method name: stable runs
        for (char c : method->full_name()) seed = (seed ^ static_cast<uint8_t>(c)) * 16777619u;
        return hostile::UnparseableCases(baseline, seed);
      },
      true);
}

TEST_F(HostileInputTest, RequestsOverTheMessageLimit) {
  RunBatches(
      [](const MethodDescriptor*, const Message& baseline) {
        return std::vector<HostileCase>{hostile::OverLimitCase(baseline, kMaxMessageBytes)};
      },
      true);
}

// Without credentials, the same values are refused before any handler runs,
// and still leave a bounded audit event.
TEST_F(HostileInputTest, WithoutCredentials) {
  RunBatches(
      [](const MethodDescriptor* method, const Message& baseline) {
        std::vector<HostileCase> picked;
        std::vector<HostileCase> strings = hostile::StringCases(*method, baseline, kOversizedBytes);
        for (const HostileCase& c : strings) {
          if (c.field == strings.front().field &&
              (c.variant == "oversized" || c.variant == "invalid-utf8" ||
               c.variant == "syntax:sql")) {
            picked.push_back(c);
          }
        }
        std::vector<HostileCase> random = hostile::UnparseableCases(baseline, 7);
        picked.push_back(random.front());
        picked.push_back(hostile::OverLimitCase(baseline, kMaxMessageBytes));
        picked.push_back(HostileCase{"(request)",
                                     "",
                                     "baseline",
                                     baseline.SerializeAsString(),
                                     {grpc::UNAUTHENTICATED},
                                     0,
                                     false});
        for (HostileCase& c : picked) {
          if (c.allowed == std::set<grpc::StatusCode>{grpc::RESOURCE_EXHAUSTED}) continue;
          std::unique_ptr<Message> parsed(baseline.New());
          const bool parses = parsed->ParseFromString(c.bytes);
          c.allowed = parses ? std::set<grpc::StatusCode>{grpc::UNAUTHENTICATED}
                             : std::set<grpc::StatusCode>{grpc::UNAUTHENTICATED,
                                                          grpc::INVALID_ARGUMENT, grpc::INTERNAL};
        }
        return picked;
      },
      false);
}

}  // namespace
}  // namespace clinic
