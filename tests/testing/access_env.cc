#include "tests/testing/access_env.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "common/auth/access_store.h"
#include "tests/testing/test_env.h"

namespace clinic::testing {

v1::RoleBinding Binding(v1::Role role, const std::string& site_id) {
  v1::RoleBinding binding;
  binding.set_role(role);
  binding.set_site_id(site_id);
  return binding;
}

std::string IssueTestToken(const std::string& data_dir, const std::string& principal,
                           const std::vector<v1::RoleBinding>& roles) {
  auto store = auth::AccessStore::Open(data_dir + "/access.db");
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return "";
  auto existing = (*store)->GetPrincipal(principal);
  if (!existing.ok()) {
    v1::Principal created;
    created.set_name(principal);
    for (const v1::RoleBinding& binding : roles) *created.add_roles() = binding;
    auto stored = (*store)->CreatePrincipal(created, absl::Now());
    EXPECT_TRUE(stored.ok()) << stored.status();
  }
  auto issued = (*store)->Issue(principal, "test", absl::ZeroDuration(), absl::Now());
  EXPECT_TRUE(issued.ok()) << issued.status();
  return issued.ok() ? issued->secret : "";
}

config::v1::ServerConfig LoopbackConfig(const std::string& data_dir,
                                        const std::string& plugin_dir) {
  config::v1::ServerConfig config;
  config.set_listen_address("127.0.0.1:0");
  config.set_data_dir(data_dir);
  config.set_plugin_dir(plugin_dir);
  config.mutable_plugins()->set_probe_path(ProbePath());
  return config;
}

v1::Site* AddLondonSite(config::v1::ServerConfig& config, const std::string& site_id) {
  config.mutable_chain()->set_chain_id("lumen");
  config.mutable_chain()->set_display_name("Lumen Skin Clinics");
  v1::Site* site = config.mutable_chain()->add_sites();
  site->set_site_id(site_id);
  site->set_display_name("Lumen Skin - Soho");
  site->set_time_zone("Europe/London");
  site->set_currency_code("GBP");
  return site;
}

void AddToken(grpc::ClientContext& context, const std::string& secret) {
  context.AddMetadata("authorization", "Bearer " + secret);
}

}  // namespace clinic::testing
