// The plugin host against real plugin files: every bundled plugin loads,
// every kind of broken plugin is refused with its reason while the others
// keep loading, and with a definition history every accepted version is
// recorded and a reused version with other content refused. A plugin that
// declares needle configurations in the older text form loads and is served
// with typed needles, also against a history an older host wrote. Each test
// assembles its own plugin folder.
#include "common/plugins/plugin_host.h"

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "common/core/hash.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/test_env.h"

namespace clinic::plugins {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
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
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath(name), dir_.Join(name + ".so"));
  }
  // "<id> <KIND> <previous> -> <version> <file>" for each change.
  static std::vector<std::string> Changes(const CatalogSnapshot& snapshot) {
    std::vector<std::string> out;
    for (const auto& change : snapshot.changes()) {
      std::string kind = v1::TreatmentTypeChangeKind_Name(change.kind());
      kind = kind.substr(std::string("TREATMENT_TYPE_CHANGE_KIND_").size());
      out.push_back(change.treatment_type_id() + " " + kind + " " + change.previous_version() +
                    " -> " + change.version() + " " + change.file_name());
    }
    return out;
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

  StagingDir staging_;

  // The definition history in a folder of its own, opened afresh as a new
  // process would.
  std::unique_ptr<DefinitionHistory> History() {
    auto history = DefinitionHistory::Open(history_dir_.Join("catalog.db"));
    EXPECT_TRUE(history.ok()) << history.status();
    return history.ok() ? std::move(*history) : nullptr;
  }
  // test_alpha with other content under its version 1.0.0, as `file`.
  void AddChangedAlpha(const std::string& file = "test_alpha.so") {
    clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_changed"),
                              dir_.Join(file));
  }
  static std::string Rationale(const v1::TreatmentDefinition& definition) {
    return definition.contraindications(0).rationale();
  }

  clinic::testing::TempDir dir_;
  clinic::testing::TempDir history_dir_;
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
  EXPECT_EQ(type->source().file_name(), "microneedling.so");
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
    [](const ::testing::TestParamInfo<BadPluginCase>& param_info) {
      return param_info.param.target;
    });

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
  // Each field names the listed elements on its path by index and id.
  EXPECT_THAT(all, AllOf(HasSubstr("protocol.areas[0] (forehead).max_depth_um: 5000 um is deeper "
                                   "than the 3000 um limit\n"),
                         HasSubstr("contraindications[0] (active_skin_infection).condition.any_of."
                                   "conditions[0].answer.question_id: refers to question "
                                   "'no_such_question'")));
}

TEST_F(PluginHostTest, AcceptsAPluginWithWarningsAndSaysWhatTheyAre) {
  AddTestPlugin("test_alpha");
  const PluginFileResult clean =
      LoadPluginFile(dir_.Join("test_alpha.so"), staging_.path(), Options());
  ASSERT_TRUE(clean.accepted);
  EXPECT_THAT(clean.warnings, IsEmpty());
  AddTestPlugin("test_warnings");
  const PluginFileResult warned =
      LoadPluginFile(dir_.Join("test_warnings.so"), staging_.path(), Options());
  ASSERT_TRUE(warned.accepted) << warned.problem.DebugString();
  EXPECT_THAT(warned.warnings,
              ElementsAre(HasSubstr("contraindications[0] (active_skin_infection).guidance: is "
                                    "empty on a relative rule")));
  PluginHost host(Options());
  EXPECT_THAT(Ids(*host.Reload()), ElementsAre("test_alpha", "test_warnings"));
}

TEST_F(PluginHostTest, EachReloadSaysWhatItChanged) {
  AddTestPlugin("test_alpha");
  AddTestPlugin("test_beta");
  PluginHost host(Options());
  EXPECT_THAT(host.Current()->changes(), IsEmpty());
  EXPECT_THAT(Changes(*host.Reload()), ElementsAre("test_alpha ADDED  -> 1.0.0 test_alpha.so",
                                                   "test_beta ADDED  -> 1.0.0 test_beta.so"));
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_v2"),
                            dir_.Join("test_alpha.so"));
  ASSERT_EQ(unlink(dir_.Join("test_beta.so").c_str()), 0);
  EXPECT_THAT(Changes(*host.Reload()),
              ElementsAre("test_alpha UPGRADED 1.0.0 -> 2.0.0 test_alpha.so",
                          "test_beta REMOVED 1.0.0 ->  test_beta.so"));
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha"),
                            dir_.Join("test_alpha.so"));
  EXPECT_THAT(Changes(*host.Reload()),
              ElementsAre("test_alpha DOWNGRADED 2.0.0 -> 1.0.0 test_alpha.so"));
  EXPECT_THAT(Changes(*host.Reload()),
              ElementsAre("test_alpha UNCHANGED 1.0.0 -> 1.0.0 test_alpha.so"));
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
  // The loader's message names the file in the plugin folder, not the
  // private copy that was opened.
  EXPECT_THAT(problem->reasons(0), HasSubstr(dir_.Join("notes.so")));
  EXPECT_THAT(problem->reasons(0), Not(HasSubstr("clinic-plugins-")));
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

// A file whose exact bytes the history has seen accepted loads without the
// probe, as every plugin does on a restart; a file the history has not seen
// is still probed, and refused when the probe cannot run.
TEST_F(PluginHostTest, FilesTheHistoryAcceptedLoadWithoutTheProbe) {
  AddTestPlugin("test_alpha");
  {
    PluginHost first(Options(), History());
    ASSERT_THAT(Ids(*first.Reload()), ElementsAre("test_alpha"));
  }
  AddTestPlugin("test_beta");
  PluginHostOptions options = Options();
  options.probe_path = dir_.Join("no-such-probe");
  PluginHost host(options, History());
  const auto snapshot = host.Reload();
  EXPECT_THAT(Ids(*snapshot), ElementsAre("test_alpha"));
  const PluginProblem* beta = ProblemFor(*snapshot, "test_beta.so");
  ASSERT_NE(beta, nullptr);
  EXPECT_THAT(beta->reasons(0), HasSubstr("could not start the plugin probe"));
  // Without a history nothing is known to have loaded.
  PluginHost without(options);
  EXPECT_THAT(Ids(*without.Reload()), IsEmpty());
}

// The definition history: what a reload accepts is recorded, a version
// always means the content it was first accepted with, and past versions
// stay readable.

TEST_F(PluginHostTest, ReloadingIdenticalPluginsIsAcceptedAndRecordedOnce) {
  AddTestPlugin("test_alpha");
  AddTestPlugin("test_beta");
  PluginHost host(Options(), History());
  const auto first = host.Reload();
  EXPECT_TRUE(first->problems().empty());
  auto recorded = host.VersionAt("test_alpha", "1.0.0");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  // Rebuilt under another file name, the same definition is still the same
  // version.
  ASSERT_EQ(rename(dir_.Join("test_alpha.so").c_str(), dir_.Join("alpha_rebuilt.so").c_str()), 0);
  const auto second = host.Reload();
  for (const auto& problem : second->problems()) ADD_FAILURE() << problem.DebugString();
  EXPECT_THAT(Ids(*second), ElementsAre("test_alpha", "test_beta"));
  auto versions = host.VersionsOf("test_alpha");
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_THAT(*versions, ElementsAre("1.0.0"));
  auto again = host.VersionAt("test_alpha", "1.0.0");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->first_loaded, recorded->first_loaded);
  EXPECT_GE(again->last_loaded, recorded->last_loaded);
  EXPECT_EQ(again->file_name, "test_alpha.so");
  EXPECT_EQ(again->definition_sha256, recorded->definition_sha256);
}

TEST_F(PluginHostTest, ChangedContentUnderTheSameVersionIsRefusedAndTheOldOneKeepsServing) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options(), History());
  const auto first = host.Reload();
  ASSERT_NE(first->Find("test_alpha"), nullptr);
  const std::string original = Rationale(first->Find("test_alpha")->definition());

  AddChangedAlpha();
  AddTestPlugin("test_beta");
  const auto second = host.Reload();
  const PluginProblem* problem = ProblemFor(*second, "test_alpha.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->stage(), v1::PLUGIN_PROBLEM_STAGE_VERSION_REUSED);
  EXPECT_EQ(problem->treatment_type_id(), "test_alpha");
  ASSERT_THAT(problem->reasons(), SizeIs(2));
  EXPECT_THAT(problem->reasons(0),
              AllOf(HasSubstr("version: treatment type 'test_alpha' version 1.0.0 was already "
                              "loaded with other content"),
                    HasSubstr("raise the version")));
  EXPECT_THAT(problem->reasons(1), HasSubstr("still served at version 1.0.0"));
  // The version loaded before keeps serving, from the copy staged then.
  EXPECT_THAT(Ids(*second), ElementsAre("test_alpha", "test_beta"));
  EXPECT_EQ(Rationale(second->Find("test_alpha")->definition()), original);
  EXPECT_EQ(second->Find("test_alpha")->source().sha256(),
            first->Find("test_alpha")->source().sha256());
  auto at = host.DefinitionAt("test_alpha", "1.0.0");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(Rationale(*at), original);
  auto versions = host.VersionsOf("test_alpha");
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, ElementsAre("1.0.0"));
}

TEST_F(PluginHostTest, ChangedContentUnderTheSameVersionIsRefusedAfterARestart) {
  AddTestPlugin("test_alpha");
  std::string original;
  {
    PluginHost host(Options(), History());
    const auto snapshot = host.Reload();
    ASSERT_NE(snapshot->Find("test_alpha"), nullptr);
    original = Rationale(snapshot->Find("test_alpha")->definition());
  }
  AddChangedAlpha();
  PluginHost restarted(Options(), History());
  const auto snapshot = restarted.Reload();
  // Nothing was loaded before in this process, so nothing keeps serving.
  EXPECT_TRUE(snapshot->treatment_types().empty());
  const PluginProblem* problem = ProblemFor(*snapshot, "test_alpha.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->stage(), v1::PLUGIN_PROBLEM_STAGE_VERSION_REUSED);
  EXPECT_THAT(problem->reasons(), SizeIs(1));
  // The recorded definition is still there for records made with it.
  auto at = restarted.DefinitionAt("test_alpha", "1.0.0");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(Rationale(*at), original);
}

TEST_F(PluginHostTest, ANarrowedDepthUnderAMinorVersionIsRefusedAndTheOldOneKeepsServing) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options(), History());
  const auto first = host.Reload();
  ASSERT_NE(first->Find("test_alpha"), nullptr);

  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_narrowed"),
                            dir_.Join("test_alpha.so"));
  const auto refused = host.Reload();
  const PluginProblem* problem = ProblemFor(*refused, "test_alpha.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->stage(), v1::PLUGIN_PROBLEM_STAGE_VERSION_STEP);
  EXPECT_EQ(problem->treatment_type_id(), "test_alpha");
  ASSERT_THAT(problem->reasons(), SizeIs(3));
  EXPECT_EQ(problem->reasons(0),
            "version: version 1.1.0 after 1.0.0 raises the minor number, but 1 change needs a new "
            "major version: use 2.0.0 or higher: protocol.areas[0] (forehead).max_depth_um: "
            "lowered from 500 um to 400 um: the depth range is narrower");
  EXPECT_THAT(problem->reasons(1), HasSubstr("clinic-plugin-check --previous"));
  EXPECT_THAT(problem->reasons(2), HasSubstr("still served at version 1.0.0"));
  // The running catalog is as it was, and the history holds 1.0.0 alone.
  ASSERT_NE(refused->Find("test_alpha"), nullptr);
  EXPECT_EQ(refused->Find("test_alpha")->definition().version(), "1.0.0");
  EXPECT_EQ(refused->Find("test_alpha")->definition().protocol().areas(0).max_depth_um(), 500);
  EXPECT_THAT(Changes(*refused), ElementsAre("test_alpha UNCHANGED 1.0.0 -> 1.0.0 test_alpha.so"));
  auto versions = host.VersionsOf("test_alpha");
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, ElementsAre("1.0.0"));

  // What a minor version may bring is accepted, and what changed is kept
  // in the history and told by the reload.
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_minor"),
                            dir_.Join("test_alpha.so"));
  const auto upgraded = host.Reload();
  EXPECT_THAT(upgraded->problems(), IsEmpty());
  ASSERT_THAT(upgraded->changes(), SizeIs(1));
  std::vector<std::string> told;
  for (const auto& change : upgraded->changes()[0].changes()) {
    told.push_back(v1::VersionImpact_Name(change.impact()) + " " + change.field() + ": " +
                   change.description());
  }
  EXPECT_THAT(told,
              ElementsAre("VERSION_IMPACT_MINOR indications[1] (fine_lines): indication added",
                          "VERSION_IMPACT_MINOR protocol.areas[0] (forehead).min_depth_um: "
                          "lowered from 250 um to 200 um: the depth range is wider",
                          "VERSION_IMPACT_PATCH protocol.aftercare[0] (no_makeup).text: "
                          "changed from \"No make-up for 24 hours.\" to \"No make-up for a "
                          "day.\""));
  auto recorded = host.VersionAt("test_alpha", "1.1.0");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->previous_version, "1.0.0");
  ASSERT_EQ(recorded->changes.size(), 3u);
  EXPECT_EQ(recorded->changes[1].DebugString(), upgraded->changes()[0].changes(1).DebugString());
}

TEST_F(PluginHostTest, ARefusedFileDoesNotTakeTheIdFromAFileThatDeclaresItRightly) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options(), History());
  ASSERT_TRUE(host.Reload()->problems().empty());
  ASSERT_EQ(unlink(dir_.Join("test_alpha.so").c_str()), 0);
  // Loaded in name order: the changed file first.
  AddChangedAlpha("a_changed.so");
  AddTestPlugin("test_alpha");
  const auto snapshot = host.Reload();
  ASSERT_THAT(snapshot->problems(), SizeIs(1));
  EXPECT_EQ(snapshot->problems()[0].file_name(), "a_changed.so");
  EXPECT_EQ(snapshot->problems()[0].stage(), v1::PLUGIN_PROBLEM_STAGE_VERSION_REUSED);
  ASSERT_NE(snapshot->Find("test_alpha"), nullptr);
  EXPECT_EQ(snapshot->Find("test_alpha")->source().file_name(), "test_alpha.so");
}

TEST_F(PluginHostTest, ANewVersionIsAcceptedAndEveryVersionStaysReadable) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options(), History());
  ASSERT_TRUE(host.Reload()->problems().empty());
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_v2"),
                            dir_.Join("test_alpha.so"));
  const auto upgraded = host.Reload();
  EXPECT_TRUE(upgraded->problems().empty());
  ASSERT_NE(upgraded->Find("test_alpha"), nullptr);
  EXPECT_EQ(upgraded->Find("test_alpha")->definition().version(), "2.0.0");

  auto versions = host.VersionsOf("test_alpha");
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_THAT(*versions, ElementsAre("2.0.0", "1.0.0"));
  auto old = host.DefinitionAt("test_alpha", "1.0.0");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->display_name(), "Test alpha treatment");
  auto current = host.DefinitionAt("test_alpha", "2.0.0");
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->display_name(), "Test alpha treatment, second edition");

  // With the plugin gone altogether, both versions are still there.
  ASSERT_EQ(unlink(dir_.Join("test_alpha.so").c_str()), 0);
  EXPECT_TRUE(host.Reload()->treatment_types().empty());
  EXPECT_TRUE(host.DefinitionAt("test_alpha", "1.0.0").ok());
  EXPECT_TRUE(host.DefinitionAt("test_alpha", "2.0.0").ok());

  auto never = host.DefinitionAt("test_alpha", "3.0.0", "clinic.v1.Screening");
  EXPECT_EQ(never.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(never.status().message()),
              HasSubstr("treatment type 'test_alpha' version '3.0.0' was never loaded"));
}

// test_alpha declares its needle configurations as text ("12", "nano"), as
// plugins built before typed needles did.
void ExpectTypedAlphaNeedles(const v1::TreatmentDefinition& definition) {
  ASSERT_THAT(definition.cartridges(), SizeIs(1));
  const v1::CartridgeRequirement& cartridge = definition.cartridges(0);
  EXPECT_THAT(cartridge.needle_configurations(), IsEmpty());
  ASSERT_THAT(cartridge.needles(), SizeIs(2));
  EXPECT_EQ(cartridge.needles(0).needle_count(), 12);
  EXPECT_FALSE(cartridge.needles(0).nano());
  EXPECT_EQ(cartridge.needles(1).needle_count(), 0);
  EXPECT_TRUE(cartridge.needles(1).nano());
}

TEST_F(PluginHostTest, APluginWithNeedleConfigurationsAsTextIsServedWithTypedNeedles) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options(), History());
  const auto snapshot = host.Reload();
  for (const auto& problem : snapshot->problems()) ADD_FAILURE() << problem.DebugString();
  const v1::TreatmentType* type = snapshot->Find("test_alpha");
  ASSERT_NE(type, nullptr);
  ExpectTypedAlphaNeedles(type->definition());
  // Recorded as served.
  auto recorded = host.VersionAt("test_alpha", "1.0.0");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  ExpectTypedAlphaNeedles(recorded->definition);
  EXPECT_EQ(recorded->definition_sha256, Sha256Hex(CanonicalDefinitionBytes(type->definition())));
}

// A catalog database written by a host from before typed needles holds
// test_alpha 1.0.0 as the plugin declared it, needle configurations as text.
// After the upgrade the unchanged plugin is still that version, not a reused
// one, and the recorded version reads with typed needles.
TEST_F(PluginHostTest, AVersionAnOlderHostRecordedAsTextStillMatchesAfterARestart) {
  v1::TreatmentType recorded_before;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      clinic::testing::ReadFile(clinic::testing::SourcePath("tests/plugins/test_alpha.textproto")),
      recorded_before.mutable_definition()));
  ASSERT_THAT(recorded_before.definition().cartridges(0).needle_configurations(), SizeIs(2));
  recorded_before.mutable_source()->set_file_name("test_alpha.so");
  recorded_before.mutable_source()->set_sha256(Sha256Hex("an older build"));
  const std::string recorded_sha256 =
      Sha256Hex(CanonicalDefinitionBytes(recorded_before.definition()));
  {
    std::unique_ptr<DefinitionHistory> older_host = History();
    ASSERT_NE(older_host, nullptr);
    ASSERT_TRUE(older_host->Record(recorded_before, absl::Now() - absl::Hours(24)).ok());
  }

  AddTestPlugin("test_alpha");
  PluginHost host(Options(), History());
  const auto snapshot = host.Reload();
  for (const auto& problem : snapshot->problems()) ADD_FAILURE() << problem.DebugString();
  const v1::TreatmentType* type = snapshot->Find("test_alpha");
  ASSERT_NE(type, nullptr);
  ExpectTypedAlphaNeedles(type->definition());
  EXPECT_NE(Sha256Hex(CanonicalDefinitionBytes(type->definition())), recorded_sha256);

  auto versions = host.VersionsOf("test_alpha");
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_THAT(*versions, ElementsAre("1.0.0"));
  auto stored = host.VersionAt("test_alpha", "1.0.0");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->definition_sha256, recorded_sha256);
  EXPECT_EQ(stored->file_name, "test_alpha.so");
  ExpectTypedAlphaNeedles(stored->definition);

  // Changed content under that version is still refused.
  AddChangedAlpha();
  const auto changed = host.Reload();
  const PluginProblem* problem = ProblemFor(*changed, "test_alpha.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->stage(), v1::PLUGIN_PROBLEM_STAGE_VERSION_REUSED);
}

TEST_F(PluginHostTest, WithoutAHistoryOnlyTheLoadedDefinitionsAreKnown) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options());
  host.Reload();
  EXPECT_TRUE(host.DefinitionAt("test_alpha", "1.0.0").ok());
  EXPECT_EQ(host.DefinitionAt("test_alpha", "0.9.0").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(host.VersionsOf("test_alpha").status().code(), absl::StatusCode::kFailedPrecondition);
}

// A history that cannot be written refuses what it cannot record, and keeps
// serving what was recorded before. Another connection holds the database's
// write lock for longer than the history's busy timeout.
TEST_F(PluginHostTest, AHistoryThatCannotBeWrittenRefusesWhatItCannotRecord) {
  AddTestPlugin("test_alpha");
  PluginHost host(Options(), History());
  ASSERT_TRUE(host.Reload()->problems().empty());
  clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_alpha_v2"),
                            dir_.Join("test_alpha.so"));
  SQLite::Database blocker(history_dir_.Join("catalog.db"), SQLite::OPEN_READWRITE);
  blocker.exec("BEGIN EXCLUSIVE");
  const auto snapshot = host.Reload();
  blocker.exec("ROLLBACK");
  const PluginProblem* problem = ProblemFor(*snapshot, "test_alpha.so");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->stage(), v1::PLUGIN_PROBLEM_STAGE_HISTORY) << problem->DebugString();
  EXPECT_THAT(problem->reasons(0), HasSubstr("the definition history cannot be written"));
  ASSERT_NE(snapshot->Find("test_alpha"), nullptr);
  EXPECT_EQ(snapshot->Find("test_alpha")->definition().version(), "1.0.0");
  auto versions = host.VersionsOf("test_alpha");
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, ElementsAre("1.0.0"));
}

}  // namespace
}  // namespace clinic::plugins
