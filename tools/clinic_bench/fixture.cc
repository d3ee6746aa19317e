#include "tools/clinic_bench/fixture.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "common/storage/ids.h"

namespace clinic::bench {
namespace {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& status, const std::string& context) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(context, ": ", status.error_message()));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const ConnectionOptions& options,
                                                       absl::Duration timeout) {
  grpc::ChannelArguments arguments;
  // Channels with equal arguments otherwise share one TCP connection, and
  // "several connections" would be one.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls || !options.ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadWholeFile(options.ca_file);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *std::move(ca);
    }
    if (!options.tls_server_name.empty()) {
      arguments.SetSslTargetNameOverride(options.tls_server_name);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, credentials, arguments);
  if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + timeout))) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", options.target, " within ",
                                               absl::FormatDuration(timeout)));
  }
  return channel;
}

absl::StatusOr<std::unique_ptr<Fixture>> Fixture::Create(const Options& options) {
  std::unique_ptr<Fixture> fixture(new Fixture(options));
  for (int i = 0; i < std::max(1, options.connection.channels); ++i) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        Connect(options.connection, absl::Seconds(10));
    if (!channel.ok()) return channel.status();
    fixture->channels_.push_back(*std::move(channel));
  }
  // Request ids are per caller on the server; a run id keeps a rerun with
  // the same principal from replaying the previous run's answers.
  fixture->run_id_ = storage::NewId();
  return fixture;
}

void Fixture::PrepareContext(grpc::ClientContext& context, bool authenticated) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  if (authenticated && !token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
}

std::string Fixture::NextRequestId() {
  return absl::StrCat("bench-", run_id_, "-", next_request_.fetch_add(1));
}

absl::Status Fixture::SetToken(const std::string& token) {
  token_ = token;
  auto access = v1::Access::NewStub(channel(0));
  grpc::ClientContext context;
  PrepareContext(context);
  v1::WhoAmIResponse who;
  const grpc::Status status = access->WhoAmI(&context, {}, &who);
  if (!status.ok()) return FromGrpc(status, "Access/WhoAmI with the bench's token");
  principal_ = who.principal();
  return absl::OkStatus();
}

void Fixture::AddClient(const std::string& name) {
  std::lock_guard<std::mutex> lock(clients_mutex_);
  clients_.push_back(name);
}

const std::string& Fixture::RandomClient(std::mt19937_64& random) const {
  return clients_[random() % clients_.size()];
}

absl::StatusOr<const v1::Questionnaire*> Fixture::Questionnaire() {
  if (questionnaire_ != nullptr) return questionnaire_.get();
  auto screening = v1::Screening::NewStub(channel(0));
  grpc::ClientContext context;
  PrepareContext(context);
  v1::GetQuestionnaireRequest request;
  request.set_name(absl::StrCat("treatmentTypes/", options_.treatment_type, "/questionnaire"));
  auto questionnaire = std::make_unique<v1::Questionnaire>();
  const grpc::Status status = screening->GetQuestionnaire(&context, request, questionnaire.get());
  if (!status.ok()) return FromGrpc(status, "Screening/GetQuestionnaire");
  if (questionnaire->areas().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(request.name(), " lists no treatment areas to chart or plan"));
  }
  questionnaire_ = std::move(questionnaire);
  return questionnaire_.get();
}

}  // namespace clinic::bench
