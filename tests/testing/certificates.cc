#include "tests/testing/certificates.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/test_env.h"

extern char** environ;

namespace clinic::testing {
namespace {

// One file for every openssl step, so nothing depends on the machine's own
// openssl.cnf (its defaults differ between distributions).
constexpr char kOpensslConfig[] = R"(
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1

[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
)";

// Runs openssl with `args` in `dir`, appending its output to dir/openssl.log.
// Returns an empty string on success, otherwise what went wrong.
std::string RunOpenssl(const std::string& dir, const std::vector<std::string>& args) {
  const std::string log = dir + "/openssl.log";
  std::vector<std::string> command = {"openssl"};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(command.size() + 1);
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, "openssl", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == ENOENT) {
    return "the openssl program is not installed (not found on PATH); these tests make their "
           "certificates with it. Run deploy/install-deps.sh, which installs it.";
  }
  if (spawned != 0) return std::string("cannot run openssl: ") + std::strerror(spawned);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string joined;
    for (const std::string& arg : command) joined += arg + " ";
    return "failed: " + joined + "\n" + ReadFile(log);
  }
  return "";
}

}  // namespace

std::string MakeCertificates(const std::string& dir, const std::string& client_name) {
  WriteFile(dir + "/openssl.cnf", kOpensslConfig);
  const std::vector<std::string> ec_key = {"-newkey", "ec", "-pkeyopt",
                                           "ec_paramgen_curve:prime256v1", "-nodes"};
  auto request = [&](const std::vector<std::string>& head, const std::string& name,
                     const std::string& common_name) {
    std::vector<std::string> args = head;
    args.insert(args.end(), ec_key.begin(), ec_key.end());
    args.insert(args.end(), {"-config", "openssl.cnf", "-subj", "/CN=" + common_name, "-keyout",
                             name + ".key"});
    return args;
  };
  auto sign = [&](const std::string& name, const std::string& extensions) {
    return RunOpenssl(dir, {"x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey",
                            "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "openssl.cnf",
                            "-extensions", extensions, "-out", name + ".crt"});
  };

  std::vector<std::string> ca =
      request({"req", "-x509", "-new", "-days", "2"}, "ca", "Clinic Test CA");
  ca.insert(ca.end(), {"-extensions", "ca", "-out", "ca.crt"});
  if (std::string error = RunOpenssl(dir, ca); !error.empty()) return error;

  const std::vector<std::pair<std::string, std::string>> signed_by_ca = {
      {"server", "localhost"}, {"client", client_name}, {"stranger", "stranger.clinic.internal"}};
  for (const auto& [name, common_name] : signed_by_ca) {
    std::vector<std::string> csr = request({"req", "-new"}, name, common_name);
    csr.insert(csr.end(), {"-out", name + ".csr"});
    if (std::string error = RunOpenssl(dir, csr); !error.empty()) return error;
    if (std::string error = sign(name, name == "server" ? "server" : "client"); !error.empty()) {
      return error;
    }
  }

  std::vector<std::string> rogue =
      request({"req", "-x509", "-new", "-days", "2"}, "rogue", client_name);
  rogue.insert(rogue.end(), {"-extensions", "client", "-out", "rogue.crt"});
  return RunOpenssl(dir, rogue);
}

}  // namespace clinic::testing
