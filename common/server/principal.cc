#include "common/server/principal.h"

#include <grpcpp/generic/async_generic_service.h>

namespace clinic::server {
namespace {

// A call's context and its record, for calls of generated (and kit) services.
class RecordedContext final : public grpc::CallbackServerContext {
 public:
  const std::shared_ptr<CallRecord> record = std::make_shared<CallRecord>();
};

class Allocator final : public grpc::ContextAllocator {
 public:
  grpc::CallbackServerContext* NewCallbackServerContext() override { return new RecordedContext(); }
  // Generic contexts (gRPC's answer to unknown methods) stay gRPC's own:
  // its class is final, and such calls never reach service code.
  grpc::GenericCallbackServerContext* NewGenericCallbackServerContext() override {
    return new grpc::GenericCallbackServerContext();
  }
  void Release(grpc::CallbackServerContext* context) override { delete context; }
  void Release(grpc::GenericCallbackServerContext* context) override { delete context; }
};

std::shared_ptr<CallRecord> Find(const grpc::ServerContextBase* context) {
  if (const auto* own = dynamic_cast<const RecordedContext*>(context)) return own->record;
  return nullptr;
}

}  // namespace

std::shared_ptr<CallRecord> CallRecordFor(const grpc::ServerContextBase* context) {
  return Find(context);
}

std::shared_ptr<CallRecord> CallRecordOrNew(const grpc::ServerContextBase* context) {
  std::shared_ptr<CallRecord> record = Find(context);
  return record != nullptr ? record : std::make_shared<CallRecord>();
}

std::unique_ptr<grpc::ContextAllocator> CallContextAllocator() {
  return std::make_unique<Allocator>();
}

absl::Status Admit(const grpc::ServerContextBase& context) {
  std::shared_ptr<CallRecord> record = Find(&context);
  if (record == nullptr) {
    return absl::PermissionDeniedError("no access decision was recorded for this call");
  }
  return record->admission;
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  std::shared_ptr<CallRecord> record = Find(&context);
  return record == nullptr ? "" : record->request_id;
}

std::string MethodOf(const grpc::ServerContextBase& context) {
  std::shared_ptr<CallRecord> record = Find(&context);
  return record == nullptr ? "" : record->method;
}

std::shared_ptr<const CallRecord> AdmittedCall(const grpc::ServerContextBase& context) {
  std::shared_ptr<CallRecord> record = Find(&context);
  if (record == nullptr || !record->admission.ok()) return nullptr;
  return record;
}

std::string CallerPrincipal(const grpc::ServerContextBase& context) {
  std::shared_ptr<const CallRecord> record = AdmittedCall(context);
  if (record == nullptr) return "";
  return record->identity.effective().name();
}

std::string RequestScope(const grpc::ServerContextBase& context) {
  std::shared_ptr<const CallRecord> record = AdmittedCall(context);
  if (record == nullptr) return "";
  const auth::Identity& identity = record->identity;
  if (!identity.on_behalf_of) return identity.principal.name();
  return identity.principal.name() + " for " + identity.on_behalf_of->name();
}

}  // namespace clinic::server
