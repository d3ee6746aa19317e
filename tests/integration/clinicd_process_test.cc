// clinicd as an operator runs it: a real process started with flags and a
// config file. Checks that it refuses a bad config with a clear message,
// serves on the port it reports, names its process id in its log and its pid
// file, reloads plugins on SIGHUP sent by that file, tells clinicctl what a
// reload did, and drains calls in flight when it receives SIGTERM.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "tests/testing/certificates.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::Process;
using clinic::testing::WaitForPortFile;
using clinic::testing::WaitUntil;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

class ClinicdProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    token_file_ = dir_.Join("data/admin.token");
  }

  std::vector<std::string> Args(const std::string& config_path) {
    return {clinic::testing::BinaryPath("clinicd"),
            "--config=" + config_path,
            "--listen=127.0.0.1:0",
            "--data_dir=" + dir_.Join("data"),
            "--plugin_dir=" + plugins_.path(),
            "--port_file=" + dir_.Join("port"),
            "--bootstrap_admin_token=" + dir_.Join("data/admin.token")};
  }

  std::unique_ptr<v1::TreatmentCatalog::Stub> Connect(int port) {
    return v1::TreatmentCatalog::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                             grpc::InsecureChannelCredentials()));
  }

  // Authenticated as the first admin, whose token the server wrote.
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    std::string token = clinic::testing::ReadFile(token_file_);
    while (!token.empty() && token.back() == '\n') token.pop_back();
    context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  // The process id in the pid file; 0 while it holds none.
  static pid_t PidIn(const std::string& path) {
    const std::string text = clinic::testing::ReadFile(path);
    return text.empty() ? 0 : static_cast<pid_t>(std::stoi(text));
  }

  // Runs clinicctl as the first admin against the server on `port`; returns
  // its stdout after checking it succeeded.
  std::string Clinicctl(int port, const std::vector<std::string>& command) {
    std::vector<std::string> args = {clinic::testing::BinaryPath("clinicctl"),
                                     "--server=127.0.0.1:" + std::to_string(port),
                                     "--token_file=" + token_file_};
    args.insert(args.end(), command.begin(), command.end());
    Process ctl(args, logs_.path());
    EXPECT_EQ(ctl.Wait(), 0) << ctl.Stderr();
    return ctl.Stdout();
  }

  inline static std::string token_file_;
  clinic::testing::TempDir logs_;
  clinic::testing::TempDir dir_;
  clinic::testing::TempDir plugins_;
};

TEST_F(ClinicdProcessTest, RefusesAnInvalidConfigNamingTheField) {
  clinic::testing::WriteFile(dir_.Join("bad.textproto"), R"(
chain {
  chain_id: "lumen"
  display_name: "Lumen Skin Clinics"
  sites { site_id: "london-soho" display_name: "Soho" time_zone: "Europe/London"
          currency_code: "GBX" tax_rate_basis_points: 2000 }
}
)");
  Process process(Args(dir_.Join("bad.textproto")), dir_.path());
  EXPECT_EQ(process.Wait(), 2);
  EXPECT_THAT(process.Stderr(), HasSubstr("refusing to start"));
  EXPECT_THAT(process.Stderr(), HasSubstr("chain.sites[0].currency_code"));
  EXPECT_THAT(process.Stderr(), HasSubstr("GBX"));
}

TEST_F(ClinicdProcessTest, RefusesAConfigThatDoesNotParse) {
  clinic::testing::WriteFile(dir_.Join("broken.textproto"), "chain {\n  chain_id: lumen\n");
  Process process(Args(dir_.Join("broken.textproto")), dir_.path());
  EXPECT_EQ(process.Wait(), 2);
  EXPECT_THAT(process.Stderr(), HasSubstr("broken.textproto:2"));
}

TEST_F(ClinicdProcessTest, ServesTheSampleConfigAndStopsCleanlyOnSigint) {
  Process process(Args(clinic::testing::SourcePath("deploy/config/clinicd.textproto")),
                  dir_.path());
  const int port = WaitForPortFile(dir_.Join("port"));
  ASSERT_GT(port, 0) << process.Stderr();
  auto stub = Connect(port);
  v1::ListTreatmentTypesResponse response;
  ASSERT_TRUE(stub->ListTreatmentTypes(Context().get(), {}, &response).ok()) << process.Stderr();
  ASSERT_THAT(response.treatment_types(), SizeIs(1));
  EXPECT_EQ(response.treatment_types(0).definition().id(), "microneedling");
  process.Signal(SIGINT);
  EXPECT_EQ(process.Wait(), 0);
  EXPECT_THAT(process.Stdout(), HasSubstr("listening on"));
  // One structured line per call, with the method and the outcome.
  EXPECT_THAT(process.Stderr(),
              HasSubstr("\"method\":\"/clinic.v1.TreatmentCatalog/ListTreatmentTypes\","
                        "\"principal\":\"staff/admin\",\"code\":\"OK\""));
  // Reflection is registered once: gRPC says nothing of a second
  // registration, and no other error either.
  EXPECT_THAT(process.Stderr(), Not(HasSubstr("duplicate registration")));
  EXPECT_THAT(process.Stderr(), Not(HasSubstr("\"level\":\"error\"")));
}

// The server programs link gRPC statically and OpenSSL from the system
// (docs/decisions/0018-static-server-programs.md): the program itself, not
// only the library the in-process TLS tests use, must serve TLS.
TEST_F(ClinicdProcessTest, ServesTlsFromItsConfig) {
  const std::string certificates =
      clinic::testing::MakeCertificates(dir_.path(), "client.clinic.internal");
  ASSERT_TRUE(certificates.empty()) << certificates;
  clinic::testing::CopyFile(clinic::testing::SourcePath("deploy/config/chain.textproto"),
                            dir_.Join("chain.textproto"));
  clinic::testing::WriteFile(
      dir_.Join("tls.textproto"),
      clinic::testing::ReadFile(clinic::testing::SourcePath("deploy/config/clinicd.textproto")) +
          "\ntls {\n  cert_file: \"" + dir_.Join("server.crt") + "\"\n  key_file: \"" +
          dir_.Join("server.key") + "\"\n}\n");
  Process server(Args(dir_.Join("tls.textproto")), dir_.path());
  const int port = WaitForPortFile(dir_.Join("port"));
  ASSERT_GT(port, 0) << server.Stderr();
  const std::string address = "--server=localhost:" + std::to_string(port);

  Process tls({clinic::testing::BinaryPath("clinicctl"), address, "--tls",
               "--tls_ca=" + dir_.Join("ca.crt"), "--token_file=" + token_file_, "whoami"},
              logs_.path());
  EXPECT_EQ(tls.Wait(), 0) << tls.Stderr();
  EXPECT_THAT(tls.Stdout(), HasSubstr("staff/admin"));

  // Plaintext to a TLS port gets no answer.
  Process plain(
      {clinic::testing::BinaryPath("clinicctl"), address, "--token_file=" + token_file_, "whoami"},
      logs_.path());
  EXPECT_EQ(plain.Wait(), 1);
  EXPECT_THAT(plain.Stderr(), HasSubstr("UNAVAILABLE"));
}

TEST_F(ClinicdProcessTest, ClinicctlTalksToARunningServer) {
  Process server(Args(clinic::testing::SourcePath("deploy/config/clinicd.textproto")), dir_.path());
  const int port = WaitForPortFile(dir_.Join("port"));
  ASSERT_GT(port, 0) << server.Stderr();
  const std::string address = "--server=127.0.0.1:" + std::to_string(port);
  clinic::testing::TempDir logs;
  {
    // Run from the folder holding data/, as after quickstart: clinicctl
    // finds the first admin's token there by itself.
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "treatment-types"}, logs.path(),
                dir_.path());
    EXPECT_EQ(ctl.Wait(), 0) << ctl.Stderr();
    EXPECT_THAT(ctl.Stdout(), HasSubstr("microneedling\t2.1.0\t"));
  }
  {
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "--token_file=" + token_file_,
                 "treatment-type", "microneedling"},
                logs.path());
    EXPECT_EQ(ctl.Wait(), 0) << ctl.Stderr();
    EXPECT_THAT(ctl.Stdout(), HasSubstr("isotretinoin_6_months"));
  }
  std::string version;  // whichever version of the bundled plugin is built
  {
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "--token_file=" + token_file_,
                 "definition-versions", "microneedling"},
                logs.path());
    EXPECT_EQ(ctl.Wait(), 0) << ctl.Stderr();
    const std::string out = ctl.Stdout();
    EXPECT_THAT(out, HasSubstr("\tloaded\t"));
    version = out.substr(0, out.find('\t'));
  }
  {
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "--token_file=" + token_file_,
                 "definition-version", "microneedling", version},
                logs.path());
    EXPECT_EQ(ctl.Wait(), 0) << ctl.Stderr();
    EXPECT_THAT(ctl.Stdout(),
                HasSubstr("name: \"treatmentTypes/microneedling/versions/" + version + "\""));
    EXPECT_THAT(ctl.Stdout(), HasSubstr("isotretinoin_6_months"));
    EXPECT_THAT(ctl.Stdout(), HasSubstr("currently_loaded: true"));
  }
  {
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "--token_file=" + token_file_,
                 "definition-version", "microneedling", "9.9.9"},
                logs.path());
    EXPECT_EQ(ctl.Wait(), 1);
    EXPECT_THAT(ctl.Stderr(), HasSubstr("NOT_FOUND"));
  }
  {
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "--token_file=" + token_file_,
                 "get-client", "nobody"},
                logs.path());
    EXPECT_EQ(ctl.Wait(), 1);
    EXPECT_THAT(ctl.Stderr(), HasSubstr("INVALID_ARGUMENT"));
    EXPECT_THAT(ctl.Stderr(), HasSubstr("  name: "));
  }
  {
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "no-such-command"},
                logs.path());
    EXPECT_EQ(ctl.Wait(), 2);
  }
  {
    // Without a token, nothing is served.
    Process ctl({clinic::testing::BinaryPath("clinicctl"), address, "--token_file=/dev/null",
                 "treatment-types"},
                logs.path());
    EXPECT_EQ(ctl.Wait(), 1);
    EXPECT_THAT(ctl.Stderr(), HasSubstr("UNAUTHENTICATED"));
  }
  {
    // The admin creates a front-desk principal and a token for it; the
    // front desk may look clients up but not reload plugins.
    const std::string token = "--token_file=" + token_file_;
    Process create({clinic::testing::BinaryPath("clinicctl"), address, token,
                    "--roles=front_desk@london-soho", "create-principal", "staff/ana"},
                   logs.path());
    ASSERT_EQ(create.Wait(), 0) << create.Stderr();
    Process issue({clinic::testing::BinaryPath("clinicctl"), address, token, "issue-token",
                   "staff/ana", "reception tablet"},
                  logs.path());
    ASSERT_EQ(issue.Wait(), 0) << issue.Stderr();
    // Read now: every run writes the same log files.
    const std::string first_secret = issue.Stdout();
    const std::string printed = issue.Stderr();
    // A run whose answer was lost is retried with the request_id it printed:
    // the same token gets a new secret, and the first one stops working.
    const size_t at = printed.find("request_id ");
    ASSERT_NE(at, std::string::npos) << printed;
    const std::string request_id = printed.substr(at + 11, printed.find('\n', at) - at - 11);
    Process retry({clinic::testing::BinaryPath("clinicctl"), address, token,
                   "--request_id=" + request_id, "issue-token", "staff/ana", "reception tablet"},
                  logs.path());
    ASSERT_EQ(retry.Wait(), 0) << retry.Stderr();
    const std::string secret = retry.Stdout();
    EXPECT_NE(secret, first_secret);
    clinic::testing::WriteFile(dir_.Join("lost.token"), first_secret);
    Process lost({clinic::testing::BinaryPath("clinicctl"), address,
                  "--token_file=" + dir_.Join("lost.token"), "whoami"},
                 logs.path());
    EXPECT_EQ(lost.Wait(), 1);
    EXPECT_THAT(lost.Stderr(), HasSubstr("UNAUTHENTICATED"));
    clinic::testing::WriteFile(dir_.Join("ana.token"), secret);
    const std::string ana = "--token_file=" + dir_.Join("ana.token");
    Process whoami({clinic::testing::BinaryPath("clinicctl"), address, ana, "whoami"}, logs.path());
    EXPECT_EQ(whoami.Wait(), 0) << whoami.Stderr();
    EXPECT_THAT(whoami.Stdout(), HasSubstr("principal: \"staff/ana\""));
    // The front desk hands clients the questionnaire.
    Process questionnaire(
        {clinic::testing::BinaryPath("clinicctl"), address, ana, "questionnaire", "microneedling"},
        logs.path());
    EXPECT_EQ(questionnaire.Wait(), 0) << questionnaire.Stderr();
    EXPECT_THAT(questionnaire.Stdout(), HasSubstr("definition_version: \"2.1.0\""));
    EXPECT_THAT(questionnaire.Stdout(), HasSubstr("id: \"active_skin_infection\""));
    Process reload({clinic::testing::BinaryPath("clinicctl"), address, ana, "reload-plugins"},
                   logs.path());
    EXPECT_EQ(reload.Wait(), 1);
    EXPECT_THAT(reload.Stderr(), HasSubstr("PERMISSION_DENIED"));
    Process events({clinic::testing::BinaryPath("clinicctl"), address, token, "--by=staff/ana",
                    "audit-events"},
                   logs.path());
    EXPECT_EQ(events.Wait(), 0) << events.Stderr();
    EXPECT_THAT(events.Stdout(), HasSubstr("/clinic.v1.TreatmentCatalog/ReloadPlugins"));
    Process verify({clinic::testing::BinaryPath("clinicctl"), address, token, "verify-audit"},
                   logs.path());
    EXPECT_EQ(verify.Wait(), 0) << verify.Stderr();
    EXPECT_THAT(verify.Stdout(), HasSubstr("intact: true"));
  }
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
}

TEST_F(ClinicdProcessTest, ReloadsPluginsOnSighupSentByItsPidFile) {
  const std::string pid_file = dir_.Join("data/clinicd.pid");
  std::vector<std::string> args =
      Args(clinic::testing::SourcePath("deploy/config/clinicd.textproto"));
  args.push_back("--pid_file=" + pid_file);
  Process process(args, dir_.path());
  const int port = WaitForPortFile(dir_.Join("port"));
  ASSERT_GT(port, 0) << process.Stderr();
  ASSERT_TRUE(WaitUntil([&] { return PidIn(pid_file) == process.pid(); }, std::chrono::seconds(10)))
      << process.Stderr();
  auto stub = Connect(port);
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha"),
                            plugins_.Join("test_alpha.so"));
  // As the guide tells authors: kill -HUP $(cat data/clinicd.pid).
  ASSERT_EQ(kill(PidIn(pid_file), SIGHUP), 0);
  const bool seen = WaitUntil(
      [&] {
        v1::GetTreatmentTypeRequest request;
        request.set_name("treatmentTypes/test_alpha");
        v1::TreatmentType type;
        return stub->GetTreatmentType(Context().get(), request, &type).ok();
      },
      std::chrono::seconds(10));
  EXPECT_TRUE(seen) << process.Stderr();
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
}

TEST_F(ClinicdProcessTest, NamesItsPidAndRemovesItsPidFileWhenItStops) {
  const std::string pid_file = dir_.Join("clinicd.pid");
  // Left by a server that is gone.
  clinic::testing::WriteFile(pid_file, "4194000\n");
  std::vector<std::string> args =
      Args(clinic::testing::SourcePath("deploy/config/clinicd.textproto"));
  args.push_back("--pid_file=" + pid_file);
  Process process(args, dir_.path());
  ASSERT_GT(WaitForPortFile(dir_.Join("port")), 0) << process.Stderr();
  ASSERT_TRUE(WaitUntil([&] { return PidIn(pid_file) == process.pid(); }, std::chrono::seconds(10)))
      << process.Stderr();
  EXPECT_EQ(clinic::testing::ReadFile(pid_file), std::to_string(process.pid()) + "\n");
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
  EXPECT_THAT(process.Stdout(), HasSubstr("pid " + std::to_string(process.pid()) + ")"));
  EXPECT_THAT(
      process.Stderr(),
      ContainsRegex("\"server started\".*\"pid\":" + std::to_string(process.pid()) + "[,}]"));
  EXPECT_THAT(process.Stderr(), Not(HasSubstr("pid_file named another running process")));
  EXPECT_NE(access(pid_file.c_str(), F_OK), 0) << "the pid file is still there";
}

TEST_F(ClinicdProcessTest, APidFileOfAnotherRunningProcessIsTakenOverAndLeftToItsNewOwner) {
  const std::string pid_file = dir_.Join("clinicd.pid");
  // This test's own process stands for another server started with the
  // same pid_file.
  clinic::testing::WriteFile(pid_file, std::to_string(getpid()) + "\n");
  std::vector<std::string> args =
      Args(clinic::testing::SourcePath("deploy/config/clinicd.textproto"));
  args.push_back("--pid_file=" + pid_file);
  Process process(args, dir_.path());
  ASSERT_GT(WaitForPortFile(dir_.Join("port")), 0) << process.Stderr();
  ASSERT_TRUE(WaitUntil([&] { return PidIn(pid_file) == process.pid(); }, std::chrono::seconds(10)))
      << process.Stderr();
  // Another server writes the file in its turn: stopping, this one leaves it.
  clinic::testing::WriteFile(pid_file, std::to_string(getpid()) + "\n");
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
  EXPECT_THAT(process.Stderr(), HasSubstr("pid_file named another running process"));
  EXPECT_EQ(PidIn(pid_file), getpid());
}

TEST_F(ClinicdProcessTest, ClinicctlSaysWhatAReloadDid) {
  Process server(Args(clinic::testing::SourcePath("deploy/config/clinicd.textproto")), dir_.path());
  const int port = WaitForPortFile(dir_.Join("port"));
  ASSERT_GT(port, 0) << server.Stderr();
  EXPECT_EQ(Clinicctl(port, {"plugin-problems"}), "no problems\n");

  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha"),
                            plugins_.Join("test_alpha.so"));
  EXPECT_EQ(Clinicctl(port, {"reload-plugins"}),
            "unchanged  microneedling 2.1.0 (microneedling.so)\n"
            "loaded     test_alpha 1.0.0 (test_alpha.so)\n");

  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_v2"),
                            plugins_.Join("test_alpha.so"));
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_invalid"),
                            plugins_.Join("test_invalid.so"));
  ASSERT_EQ(std::remove(plugins_.Join("microneedling.so").c_str()), 0);
  const std::string reload = Clinicctl(port, {"reload-plugins"});
  EXPECT_THAT(reload,
              HasSubstr("removed    microneedling 2.1.0 (was microneedling.so)\n"
                        "upgraded   test_alpha 1.0.0 -> 2.0.0 (test_alpha.so)\n"
                        "  patch: display_name: changed from \"Test alpha treatment\" to \"Test "
                        "alpha treatment, second edition\"\n"
                        "  major: cartridges[0] (face_12).needles: nano configuration removed: "
                        "cartridges that fitted no longer do\n"
                        "refused    test_invalid.so: validation (treatment type "
                        "test_invalid) at "));
  EXPECT_THAT(reload, HasSubstr("\n  - protocol.areas[0] (forehead).max_depth_um: 5000 um is "
                                "deeper than the 3000 um limit\n"));

  // Times in RFC 3339, each reason on a line of its own.
  const std::string problems = Clinicctl(port, {"plugin-problems"});
  EXPECT_THAT(problems, ContainsRegex("^test_invalid\\.so: validation \\(treatment type "
                                      "test_invalid\\) at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
                                      "[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z\n"));
  EXPECT_THAT(problems, HasSubstr("\n  - contraindications[0] (active_skin_infection).condition."
                                  "any_of.conditions[0].answer.question_id: refers to question "
                                  "'no_such_question'"));

  // What changed is kept with the version.
  EXPECT_EQ(Clinicctl(port, {"definition-changes", "test_alpha", "2.0.0"}),
            "test_alpha 2.0.0 after 1.0.0: 2 changes\n"
            "  patch: display_name: changed from \"Test alpha treatment\" to \"Test alpha "
            "treatment, second edition\"\n"
            "  major: cartridges[0] (face_12).needles: nano configuration removed: cartridges "
            "that fitted no longer do\n");
  EXPECT_EQ(Clinicctl(port, {"definition-changes", "test_alpha", "1.0.0"}),
            "test_alpha 1.0.0 was not compared with an earlier version (the first recorded)\n");
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
}

TEST_F(ClinicdProcessTest, SigtermLetsACallInFlightFinish) {
  // A plugin that hangs makes ReloadPlugins take the whole load timeout: a
  // real call that is still running when the signal arrives.
  clinic::testing::WriteFile(dir_.Join("slow.textproto"), R"(
chain {
  chain_id: "lumen"
  display_name: "Lumen Skin Clinics"
  sites { site_id: "london-soho" display_name: "Soho" time_zone: "Europe/London"
          currency_code: "GBP" tax_rate_basis_points: 2000 prices_include_tax: true }
}
plugins { load_timeout_ms: 2000 }
server { shutdown_grace_seconds: 20 }
)");
  Process process(Args(dir_.Join("slow.textproto")), dir_.path());
  const int port = WaitForPortFile(dir_.Join("port"));
  ASSERT_GT(port, 0) << process.Stderr();
  auto stub = Connect(port);
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_hang_on_load"),
                            plugins_.Join("test_hang_on_load.so"));

  grpc::Status reload_status;
  v1::ReloadPluginsResponse reload;
  std::thread caller([&] {
    reload_status = stub->ReloadPlugins(Context().get(), v1::ReloadPluginsRequest(), &reload);
  });
  // The reload is under way once clinicd has started the probe that loads
  // the hanging plugin (at rest it has no child process).
  ASSERT_TRUE(WaitUntil([&] { return clinic::testing::HasChildProcess(process.pid()); },
                        std::chrono::seconds(10)))
      << process.Stderr();
  process.Signal(SIGTERM);
  caller.join();
  EXPECT_TRUE(reload_status.ok()) << reload_status.error_message();
  ASSERT_THAT(reload.problems(), SizeIs(1));
  EXPECT_EQ(reload.problems(0).stage(), v1::PLUGIN_PROBLEM_STAGE_TIMEOUT);
  EXPECT_EQ(process.Wait(), 0);

  // Once drained the process is gone; new calls fail.
  v1::ListTreatmentTypesResponse response;
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(stub->ListTreatmentTypes(context.get(), {}, &response).ok());
}

}  // namespace
}  // namespace clinic
