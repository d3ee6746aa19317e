// How a Clinic Core service calls another one (Screening reads clients and
// medical histories from ClientRecords) through its public gRPC API, never
// its database: as a service principal acting for the person who called, so
// the called service authorizes the person's own permissions and both audit
// trails name the person and the service.
//
// Where the called service runs is the config's business (Upstreams in
// server_config.proto): in this process, the call goes over the server's
// in-process channel as "service/in-process", an identity whose secret is
// made at start-up, kept in memory and accepted only from the in-process
// transport; in another process, over a channel to its target with a
// service principal's token.
#ifndef CLINIC_COMMON_SERVER_UPSTREAM_H_
#define CLINIC_COMMON_SERVER_UPSTREAM_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clinic/config/v1/server_config.pb.h"
#include "clinic/v1/access.pb.h"
#include "common/storage/outbox_worker.h"

namespace clinic::server {

class Call;

// The principal in-process calls authenticate as. CreatePrincipal refuses the
// name, so no stored principal can be mistaken for it in the audit trail.
inline constexpr char kInProcessPrincipal[] = "service/in-process";

// What the access step needs to accept in-process calls: the secret and the
// principal it stands for (ROLE_SERVICE, chain-wide).
class InProcessIdentity {
 public:
  // A fresh random secret; fails only when the system's random source does.
  static absl::StatusOr<InProcessIdentity> Make();

  // Whether `secret` is this process's secret (constant time).
  bool Matches(absl::string_view secret) const;

  // "service/in-process" holding ROLE_SERVICE chain-wide.
  const v1::Principal& principal() const { return principal_; }

  const std::string& secret() const { return secret_; }

 private:
  InProcessIdentity() = default;
  std::string secret_;
  v1::Principal principal_;
};

// One called service, as this process reaches it.
class Upstream {
 public:
  // e.g. "clinic.v1.ClientRecords".
  const std::string& service() const { return service_; }

  // A stub-ready channel; for an in-process upstream, UNAVAILABLE until the
  // server listens.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel() const;

  // Sets the deadline, the credentials, the person `call` acts for
  // (x-clinic-on-behalf-of) and the request id (x-request-id) on a context
  // for one call made while serving `call`.
  void Prepare(grpc::ClientContext& context, const Call& call) const;

  // The same for a call made on a person's behalf outside any call being
  // served (an outbox delivery): `acting_for` is the person, `request_id`
  // the x-request-id the trails follow.
  void Prepare(grpc::ClientContext& context, absl::string_view acting_for,
               absl::string_view request_id) const;

  // What to prefix to a config error about this upstream, e.g.
  // "upstreams.billing".
  std::string config_path() const { return "upstreams." + config_field_; }

 private:
  friend class Upstreams;
  std::string service_;
  std::string config_field_;
  std::string target_;  // empty: in-process
  std::string token_;
  absl::Duration deadline_;
  std::shared_ptr<grpc::Channel> remote_;
  const class Upstreams* owner_ = nullptr;
};

// The upstreams of one process.
class Upstreams {
 public:
  // Reads token files and opens channels for the configured targets; the
  // channels connect lazily, so a target that is down does not stop the
  // start. INVALID_ARGUMENT or NOT_FOUND naming the config field when a
  // token or CA file cannot be read.
  static absl::StatusOr<std::unique_ptr<Upstreams>> Open(
      const clinic::config::v1::Upstreams& config);

  // The upstream configured in `config_field` ("client_records",
  // "screening", "inventory" or "billing") for
  // the service `service` (its full name). Remembered, so CheckHosted can
  // refuse a process that would call an in-process service it does not
  // host.
  absl::StatusOr<const Upstream*> Get(absl::string_view config_field, absl::string_view service);

  // FAILED_PRECONDITION naming upstreams.{field}.target for each in-process
  // upstream whose service is not among `hosted`.
  absl::Status CheckHosted(const std::vector<std::string>& hosted) const;

  // The server's in-process channel, once it listens.
  void SetInProcessChannel(std::shared_ptr<grpc::Channel> channel);

  const InProcessIdentity& in_process_identity() const { return identity_; }

 private:
  friend class Upstream;
  explicit Upstreams(InProcessIdentity identity) : identity_(std::move(identity)) {}

  clinic::config::v1::Upstreams config_;
  InProcessIdentity identity_;
  mutable absl::Mutex mutex_;
  std::vector<std::unique_ptr<Upstream>> upstreams_ ABSL_GUARDED_BY(mutex_);
  std::shared_ptr<grpc::Channel> in_process_ ABSL_GUARDED_BY(mutex_);
};

// The status a service answers with when an upstream call failed: the
// called service's refusals keep their code (NOT_FOUND for an unknown client,
// PERMISSION_DENIED when the person may not read it), with the message
// prefixed by what was being done, and a FAILED_PRECONDITION keeps its
// reason (ErrorInfo), so a caller can tell why without reading the message;
// transport failures (UNAVAILABLE, DEADLINE_EXCEEDED, a refused service
// identity) become UNAVAILABLE naming the service, because the caller can
// retry and did nothing wrong.
absl::Status UpstreamError(const Upstream& upstream, absl::string_view doing,
                           const grpc::Status& status);

// A failed outbox delivery, from its UpstreamError: the called service's
// reason first ("PRICE_NOT_FOUND: ..."), so whoever reads the entry's
// last_error sees what to fix before the words.
storage::DeliveryOutcome FailedDelivery(const absl::Status& refused);

// How a process's outbox deliveries are retried: the config's `delivery`,
// where zero (a config that skipped the defaults) keeps Retry's own.
storage::OutboxWorker::Retry DeliveryRetry(const clinic::config::v1::ServerConfig& config);

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_UPSTREAM_H_
