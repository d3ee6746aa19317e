// clinic-bench: drives a Clinic Core server over gRPC with a mix of calls and
// prints calls/s and latency percentiles per RPC, beside two baselines
// measured in the same run: the health check on the same server (no auth, no
// audit) and a one-fsync-per-call SQLite writer on the server's data disk.
// A benchmark, not a test: it asserts nothing about speed.
//
//   clinic-bench --start                                  # its own clinicd
//   clinic-bench --start --mix=get:100 --each --duration=10s
//   clinic-bench --target=127.0.0.1:50051 --admin_token_file=data/admin.token
//       --baseline_dir=/var/lib/clinic   # the bench sets up tool/clinic-bench
//
// The operations a mix may name, and the RPC each calls, are listed by
// --help; docs/performance.md has the figures and how they were made.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/core/text.h"
#include "tools/clinic_bench/bench_principal.h"
#include "tools/clinic_bench/driver.h"
#include "tools/clinic_bench/fixture.h"
#include "tools/clinic_bench/fsync_baseline.h"
#include "tools/clinic_bench/local_server.h"
#include "tools/clinic_bench/report.h"
#include "tools/clinic_bench/seed.h"

ABSL_FLAG(std::string, target, "", "The server to drive, host:port or unix:/path.");
ABSL_FLAG(bool, start, false,
          "Start a clinicd of its own in a temporary folder instead of --target, and call as a "
          "principal set up with the admin token that server writes.");
ABSL_FLAG(std::string, clinicd, "", "--start: the clinicd program. Default: next to this one.");
ABSL_FLAG(std::string, plugin_dir, "",
          "--start: the plugin folder. Default: the bundled plugins beside this program's bin/.");
ABSL_FLAG(std::string, dir, "",
          "--start: where the temporary folder goes (the server's data disk). Default: $TMPDIR, "
          "else /tmp.");
ABSL_FLAG(bool, keep, false, "--start: keep the temporary folder, with the server's log.");
ABSL_FLAG(int, first_starts, 3,
          "--start: time this many first starts, each on an empty data folder of its own; the "
          "last is the server the run uses, the others are stopped at once.");
ABSL_FLAG(int, restarts, 5,
          "--start: after the run, restart the server this many times on the data folder the "
          "run filled, and report the median time to listening beside the first start's.");
ABSL_FLAG(std::string, server_log_level, "warning",
          "--start: clinicd's --log_level; 'info' adds its line per call.");
ABSL_FLAG(std::string, token_file, "",
          "--target: file holding the bearer token to call with (a practitioner's). Default: "
          "$CLINIC_TOKEN, else $CLINIC_TOKEN_FILE.");
ABSL_FLAG(std::string, admin_token_file, "",
          "--target: an access admin's token; the bench then sets up tool/clinic-bench with the "
          "roles it needs and calls with a token issued for the run (revoked at its end).");
ABSL_FLAG(std::string, ca_file, "",
          "PEM file of the CA that signed the server's certificate: TLS.");
ABSL_FLAG(bool, tls, false, "Connect with TLS using the system's roots (implied by --ca_file).");
ABSL_FLAG(std::string, tls_server_name, "", "Name to check the server's certificate against.");
ABSL_FLAG(std::string, mix, "get:70,search:20,create:5,update:5,chart:0,screen:0",
          "Operations and their weights, NAME:WEIGHT,... (see the list below).");
ABSL_FLAG(bool, each, false,
          "After the mix, run each of its operations alone for --duration, giving the ratios of "
          "the goals (GetClient vs the health check, writes vs one fsync per call).");
ABSL_FLAG(int, concurrency, 64, "Calls kept in flight, in every phase and in the fsync baseline.");
ABSL_FLAG(int, channels, 0,
          "Connections the calls are spread over. Default: one per 8 calls in flight, at most 16.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "How long each phase is counted.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "Uncounted calls before each phase.");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10), "Deadline of each call.");
ABSL_FLAG(int, seed_clients, 1000, "Clients created before the timed phases.");
ABSL_FLAG(std::string, site, "london-soho", "The site clients, charts and screenings are at.");
ABSL_FLAG(std::string, treatment_type, "microneedling", "The treatment type charted and screened.");
ABSL_FLAG(std::string, baseline_dir, "",
          "Folder on the server's data disk for the one-fsync-per-call baseline. Default with "
          "--start: the server's data folder; without it the baseline is skipped.");
ABSL_FLAG(int, baseline_row_bytes, 512, "Bytes of each row the fsync baseline commits.");
ABSL_FLAG(bool, json, false, "Print the report as JSON (BenchReport in clinic_bench.proto).");

namespace clinic::bench {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "clinic-bench: %s\n", std::string(status.message()).c_str());
  return 1;
}

void Progress(const std::string& line) {
  std::fprintf(stderr, "clinic-bench: %s\n", line.c_str());
  std::fflush(stderr);
}

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  std::stringstream contents;
  contents << file.rdbuf();
  std::string token(absl::StripAsciiWhitespace(contents.str()));
  if (token.empty()) return absl::FailedPreconditionError(absl::StrCat(path, " holds no token"));
  return token;
}

// The token to call with on --target: --token_file, $CLINIC_TOKEN or
// $CLINIC_TOKEN_FILE, as clinicctl reads it. Empty when none is given.
absl::StatusOr<std::string> CallerToken() {
  std::string path = absl::GetFlag(FLAGS_token_file);
  if (path.empty()) {
    if (const char* value = std::getenv("CLINIC_TOKEN"); value != nullptr && *value != 0) {
      return std::string(absl::StripAsciiWhitespace(value));
    }
    if (const char* file = std::getenv("CLINIC_TOKEN_FILE"); file != nullptr && *file != 0) {
      path = file;
    }
  }
  if (path.empty()) return std::string();
  return ReadToken(path);
}

// Runs a phase and sums it up. `server` is the server the bench started, if
// any, whose processor time is then reported too.
Phase RunNamedPhase(const std::string& name, const std::vector<MixEntry>& mix,
                    const Fixture& fixture, const LocalServer* server) {
  std::vector<std::string> weights;
  for (const MixEntry& entry : mix) weights.push_back(absl::StrCat(entry.name, ":", entry.weight));
  Progress(absl::StrCat("phase ", name, " (", absl::StrJoin(weights, ","), ")"));
  PhaseSpec spec;
  spec.mix = mix;
  spec.concurrency = absl::GetFlag(FLAGS_concurrency);
  spec.channels = fixture.channel_count();
  spec.warmup = absl::GetFlag(FLAGS_warmup);
  spec.duration = absl::GetFlag(FLAGS_duration);
  const absl::Time begin = absl::Now();
  const double bench_cpu = OwnCpuSeconds();
  const double server_cpu = server != nullptr ? server->CpuSeconds() : 0.0;
  PhaseResult result = RunPhase(spec);
  const double wall = absl::ToDoubleSeconds(absl::Now() - begin);

  Phase phase;
  phase.set_name(name);
  phase.set_mix(absl::StrJoin(weights, ","));
  if (wall > 0) {
    phase.set_bench_cores((OwnCpuSeconds() - bench_cpu) / wall);
    if (server != nullptr) phase.set_server_cores((server->CpuSeconds() - server_cpu) / wall);
  }
  OperationTally total = Merge(result.tallies);
  for (size_t i = 0; i < mix.size(); ++i) {
    RpcFigures& rpc = *phase.add_rpcs();
    rpc = Figures(result.tallies[i], result.measured);
    rpc.set_operation(mix[i].name);
    rpc.set_rpc(mix[i].operation->Rpc());
    rpc.set_durable_write(mix[i].operation->DurableWrite());
  }
  *phase.mutable_total() = Figures(total, result.measured);
  phase.mutable_total()->set_operation("total");
  if (phase.server_cores() > 0 && phase.total().calls_per_second() > 0) {
    phase.set_server_us_per_call(phase.server_cores() * 1e6 / phase.total().calls_per_second());
  }
  return phase;
}

int Run(int argc, char** argv) {
  // Before the bench adds any load of its own.
  const absl::Time start_time = absl::Now();
  const report::v1::Machine machine = DescribeMachine();
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (concurrency < 1 || concurrency > 10000) {
    return Fail(absl::InvalidArgumentError("--concurrency must be from 1 to 10000"));
  }
  if (absl::GetFlag(FLAGS_duration) <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_warmup) < absl::ZeroDuration()) {
    return Fail(absl::InvalidArgumentError("--duration must be positive, --warmup not negative"));
  }
  if (absl::GetFlag(FLAGS_restarts) < 0 || absl::GetFlag(FLAGS_restarts) > 100) {
    return Fail(absl::InvalidArgumentError("--restarts must be from 0 to 100"));
  }
  if (absl::GetFlag(FLAGS_first_starts) < 1 || absl::GetFlag(FLAGS_first_starts) > 100) {
    return Fail(absl::InvalidArgumentError("--first_starts must be from 1 to 100"));
  }
  const bool start = absl::GetFlag(FLAGS_start);
  if (start == !absl::GetFlag(FLAGS_target).empty()) {
    return Fail(absl::InvalidArgumentError("give either --target=HOST:PORT or --start"));
  }

  // The operations: the mix's, plus the health check every ratio refers to.
  OperationRegistry& registry = OperationRegistry::Get();
  absl::StatusOr<std::vector<MixEntry>> mix = ParseMix(absl::GetFlag(FLAGS_mix));
  if (!mix.ok()) return Fail(mix.status());
  std::vector<MixEntry> health_mix = {{"health", 1, nullptr}};
  for (const MixEntry& entry : *mix) {
    if (registry.Find(entry.name) == nullptr) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--mix: no operation is called ", Quote(entry.name, kQuotedChars, '\''),
                       "; the operations are:\n", registry.Describe())));
    }
  }

  std::unique_ptr<LocalServer> server;
  std::vector<double> first_start_seconds;
  std::string admin_token_file = absl::GetFlag(FLAGS_admin_token_file);
  std::string baseline_dir = absl::GetFlag(FLAGS_baseline_dir);
  std::string target = absl::GetFlag(FLAGS_target);
  std::string target_label = target;
  if (start) {
    LocalServer::Options options;
    options.clinicd = absl::GetFlag(FLAGS_clinicd);
    options.plugin_dir = absl::GetFlag(FLAGS_plugin_dir);
    options.parent_dir = absl::GetFlag(FLAGS_dir);
    options.log_level = absl::GetFlag(FLAGS_server_log_level);
    options.keep = absl::GetFlag(FLAGS_keep);
    // One first start is one sample of a noisy figure: the earlier ones are
    // timed and stopped, the last one serves the run.
    for (int i = absl::GetFlag(FLAGS_first_starts); i > 0; --i) {
      absl::StatusOr<std::unique_ptr<LocalServer>> started = LocalServer::Start(options);
      if (!started.ok()) return Fail(started.status());
      first_start_seconds.push_back((*started)->start_seconds());
      if (i == 1) server = *std::move(started);
    }
    target = server->target();
    target_label = absl::StrCat(target, " (clinicd started by the bench in ", server->dir(), ")");
    admin_token_file = server->admin_token_file();
    if (baseline_dir.empty()) baseline_dir = server->data_dir();
    Progress(absl::StrCat("clinicd listening on ", target, ", data in ", server->data_dir()));
  }
  // Read before anything is seeded or called.
  const int64_t idle_rss = server != nullptr ? server->RssBytes() : 0;

  Fixture::Options options;
  options.connection.target = target;
  options.connection.ca_file = absl::GetFlag(FLAGS_ca_file);
  options.connection.tls = absl::GetFlag(FLAGS_tls);
  options.connection.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  int channels = absl::GetFlag(FLAGS_channels);
  if (channels <= 0) channels = std::min(16, (concurrency + 7) / 8);
  options.connection.channels = channels;
  options.deadline = absl::GetFlag(FLAGS_deadline);
  options.site_id = absl::GetFlag(FLAGS_site);
  options.treatment_type = absl::GetFlag(FLAGS_treatment_type);
  absl::StatusOr<std::unique_ptr<Fixture>> fixture_or = Fixture::Create(options);
  if (!fixture_or.ok()) return Fail(fixture_or.status());
  Fixture& fixture = **fixture_or;

  std::vector<std::unique_ptr<Operation>> operations;
  bool needs_clients = false;
  std::vector<v1::Role> roles = {v1::ROLE_PRACTITIONER};  // seeding creates clients
  for (std::vector<MixEntry>* entries : {&*mix, &health_mix}) {
    for (MixEntry& entry : *entries) {
      operations.push_back(registry.Find(entry.name)->factory(fixture));
      entry.operation = operations.back().get();
      needs_clients = needs_clients || entry.operation->NeedsClients();
      for (v1::Role role : entry.operation->Roles()) roles.push_back(role);
    }
  }

  // The principal calls are made as.
  std::string admin_token;
  std::string issued_token_name;
  if (!admin_token_file.empty()) {
    absl::StatusOr<std::string> read = ReadToken(admin_token_file);
    if (!read.ok()) return Fail(read.status());
    admin_token = *std::move(read);
    absl::StatusOr<BenchToken> issued = IssueBenchToken(fixture.channel(0), admin_token, roles);
    if (!issued.ok()) return Fail(issued.status());
    issued_token_name = issued->name;
    if (absl::Status set = fixture.SetToken(issued->secret); !set.ok()) return Fail(set);
  } else {
    absl::StatusOr<std::string> token = CallerToken();
    if (!token.ok()) return Fail(token.status());
    if (token->empty()) {
      return Fail(absl::InvalidArgumentError(
          "--target needs a token: --token_file (a practitioner's), $CLINIC_TOKEN, or "
          "--admin_token_file to set up the bench's own principal"));
    }
    if (absl::Status set = fixture.SetToken(*token); !set.ok()) return Fail(set);
  }

  const int seed_clients = absl::GetFlag(FLAGS_seed_clients);
  if (needs_clients && seed_clients < 1) {
    return Fail(absl::InvalidArgumentError("this mix reads existing clients: --seed_clients >= 1"));
  }
  if (needs_clients) {
    Progress(absl::StrCat("seeding ", seed_clients, " clients as ", fixture.principal()));
    if (absl::Status seeded = SeedClients(fixture, seed_clients, concurrency); !seeded.ok()) {
      return Fail(seeded);
    }
  }
  for (const auto& operation : operations) {
    if (absl::Status prepared = operation->Prepare(); !prepared.ok()) return Fail(prepared);
  }

  BenchReport report;
  std::vector<std::string> args(argv, argv + argc);
  report.set_command_line(absl::StrJoin(args, " "));
  report.set_start_time(absl::FormatTime(absl::RFC3339_sec, start_time, absl::UTCTimeZone()));
  *report.mutable_machine() = machine;
  report.set_target(target_label);
  report.set_concurrency(concurrency);
  report.set_channels(fixture.channel_count());
  report.set_seed_clients(needs_clients ? seed_clients : 0);
  report.set_warmup_seconds(absl::ToDoubleSeconds(absl::GetFlag(FLAGS_warmup)));
  report.set_duration_seconds(absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration)));

  *report.add_phases() = RunNamedPhase("health", health_mix, fixture, server.get());
  *report.add_phases() = RunNamedPhase("mix", *mix, fixture, server.get());
  if (absl::GetFlag(FLAGS_each) && mix->size() > 1) {
    for (const MixEntry& entry : *mix) {
      *report.add_phases() =
          RunNamedPhase(entry.name, {{entry.name, 1, entry.operation}}, fixture, server.get());
    }
  }
  if (server != nullptr) {
    report::v1::ServerFootprint& footprint = *report.mutable_server_footprint();
    footprint.set_start_seconds(server->start_seconds());
    for (double seconds : first_start_seconds) footprint.add_first_start_seconds(seconds);
    footprint.set_idle_rss_bytes(idle_rss);
    footprint.set_end_rss_bytes(server->RssBytes());
  }

  if (!baseline_dir.empty()) {
    Progress(absl::StrCat("one fsync per call in ", baseline_dir));
    FsyncBaselineSpec spec;
    spec.dir = baseline_dir;
    spec.writers = concurrency;
    spec.row_bytes = absl::GetFlag(FLAGS_baseline_row_bytes);
    spec.warmup = absl::GetFlag(FLAGS_warmup);
    spec.duration = absl::GetFlag(FLAGS_duration);
    absl::StatusOr<FsyncBaselineResult> baseline = RunFsyncBaseline(spec);
    if (!baseline.ok()) return Fail(baseline.status());
    FsyncBaseline& figures = *report.mutable_fsync_baseline();
    figures = BaselineFigures(baseline->tally, baseline->measured);
    figures.set_path(baseline->path);
    figures.set_writers(spec.writers);
    figures.set_row_bytes(spec.row_bytes);
  }
  AddRatiosAndGoals(report);

  if (!issued_token_name.empty()) {
    if (absl::Status revoked = RevokeBenchToken(fixture.channel(0), admin_token, issued_token_name);
        !revoked.ok()) {
      Progress(absl::StrCat("could not revoke the run's token: ", revoked.message()));
    }
  }
  // Last, since a restart moves the server to a new port and every channel
  // above stops reaching it.
  if (server != nullptr) {
    const int restarts = absl::GetFlag(FLAGS_restarts);
    if (restarts > 0) Progress(absl::StrCat("restarting the server ", restarts, " times"));
    for (int i = 0; i < restarts; ++i) {
      absl::StatusOr<double> seconds = server->Restart();
      if (!seconds.ok()) return Fail(seconds.status());
      report.mutable_server_footprint()->add_restart_seconds(*seconds);
    }
  }
  AddFootprintGoals(report);
  const std::string out = absl::GetFlag(FLAGS_json) ? RenderJson(report) : RenderText(report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace clinic::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(absl::StrCat(
      "Drives a Clinic Core server with a mix of calls and prints calls/s and latency per RPC, "
      "beside the health check's rate and one fsync per call measured in the same run.\n"
      "Usage: clinic-bench --start | --target=HOST:PORT --token_file=FILE  [--mix=...]\n"
      "Operations for --mix:\n",
      clinic::bench::OperationRegistry::Get().Describe()));
  // --help lists the flags defined in this tool's folder (absl looks for a
  // file named after the program, and the program's name has a hyphen).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::StrContains(path, "clinic_bench/");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  return clinic::bench::Run(argc, argv);
}
