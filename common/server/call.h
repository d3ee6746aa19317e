// One admitted call, as a service's handler sees it (service_kit.h). Only
// the kit makes one, after the access step admitted the call, so a handler
// holding a Call knows who called and that the RPC's policy allowed it.
#ifndef CLINIC_COMMON_SERVER_CALL_H_
#define CLINIC_COMMON_SERVER_CALL_H_

#include <grpcpp/server_context.h>

#include <memory>
#include <string>
#include <utility>

#include "common/server/principal.h"

namespace clinic::server {
namespace internal {
struct CallMaker;
}  // namespace internal

class Call {
 public:
  grpc::CallbackServerContext& context() const { return context_; }
  // Who called, and for whom (auth::Identity).
  const auth::Identity& identity() const { return record_->identity; }
  // The principal recorded as author of changes: the person when a service
  // acts for one, otherwise the caller.
  const std::string& principal() const { return identity().effective().name(); }
  // Whom a request_id belongs to (storage::IdempotentCall): the caller, and
  // the person too when it acts for one.
  std::string request_scope() const;
  // x-request-id, or the one the server made.
  const std::string& request_id() const { return record_->request_id; }
  // The site the RPC's policy checked, when it names one.
  const std::string& site_id() const { return record_->site_id; }

 private:
  friend struct internal::CallMaker;
  Call(grpc::CallbackServerContext& context, std::shared_ptr<const CallRecord> record)
      : context_(context), record_(std::move(record)) {}

  grpc::CallbackServerContext& context_;
  std::shared_ptr<const CallRecord> record_;
};

namespace internal {

// Makes the Call of an admitted call; only the kit uses it.
struct CallMaker {
  static Call Make(grpc::CallbackServerContext& context, std::shared_ptr<const CallRecord> record) {
    return Call(context, std::move(record));
  }
};

}  // namespace internal
}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_CALL_H_
