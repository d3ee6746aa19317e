#include "common/server/principal.h"

#include "absl/container/flat_hash_map.h"

namespace clinic::server {
namespace {

struct Registry {
  absl::Mutex mutex;
  absl::flat_hash_map<const grpc::ServerContextBase*, std::shared_ptr<CallRecord>> calls
      ABSL_GUARDED_BY(mutex);
};

Registry& Calls() {
  static auto* registry = new Registry();
  return *registry;
}

std::shared_ptr<CallRecord> Find(const grpc::ServerContextBase* context) {
  Registry& registry = Calls();
  absl::MutexLock lock(&registry.mutex);
  auto it = registry.calls.find(context);
  return it == registry.calls.end() ? nullptr : it->second;
}

}  // namespace

std::shared_ptr<CallRecord> CallRecordFor(const grpc::ServerContextBase* context) {
  Registry& registry = Calls();
  absl::MutexLock lock(&registry.mutex);
  std::shared_ptr<CallRecord>& record = registry.calls[context];
  if (record == nullptr) record = std::make_shared<CallRecord>();
  return record;
}

void ForgetCallRecord(const grpc::ServerContextBase* context) {
  Registry& registry = Calls();
  absl::MutexLock lock(&registry.mutex);
  registry.calls.erase(context);
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
