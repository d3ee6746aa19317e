// clinic-client-records-bench: loads N clients into a fresh ClientRecords
// store and prints Get throughput, search latency percentiles and the
// database size. A benchmark, not a test: it asserts nothing about speed.
//
//   clinic-client-records-bench                 # 20,000 clients, seconds
//   clinic-client-records-bench --clients=1000000 --dir=/var/tmp/bench
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/log.h"
#include "common/core/time.h"
#include "common/storage/ids.h"
#include "services/client_records/client_records_names.h"
#include "services/client_records/client_records_store.h"

ABSL_FLAG(int, clients, 20000, "How many clients to load (1000000 for the full run).");
ABSL_FLAG(int, gets, 20000, "How many GetClient calls to time.");
ABSL_FLAG(int, searches, 500, "How many searches of each kind to time.");
ABSL_FLAG(int, threads, 2, "Reader threads for the Get throughput figure.");
ABSL_FLAG(int, load_threads, 8, "Threads creating the clients, as concurrent callers would.");
ABSL_FLAG(std::string, dir, "", "Folder for the database; a fresh temporary one by default.");
ABSL_FLAG(bool, load, true,
          "false: time searches on the clients an earlier run loaded into --dir (--clients "
          "saying how many), without loading or timing GetClient.");

namespace {

using clinic::v1::Client;
using Clock = std::chrono::steady_clock;

const char* const kGiven[] = {"Zoë",   "Seán", "Aisha", "José",   "Mei",    "Olivia", "Liam",
                              "Noah",  "Emma", "Chloé", "Björn",  "Ingrid", "Maria",  "Yusuf",
                              "Priya", "Hana", "Luca",  "Amélie", "Omar",   "Sofia"};
const char* const kFamily[] = {"O'Brien", "Smith",  "García",   "Nguyen", "Müller", "Rossi",
                               "Khan",    "Dubois", "Kowalski", "Silva",  "Jensen", "Tanaka",
                               "Novák",   "Haddad", "Patel",    "Brown",  "Núñez",  "Larsen"};

// The first `count` characters of UTF-8 `text` ("Nú" of "Núñez"), never
// half a character.
std::string FirstChars(const std::string& text, int count) {
  size_t end = 0;
  for (int seen = 0; end < text.size() && seen <= count; ++end) {
    // A character starts at every byte that is not a continuation byte.
    if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80 && ++seen > count) break;
  }
  return text.substr(0, end);
}

std::string Phone(uint64_t i) { return absl::StrCat("+4477", 10000000 + i % 89999999); }

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

template <typename Fn>
void TimeSearches(const char* label, int count, Fn make_request,
                  clinic::client_records::ClientRecordsStore& store) {
  std::vector<double> micros;
  size_t found = 0;
  double slowest = -1;
  std::string slowest_query;
  for (int i = 0; i < count; ++i) {
    const clinic::v1::SearchClientsRequest request = make_request(i);
    const auto start = Clock::now();
    auto response = store.SearchClients(request);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (response.ok()) found += static_cast<size_t>(response->clients_size());
    if (micros.back() > slowest) {
      slowest = micros.back();
      slowest_query = request.ShortDebugString();
    }
  }
  std::printf("%-28s p50 %8.0f us   p95 %8.0f us   p99 %8.0f us   (avg %.1f hits/page)\n", label,
              Percentile(micros, 0.50), Percentile(micros, 0.95), Percentile(micros, 0.99),
              count > 0 ? static_cast<double>(found) / count : 0.0);
  std::printf("%-28s slowest %.0f us: %s\n", "", slowest, slowest_query.c_str());
}

// Loads `n` clients as concurrent front desks would, then times GetClient.
bool LoadAndGet(clinic::client_records::ClientRecordsStore& store, const std::string& path, int n) {
  std::printf("Loading %d clients into %s\n", n, path.c_str());

  // Loaded by several threads, as concurrent front desks would: the store
  // commits their creates in groups (one fsync for many).
  std::vector<std::string> ids(static_cast<size_t>(n));
  const int load_threads = std::max(1, absl::GetFlag(FLAGS_load_threads));
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const auto load_start = Clock::now();
  auto load = [&](int thread) {
    std::mt19937_64 random(42 + static_cast<uint64_t>(thread));
    for (int i = next++; i < n && !failed; i = next++) {
      Client client;
      const std::string id = clinic::storage::NewId();
      client.set_client_id(id);
      client.set_name(clinic::client_records::kClientName.Format(id));
      client.set_home_site_id(i % 2 == 0 ? "london-soho" : "new-york-soho");
      client.set_given_name(kGiven[random() % std::size(kGiven)]);
      client.set_family_name(absl::StrCat(kFamily[random() % std::size(kFamily)], i % 1000));
      client.mutable_date_of_birth()->set_year(1940 + static_cast<int>(random() % 65));
      client.mutable_date_of_birth()->set_month(1 + static_cast<int>(random() % 12));
      client.mutable_date_of_birth()->set_day(1 + static_cast<int>(random() % 28));
      client.set_phone(Phone(static_cast<uint64_t>(i)));
      client.set_email(absl::StrCat("client", i, "@example.com"));
      client.set_state(clinic::v1::CLIENT_STATE_ACTIVE);
      *client.mutable_update_time() = clinic::ToTimestamp(absl::Now());
      clinic::v1::CreateClientRequest request;
      request.set_request_id(absl::StrCat("bench-", i));
      auto created = store.CreateClient(request, "tools/client-records-bench", client);
      if (!created.ok()) {
        std::fprintf(stderr, "load failed at %d: %s\n", i,
                     std::string(created.status().message()).c_str());
        failed = true;
        return;
      }
      ids[static_cast<size_t>(i)] = id;
      if ((i + 1) % 100000 == 0) std::printf("  %d loaded\n", i + 1);
    }
  };
  std::vector<std::thread> loaders;
  loaders.reserve(static_cast<size_t>(load_threads));
  for (int t = 0; t < load_threads; ++t) loaders.emplace_back(load, t);
  for (std::thread& loader : loaders) loader.join();
  if (failed) return false;
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  std::printf("Load: %.1f s, %.0f creates/s (%d threads; each create durable, in groups)\n", load_s,
              n / load_s, load_threads);

  const int gets = absl::GetFlag(FLAGS_gets);
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  const auto get_start = Clock::now();
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 pick(static_cast<uint64_t>(t) + 7);
      for (int i = 0; i < gets / threads; ++i) {
        (void)store.GetClient(ids[pick() % ids.size()]);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double get_s = std::chrono::duration<double>(Clock::now() - get_start).count();
  std::printf("GetClient: %.0f per second with %d threads\n", gets / get_s, threads);

  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Loads clients into a ClientRecords store and prints figures.");
  absl::ParseCommandLine(argc, argv);
  clinic::SetLogLevel(clinic::LogLevel::kWarning);
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) {
    char pattern[] = "/tmp/clinic-bench-XXXXXX";
    dir = mkdtemp(pattern);
  }
  const std::string path = dir + "/client_records.db";
  auto store_or = clinic::client_records::OpenSqliteClientRecordsStore(path);
  if (!store_or.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store_or.status().message()).c_str());
    return 1;
  }
  auto& store = **store_or;
  const int n = absl::GetFlag(FLAGS_clients);
  if (absl::GetFlag(FLAGS_load)) {
    if (!LoadAndGet(store, path, n)) return 1;
  } else {
    std::printf("Searching the clients already in %s\n", path.c_str());
  }

  const int searches = absl::GetFlag(FLAGS_searches);
  // Name searches of every shape a front desk types, at their worst for
  // this data: 20 given names and 18 family names (each with 1,000
  // numbered variants), so short prefixes and whole given names match tens
  // of thousands of clients.
  auto name_search = [](std::string prefix) {
    clinic::v1::SearchClientsRequest r;
    r.set_name_prefix(std::move(prefix));
    r.set_page_size(20);
    return r;
  };
  TimeSearches(
      "name: family, 2 chars", searches,
      [&](int i) { return name_search(FirstChars(kFamily[i % std::size(kFamily)], 2)); }, store);
  TimeSearches(
      "name: given, 2 chars", searches,
      [&](int i) { return name_search(FirstChars(kGiven[i % std::size(kGiven)], 2)); }, store);
  TimeSearches(
      "name: given, whole", searches,
      [&](int i) { return name_search(kGiven[i % std::size(kGiven)]); }, store);
  TimeSearches(
      "name: family, whole", searches,
      [&](int i) { return name_search(kFamily[i % std::size(kFamily)]); }, store);
  TimeSearches(
      "name: family, numbered", searches,
      [&](int i) { return name_search(absl::StrCat(kFamily[i % std::size(kFamily)], i % 1000)); },
      store);
  TimeSearches(
      "name: given and family", searches,
      [&](int i) {
        return name_search(absl::StrCat(kGiven[i % std::size(kGiven)], " ",
                                        kFamily[(i / 3) % std::size(kFamily)]));
      },
      store);
  TimeSearches(
      "name: full name", searches,
      [&](int i) {
        return name_search(absl::StrCat(kGiven[i % std::size(kGiven)], " ",
                                        kFamily[i % std::size(kFamily)], i % 1000));
      },
      store);
  TimeSearches(
      "name: 2 chars, 2 words", searches,
      [&](int i) {
        return name_search(absl::StrCat(FirstChars(kGiven[i % std::size(kGiven)], 2), " ",
                                        FirstChars(kFamily[(i / 3) % std::size(kFamily)], 2)));
      },
      store);
  TimeSearches(
      "search phone", searches,
      [&](int i) {
        clinic::v1::SearchClientsRequest r;
        r.set_phone(Phone(static_cast<uint64_t>(i * 7919 % std::max(1, n))));
        return r;
      },
      store);
  TimeSearches(
      "search date of birth", searches,
      [](int i) {
        clinic::v1::SearchClientsRequest r;
        r.mutable_date_of_birth()->set_year(1940 + i % 65);
        r.mutable_date_of_birth()->set_month(1 + i % 12);
        r.mutable_date_of_birth()->set_day(1 + i % 28);
        r.set_page_size(20);
        return r;
      },
      store);

  struct stat info;
  long long bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    if (stat((path + suffix).c_str(), &info) == 0) bytes += info.st_size;
  }
  std::printf("Database size: %.1f MiB (%.0f bytes per client)\n", bytes / 1048576.0,
              n > 0 ? static_cast<double>(bytes) / n : 0.0);
  return 0;
}
