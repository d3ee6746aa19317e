#include "common/server/upstream.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/core/hash.h"
#include "common/core/text.h"
#include "common/server/auth_interceptor.h"
#include "common/server/call_log_interceptor.h"
#include "common/server/service_kit.h"

namespace clinic::server {
namespace {

// Distinct from stored tokens ("clk_"), so the access step knows which
// check applies without a database read.
constexpr char kInProcessSecretPrefix[] = "clp_";
// A token file holds one token; anything much longer is not one.
constexpr size_t kMaxTokenFileBytes = 4096;

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, const std::string& field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(field, ": cannot read ", Quote(path)));
  }
  std::string text(kMaxTokenFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxTokenFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", Quote(path), " is larger than ", kMaxTokenFileBytes, " bytes"));
  }
  return text;
}

}  // namespace

absl::StatusOr<InProcessIdentity> InProcessIdentity::Make() {
  absl::StatusOr<std::string> random = RandomBytes(32);
  if (!random.ok()) return random.status();
  InProcessIdentity identity;
  identity.secret_ = absl::StrCat(kInProcessSecretPrefix, absl::WebSafeBase64Escape(*random));
  identity.principal_.set_name(kInProcessPrincipal);
  identity.principal_.set_display_name("Services of this process calling each other");
  identity.principal_.add_roles()->set_role(v1::ROLE_SERVICE);
  return identity;
}

bool InProcessIdentity::Matches(absl::string_view secret) const {
  return ConstantTimeEquals(secret, secret_);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Upstream::channel() const {
  if (!target_.empty()) return remote_;
  absl::MutexLock lock(&owner_->mutex_);
  if (owner_->in_process_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(service_, " is not serving yet in this process"));
  }
  return owner_->in_process_;
}

void Upstream::Prepare(grpc::ClientContext& context, const Call& call) const {
  Prepare(context, call.principal(), call.request_id());
}

void Upstream::Prepare(grpc::ClientContext& context, absl::string_view acting_for,
                       absl::string_view request_id) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  context.AddMetadata(
      "authorization",
      absl::StrCat("Bearer ", target_.empty() ? owner_->identity_.secret() : token_));
  context.AddMetadata(kOnBehalfOfKey, std::string(acting_for));
  if (!request_id.empty()) context.AddMetadata(kRequestIdKey, std::string(request_id));
}

absl::StatusOr<std::unique_ptr<Upstreams>> Upstreams::Open(
    const clinic::config::v1::Upstreams& config) {
  absl::StatusOr<InProcessIdentity> identity = InProcessIdentity::Make();
  if (!identity.ok()) return identity.status();
  std::unique_ptr<Upstreams> upstreams(new Upstreams(*std::move(identity)));
  upstreams->config_ = config;
  return upstreams;
}

absl::StatusOr<const Upstream*> Upstreams::Get(absl::string_view config_field,
                                               absl::string_view service) {
  const clinic::config::v1::Upstream* config = nullptr;
  if (config_field == "client_records") config = &config_.client_records();
  if (config_field == "screening") config = &config_.screening();
  if (config_field == "inventory") config = &config_.inventory();
  if (config_field == "billing") config = &config_.billing();
  if (config == nullptr) {
    return absl::InternalError(absl::StrCat("no upstream is configured as ", config_field));
  }
  auto upstream = std::make_unique<Upstream>();
  upstream->service_ = std::string(service);
  upstream->config_field_ = std::string(config_field);
  upstream->target_ = config->target();
  upstream->deadline_ =
      absl::Milliseconds(config->deadline_ms() > 0 ? config->deadline_ms() : 5000);
  upstream->owner_ = this;
  const std::string field = absl::StrCat("upstreams.", config_field);
  if (!upstream->target_.empty()) {
    absl::StatusOr<std::string> token =
        ReadSmallFile(config->token_file(), absl::StrCat(field, ".token_file"));
    if (!token.ok()) return token.status();
    upstream->token_ = std::string(absl::StripAsciiWhitespace(*token));
    if (upstream->token_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".token_file: ", Quote(config->token_file()), " is empty"));
    }
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (!config->ca_file().empty()) {
      absl::StatusOr<std::string> ca =
          ReadSmallFile(config->ca_file(), absl::StrCat(field, ".ca_file"));
      if (!ca.ok()) return ca.status();
      grpc::SslCredentialsOptions options;
      options.pem_root_certs = *ca;
      credentials = grpc::SslCredentials(options);
    }
    upstream->remote_ = grpc::CreateChannel(upstream->target_, credentials);
  }
  absl::MutexLock lock(&mutex_);
  upstreams_.push_back(std::move(upstream));
  return upstreams_.back().get();
}

absl::Status Upstreams::CheckHosted(const std::vector<std::string>& hosted) const {
  std::vector<std::string> problems;
  absl::MutexLock lock(&mutex_);
  for (const auto& upstream : upstreams_) {
    if (!upstream->target_.empty()) continue;
    if (std::find(hosted.begin(), hosted.end(), upstream->service_) != hosted.end()) continue;
    problems.push_back(absl::StrCat("upstreams.", upstream->config_field_,
                                    ".target: this process does not host ", upstream->service_,
                                    ", so its address is required"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrJoin(problems, "; "));
}

void Upstreams::SetInProcessChannel(std::shared_ptr<grpc::Channel> channel) {
  absl::MutexLock lock(&mutex_);
  in_process_ = std::move(channel);
}

absl::Status UpstreamError(const Upstream& upstream, absl::string_view doing,
                           const grpc::Status& status) {
  const std::string message =
      absl::StrCat(doing, ": ", upstream.service(), " answered ", GrpcCodeName(status.error_code()),
                   ": ", Truncate(status.error_message(), 300));
  switch (status.error_code()) {
    case grpc::StatusCode::FAILED_PRECONDITION: {
      absl::Status refused(absl::StatusCode::kFailedPrecondition, message);
      const std::string reason = GetReason(FromGrpcStatus(status));
      return reason.empty() ? refused : WithReason(refused, reason, upstream.service());
    }
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()), message);
    default:
      return absl::UnavailableError(message);
  }
}

storage::DeliveryOutcome FailedDelivery(const absl::Status& refused) {
  const std::string reason = GetReason(refused);
  return {false, reason.empty() ? std::string(refused.message())
                                : absl::StrCat(reason, ": ", refused.message())};
}

storage::OutboxWorker::Retry DeliveryRetry(const clinic::config::v1::ServerConfig& config) {
  storage::OutboxWorker::Retry retry;
  if (config.delivery().first_retry_ms() > 0) {
    retry.first = absl::Milliseconds(config.delivery().first_retry_ms());
  }
  if (config.delivery().max_retry_ms() > 0) {
    retry.max = absl::Milliseconds(config.delivery().max_retry_ms());
  }
  return retry;
}

}  // namespace clinic::server
