#include "common/server/call_log_interceptor.h"

#include <grpcpp/server_context.h>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/core/log.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/server/call_outcome.h"
#include "common/server/principal.h"

namespace clinic::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CallLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), start_(absl::Now()), record_(CallRecordOrNew(info->server_context())) {
    record_->start_time = start_;
    record_->method = info->method();
  }
  ~CallLogInterceptor() override {
    // A call that never sent a status (its caller went away) still gets its
    // line.
    if (!logged_) {
      LogCall(deferred_ ? *deferred_
                        : CallerWentAway(*info_->server_context(), "before it was answered"));
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto* metadata = methods->GetRecvInitialMetadata();
      if (metadata != nullptr) {
        auto it = metadata->find(kRequestIdKey);
        if (it != metadata->end()) {
          const absl::string_view id(it->second.data(), it->second.size());
          if (IsWellFormedRequestId(id)) request_id_ = std::string(id);
        }
      }
    }
    if (request_id_.empty()) {
      request_id_ = NewRequestId();
    }
    // Written once: handlers read it from other threads (RequestIdOf).
    if (!request_id_published_) {
      record_->request_id = request_id_;
      request_id_published_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      request_missing_ = methods->GetRecvMessage() == nullptr;
      // A parsed request leaves nothing for the access step to name.
      if (!request_missing_) ClearNotedParseError();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) ++messages_;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) && !logged_) {
      const grpc::Status sent = methods->GetSendStatus();
      if (request_missing_ && closed_) {
        LogCall(OutcomeAtClose(*info_->server_context(), sent));
      } else if (request_missing_) {
        // As in the audit trail: whether the caller saw `sent` or had gone
        // before sending a request is known once the call closes.
        deferred_ = sent;
      } else {
        LogCall(record_->audited_status ? *record_->audited_status
                                        : OutcomeForCaller(*info_->server_context(), sent));
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_CLOSE)) {
      closed_ = true;
      if (deferred_ && !logged_) LogCall(OutcomeAtClose(*info_->server_context(), *deferred_));
    }
    methods->Proceed();
  }

 private:
  void LogCall(const grpc::Status& status) {
    logged_ = true;
    const double latency_ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
    LogLevel level = status.error_code() == grpc::INTERNAL ||
                             status.error_code() == grpc::UNKNOWN ||
                             status.error_code() == grpc::DATA_LOSS
                         ? LogLevel::kError
                         : LogLevel::kInfo;
    // Callers send their request with the call; one that never arrived whole
    // is most often a stream gRPC reset when memory for calls ran out.
    if (request_missing_ && status.error_code() == grpc::CANCELLED) level = LogLevel::kWarning;
    if (!LogEnabled(level)) return;
    std::string peer;
    if (info_->server_context() != nullptr) peer = info_->server_context()->peer();
    if (info_->type() == grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING) {
      // A stream's line, written when it ends: how long it was open and
      // how many messages it sent. Its audit event was written when it
      // opened, so its code here is how it ended.
      Log(level, "rpc",
          {{"method", info_->method()},
           {"principal", record_->authenticated ? record_->identity.principal.name() : ""},
           {"code", GrpcCodeName(status.error_code())},
           {"latency_ms", latency_ms},
           {"messages", messages_},
           {"request_id", request_id_},
           {"peer", peer},
           {"error", status.error_message()}});
      return;
    }
    Log(level, "rpc",
        {{"method", info_->method()},
         {"principal", record_->authenticated ? record_->identity.principal.name() : ""},
         {"code", GrpcCodeName(status.error_code())},
         {"latency_ms", latency_ms},
         {"request_id", request_id_},
         {"peer", peer},
         {"error", status.error_message()}});
  }

  grpc::experimental::ServerRpcInfo* info_;
  absl::Time start_;
  std::string request_id_;
  bool request_id_published_ = false;
  bool request_missing_ = false;
  bool logged_ = false;
  bool closed_ = false;
  // Messages sent (a stream's).
  int64_t messages_ = 0;
  absl::optional<grpc::Status> deferred_;
  std::shared_ptr<CallRecord> record_;
};

}  // namespace

grpc::experimental::Interceptor* CallLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLogInterceptor(info);
}

std::string NewRequestId() {
  // The first 48 bits are the time in milliseconds, so ids made one after
  // the other sort one after the other: the audit trail's index of request
  // ids then grows at its end, one page for a whole batch of calls, instead
  // of in a random page per call (docs/performance.md). The other 80 bits
  // are random, so ids made in the same millisecond still differ.
  static absl::Mutex mutex(absl::kConstInit);
  static absl::BitGen* generator = new absl::BitGen();
  const uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) & 0xffffffffffffULL;
  uint64_t high, low;
  {
    absl::MutexLock lock(&mutex);
    high = absl::Uniform<uint64_t>(*generator);
    low = absl::Uniform<uint64_t>(*generator);
  }
  return absl::StrFormat("%012x%04x%016x", ms, high & 0xffff, low);
}

}  // namespace clinic::server
