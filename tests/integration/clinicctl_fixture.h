// What the clinicctl process tests share: clinicctl run once per step as a
// shell script runs it, its exit status and output, and a real clinicd
// started from the sample config (two sites, the bundled microneedling
// plugin) whose first admin makes the principals each test acts as, with
// clinicctl itself.
#ifndef CLINIC_TESTS_INTEGRATION_CLINICCTL_FIXTURE_H_
#define CLINIC_TESTS_INTEGRATION_CLINICCTL_FIXTURE_H_

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic::testing {

struct Ran {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs clinicctl with `args` (stdin from `stdin_path`, when given) and waits
// for it.
inline Ran Clinicctl(const std::vector<std::string>& args, const std::string& stdin_path = "") {
  std::vector<std::string> argv = {BinaryPath("clinicctl")};
  argv.insert(argv.end(), args.begin(), args.end());
  TempDir logs;
  Process process(argv, logs.path(), "", stdin_path);
  Ran ran;
  ran.code = process.Wait();
  ran.out = process.Stdout();
  ran.err = process.Stderr();
  return ran;
}

inline std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// The text-format response a command printed.
template <typename Message>
Message Printed(const Ran& ran) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(ran.out, &message))
      << ran.out << ran.err;
  return message;
}

class ClinicctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyFile(BundledPluginPath("microneedling"), plugins_.Join("microneedling.so"));
    server_ = std::make_unique<Process>(
        std::vector<std::string>{
            BinaryPath("clinicd"), "--config=" + SourcePath("deploy/config/clinicd.textproto"),
            "--listen=127.0.0.1:0", "--data_dir=" + dir_.Join("data"),
            "--plugin_dir=" + plugins_.path(), "--port_file=" + dir_.Join("port"),
            "--bootstrap_admin_token=" + dir_.Join("data/admin.token")},
        dir_.path());
    port_ = WaitForPortFile(dir_.Join("port"));
    ASSERT_GT(port_, 0) << server_->Stderr();
    address_ = absl::StrCat("--server=127.0.0.1:", port_);
    admin_ = dir_.Join("data/admin.token");
  }

  void TearDown() override {
    if (server_ == nullptr) return;
    server_->Signal(SIGTERM);
    EXPECT_EQ(server_->Wait(), 0);
  }

  // Makes a principal with clinicctl, as the first admin, and returns the
  // file holding its token.
  std::string Principal(const std::string& name, const std::string& roles) {
    const Ran created = Run(admin_, {"--roles=" + roles, "create-principal", name});
    EXPECT_EQ(created.code, 0) << created.err;
    const Ran issued = Run(admin_, {"issue-token", name, "clinicctl test"});
    EXPECT_EQ(issued.code, 0) << issued.err;
    const std::string file = dir_.Join(name.substr(name.find('/') + 1) + ".token");
    WriteFile(file, issued.out);
    return file;
  }

  Ran Run(const std::string& token_file, std::vector<std::string> args,
          const std::string& stdin_path = "") {
    args.insert(args.begin(), {address_, "--token_file=" + token_file});
    return Clinicctl(args, stdin_path);
  }

  TempDir dir_;
  TempDir plugins_;
  std::unique_ptr<Process> server_;
  int port_ = 0;
  std::string address_, admin_;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_CLINICCTL_FIXTURE_H_
