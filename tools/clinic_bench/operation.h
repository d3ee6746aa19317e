// The operations clinic-bench can put in a mix, and the registry that names
// them. Each operation starts one call of one RPC without blocking and
// reports its status when the call completes; the driver (driver.h) decides
// when, how often and on which connection. A new service adds its operations
// in a file of its own with CLINIC_BENCH_OPERATION; neither the driver nor
// the command line changes.
#ifndef CLINIC_TOOLS_CLINIC_BENCH_OPERATION_H_
#define CLINIC_TOOLS_CLINIC_BENCH_OPERATION_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clinic/v1/access.pb.h"

namespace clinic::bench {

class Fixture;

// One of the calls the driver keeps in flight. A slot has at most one call
// outstanding, so what an operation keeps per slot needs no lock.
class Slot {
 public:
  Slot(int index, int channel, uint64_t seed) : index_(index), channel_(channel), random_(seed) {}

  int index() const { return index_; }
  // Which of the fixture's connections this slot's calls use.
  int channel() const { return channel_; }
  std::mt19937_64& random() { return random_; }

 private:
  int index_;
  int channel_;
  std::mt19937_64 random_;
};

// Runs once per call with its final status, on a gRPC thread. Must not block.
using Done = std::function<void(const grpc::Status&)>;

class Operation {
 public:
  virtual ~Operation() = default;

  // The RPC it calls, as reports name it: "ClientRecords/GetClient".
  virtual std::string Rpc() const = 0;

  // Whether each call makes a durable write, so its rate is compared with the
  // one-fsync-per-call baseline.
  virtual bool DurableWrite() const { return false; }

  // Whether calls need clients to exist (the bench seeds them first).
  virtual bool NeedsClients() const { return false; }

  // Roles, held chain-wide, the principal the bench creates for itself must
  // hold for this operation's calls to be allowed.
  virtual std::vector<v1::Role> Roles() const { return {}; }

  // Runs once before any timed call, on the main thread; may block (load a
  // questionnaire, make stubs). An error stops the bench with its message.
  virtual absl::Status Prepare() { return absl::OkStatus(); }

  // Starts one call for `slot` and returns at once; `done` runs when it
  // completes, exactly once, from gRPC's completion and never inside Start
  // (the driver starts the slot's next call from `done`).
  virtual void Start(Slot& slot, Done done) = 0;
};

// Makes an operation bound to the fixture it calls through.
using OperationFactory = std::function<std::unique_ptr<Operation>(Fixture&)>;

// Every operation by its mix name ("get", "search", ...).
class OperationRegistry {
 public:
  struct Entry {
    std::string description;  // one line for --help
    OperationFactory factory;
  };

  static OperationRegistry& Get();

  // Returns true so a namespace-scope `static const bool` can register.
  bool Register(const std::string& name, const std::string& description, OperationFactory factory);

  const Entry* Find(const std::string& name) const;
  const std::map<std::string, Entry>& entries() const { return entries_; }

  // "  get     ClientRecords/GetClient of a seeded client\n..." for --help.
  std::string Describe() const;

 private:
  std::map<std::string, Entry> entries_;
};

// One call's context, request and response, alive until it completes.
template <typename Request, typename Response>
struct Unary {
  grpc::ClientContext context;
  Request request;
  Response response;
};

}  // namespace clinic::bench

// Registers `Type` (constructible from Fixture&) under `name`.
#define CLINIC_BENCH_OPERATION(name, Type, description)                            \
  [[maybe_unused]] static const bool clinic_bench_registered_##Type =              \
      ::clinic::bench::OperationRegistry::Get().Register(                          \
          name, description, [](::clinic::bench::Fixture& fixture) {               \
            return std::unique_ptr<::clinic::bench::Operation>(new Type(fixture)); \
          })

#endif  // CLINIC_TOOLS_CLINIC_BENCH_OPERATION_H_
