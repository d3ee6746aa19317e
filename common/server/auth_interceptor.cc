#include "common/server/auth_interceptor.h"

#include <grpcpp/server_context.h>

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/log.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/server/call_outcome.h"
#include "common/server/event_stream.h"
#include "common/server/principal.h"

namespace clinic::server {
namespace {

using google::protobuf::Message;
using grpc::experimental::InterceptionHookPoints;

// Enough for a page of 100 records with their children; a larger response
// is still audited, with the first names.
constexpr size_t kMaxAuditedNames = 500;
constexpr size_t kMaxStatusMessage = 300;

// OK unless the response is larger than gRPC will send, in which case gRPC
// would fail the call after the audit event was written: the refusal is
// decided here instead, so the event records what the caller gets.
grpc::Status CheckResponseSize(const void* message, size_t max_bytes) {
  if (message == nullptr) return grpc::Status::OK;
  const size_t size = static_cast<const Message*>(message)->ByteSizeLong();
  if (size <= max_bytes) return grpc::Status::OK;
  return grpc::Status(grpc::RESOURCE_EXHAUSTED,
                      absl::StrCat("the response is ", size, " bytes, more than the ", max_bytes,
                                   " the server sends (server.max_message_bytes); ask for less, "
                                   "e.g. a smaller page_size"));
}

absl::optional<absl::string_view> Metadata(const grpc::ServerContextBase& context,
                                           absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return absl::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

std::string Property(const grpc::AuthContext& auth, const char* name) {
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(name);
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

absl::Status NoCredentials() {
  return absl::UnauthenticatedError(
      "no credentials: send \"authorization: Bearer <token>\" (clinicctl reads --token_file) "
      "or connect with a client certificate");
}

class AuthInterceptor : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(grpc::experimental::ServerRpcInfo* info, auth::AccessStore& access,
                  audit::AuditLog& audit, absl::optional<auth::MethodPolicy> method,
                  size_t max_send_bytes, const InProcessIdentity* in_process)
      : info_(info),
        access_(access),
        audit_(audit),
        method_(std::move(method)),
        max_send_bytes_(max_send_bytes),
        in_process_(in_process),
        record_(CallRecordOrNew(info->server_context())) {
    audited_ = !method_ || !method_->policy.audit_exempt();
    streams_ = method_ && method_->method->server_streaming();
  }

  ~AuthInterceptor() override {
    // A call that ended without sending a status (the caller went away) is
    // still audited: its handler may have read or changed records.
    if (audited_ && !written_) {
      WriteDetached(deferred_ ? *deferred_
                              : CallerWentAway(*info_->server_context(), "before it was answered"));
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        !decided_) {
      decided_ = true;
      request_missing_ = methods->GetRecvMessage() == nullptr;
      Decide(static_cast<const Message*>(methods->GetRecvMessage()));
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_CLOSE)) {
      closed_ = true;
      if (deferred_ && audited_ && !written_) {
        WriteDetached(OutcomeAtClose(*info_->server_context(), *deferred_));
      }
    }
    if (streams_ && audited_ && !written_ && record_->admission.ok() &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        !methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      AuditOpening(methods);
      return;  // AuditOpening proceeds once the event is durable
    }
    bool drop_message = !record_->admission.ok();
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (!record_->admission.ok()) {
        const grpc::Status refused = ToGrpcStatus(record_->admission);
        if (status.error_code() != refused.error_code()) {
          status = refused;
          methods->ModifySendStatus(status);
        }
      }
      if (status.ok() && !drop_message &&
          methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
        if (grpc::Status too_large = CheckResponseSize(methods->GetSendMessage(), max_send_bytes_);
            !too_large.ok()) {
          status = too_large;
          methods->ModifySendStatus(status);
          drop_message = true;
        }
      }
      if (audited_ && !written_) {
        // The response message of a unary call travels in this same batch,
        // so its resource names are collected first.
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE) &&
            !drop_message) {
          CollectResponse(methods->GetSendMessage());
        }
        if (request_missing_ && closed_) {
          WriteDetached(OutcomeAtClose(*info_->server_context(), status));
        } else if (request_missing_) {
          // No request arrived intact: it was malformed (the caller gets
          // `status`) or the caller went away before sending it (and saw
          // CANCELLED or DEADLINE_EXCEEDED). Which is known once the call
          // closes.
          deferred_ = status;
        } else {
          // The answer waits in this batch until its event is durable; no
          // thread waits with it (docs/performance.md).
          Write(OutcomeForCaller(*info_->server_context(), status), /*settled=*/true,
                [this, methods, drop_message](const absl::Status& written) {
                  bool drop = drop_message;
                  if (!written.ok()) {
                    Log(LogLevel::kError, "audit event not written; the call is refused",
                        {{"method", info_->method()},
                         {"request_id", record_->request_id},
                         {"error", written.ToString()}});
                    const grpc::Status withheld(grpc::UNAVAILABLE,
                                                "the audit trail could not be written, so the "
                                                "answer is withheld; retry later");
                    record_->audited_status = withheld;
                    methods->ModifySendStatus(withheld);
                    drop = true;
                  }
                  ProceedWith(methods, drop);
                });
          return;
        }
      }
    } else if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE) &&
               !drop_message && audited_ && !streams_) {
      CollectResponse(methods->GetSendMessage());
    }
    ProceedWith(methods, drop_message);
  }

 private:
  void Decide(const Message* request) {
    // Taken now, whatever the decision, so what the parser noted on this
    // thread never outlives the call it belongs to.
    const absl::Status not_parsed =
        request == nullptr ? RequestNotParsed(info_->method()) : absl::OkStatus();
    if (request != nullptr && audited_) {
      auth::CollectResourceNames(*request, auth::NameSource::kRequest, kMaxAuditedNames,
                                 resource_names_);
    }
    if (!method_) {
      record_->admission = absl::PermissionDeniedError(
          absl::StrCat(info_->method(), " is not a Clinic Core RPC this server knows"));
      return;
    }
    absl::StatusOr<auth::Identity> identity = Authenticate();
    if (!identity.ok()) {
      record_->admission = identity.status();
      return;
    }
    record_->authenticated = true;
    record_->identity = *std::move(identity);
    if (request == nullptr) {
      // gRPC could not parse the request (or it never came); without it
      // nothing can be authorized, and the caller learns what was wrong.
      record_->admission = not_parsed;
      return;
    }
    auth::Decision decision = auth::Authorize(record_->identity, *method_, request);
    record_->site_id = decision.site_id;
    record_->admission = decision.status;
  }

  absl::StatusOr<auth::Identity> Authenticate() {
    const grpc::ServerContextBase& context = *info_->server_context();
    std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
    const bool over_tls = auth != nullptr && Property(*auth, "transport_security_type") == "ssl";
    auth::Identity identity;
    if (absl::optional<absl::string_view> header = Metadata(context, "authorization")) {
      absl::string_view value = *header;
      if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
        return absl::UnauthenticatedError("the authorization header must be \"Bearer <token>\"");
      }
      if (!over_tls &&
          !IsLocalPeer(context.peer(),
                       auth == nullptr ? "" : Property(*auth, "transport_security_type"))) {
        return WithReason(
            absl::UnauthenticatedError(absl::StrCat(
                "bearer tokens are accepted only over TLS or from this machine; ", context.peer(),
                " connected without TLS. Configure tls on the server")),
            "TOKEN_OVER_PLAINTEXT", "clinic.v1");
      }
      const absl::string_view secret = absl::StripAsciiWhitespace(value.substr(7));
      // The process's own secret never left the process, so it counts only
      // on the in-process transport, which nothing outside can reach.
      const bool in_process_transport =
          (auth == nullptr || Property(*auth, "transport_security_type").empty()) &&
          IsLocalPeer(context.peer(), "");
      if (in_process_ != nullptr && in_process_transport && in_process_->Matches(secret)) {
        identity.principal = in_process_->principal();
        identity.authenticated_by = "in-process";
      } else {
        absl::StatusOr<std::pair<auth::TokenInfo, v1::Principal>> verified =
            access_.Verify(secret, absl::Now());
        if (!verified.ok()) return verified.status();
        identity.principal = std::move(verified->second);
        identity.authenticated_by = "token";
      }
    } else if (over_tls && auth->IsPeerAuthenticated()) {
      const std::string common_name = Property(*auth, "x509_common_name");
      if (common_name.empty()) {
        return absl::UnauthenticatedError("the client certificate has no common name");
      }
      absl::StatusOr<v1::Principal> principal = access_.FindByCertificate(common_name);
      if (!principal.ok()) return principal.status();
      if (principal->disabled()) {
        return absl::UnauthenticatedError(
            absl::StrCat("the principal of client certificate \"", common_name, "\" is disabled"));
      }
      identity.principal = *std::move(principal);
      identity.authenticated_by = "certificate";
    } else {
      return NoCredentials();
    }
    if (absl::optional<absl::string_view> person = Metadata(context, kOnBehalfOfKey)) {
      absl::StatusOr<v1::Principal> found = access_.GetPrincipal(*person);
      if (!found.ok() || found->disabled()) {
        return absl::PermissionDeniedError(absl::StrCat(kOnBehalfOfKey, " names ", Quote(*person),
                                                        ", which is not an enabled principal"));
      }
      identity.on_behalf_of = *std::move(found);
    }
    return identity;
  }

  // A stream's one audit event, written as its response headers go out
  // (the kit sends them once the handler has accepted the request, before
  // any message): the access decision and the request's names, with status
  // OK for "opened". A stream refused or failed before that is audited with
  // its status like any call; how an opened stream ended is in the call
  // log, not the trail, and its messages are never audited one by one.
  // Without its event a stream does not open: its "open" header is taken
  // out, and the kit finishes it with the refusal recorded here.
  void AuditOpening(grpc::experimental::InterceptorBatchMethods* methods) {
    Write(grpc::Status::OK, /*settled=*/false, [this, methods](const absl::Status& written) {
      if (!written.ok()) {
        Log(LogLevel::kError, "audit event not written; the stream is refused",
            {{"method", info_->method()},
             {"request_id", record_->request_id},
             {"error", written.ToString()}});
        record_->admission = absl::UnavailableError(
            "the audit trail could not be written, so the stream is not opened; retry later");
        record_->audited_status = ToGrpcStatus(record_->admission);
        methods->GetSendInitialMetadata()->erase(kStreamOpenKey);
      }
      methods->Proceed();
    });
  }

  // Lets the batch go on, its response message emptied when `drop_message`.
  void ProceedWith(grpc::experimental::InterceptorBatchMethods* methods, bool drop_message) {
    if (drop_message &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE) &&
        methods->GetSendMessage() != nullptr) {
      empty_.reset(static_cast<const Message*>(methods->GetSendMessage())->New());
      methods->ModifySendMessage(empty_.get());
    }
    methods->Proceed();
  }

  void CollectResponse(const void* message) {
    if (message == nullptr) return;
    auth::CollectResourceNames(*static_cast<const Message*>(message), auth::NameSource::kResponse,
                               kMaxAuditedNames, resource_names_);
  }

  // Appends the call's event and calls `then` with the outcome once it is
  // durable, on the audit log's writer thread (or on this thread when the
  // log refuses it at once). `settled`: `status` is the call's last word,
  // which the call log repeats; not for a stream's opening, whose end is
  // yet to come.
  void Write(const grpc::Status& status, bool settled,
             std::function<void(const absl::Status&)> then) {
    audit_.AppendAsync(Event(status, settled),
                       [then = std::move(then)](const absl::StatusOr<v1::AuditEvent>& appended) {
                         then(appended.status());
                       });
  }

  // The event of a call nobody waits for any more (the caller went away):
  // appended without holding anything; a failure is only logged, since
  // there is no answer left to withhold.
  void WriteDetached(const grpc::Status& status) {
    audit_.AppendAsync(
        Event(status, /*settled=*/true),
        [method = std::string(info_->method()),
         request_id = record_->request_id](const absl::StatusOr<v1::AuditEvent>& appended) {
          if (appended.ok()) return;
          Log(LogLevel::kError, "audit event of a call without an answer not written",
              {{"method", method},
               {"request_id", request_id},
               {"error", appended.status().ToString()}});
        });
  }

  v1::AuditEvent Event(const grpc::Status& status, bool settled) {
    written_ = true;
    if (settled) record_->audited_status = status;
    v1::AuditEvent event;
    *event.mutable_event_time() =
        ToTimestampMillis(record_->start_time == absl::Time() ? absl::Now() : record_->start_time);
    if (record_->authenticated) {
      event.set_principal(record_->identity.principal.name());
      if (record_->identity.on_behalf_of) {
        event.set_on_behalf_of(record_->identity.on_behalf_of->name());
      }
    }
    // The site comes from the request before its fields are checked; one
    // that is not an identifier is recorded quoted and cut, never whole.
    event.set_site_id(record_->site_id.empty() || IsIdentifier(record_->site_id)
                          ? record_->site_id
                          : Quote(record_->site_id, 40));
    event.set_method(info_->method());
    for (std::string& name : resource_names_) event.add_resource_names(std::move(name));
    resource_names_.clear();
    event.set_status_code(status.error_code());
    if (!status.ok()) {
      event.set_status_message(Truncate(status.error_message(), kMaxStatusMessage));
    }
    event.set_request_id(record_->request_id);
    event.set_peer(info_->server_context()->peer());
    return event;
  }

  grpc::experimental::ServerRpcInfo* info_;
  auth::AccessStore& access_;
  audit::AuditLog& audit_;
  absl::optional<auth::MethodPolicy> method_;
  size_t max_send_bytes_;
  const InProcessIdentity* in_process_;
  std::shared_ptr<CallRecord> record_;
  bool audited_ = true;
  // A server-streaming RPC: audited when it opens (AuditOpening).
  bool streams_ = false;
  bool decided_ = false;
  // Atomic: the batch that sends the status and the one that sees the call
  // close may be intercepted on different threads.
  std::atomic<bool> written_{false};
  bool request_missing_ = false;
  // POST_RECV_CLOSE was seen; a call already cancelled may close before it
  // sends its status.
  std::atomic<bool> closed_{false};
  // The status of a call whose request never arrived intact, audited when
  // the call closes (see PRE_SEND_STATUS).
  absl::optional<grpc::Status> deferred_;
  std::vector<std::string> resource_names_;
  std::unique_ptr<Message> empty_;
};

}  // namespace

grpc::experimental::Interceptor* AuthInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (IsPublicMethod(info->method())) return nullptr;
  return new AuthInterceptor(info, access_, audit_, auth::FindMethodPolicy(info->method()),
                             max_send_bytes_, in_process_);
}

bool IsLocalPeer(absl::string_view peer, absl::string_view transport_security_type) {
  // gRPC's in-process transport (Server::InProcessChannel) is the only one
  // without a security handshake, so only its calls have no
  // transport_security_type; gRPC 1.51 names their peer "unknown" (later
  // versions "inproc"). A network connection always has a type ("insecure"
  // or "ssl"), so "unknown" from one could be anywhere and is not local.
  if (transport_security_type.empty()) return peer == "unknown" || peer == "inproc";
  return absl::StartsWith(peer, "ipv4:127.") || absl::StartsWith(peer, "ipv6:[::1]:") ||
         absl::StartsWith(peer, "ipv6:[::ffff:127.") || absl::StartsWith(peer, "unix:") ||
         absl::StartsWith(peer, "unix-abstract:");
}

bool IsPublicMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.Health/") ||
         absl::StartsWith(method, "/grpc.reflection.v1alpha.ServerReflection/") ||
         absl::StartsWith(method, "/grpc.reflection.v1.ServerReflection/");
}

}  // namespace clinic::server
