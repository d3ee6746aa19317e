// Principals and tokens for tests: written straight into a server's access
// database (data_dir/access.db), as an operator's first admin would be, so
// tests can call a real server with real tokens.
#ifndef CLINIC_TESTS_TESTING_ACCESS_ENV_H_
#define CLINIC_TESTS_TESTING_ACCESS_ENV_H_

#include <grpcpp/client_context.h>

#include <string>
#include <vector>

#include "clinic/config/v1/server_config.pb.h"
#include "clinic/v1/access.pb.h"

namespace clinic::testing {

v1::RoleBinding Binding(v1::Role role, const std::string& site_id = "");

// Creates `principal` with `roles` in the access database of `data_dir`
// (creating the database if needed) and returns a new token's secret.
// Aborts the test on failure.
std::string IssueTestToken(const std::string& data_dir, const std::string& principal,
                           const std::vector<v1::RoleBinding>& roles);

// The config of a test server: listening on a loopback port chosen by the
// system (read it back with Server::port()), data and plugins in the given
// folders, the built plugin probe, and no sites (add them).
config::v1::ServerConfig LoopbackConfig(const std::string& data_dir, const std::string& plugin_dir);

// Makes `config`'s chain the demo chain "lumen" and adds a London site with
// `site_id` (Europe/London, GBP), which it returns for more settings. For
// the process tests, whose programs read the config from a file.
v1::Site* AddLondonSite(config::v1::ServerConfig& config, const std::string& site_id);

// Adds "authorization: Bearer <secret>".
void AddToken(grpc::ClientContext& context, const std::string& secret);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_ACCESS_ENV_H_
