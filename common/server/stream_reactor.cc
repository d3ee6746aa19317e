#include "common/server/stream_reactor.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/core/log.h"

namespace clinic::server::internal {

absl::Status TooManyStreams(int max_open) {
  return WithReason(absl::ResourceExhaustedError(absl::StrCat(
                        "this service already has ", max_open,
                        " streams open, as many as it serves at once; retry with backoff")),
                    "TOO_MANY_STREAMS", "clinic.v1");
}

absl::Status ServerShuttingDown() {
  return WithReason(absl::UnavailableError("the server is shutting down; reconnect and resume "
                                           "after the last event you received"),
                    "SERVER_SHUTTING_DOWN", "clinic.v1");
}

absl::Status StreamMaxAge(absl::Duration max_age) {
  return WithReason(
      absl::UnavailableError(absl::StrCat("the stream was open for ", absl::FormatDuration(max_age),
                                          ", as long as a stream stays open; reconnect and resume "
                                          "after the last event you received")),
      "STREAM_MAX_AGE", "clinic.v1");
}

absl::Status StreamBroken(const grpc::ServerContextBase& context, absl::string_view what) {
  std::string request_id = RequestIdOf(context);
  if (request_id.empty()) request_id = "(none)";
  Log(LogLevel::kError, "a stream broke the kit's contract; it ends with INTERNAL",
      {{"method", MethodOf(context)}, {"request_id", request_id}, {"problem", what}});
  return absl::InternalError(
      absl::StrCat("internal error; quote request id ", request_id, " to support"));
}

absl::Status StreamRegistry::Enter(StreamBase* stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return ServerShuttingDown();
  if (static_cast<int>(open_.size()) >= limits_.max_open) return TooManyStreams(limits_.max_open);
  open_.insert(stream);
  return absl::OkStatus();
}

void StreamRegistry::Leave(StreamBase* stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(stream);
}

void StreamRegistry::EndAll() {
  std::vector<std::shared_ptr<StreamBase>> open;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    // A stream leaves only in its OnDone, before it lets go of itself, so
    // every stream here is still alive.
    for (StreamBase* stream : open_) open.push_back(stream->shared_from_this());
  }
  const grpc::Status why = ToGrpcStatus(ServerShuttingDown());
  for (const std::shared_ptr<StreamBase>& stream : open) stream->End(why);
}

int StreamRegistry::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(open_.size());
}

}  // namespace clinic::server::internal
