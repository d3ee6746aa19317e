#include "tools/clinic_bench/fsync_baseline.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/database.h"

namespace clinic::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS writes (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)";
constexpr char kInsert[] = "INSERT INTO writes (payload) VALUES (?)";

}  // namespace

absl::StatusOr<FsyncBaselineResult> RunFsyncBaseline(const FsyncBaselineSpec& spec) {
  FsyncBaselineResult result;
  result.path = absl::StrCat(spec.dir, "/clinic-bench-fsync-baseline-", getpid(), ".db");
  storage::Database::Options options;
  options.synchronous_full = true;
  options.reader_connections = 0;
  absl::StatusOr<std::unique_ptr<storage::Database>> database =
      storage::Database::Open(result.path, options);
  if (!database.ok()) return database.status();
  absl::Status created = (*database)->Write([](storage::Connection& connection) {
    connection.Exec(kCreateTable);
    return absl::OkStatus();
  });
  if (!created.ok()) return created;

  const std::string payload(static_cast<size_t>(std::max(1, spec.row_bytes)), 'x');
  const Clock::time_point begin = Clock::now();
  const Clock::time_point warm_end = begin + absl::ToChronoNanoseconds(spec.warmup);
  const Clock::time_point end = warm_end + absl::ToChronoNanoseconds(spec.duration);
  std::vector<OperationTally> tallies(static_cast<size_t>(std::max(1, spec.writers)));
  std::vector<std::thread> writers;
  for (OperationTally& tally : tallies) {
    writers.emplace_back([&, mine = &tally] {
      for (;;) {
        const Clock::time_point start = Clock::now();
        if (start >= end) return;
        const absl::Status status = (*database)->Write([&](storage::Connection& connection) {
          SQLite::Statement& insert = connection.Prepare(kInsert);
          storage::BindBlob(insert, 1, payload);
          insert.exec();
          return absl::OkStatus();
        });
        const Clock::time_point now = Clock::now();
        if (now < warm_end || now > end) continue;
        if (status.ok()) {
          mine->latencies_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count());
        } else {
          const std::string code = absl::StatusCodeToString(status.code());
          ++mine->errors[code];
          if (mine->first_error.empty()) mine->first_error = std::string(status.message());
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  database->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((result.path + suffix).c_str());

  for (OperationTally& from : tallies) {
    result.tally.latencies_ns.insert(result.tally.latencies_ns.end(), from.latencies_ns.begin(),
                                     from.latencies_ns.end());
    for (const auto& [code, count] : from.errors) result.tally.errors[code] += count;
    if (result.tally.first_error.empty()) result.tally.first_error = from.first_error;
  }
  result.measured = spec.duration;
  return result;
}

}  // namespace clinic::bench
