// clinic-client-records-bench: loads N clients into a fresh ClientRecords
// store and prints Get throughput, search latency percentiles and the
// database size. A benchmark, not a test: it asserts nothing about speed.
//
//   clinic-client-records-bench                 # 20,000 clients, seconds
//   clinic-client-records-bench --clients=1000000 --dir=/var/tmp/bench
#include <sys/stat.h>

#include <algorithm>
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
ABSL_FLAG(std::string, dir, "", "Folder for the database; a fresh temporary one by default.");

namespace {

using clinic::v1::Client;
using Clock = std::chrono::steady_clock;

const char* const kGiven[] = {"Zoë",   "Seán", "Aisha", "José",   "Mei",    "Olivia", "Liam",
                              "Noah",  "Emma", "Chloé", "Björn",  "Ingrid", "Maria",  "Yusuf",
                              "Priya", "Hana", "Luca",  "Amélie", "Omar",   "Sofia"};
const char* const kFamily[] = {"O'Brien", "Smith",  "García",   "Nguyen", "Müller", "Rossi",
                               "Khan",    "Dubois", "Kowalski", "Silva",  "Jensen", "Tanaka",
                               "Novák",   "Haddad", "Patel",    "Brown",  "Núñez",  "Larsen"};

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
  for (int i = 0; i < count; ++i) {
    const clinic::v1::SearchClientsRequest request = make_request(i);
    const auto start = Clock::now();
    auto response = store.SearchClients(request);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (response.ok()) found += static_cast<size_t>(response->clients_size());
  }
  std::printf("%-28s p50 %8.0f us   p95 %8.0f us   p99 %8.0f us   (avg %.1f hits/page)\n", label,
              Percentile(micros, 0.50), Percentile(micros, 0.95), Percentile(micros, 0.99),
              count > 0 ? static_cast<double>(found) / count : 0.0);
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
  std::printf("Loading %d clients into %s\n", n, path.c_str());

  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(n));
  std::mt19937_64 random(42);
  const auto load_start = Clock::now();
  for (int i = 0; i < n; ++i) {
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
      return 1;
    }
    ids.push_back(id);
    if ((i + 1) % 100000 == 0) std::printf("  %d loaded\n", i + 1);
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  std::printf("Load: %.1f s, %.0f creates/s (one durable transaction each)\n", load_s, n / load_s);

  const int gets = absl::GetFlag(FLAGS_gets);
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  const auto get_start = Clock::now();
  std::vector<std::thread> workers;
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

  const int searches = absl::GetFlag(FLAGS_searches);
  TimeSearches(
      "search name prefix (2 chars)", searches,
      [](int i) {
        clinic::v1::SearchClientsRequest r;
        r.set_name_prefix(std::string(kFamily[i % std::size(kFamily)]).substr(0, 2));
        r.set_page_size(20);
        return r;
      },
      store);
  TimeSearches(
      "search full name", searches,
      [](int i) {
        clinic::v1::SearchClientsRequest r;
        r.set_name_prefix(absl::StrCat(kGiven[i % std::size(kGiven)], " ",
                                       kFamily[i % std::size(kFamily)], i % 1000));
        r.set_page_size(20);
        return r;
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
