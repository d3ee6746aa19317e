#include "tools/clinicctl/clinicctl_common.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "Address of a Clinic Core process; audit-events and verify-audit take several, "
          "comma-separated, to read the trails of every process of a deployment.");
ABSL_FLAG(int, timeout_s, 30, "Deadline for each call, in seconds.");
ABSL_FLAG(std::string, token_file, "",
          "File holding the bearer token. Default: $CLINIC_TOKEN, else $CLINIC_TOKEN_FILE, else "
          "./data/admin.token when it exists.");
ABSL_FLAG(std::string, on_behalf_of, "",
          "For service principals: the principal to act for (x-clinic-on-behalf-of).");
ABSL_FLAG(bool, tls, false, "Connect with TLS (implied by --tls_ca and --tls_cert).");
ABSL_FLAG(std::string, tls_ca, "", "PEM file of the CA that signed the server's certificate.");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate, for mutual TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name to check the server certificate against, when --server is an address.");
ABSL_FLAG(bool, json, false,
          "Print responses as JSON with the proto field names instead of text format, and "
          "lists as one JSON object per line.");
ABSL_FLAG(std::string, request_id, "",
          "write commands: the request_id that makes a retry safe. Default: a new random one "
          "for each run; pass the one a run printed to retry it when its outcome is unknown "
          "(issue-token then gives the same token a new secret).");
ABSL_FLAG(std::string, site, "",
          "audit-events, eligibility, screen-interactive, consent, treat: the site.");

namespace clinic::clinicctl {
namespace {

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

// The bearer token: --token_file, else $CLINIC_TOKEN, else $CLINIC_TOKEN_FILE,
// else ./data/admin.token (the first admin's token that quickstart creates).
// Tokens are secrets, so no flag takes one on the command line, where other
// users could read it.
const std::string& Token() {
  static const std::string* token = [] {
    std::string path = absl::GetFlag(FLAGS_token_file);
    if (path.empty()) {
      if (const char* value = std::getenv("CLINIC_TOKEN"); value != nullptr && *value != 0) {
        return new std::string(absl::StripAsciiWhitespace(value));
      }
      if (const char* file = std::getenv("CLINIC_TOKEN_FILE"); file != nullptr && *file != 0) {
        path = file;
      } else if (Exists("data/admin.token")) {
        path = "data/admin.token";
      }
    }
    if (path.empty()) return new std::string();
    std::string read = ReadFileOrEmpty(path);
    if (read.empty()) std::fprintf(stderr, "warning: no token in %s\n", path.c_str());
    return new std::string(read);
  }();
  return *token;
}

// The id this run sends as x-request-id with every call, and as request_id
// in writes: the server logs and audits each call under it, and the calls a
// service makes for it carry it on, so `audit-events --request_id` finds
// the whole run in every process's trail.
const std::string& RunId() {
  static const std::string* id = [] {
    std::string value = absl::GetFlag(FLAGS_request_id);
    if (value.empty()) {
      std::random_device random;
      value = "clinicctl-";
      for (int i = 0; i < 4; ++i) absl::StrAppendFormat(&value, "%08x", random());
    }
    return new std::string(value);
  }();
  return *id;
}

std::unique_ptr<grpc::ClientContext> ContextWithoutDeadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("x-request-id", RunId());
  if (!Token().empty()) context->AddMetadata("authorization", "Bearer " + Token());
  if (!absl::GetFlag(FLAGS_on_behalf_of).empty()) {
    context->AddMetadata("x-clinic-on-behalf-of", absl::GetFlag(FLAGS_on_behalf_of));
  }
  return context;
}

}  // namespace

ArgCount CountArgs(absl::string_view synopsis) {
  ArgCount count;
  for (absl::string_view word : absl::StrSplit(synopsis, ' ', absl::SkipWhitespace())) {
    if (absl::StartsWith(word, "--") || absl::StartsWith(word, "[--")) continue;
    const bool optional = absl::StartsWith(word, "[");
    if (!optional) ++count.min;
    ++count.max;
    if (absl::EndsWith(word, "...") || absl::EndsWith(word, "...]")) count.max = kAnyCount;
  }
  return count;
}

void Registry::Add(Command command) { commands_.push_back({area_, std::move(command)}); }

const Command* Registry::Find(absl::string_view name) const {
  for (const Listed& listed : commands_) {
    if (listed.command.name == name) return &listed.command;
  }
  return nullptr;
}

std::shared_ptr<grpc::Channel> ChannelTo(const std::string& target) {
  const bool tls = absl::GetFlag(FLAGS_tls) || !absl::GetFlag(FLAGS_tls_ca).empty() ||
                   !absl::GetFlag(FLAGS_tls_cert).empty();
  if (!tls) return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions options;
  if (!absl::GetFlag(FLAGS_tls_ca).empty()) {
    options.pem_root_certs = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_ca));
  }
  if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
    options.pem_cert_chain = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_cert));
    options.pem_private_key = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_key));
  }
  grpc::ChannelArguments arguments;
  if (!absl::GetFlag(FLAGS_tls_server_name).empty()) {
    arguments.SetSslTargetNameOverride(absl::GetFlag(FLAGS_tls_server_name));
  }
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(options), arguments);
}

std::shared_ptr<grpc::Channel> Channel() {
  static const std::shared_ptr<grpc::Channel>* channel = [] {
    if (Servers().size() > 1) {
      std::fprintf(stderr,
                   "error: --server names several processes; only audit-events and verify-audit "
                   "read more than one\n");
      std::exit(kBadUsage);
    }
    return new std::shared_ptr<grpc::Channel>(ChannelTo(absl::GetFlag(FLAGS_server)));
  }();
  return *channel;
}

std::vector<std::string> Servers() {
  return absl::StrSplit(absl::GetFlag(FLAGS_server), ',', absl::SkipWhitespace());
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = ContextWithoutDeadline();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s)));
  return context;
}

std::unique_ptr<grpc::ClientContext> StreamContext() { return ContextWithoutDeadline(); }

const std::string& RequestId() {
  static const bool said = [] {
    std::fprintf(stderr, "request_id %s\n", RunId().c_str());
    return true;
  }();
  (void)said;
  return RunId();
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream file(path);
  if (!file) return "";
  std::stringstream contents;
  contents << file.rdbuf();
  return std::string(absl::StripAsciiWhitespace(contents.str()));
}

int PrintError(const grpc::Status& status) {
  const absl::Status error = FromGrpcStatus(status);
  std::fprintf(stderr, "error: %s: %s\n", absl::StatusCodeToString(error.code()).c_str(),
               status.error_message().c_str());
  if (const std::string reason = GetReason(error); !reason.empty()) {
    std::fprintf(stderr, "  reason: %s\n", reason.c_str());
  }
  for (const auto& v : GetFieldViolations(error)) {
    std::fprintf(stderr, "  %s: %s\n", v.field.c_str(), v.description.c_str());
  }
  return kCallFailed;
}

int Print(const grpc::Status& status, const google::protobuf::Message& response) {
  if (!status.ok()) return PrintError(status);
  std::string text;
  if (absl::GetFlag(FLAGS_json)) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.add_whitespace = true;
    google::protobuf::util::MessageToJsonString(response, &text, options);
    // The printer ends the object without a line break; a shell prompt or
    // the next line on stderr would run on from it.
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
  } else {
    google::protobuf::TextFormat::PrintToString(response, &text);
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

std::string JsonLine(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

void PrintRow(const google::protobuf::Message& item, const std::vector<std::string>& columns) {
  const std::string line =
      absl::GetFlag(FLAGS_json) ? JsonLine(item) : absl::StrJoin(columns, "\t");
  std::printf("%s\n", line.c_str());
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return FormatUtc(FromTimestamp(time));
}

std::string FormatDate(const v1::Date& date) {
  if (date.year() == 0) return "-";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

bool ParseTime(const std::string& text, google::protobuf::Timestamp* out) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    std::fprintf(stderr, "error: %s is not an RFC 3339 time: %s\n", Quote(text).c_str(),
                 error.c_str());
    return false;
  }
  *out = ToTimestamp(time);
  return true;
}

bool ParseDate(const std::string& text, v1::Date* out) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  int year = 0, month = 0, day = 0;
  if (parts.size() != 3 || parts[0].size() != 4 || parts[1].size() != 2 || parts[2].size() != 2 ||
      !absl::SimpleAtoi(parts[0], &year) || !absl::SimpleAtoi(parts[1], &month) ||
      !absl::SimpleAtoi(parts[2], &day)) {
    std::fprintf(stderr, "error: %s is not a date written YYYY-MM-DD\n", Quote(text).c_str());
    return false;
  }
  out->set_year(year);
  out->set_month(month);
  out->set_day(day);
  return true;
}

bool ParseInt(absl::string_view what, const std::string& text, int64_t* out) {
  if (!absl::SimpleAtoi(text, out)) {
    std::fprintf(stderr, "error: %s %s is not a whole number\n", std::string(what).c_str(),
                 Quote(text).c_str());
    return false;
  }
  return true;
}

bool ParseLotCount(const std::string& text, std::string* lot, int64_t* count) {
  const size_t equals = text.rfind('=');
  if (equals == std::string::npos || equals == 0) {
    std::fprintf(stderr, "error: %s is not LOT=NUMBER, e.g. products/ID/lots/ID=12\n",
                 Quote(text).c_str());
    return false;
  }
  *lot = text.substr(0, equals);
  return ParseInt("the number in " + Quote(text), text.substr(equals + 1), count);
}

namespace {

// What every value of `type` starts with: its unspecified value's name
// without "UNSPECIFIED" ("MOVEMENT_TYPE_").
std::string Prefix(const google::protobuf::EnumDescriptor* type) {
  const google::protobuf::EnumValueDescriptor* zero = type->FindValueByNumber(0);
  if (zero == nullptr || !absl::EndsWith(zero->name(), "UNSPECIFIED")) return "";
  return zero->name().substr(0, zero->name().size() - std::string("UNSPECIFIED").size());
}

}  // namespace

std::string Label(const google::protobuf::EnumDescriptor* type, int value) {
  const google::protobuf::EnumValueDescriptor* found = type->FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);  // a value newer than this tool
  absl::string_view name = found->name();
  absl::ConsumePrefix(&name, Prefix(type));
  return absl::AsciiStrToLower(name);
}

bool ParseLabel(const google::protobuf::EnumDescriptor* type, absl::string_view what,
                const std::string& text, int* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  std::replace(upper.begin(), upper.end(), '-', '_');
  const google::protobuf::EnumValueDescriptor* found =
      type->FindValueByName(absl::StrCat(Prefix(type), upper));
  if (found == nullptr) found = type->FindValueByName(upper);
  if (found != nullptr && found->number() != 0) {
    *out = found->number();
    return true;
  }
  std::vector<std::string> labels;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) labels.push_back(Label(type, type->value(i)->number()));
  }
  std::fprintf(stderr, "error: %s is not a %s; use %s\n", Quote(text).c_str(),
               std::string(what).c_str(), absl::StrJoin(labels, ", ").c_str());
  return false;
}

}  // namespace clinic::clinicctl
