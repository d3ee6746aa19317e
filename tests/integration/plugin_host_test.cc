// The plugin host against real plugin files: every bundled plugin loads, and
// every kind of broken plugin is refused with its reason while the others
// keep loading. Each test assembles its own plugin folder.
#include "common/plugins/plugin_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_env.h"

namespace clinic::plugins {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using v1::PluginProblem;
using v1::PluginProblemStage;

class PluginHostTest : public ::testing::Test {
 protected:
  PluginHostOptions Options(absl::Duration timeout = absl::Seconds(5)) {
    PluginHostOptions options;
    options.plugin_dir = dir_.path();
    options.probe_path = clinic::testing::ProbePath();
    options.load_timeout = timeout;
    return options;
  }
  void AddTestPlugin(const std::string& target) {
    clinic::testing::CopyFile(clinic::testing::TestPluginPath(target), dir_.Join(target + ".so"));
  }
  void AddBundled(const std::string& name) {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath(name),
                              dir_.Join("clinic_" + name + ".so"));
  }
  static std::vector<std::string> Ids(const CatalogSnapshot& snapshot) {
    std::vector<std::string> ids;
    for (const auto& type : snapshot.treatment_types()) ids.push_back(type.definition().id());
    return ids;
  }
  static const PluginProblem* ProblemFor(const CatalogSnapshot& snapshot, const std::string& file) {
    for (const auto& problem : snapshot.problems()) {
      if (problem.file_name() == file) return &problem;
    }
    return nullptr;
  }

  clinic::testing::TempDir dir_;
};

TEST_F(PluginHostTest, LoadsTheBundledPlugins) {
  AddBundled("microneedling");
  AddBundled("rf_microneedling");
  AddBundled("prp_microneedling");
  PluginHost host(Options());
  const auto snapshot = host.Reload();
  for (const auto& problem : snapshot->problems()) {
    ADD_FAILURE() << problem.file_name() << ": " << problem.DebugString();
  }
  EXPECT_THAT(Ids(*snapshot),
              ElementsAre("microneedling", "prp_microneedling", "rf_microneedling"));
  const v1::TreatmentType* type = snapshot->Find("microneedling");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->name(), "treatmentTypes/microneedling");
  EXPECT_EQ(type->source().file_name(), "clinic_microneedling.so");
  EXPECT_THAT(type->source().sha256(), SizeIs(64));
  EXPECT_EQ(type->source().abi_version(), 1u);
  EXPECT_GT(type->definition().protocol().areas_size(), 5);
  EXPECT_EQ(host.Current(), snapshot);
}

TEST_F(PluginHostTest, EmptySnapshotBeforeFirstReload) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options());
  EXPECT_TRUE(host.Current()->treatment_types().empty());
  EXPECT_TRUE(host.Current()->problems().empty());
}

struct BadPluginCase {
  std::string target;
  PluginProblemStage stage;
  std::string reason_fragment;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BadPluginCase& c, std::ostream* os) { *os << c.target; }

class BadPluginTest : public PluginHostTest, public ::testing::WithParamInterface<BadPluginCase> {};

TEST_P(BadPluginTest, IsRefusedWithItsReasonWhileTheOthersLoad) {
  const BadPluginCase& c = GetParam();
  AddTestPlugin("test_alpha");
  AddTestPlugin(c.target);
  AddTestPlugin("test_beta");
  PluginHost host(Options(absl::Seconds(2)));
  const auto snapshot = host.Reload();
  EXPECT_THAT(Ids(*snapshot), ElementsAre("test_alpha", "test_beta"));
  ASSERT_THAT(snapshot->problems(), SizeIs(1));
  const PluginProblem& problem = snapshot->problems()[0];
  EXPECT_EQ(problem.file_name(), c.target + ".so");
  EXPECT_EQ(problem.stage(), c.stage) << problem.DebugString();
  ASSERT_FALSE(problem.reasons().empty());
  EXPECT_THAT(problem.reasons(0), HasSubstr(c.reason_fragment)) << problem.DebugString();
  EXPECT_TRUE(problem.has_detected_at());
}

INSTANTIATE_TEST_SUITE_P(
    EveryWayToBeWrong, BadPluginTest,
    ::testing::Values(
        BadPluginCase{"test_bad_abi", v1::PLUGIN_PROBLEM_STAGE_ABI, "plugin ABI version 999"},
        BadPluginCase{"test_no_symbol", v1::PLUGIN_PROBLEM_STAGE_SYMBOL,
                      "does not export the entry symbol 'clinic_treatment_plugin'"},
        BadPluginCase{"test_garbage_bytes", v1::PLUGIN_PROBLEM_STAGE_DECODE,
                      "not a serialized clinic.v1.TreatmentDefinition"},
        BadPluginCase{"test_crash_on_load", v1::PLUGIN_PROBLEM_STAGE_CRASH,
                      "crashed while loading (signal 11"},
        BadPluginCase{"test_hang_on_load", v1::PLUGIN_PROBLEM_STAGE_TIMEOUT,
                      "did not finish loading within 2s"},
        BadPluginCase{"test_definition_fails", v1::PLUGIN_PROBLEM_STAGE_DECODE,
                      "get_definition reported failure (returned 7)"},
        BadPluginCase{"test_unknown_field", v1::PLUGIN_PROBLEM_STAGE_DECODE,
                      "field number 999 is unknown to this host"},
        BadPluginCase{"test_invalid", v1::PLUGIN_PROBLEM_STAGE_VALIDATION, "max_depth_um"},
        BadPluginCase{"test_cpp_throws", v1::PLUGIN_PROBLEM_STAGE_DECODE,
                      "get_definition reported failure (returned 1)"},
        BadPluginCase{"test_links_clinic_protos", v1::PLUGIN_PROBLEM_STAGE_CRASH,
                      "File already exists in database"}),
    [](const ::testing::TestParamInfo<BadPluginCase>& param_info) { return param_info.param.target; });

TEST_F(PluginHostTest, PluginWrittenWithTheCppHelperLoads) {
  AddTestPlugin("test_cpp_helper");
  PluginHost host(Options());
  const auto snapshot = host.Reload();
  EXPECT_TRUE(snapshot->problems().empty());
  EXPECT_THAT(Ids(*snapshot), ElementsAre("test_beta"));
}

TEST_F(PluginHostTest, InvalidDefinitionListsEveryProblem) {
  AddTestPlugin("test_invalid");
  PluginHost host(Options());
  const auto snapshot = host.Reload();
  const PluginProblem* problem = ProblemFor(*snapshot, "test_invalid.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->treatment_type_id(), "test_invalid");
  std::string all;
  for (const auto& reason : problem->reasons()) all += reason + "\n";
  EXPECT_THAT(all,
              AllOf(HasSubstr("protocol.areas[0].max_depth_um"), HasSubstr("no_such_question")));
}

TEST_F(PluginHostTest, NotASharedLibraryIsRefused) {
  clinic::testing::WriteFile(dir_.Join("notes.so"), "these are not the plugins you seek\n");
  AddTestPlugin("test_alpha");
  PluginHost host(Options());
  const auto snapshot = host.Reload();
  EXPECT_THAT(Ids(*snapshot), ElementsAre("test_alpha"));
  const PluginProblem* problem = ProblemFor(*snapshot, "notes.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->stage(), v1::PLUGIN_PROBLEM_STAGE_OPEN);
  EXPECT_THAT(problem->reasons(0), HasSubstr("cannot be opened as a shared library"));
}

TEST_F(PluginHostTest, DuplicateIdKeepsTheFirstFileByName) {
  AddTestPlugin("test_alpha");
  AddTestPlugin("test_alpha_duplicate");
  PluginHost host(Options());
  const auto snapshot = host.Reload();
  EXPECT_THAT(Ids(*snapshot), ElementsAre("test_alpha"));
  EXPECT_EQ(snapshot->Find("test_alpha")->source().file_name(), "test_alpha.so");
  const PluginProblem* problem = ProblemFor(*snapshot, "test_alpha_duplicate.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->stage(), v1::PLUGIN_PROBLEM_STAGE_DUPLICATE);
  EXPECT_EQ(problem->treatment_type_id(), "test_alpha");
  EXPECT_THAT(problem->reasons(0), HasSubstr("which test_alpha.so already provides"));
}

TEST_F(PluginHostTest, IgnoresFilesThatAreNotPlugins) {
  AddTestPlugin("test_alpha");
  clinic::testing::WriteFile(dir_.Join("README.txt"), "not a plugin");
  clinic::testing::WriteFile(dir_.Join(".hidden.so"), "editor swap file");
  PluginHost host(Options());
  const auto snapshot = host.Reload();
  EXPECT_THAT(Ids(*snapshot), ElementsAre("test_alpha"));
  EXPECT_TRUE(snapshot->problems().empty());
}

TEST_F(PluginHostTest, MissingFolderIsAProblemNotACrash) {
  PluginHostOptions options = Options();
  options.plugin_dir = dir_.Join("does-not-exist");
  PluginHost host(options);
  const auto snapshot = host.Reload();
  EXPECT_TRUE(snapshot->treatment_types().empty());
  ASSERT_THAT(snapshot->problems(), SizeIs(1));
  EXPECT_THAT(snapshot->problems()[0].reasons(0), HasSubstr("cannot be read"));
}

TEST_F(PluginHostTest, ReloadPicksUpAnUpgradeInPlaceAndKeepsOldSnapshotsUsable) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options());
  const auto first = host.Reload();
  ASSERT_NE(first->Find("test_alpha"), nullptr);
  EXPECT_EQ(first->Find("test_alpha")->definition().version(), "1.0.0");

  // Same file name, new contents: what an operator does when upgrading.
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_v2"),
                            dir_.Join("test_alpha.so"));
  AddTestPlugin("test_beta");
  const auto second = host.Reload();
  ASSERT_NE(second->Find("test_alpha"), nullptr);
  EXPECT_EQ(second->Find("test_alpha")->definition().version(), "2.0.0");
  EXPECT_NE(second->Find("test_beta"), nullptr);
  EXPECT_NE(first->Find("test_alpha")->source().sha256(),
            second->Find("test_alpha")->source().sha256());
  // A reader holding the old snapshot still sees the old definition.
  EXPECT_EQ(first->Find("test_alpha")->definition().version(), "1.0.0");
  EXPECT_EQ(first->Find("test_beta"), nullptr);
}

TEST_F(PluginHostTest, ReloadDropsRemovedPlugins) {
  AddTestPlugin("test_alpha");
  AddTestPlugin("test_beta");
  PluginHost host(Options());
  EXPECT_THAT(Ids(*host.Reload()), ElementsAre("test_alpha", "test_beta"));
  ASSERT_EQ(unlink(dir_.Join("test_beta.so").c_str()), 0);
  EXPECT_THAT(Ids(*host.Reload()), ElementsAre("test_alpha"));
}

TEST_F(PluginHostTest, MissingProbeRefusesPluginsInsteadOfTrustingThem) {
  AddTestPlugin("test_alpha");
  PluginHostOptions options = Options();
  options.probe_path = dir_.Join("no-such-probe");
  PluginHost host(options);
  const auto snapshot = host.Reload();
  EXPECT_TRUE(snapshot->treatment_types().empty());
  ASSERT_THAT(snapshot->problems(), SizeIs(1));
  EXPECT_THAT(snapshot->problems()[0].reasons(0), HasSubstr("could not start the plugin probe"));
}

}  // namespace
}  // namespace clinic::plugins
