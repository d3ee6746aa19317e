// The ClientRecords SQLite store below the service: the database itself
// refuses to edit or delete clinical history, and damaged rows are reported
// as data loss rather than read as something else.
#include "services/client_records/client_records_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/storage/client_names.h"
#include "common/storage/database.h"
#include "common/storage/ids.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "services/client_records/client_name_keys.h"
#include "services/client_records/client_records_schema.h"
#include "tests/testing/schema_check.h"
#include "tests/testing/test_env.h"

namespace clinic::client_records {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kCaller[] = "staff/jane";

class ClientRecordsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteClientRecordsStore(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    client_id_ = storage::NewId();
    v1::Client client;
    client.set_client_id(client_id_);
    client.set_name("clients/" + client_id_);
    client.set_home_site_id("london-soho");
    client.set_given_name("Ada");
    client.set_family_name("Lovelace");
    client.mutable_date_of_birth()->set_year(1990);
    client.mutable_date_of_birth()->set_month(12);
    client.mutable_date_of_birth()->set_day(10);
    client.set_state(v1::CLIENT_STATE_ACTIVE);
    v1::CreateClientRequest request;
    request.set_request_id("create-ada");
    ASSERT_TRUE(store_->CreateClient(request, kCaller, client).ok());

    v1::TreatmentRecord record;
    record.set_treatment_type_id("microneedling");
    record.set_site_id("london-soho");
    record.mutable_cartridge()->set_lot_number("LOT-1");
    *record.mutable_perform_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    record_id_ = storage::NewId();
    record.set_name(storage::kTreatmentRecordName.Format(client_id_, record_id_));
    v1::CreateTreatmentRecordRequest create_record;
    create_record.set_request_id("record-ada");
    storage::OutboxEntry charge;
    charge.kind = "charge_treatment";
    charge.subject = record.name();
    charge.acting_for = kCaller;
    charge.payload = "charge";
    charge.create_time = absl::Now();
    ASSERT_TRUE(
        store_
            ->CreateTreatmentRecord(create_record, kCaller, client_id_, record_id_, record, charge)
            .ok());
  }

  // Runs raw SQL on the same file, as a careless tool or person might.
  absl::Status RawWrite(const std::string& sql) {
    auto db = storage::Database::Open(path_, storage::Database::Options());
    if (!db.ok()) return db.status();
    return (*db)->Write([&](storage::Connection& c) {
      c.Exec(sql.c_str());
      return absl::OkStatus();
    });
  }

  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("client_records.db");
  std::unique_ptr<ClientRecordsStore> store_;
  std::string client_id_;
  std::string record_id_;
};

TEST_F(ClientRecordsStoreTest, TreatmentRecordsCannotBeEditedOrDeleted) {
  absl::Status edit = RawWrite("UPDATE treatment_records SET lot_number = 'forged'");
  EXPECT_FALSE(edit.ok());
  EXPECT_THAT(std::string(edit.message()), HasSubstr("corrected by addenda"));
  EXPECT_FALSE(RawWrite("DELETE FROM treatment_records").ok());
  auto record = store_->GetTreatmentRecord(client_id_, record_id_);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->cartridge().lot_number(), "LOT-1");
}

TEST_F(ClientRecordsStoreTest, ClientsAndHistoryCannotBeDeleted) {
  EXPECT_FALSE(RawWrite("DELETE FROM clients").ok());
  v1::UpdateMedicalHistoryRequest request;
  request.set_request_id("history-ada");
  v1::MedicalHistory history;
  history.add_facts()->set_fact(v1::ECZEMA);
  ASSERT_TRUE(store_->AppendMedicalHistory(request, kCaller, client_id_, history).ok());
  EXPECT_FALSE(RawWrite("UPDATE medical_history SET version = 9").ok());
  EXPECT_FALSE(RawWrite("DELETE FROM medical_history").ok());
}

// Every append-only trigger of the schema, each checked by its own message:
// "DELETE FROM clients" is also refused by the foreign keys of the chart, so
// a refusal alone would not show that the trigger is there.
TEST_F(ClientRecordsStoreTest, EachAppendOnlyTriggerRefusesWithItsOwnMessage) {
  v1::UpdateMedicalHistoryRequest history_request;
  history_request.set_request_id("history-ada");
  v1::MedicalHistory history;
  history.add_facts()->set_fact(v1::ECZEMA);
  ASSERT_TRUE(store_->AppendMedicalHistory(history_request, kCaller, client_id_, history).ok());
  v1::AddTreatmentRecordAddendumRequest addendum_request;
  addendum_request.set_request_id("addendum-ada");
  v1::Addendum addendum;
  addendum.set_text("Mild erythema resolved on day 2.");
  ASSERT_TRUE(
      store_->AddAddendum(addendum_request, kCaller, client_id_, record_id_, addendum).ok());
  v1::RecordLotRecallRequest notice_request;
  notice_request.set_request_id("notice-ada");
  ASSERT_TRUE(store_
                  ->RecordLotRecall(notice_request, kCaller, client_id_, storage::NewId(),
                                    record_id_, v1::LotRecallNotice())
                  .ok());

  const std::vector<std::pair<std::string, std::string>> refusals = {
      {"DELETE FROM clients", "clients are archived, never deleted"},
      {"UPDATE medical_history SET record_ms = 0", "medical history versions are never changed"},
      {"DELETE FROM medical_history", "medical history versions are never deleted"},
      {"UPDATE treatment_records SET lot_number = 'forged'",
       "treatment records are corrected by addenda, never changed"},
      {"DELETE FROM treatment_records", "treatment records are never deleted"},
      {"UPDATE addenda SET data = x'00'", "addenda are never changed"},
      {"DELETE FROM addenda", "addenda are never deleted"},
      {"UPDATE lot_recall_notices SET data = x'00'", "recall notices are never changed"},
      {"DELETE FROM lot_recall_notices", "recall notices are never deleted"},
  };
  for (const auto& [sql, message] : refusals) {
    const absl::Status status = RawWrite(sql);
    EXPECT_FALSE(status.ok()) << sql;
    EXPECT_THAT(std::string(status.message()), HasSubstr(message)) << sql;
  }
  auto record = store_->GetTreatmentRecord(client_id_, record_id_);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->addenda_size(), 1);
}

// Where a fact applies is part of the version: read back as the current
// version, by number, and in the list of versions.
TEST_F(ClientRecordsStoreTest, HistoryKeepsTheRegionsOfEachFact) {
  v1::UpdateMedicalHistoryRequest request;
  request.set_request_id("history-regions");
  v1::MedicalHistory history;
  v1::MedicalFactEntry* radiation = history.add_facts();
  radiation->set_fact(v1::RADIATION_THERAPY);
  radiation->add_regions(v1::BODY_REGION_DECOLLETE);
  radiation->add_regions(v1::BODY_REGION_NECK);
  history.add_facts()->set_fact(v1::ECZEMA);
  ASSERT_TRUE(store_->AppendMedicalHistory(request, kCaller, client_id_, history).ok());

  for (int64_t version : {0, 1}) {
    auto stored = store_->GetMedicalHistory(client_id_, version);
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(stored->facts_size(), 2);
    EXPECT_THAT(stored->facts(0).regions(),
                ElementsAre(v1::BODY_REGION_DECOLLETE, v1::BODY_REGION_NECK));
    EXPECT_THAT(stored->facts(1).regions(), IsEmpty());
  }
  v1::ListMedicalHistoryVersionsRequest list;
  auto versions = store_->ListMedicalHistoryVersions(client_id_, list);
  ASSERT_TRUE(versions.ok()) << versions.status();
  ASSERT_EQ(versions->versions_size(), 1);
  EXPECT_THAT(versions->versions(0).facts(0).regions(),
              ElementsAre(v1::BODY_REGION_DECOLLETE, v1::BODY_REGION_NECK));
}

TEST_F(ClientRecordsStoreTest, DamagedRowsAreReportedAsDataLoss) {
  ASSERT_TRUE(RawWrite("UPDATE clients SET data = x'ffffffff'").ok());
  auto client = store_->GetClient(client_id_);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kDataLoss);
}

// A notice shows on the record it names when that record is the client's,
// is recorded once per request id, and lists newest recall first.
TEST_F(ClientRecordsStoreTest, RecallNoticesLinkToTheirRecordAndAreRecordedOnce) {
  const auto notice = [&](const std::string& request_id, int64_t recall_seconds,
                          const std::string& record_id) {
    v1::RecordLotRecallRequest request;
    request.set_request_id(request_id);
    const std::string notice_id = storage::NewId();
    v1::LotRecallNotice body;
    body.set_name("clients/" + client_id_ + "/lotRecallNotices/" + notice_id);
    body.set_lot_number(request_id);
    body.mutable_recall_time()->set_seconds(recall_seconds);
    return store_->RecordLotRecall(request, kCaller, client_id_, notice_id, record_id, body);
  };
  auto linked = notice("recall-1", 1000, record_id_);
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_EQ(linked->treatment_record(),
            storage::kTreatmentRecordName.Format(client_id_, record_id_));
  // Named but never written (the treatment's record failed after its
  // consumption): the notice stays on the client alone.
  auto unlinked = notice("recall-2", 2000, storage::NewId());
  ASSERT_TRUE(unlinked.ok()) << unlinked.status();
  EXPECT_EQ(unlinked->treatment_record(), "");
  auto again = notice("recall-1", 1000, record_id_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), linked->name());

  auto record = store_->GetTreatmentRecord(client_id_, record_id_);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->lot_recalls_size(), 1);
  EXPECT_EQ(record->lot_recalls(0).lot_number(), "recall-1");
  v1::ListLotRecallNoticesRequest list;
  list.set_page_size(1);
  auto first = store_->ListLotRecallNotices(client_id_, list);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->notices_size(), 1);
  EXPECT_EQ(first->notices(0).lot_number(), "recall-2");
  list.set_page_token(first->next_page_token());
  auto second = store_->ListLotRecallNotices(client_id_, list);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->notices_size(), 1);
  EXPECT_EQ(second->notices(0).lot_number(), "recall-1");
  EXPECT_EQ(second->next_page_token(), "");
}

TEST_F(ClientRecordsStoreTest, UnknownClientsAreNotFoundEverywhere) {
  const std::string nobody = storage::NewId();
  EXPECT_EQ(store_->GetClient(nobody).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetMedicalHistory(nobody, 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTreatmentRecord(nobody, record_id_).status().code(),
            absl::StatusCode::kNotFound);
  v1::ListConsentsRequest list;
  EXPECT_EQ(store_->ListConsents(nobody, list).status().code(), absl::StatusCode::kNotFound);
  v1::RecordLotRecallRequest notice;
  notice.set_request_id("notice-nobody");
  EXPECT_EQ(
      store_->RecordLotRecall(notice, kCaller, nobody, storage::NewId(), "", {}).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListLotRecallNotices(nobody, {}).status().code(), absl::StatusCode::kNotFound);
}

// A treatment record as records were charted before they listed consumables:
// one cartridge with its printed lot number.
v1::TreatmentRecord ChartedWithOneCartridge(const std::string& client_id,
                                            const std::string& record_id) {
  v1::TreatmentRecord record;
  record.set_name("clients/" + client_id + "/treatmentRecords/" + record_id);
  record.set_treatment_type_id("microneedling");
  record.set_definition_version("2.0.0");
  record.set_site_id("london-soho");
  record.set_practitioner("staff/jane");
  record.mutable_perform_time()->set_seconds(1767225600);
  v1::TreatedArea* area = record.add_areas();
  area->set_area_id("cheeks");
  area->set_needle_depth_um(1200);
  area->set_passes(2);
  record.mutable_cartridge()->set_product("Dermapen 4 36-pin");
  record.mutable_cartridge()->set_lot_number("LOT-2025-0007");
  record.mutable_cartridge()->set_requirement_id("face_36_42");
  record.set_recorded_by("staff/jane");
  return record;
}

constexpr char kOldClientId[] = "01JB0000000000000000000001";
constexpr char kOldRecordId[] = "01JB0000000000000000000002";

// A file at every earlier version reaches the schema of a new file exactly.
// Retries recorded before request ids were scoped by caller are kept, under
// caller ''; treatment records charted with one cartridge, from the version
// the chart appeared on, still read as charted.
TEST(ClientRecordsMigrationTest, EveryEarlierVersionMigratesToTheSameSchema) {
  const auto& all = ClientRecordsMigrations();
  clinic::testing::MigrationCheck check;
  for (size_t version = 0; version < all.size(); ++version) {
    check.earlier.push_back({"v" + std::to_string(version),
                             std::vector<storage::Migration>(all.begin(), all.begin() + version)});
  }
  check.prepare = [](storage::Database& db) {
    return db.Write([](storage::Connection& connection) {
      RegisterNameKeyFunctions(connection.raw());
      return absl::OkStatus();
    });
  };
  check.open = [](const std::string& path) { return OpenSqliteClientRecordsStore(path).status(); };
  check.seed = [](const std::string& path, const clinic::testing::EarlierSchema& schema) {
    if (schema.steps.empty()) return;
    auto db = storage::Database::Open(path, storage::Database::Options());
    ASSERT_TRUE(db.ok());
    const size_t version = schema.steps.size();
    ASSERT_TRUE(
        (*db)
            ->Write([&](storage::Connection& c) {
              // Version 6 keyed the request log by caller.
              c.Exec(version < 6
                         ? "INSERT INTO request_log (method, request_id, fingerprint, response, "
                           "created_at_ms) VALUES ('clinic.v1.ClientRecords/CreateClient', "
                           "'before-upgrade', x'01', x'', 1)"
                         : "INSERT INTO request_log (method, caller, request_id, fingerprint, "
                           "response, created_at_ms) VALUES "
                           "('clinic.v1.ClientRecords/CreateClient', '', 'before-upgrade', x'01', "
                           "x'', 1)");
              if (version < 3) return absl::OkStatus();  // no chart yet
              SQLite::Statement client(
                  c.raw(),
                  "INSERT INTO clients (client_id, home_site_id, state, family_name, given_name, "
                  "date_of_birth, phone, email, search_names, update_ms, revision, data) "
                  "VALUES (?, 'london-soho', 1, 'Record', 'Older', '1990-04-12', '', '', "
                  "'older record', 1, 1, x'')");
              client.bind(1, kOldClientId);
              client.exec();
              const std::string bytes =
                  ChartedWithOneCartridge(kOldClientId, kOldRecordId).SerializeAsString();
              SQLite::Statement record(
                  c.raw(),
                  "INSERT INTO treatment_records (record_id, client_id, treatment_type_id, "
                  "site_id, lot_number, perform_ms, data) VALUES (?, ?, 'microneedling', "
                  "'london-soho', 'LOT-2025-0007', 1767225600000, ?)");
              record.bind(1, kOldRecordId);
              record.bind(2, kOldClientId);
              record.bind(3, bytes.data(), static_cast<int>(bytes.size()));
              record.exec();
              return absl::OkStatus();
            })
            .ok());
  };
  check.check = [](const std::string& path, const clinic::testing::EarlierSchema& schema) {
    if (schema.steps.empty()) return;
    {
      auto db = storage::Database::Open(path, storage::Database::Options());
      ASSERT_TRUE(db.ok());
      std::string kept;
      ASSERT_TRUE((*db)
                      ->Read([&](storage::Connection& c) {
                        SQLite::Statement& select =
                            c.Prepare("SELECT caller || '|' || request_id FROM request_log");
                        while (select.executeStep()) kept += select.getColumn(0).getString();
                        return absl::OkStatus();
                      })
                      .ok());
      EXPECT_EQ(kept, "|before-upgrade");
    }
    if (schema.steps.size() < 3) return;
    auto store = OpenSqliteClientRecordsStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<v1::TreatmentRecord> record =
        (*store)->GetTreatmentRecord(kOldClientId, kOldRecordId);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        *record, ChartedWithOneCartridge(kOldClientId, kOldRecordId)))
        << record->DebugString();
    EXPECT_TRUE(record->consumables().empty());
  };
  clinic::testing::ExpectEveryEarlierSchemaMigratesExactly(check);
}

}  // namespace
}  // namespace clinic::client_records
