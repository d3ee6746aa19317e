// The definition history on a real SQLite file: a version is recorded once,
// seen again without a new row, never rewritten with other content, refused
// when its number does not say what changed since the version below and
// otherwise kept with those changes, kept across reopening, listed newest
// first, and protected by the database itself against being changed or
// deleted; a version recorded in an older
// form of the definition still matches the same plugin read today.
#include "common/plugins/definition_history.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/core/hash.h"
#include "common/definition/definition_upgrade.h"
#include "common/plugins/definition_history_schema.h"
#include "tests/testing/schema_check.h"
#include "tests/testing/test_env.h"

namespace clinic::plugins {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::TreatmentType Type(const std::string& id, const std::string& version,
                       const std::string& display_name, const std::string& file = "plugin.so") {
  v1::TreatmentType type;
  type.set_name("treatmentTypes/" + id);
  v1::TreatmentDefinition& definition = *type.mutable_definition();
  definition.set_id(id);
  definition.set_version(version);
  definition.set_display_name(display_name);
  definition.set_description("Used only by the history tests.");
  type.mutable_source()->set_file_name(file);
  type.mutable_source()->set_sha256(Sha256Hex(file + display_name));
  return type;
}

int64_t RowCount(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT count(*) FROM definition_versions").getInt64();
}

class DefinitionHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    history_.reset();
    auto history = DefinitionHistory::Open(path_);
    ASSERT_TRUE(history.ok()) << history.status();
    history_ = std::move(*history);
  }

  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("catalog.db");
  std::unique_ptr<DefinitionHistory> history_;
  absl::Time now_ = absl::FromUnixSeconds(1795000000);
};

TEST_F(DefinitionHistoryTest, RecordsANewVersionWithItsContentAndSource) {
  const v1::TreatmentType type = Type("alpha", "1.0.0", "Alpha", "libalpha.so");
  auto recorded = history_->Record(type, now_);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->result, RecordResult::kAdded);

  auto found = history_->Find("alpha", "1.0.0");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  const DefinitionVersion& stored = **found;
  EXPECT_EQ(stored.treatment_type_id, "alpha");
  EXPECT_EQ(stored.version, "1.0.0");
  EXPECT_EQ(stored.definition.display_name(), "Alpha");
  EXPECT_EQ(stored.definition_sha256, Sha256Hex(CanonicalDefinitionBytes(type.definition())));
  EXPECT_EQ(stored.file_name, "libalpha.so");
  EXPECT_EQ(stored.file_sha256, type.source().sha256());
  EXPECT_EQ(stored.first_loaded, now_);
  EXPECT_EQ(stored.last_loaded, now_);
  EXPECT_EQ(RowCount(path_), 1);
}

// A reload records every plugin in one transaction; each decision sees the
// ones before it, and the files accepted are known afterwards.
TEST_F(DefinitionHistoryTest, RecordAllDecidesEachInTurnInOneTransaction) {
  const v1::TreatmentType alpha = Type("alpha", "1.0.0", "Alpha", "alpha.so");
  const v1::TreatmentType beta = Type("beta", "1.0.0", "Beta", "beta.so");
  const v1::TreatmentType alpha_changed = Type("alpha", "1.0.0", "Alpha, reworded", "alpha2.so");
  auto all = history_->RecordAll({&alpha, &beta, &alpha_changed}, now_);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].result, RecordResult::kAdded);
  EXPECT_EQ((*all)[1].result, RecordResult::kAdded);
  EXPECT_EQ((*all)[2].result, RecordResult::kContentDiffers);
  EXPECT_EQ((*all)[2].stored.definition.display_name(), "Alpha");
  EXPECT_EQ(RowCount(path_), 2);

  auto again = history_->RecordAll({&alpha, &beta}, now_ + absl::Hours(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[0].result, RecordResult::kSeenAgain);
  EXPECT_EQ((*again)[1].stored.last_loaded, now_ + absl::Hours(1));

  auto files = history_->AcceptedFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(*files,
              ::testing::UnorderedElementsAre(alpha.source().sha256(), beta.source().sha256()));
}

TEST_F(DefinitionHistoryTest, TheSameContentAgainOnlyMovesTheLastLoadedTime) {
  ASSERT_TRUE(history_->Record(Type("alpha", "1.0.0", "Alpha", "first.so"), now_).ok());
  // Rebuilt under another file name: the same definition is the same
  // version; the file it was first loaded from stays on record.
  auto again =
      history_->Record(Type("alpha", "1.0.0", "Alpha", "rebuilt.so"), now_ + absl::Hours(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->result, RecordResult::kSeenAgain);
  EXPECT_EQ(again->stored.first_loaded, now_);
  EXPECT_EQ(again->stored.last_loaded, now_ + absl::Hours(1));

  auto found = history_->Find("alpha", "1.0.0");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->file_name, "first.so");
  EXPECT_EQ((*found)->first_loaded, now_);
  EXPECT_EQ((*found)->last_loaded, now_ + absl::Hours(1));
  EXPECT_EQ(RowCount(path_), 1);

  // A clock stepped back never moves the last-loaded time backwards.
  ASSERT_TRUE(history_->Record(Type("alpha", "1.0.0", "Alpha"), now_).ok());
  found = history_->Find("alpha", "1.0.0");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->last_loaded, now_ + absl::Hours(1));
}

TEST_F(DefinitionHistoryTest, OtherContentUnderARecordedVersionIsReportedAndNotWritten) {
  ASSERT_TRUE(history_->Record(Type("alpha", "1.0.0", "Alpha"), now_).ok());
  auto changed = history_->Record(Type("alpha", "1.0.0", "Alpha, reworded"), now_ + absl::Hours(1));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->result, RecordResult::kContentDiffers);
  EXPECT_EQ(changed->stored.definition.display_name(), "Alpha");

  auto found = history_->Find("alpha", "1.0.0");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->definition.display_name(), "Alpha");
  EXPECT_EQ((*found)->last_loaded, now_);
  EXPECT_EQ(RowCount(path_), 1);
}

TEST_F(DefinitionHistoryTest, TheSameDefinitionEncodedInAnotherFieldOrderIsTheSameContent) {
  const v1::TreatmentType type = Type("alpha", "1.0.0", "Alpha");
  ASSERT_TRUE(history_->Record(type, now_).ok());
  // Fields on the wire in reverse order, as another encoder may write them.
  v1::TreatmentDefinition late_fields;
  late_fields.set_display_name(type.definition().display_name());
  late_fields.set_description(type.definition().description());
  v1::TreatmentDefinition early_fields;
  early_fields.set_id(type.definition().id());
  early_fields.set_version(type.definition().version());
  const std::string reordered = late_fields.SerializeAsString() + early_fields.SerializeAsString();
  ASSERT_NE(reordered, type.definition().SerializeAsString());
  v1::TreatmentType same = type;
  ASSERT_TRUE(same.mutable_definition()->ParseFromString(reordered));
  EXPECT_EQ(CanonicalDefinitionBytes(same.definition()),
            CanonicalDefinitionBytes(type.definition()));

  auto again = history_->Record(same, now_ + absl::Minutes(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->result, RecordResult::kSeenAgain);
}

// A host from before typed needles recorded definitions as plugins declared
// them, needle configurations as text. Such a row is read in the current
// form, keeps its recorded hash, and still matches the same plugin, which
// the host now serves upgraded: a restart after the upgrade must not refuse
// an unchanged plugin as a reused version.
TEST_F(DefinitionHistoryTest, AVersionRecordedWithNeedleTextMatchesTheSamePluginUpgraded) {
  v1::TreatmentType declared = Type("alpha", "1.0.0", "Alpha");
  v1::CartridgeRequirement& cartridge = *declared.mutable_definition()->add_cartridges();
  cartridge.set_id("face_36");
  cartridge.add_needle_configurations("36");
  cartridge.add_needle_configurations("nano");
  ASSERT_TRUE(history_->Record(declared, now_).ok());
  const std::string recorded_sha256 = Sha256Hex(CanonicalDefinitionBytes(declared.definition()));
  Reopen();

  v1::TreatmentType served = declared;
  ASSERT_TRUE(UpgradeTreatmentDefinition(*served.mutable_definition()));
  const std::string served_sha256 = Sha256Hex(CanonicalDefinitionBytes(served.definition()));
  // Hashed as bytes alone, the two forms differ: that is what must not
  // refuse the plugin.
  ASSERT_NE(served_sha256, recorded_sha256);

  auto found = history_->Find("alpha", "1.0.0");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_THAT((*found)->definition.cartridges(0).needle_configurations(), IsEmpty());
  ASSERT_EQ((*found)->definition.cartridges(0).needles_size(), 2);
  EXPECT_EQ((*found)->definition.cartridges(0).needles(0).needle_count(), 36);
  EXPECT_TRUE((*found)->definition.cartridges(0).needles(1).nano());
  EXPECT_EQ((*found)->definition_sha256, recorded_sha256);
  EXPECT_TRUE(SameContent(**found, served_sha256));

  auto again = history_->Record(served, now_ + absl::Hours(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->result, RecordResult::kSeenAgain);
  EXPECT_EQ(again->stored.definition_sha256, recorded_sha256);
  EXPECT_EQ(RowCount(path_), 1);

  // Other content is still other content, in either form.
  v1::TreatmentType changed = served;
  changed.mutable_definition()->mutable_cartridges(0)->mutable_needles(0)->set_needle_count(42);
  auto refused = history_->Record(changed, now_ + absl::Hours(2));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->result, RecordResult::kContentDiffers);
  EXPECT_FALSE(SameContent(**found, Sha256Hex(CanonicalDefinitionBytes(changed.definition()))));
}

TEST_F(DefinitionHistoryTest, VersionsOutliveTheProcessAndStillRefuseOtherContent) {
  ASSERT_TRUE(history_->Record(Type("alpha", "1.0.0", "Alpha"), now_).ok());
  ASSERT_TRUE(history_->Record(Type("alpha", "2.0.0", "Alpha two"), now_).ok());
  Reopen();
  auto versions = history_->Versions("alpha");
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_THAT(*versions, ElementsAre("2.0.0", "1.0.0"));
  auto changed = history_->Record(Type("alpha", "1.0.0", "Alpha, reworded"), now_);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->result, RecordResult::kContentDiffers);
}

// `type` with one area whose deepest depth is `max_depth_um`.
v1::TreatmentType WithArea(v1::TreatmentType type, int max_depth_um) {
  v1::TreatmentArea& area = *type.mutable_definition()->mutable_protocol()->add_areas();
  area.set_id("forehead");
  area.set_min_depth_um(250);
  area.set_max_depth_um(max_depth_um);
  return type;
}

TEST_F(DefinitionHistoryTest, ANewVersionMustSayWhatChangedSinceTheOneBelow) {
  ASSERT_TRUE(history_->Record(WithArea(Type("alpha", "1.0.0", "Alpha"), 500), now_).ok());

  // A narrowed range under a minor version: refused, and nothing written,
  // whether checked or recorded.
  const v1::TreatmentType narrowed_minor = WithArea(Type("alpha", "1.1.0", "Alpha"), 400);
  for (bool record : {false, true}) {
    auto refused =
        record ? history_->Record(narrowed_minor, now_) : history_->Check(narrowed_minor);
    ASSERT_TRUE(refused.ok()) << refused.status();
    EXPECT_EQ(refused->result, RecordResult::kStepTooSmall);
    EXPECT_EQ(refused->stored.version, "1.0.0");
    EXPECT_EQ(refused->refusal.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(refused->refusal.message()),
                ::testing::HasSubstr("needs a new major version: use 2.0.0 or higher"));
  }
  EXPECT_EQ(RowCount(path_), 1);

  // The same under a new major version is recorded with what changed.
  auto major = history_->Record(WithArea(Type("alpha", "2.0.0", "Alpha"), 400), now_);
  ASSERT_TRUE(major.ok()) << major.status();
  EXPECT_EQ(major->result, RecordResult::kAdded);
  Reopen();
  auto found = history_->Find("alpha", "2.0.0");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->previous_version, "1.0.0");
  ASSERT_EQ((*found)->changes.size(), 1u);
  EXPECT_EQ((*found)->changes[0].impact(), v1::VERSION_IMPACT_MAJOR);
  EXPECT_EQ((*found)->changes[0].field(), "protocol.areas[0] (forehead).max_depth_um");
  EXPECT_EQ((*found)->changes[0].description(),
            "lowered from 500 um to 400 um: the depth range is narrower");

  // A version that arrives later below 2.0.0 is compared with 1.0.0, the
  // highest below it; the first version of a type with nothing.
  auto between = history_->Record(WithArea(Type("alpha", "1.1.0", "Alpha 1.1"), 600), now_);
  ASSERT_TRUE(between.ok()) << between.status();
  EXPECT_EQ(between->result, RecordResult::kAdded);
  EXPECT_EQ(between->stored.previous_version, "1.0.0");
  EXPECT_EQ(between->stored.changes.size(), 2u);
  found = history_->Find("alpha", "1.0.0");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->previous_version, "");
  EXPECT_THAT((*found)->changes, IsEmpty());
}

TEST_F(DefinitionHistoryTest, UnknownVersionsAndTypesAreNotFoundNotErrors) {
  ASSERT_TRUE(history_->Record(Type("alpha", "1.0.0", "Alpha"), now_).ok());
  auto found = history_->Find("alpha", "9.9.9");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->has_value());
  found = history_->Find("beta", "1.0.0");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto versions = history_->Versions("beta");
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, IsEmpty());
}

TEST_F(DefinitionHistoryTest, VersionsAreListedNewestFirstBySemanticVersioning) {
  for (const char* version : {"1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1", "2.0.0", "2.0.0-beta",
                              "1.0.0+build.2", "2.0.0-rc.10", "0.9.0"}) {
    ASSERT_TRUE(history_->Record(Type("alpha", version, "Alpha"), now_).ok()) << version;
  }
  ASSERT_TRUE(history_->Record(Type("beta", "3.0.0", "Beta"), now_).ok());
  auto versions = history_->Versions("alpha");
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, ElementsAre("2.0.0", "2.0.0-rc.10", "2.0.0-rc.1", "2.0.0-beta", "1.10.0",
                                     "1.2.0", "1.0.0+build.2", "1.0.0", "0.9.0"));
}

TEST(NewerVersionFirstTest, IsATotalOrderEvenWherePrecedenceTies) {
  EXPECT_TRUE(NewerVersionFirst("2.0.0", "1.99.99"));
  EXPECT_FALSE(NewerVersionFirst("1.99.99", "2.0.0"));
  EXPECT_TRUE(NewerVersionFirst("1.0.0", "1.0.0-rc.1"));
  // Build metadata ranks level in precedence; the text decides.
  EXPECT_TRUE(NewerVersionFirst("1.0.0+b", "1.0.0+a"));
  EXPECT_FALSE(NewerVersionFirst("1.0.0+a", "1.0.0+b"));
  EXPECT_FALSE(NewerVersionFirst("1.0.0", "1.0.0"));
  // Text that is not a version sorts after every version.
  EXPECT_TRUE(NewerVersionFirst("0.0.1", "latest"));
  EXPECT_FALSE(NewerVersionFirst("latest", "0.0.1"));
}

TEST_F(DefinitionHistoryTest, TheDatabaseRefusesToChangeOrDeleteARecordedVersion) {
  ASSERT_TRUE(history_->Record(Type("alpha", "1.0.0", "Alpha"), now_).ok());
  SQLite::Database db(path_, SQLite::OPEN_READWRITE);
  EXPECT_THROW(db.exec("UPDATE definition_versions SET definition = x'00'"), SQLite::Exception);
  EXPECT_THROW(db.exec("UPDATE definition_versions SET definition_sha256 = 'x'"),
               SQLite::Exception);
  EXPECT_THROW(db.exec("UPDATE definition_versions SET first_loaded_ms = 0"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM definition_versions"), SQLite::Exception);
  EXPECT_THROW(db.exec("UPDATE definition_versions SET previous_version = '0.1.0'"),
               SQLite::Exception);
  EXPECT_EQ(db.exec("UPDATE definition_versions SET last_loaded_ms = last_loaded_ms + 1"), 1);

  ASSERT_TRUE(history_->Record(Type("alpha", "1.0.1", "Alpha, renamed"), now_).ok());
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM definition_version_changes").getInt64(), 1);
  EXPECT_THROW(db.exec("UPDATE definition_version_changes SET impact = 1"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM definition_version_changes"), SQLite::Exception);
}

TEST(DefinitionHistoryOpenTest, AFolderThatCannotHoldTheFileIsAClearError) {
  clinic::testing::TempDir dir;
  auto history = DefinitionHistory::Open(dir.Join("missing/folder/catalog.db"));
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(history.status().message()), ::testing::HasSubstr("catalog.db"));
}

TEST(DefinitionHistoryMigrationTest, EveryEarlierVersionMigratesToTheSameSchema) {
  const auto& all = DefinitionHistoryMigrations();
  clinic::testing::MigrationCheck check;
  for (size_t version = 0; version < all.size(); ++version) {
    check.earlier.push_back({"v" + std::to_string(version),
                             std::vector<storage::Migration>(all.begin(), all.begin() + version)});
  }
  check.open = [](const std::string& path) { return DefinitionHistory::Open(path).status(); };
  clinic::testing::ExpectEveryEarlierSchemaMigratesExactly(check);
}

}  // namespace
}  // namespace clinic::plugins
