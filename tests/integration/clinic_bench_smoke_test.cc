// clinic-bench as CI runs it: --start with a clinicd of its own, every
// operation in the mix and each alone, at small concurrency for a second.
// Checks that it exits 0, reports every RPC with calls and no errors, measures
// both baselines and cleans up after itself. Never checks a speed.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "clinic_bench.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::HasSubstr;
using BenchReport = bench::report::v1::BenchReport;

const std::vector<std::string> kRpcs = {"ClientRecords/GetClient",
                                        "ClientRecords/SearchClients",
                                        "ClientRecords/CreateClient",
                                        "ClientRecords/UpdateMedicalHistory",
                                        "ClientRecords/CreateTreatmentRecord",
                                        "Screening/SubmitScreening",
                                        "Inventory/ConsumeStock",
                                        "Billing/RecordPayment"};

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
  }
  return names;
}

class ClinicBenchSmokeTest : public ::testing::Test {
 protected:
  // Runs clinic-bench --start with `flags`, its folders under work_.
  std::unique_ptr<clinic::testing::Process> Bench(const std::vector<std::string>& flags) {
    std::vector<std::string> args = {clinic::testing::BinaryPath("clinic-bench"), "--start",
                                     "--dir=" + work_.path(), "--warmup=0.2s"};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<clinic::testing::Process>(args, logs_.path());
  }

  clinic::testing::TempDir work_;
  clinic::testing::TempDir logs_;
};

TEST_F(ClinicBenchSmokeTest, EveryOperationRunsWithoutErrorsAndIsReported) {
  auto bench =
      Bench({"--duration=1s", "--concurrency=4", "--seed_clients=16", "--each", "--json",
             "--restarts=2", "--first_starts=2",
             "--mix=get:1,search:1,create:1,update:1,chart:1,screen:1,consume:1,payment:1"});
  ASSERT_EQ(bench->Wait(), 0) << bench->Stderr();

  BenchReport report;
  const auto parsed = google::protobuf::util::JsonStringToMessage(bench->Stdout(), &report);
  ASSERT_TRUE(parsed.ok()) << parsed.message() << "\n" << bench->Stdout();
  EXPECT_EQ(report.concurrency(), 4);
  EXPECT_EQ(report.seed_clients(), 16);
  EXPECT_GE(report.machine().cores(), 1);

  std::vector<std::string> phases;
  for (const auto& phase : report.phases()) phases.push_back(phase.name());
  EXPECT_THAT(phases, ::testing::ElementsAre("health", "mix", "get", "search", "create", "update",
                                             "chart", "screen", "consume", "payment"));
  std::set<std::string> in_mix;
  for (const auto& phase : report.phases()) {
    SCOPED_TRACE(phase.name());
    for (const auto& rpc : phase.rpcs()) {
      SCOPED_TRACE(rpc.rpc());
      EXPECT_GT(rpc.calls(), 0);
      EXPECT_EQ(rpc.errors(), 0) << rpc.first_error();
      EXPECT_GT(rpc.p50_ms(), 0);
      EXPECT_LE(rpc.p50_ms(), rpc.max_ms());
      if (phase.name() == "mix") in_mix.insert(rpc.rpc());
    }
    EXPECT_EQ(phase.total().errors(), 0);
    // Every phase is set against the health check of the same run.
    EXPECT_GT(phase.total().vs_health_check(), 0);
    // The bench started the server, so it reports the server's processor
    // time, in all and per call.
    EXPECT_GT(phase.server_cores(), 0);
    EXPECT_DOUBLE_EQ(phase.server_us_per_call(),
                     phase.server_cores() * 1e6 / phase.total().calls_per_second());
  }
  EXPECT_EQ(in_mix, std::set<std::string>(kRpcs.begin(), kRpcs.end()));
  EXPECT_EQ(report.phases(0).rpcs(0).rpc(), "grpc.health.v1.Health/Check");

  // The one-fsync baseline ran beside the server's data, and durable writes
  // run alone carry their ratio to it.
  ASSERT_TRUE(report.has_fsync_baseline());
  EXPECT_GT(report.fsync_baseline().commits(), 0);
  EXPECT_EQ(report.fsync_baseline().errors(), 0);
  EXPECT_EQ(report.fsync_baseline().writers(), 4);
  EXPECT_THAT(report.fsync_baseline().path(), HasSubstr(work_.path() + "/clinic-bench-"));
  for (const auto& phase : report.phases()) {
    if (phase.name() == "create" || phase.name() == "chart" || phase.name() == "consume" ||
        phase.name() == "payment") {
      EXPECT_GT(phase.rpcs(0).vs_fsync_baseline(), 0) << phase.name();
    }
  }
  EXPECT_FALSE(report.goals().empty());

  // The server's first start, and each restart on the folder the run filled.
  ASSERT_TRUE(report.has_server_footprint());
  EXPECT_GT(report.server_footprint().start_seconds(), 0);
  ASSERT_EQ(report.server_footprint().first_start_seconds_size(), 2);
  EXPECT_GT(report.server_footprint().first_start_seconds(0), 0);
  // The last first start is the server the run used.
  EXPECT_EQ(report.server_footprint().first_start_seconds(1),
            report.server_footprint().start_seconds());
  ASSERT_EQ(report.server_footprint().restart_seconds_size(), 2);
  for (double seconds : report.server_footprint().restart_seconds()) EXPECT_GT(seconds, 0);
  std::vector<std::string> goals;
  for (const auto& goal : report.goals()) goals.push_back(goal.goal());
  EXPECT_THAT(goals, ::testing::Contains(HasSubstr("first start to listening")));
  EXPECT_THAT(goals, ::testing::Contains(HasSubstr("restart to listening")));

  // The server's temporary folder is gone with it.
  EXPECT_THAT(Entries(work_.path()), ::testing::IsEmpty());
}

TEST_F(ClinicBenchSmokeTest, PrintsATableWithTheBaselines) {
  auto bench = Bench({"--duration=0.3s", "--concurrency=2", "--seed_clients=4", "--mix=get:1"});
  ASSERT_EQ(bench->Wait(), 0) << bench->Stderr();
  const std::string out = bench->Stdout();
  EXPECT_THAT(out, HasSubstr("phase health"));
  EXPECT_THAT(out, HasSubstr("grpc.health.v1.Health/Check"));
  EXPECT_THAT(out, HasSubstr("ClientRecords/GetClient"));
  EXPECT_THAT(out, HasSubstr("one fsync per call: SQLite WAL, synchronous=FULL, 2 writers"));
  EXPECT_THAT(out, HasSubstr("GetClient alone >= 0.8x the health check's rate"));
  // Three first starts and five restarts unless told otherwise.
  EXPECT_THAT(out, HasSubstr("started 3 times each on an empty data folder"));
  EXPECT_THAT(out, HasSubstr("restarted 5 times on the run's data folder"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\nerrors\n")));
}

TEST_F(ClinicBenchSmokeTest, RefusesAnUnknownOperationNamingTheKnownOnes) {
  auto bench = Bench({"--mix=get:1,refund:2"});
  EXPECT_EQ(bench->Wait(), 1);
  EXPECT_THAT(bench->Stderr(), HasSubstr("no operation is called 'refund'"));
  EXPECT_THAT(bench->Stderr(), HasSubstr("ClientRecords/CreateTreatmentRecord"));
  EXPECT_THAT(Entries(work_.path()), ::testing::IsEmpty());
}

}  // namespace
}  // namespace clinic
