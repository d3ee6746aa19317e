// What every clinic-bench operation calls through: the connections to the
// server, the bearer token, per-call deadlines and request ids, and the data
// prepared before the timed run (seeded clients, the loaded questionnaire).
// Built once on the main thread; read concurrently by operations afterwards.
#ifndef CLINIC_TOOLS_CLINIC_BENCH_FIXTURE_H_
#define CLINIC_TOOLS_CLINIC_BENCH_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clinic/v1/inventory.pb.h"
#include "clinic/v1/screening.pb.h"

namespace clinic::bench {

struct ConnectionOptions {
  std::string target;           // host:port or unix:/path
  std::string ca_file;          // PEM CA of the server's certificate: connect with TLS
  bool tls = false;             // TLS with the system's roots when ca_file is empty
  std::string tls_server_name;  // name to check the certificate against
  int channels = 1;             // separate connections
};

// Opens one channel, on a connection of its own, and waits until it is
// connected; UNAVAILABLE naming the target when it does not connect in time.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const ConnectionOptions& options,
                                                       absl::Duration timeout);

class Fixture {
 public:
  struct Options {
    ConnectionOptions connection;
    absl::Duration deadline = absl::Seconds(10);  // per call
    std::string site_id;                          // where writes happen
    std::string treatment_type;                   // charted and screened
  };

  // Opens `options.connection.channels` connections.
  static absl::StatusOr<std::unique_ptr<Fixture>> Create(const Options& options);

  int channel_count() const { return static_cast<int>(channels_.size()); }
  const std::shared_ptr<grpc::Channel>& channel(int index) const {
    return channels_[static_cast<size_t>(index) % channels_.size()];
  }

  // Sets the call's deadline and, unless `authenticated` is false, its
  // bearer token.
  void PrepareContext(grpc::ClientContext& context, bool authenticated = true) const;

  // Unique in this run and across runs: "bench-{run}-{n}".
  std::string NextRequestId();

  // The bearer token calls send, and the principal it belongs to (from
  // WhoAmI, which SetToken calls to check it).
  absl::Status SetToken(const std::string& token);
  const std::string& token() const { return token_; }
  const std::string& principal() const { return principal_; }

  const Options& options() const { return options_; }
  const std::string& site_id() const { return options_.site_id; }
  const std::string& treatment_type() const { return options_.treatment_type; }

  // Resource names of the clients seeded for this run. AddClient is for
  // seeding only; once timed calls start the list is read without locks.
  void AddClient(const std::string& name);
  const std::vector<std::string>& clients() const { return clients_; }
  const std::string& RandomClient(std::mt19937_64& random) const;

  // The questionnaire of treatment_type, fetched on first use (blocking; for
  // Prepare) and kept.
  absl::StatusOr<const v1::Questionnaire*> Questionnaire();

 private:
  explicit Fixture(const Options& options) : options_(options) {}

  Options options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::string token_;
  std::string principal_;
  std::string run_id_;
  std::atomic<int64_t> next_request_{0};
  std::mutex clients_mutex_;
  std::vector<std::string> clients_;
  std::unique_ptr<v1::Questionnaire> questionnaire_;
};

// A status with `context` in front of the call's message:
// "ClientRecords/GetClient: NOT_FOUND: ...".
absl::Status FromGrpc(const grpc::Status& status, const std::string& context);

// Creates `product` and receives `lots` lots of it at the fixture's site,
// numbered `lot_prefix` and 0, 1, ..., `units_per_lot` units each, expiring
// next year; returns the product's name (inventory_operations.cc).
absl::StatusOr<std::string> StockProduct(Fixture& fixture, const v1::Product& product,
                                         const std::string& lot_prefix, int lots,
                                         int64_t units_per_lot);

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_CLINIC_BENCH_FIXTURE_H_
