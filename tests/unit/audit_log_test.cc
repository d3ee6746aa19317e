// The audit log detects every edit, insertion and removal of an event, even
// one made with direct access to the database file.
#include "common/audit/audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "common/core/hash.h"
#include "common/storage/database.h"
#include "common/storage/page_tokens.h"
#include "tests/testing/schema_check.h"
#include "tests/testing/test_env.h"

namespace clinic::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = AuditLog::Open(path_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    for (int i = 0; i < 5; ++i) {
      v1::AuditEvent event;
      event.set_principal("staff/jane-doe");
      event.set_method("/clinic.v1.ClientRecords/GetClient");
      event.add_resource_names("clients/" + std::to_string(i));
      event.set_request_id("request-" + std::to_string(i % 2));
      ASSERT_TRUE(log_->Append(event).ok());
    }
  }

  // Tampering as someone with the file would: drop the guards, then edit.
  void Tamper(const std::string& sql) {
    auto db = storage::Database::Open(path_, storage::Database::Options());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Write([&](storage::Connection& c) {
                      c.Exec("DROP TRIGGER audit_events_append_only_u");
                      c.Exec("DROP TRIGGER audit_events_append_only_d");
                      c.Exec("DROP TRIGGER audit_clients_append_only_u");
                      c.Exec("DROP TRIGGER audit_clients_append_only_d");
                      c.Exec("DROP TRIGGER audit_requests_append_only_u");
                      c.Exec("DROP TRIGGER audit_requests_append_only_d");
                      c.Exec(sql.c_str());
                      return absl::OkStatus();
                    })
                    .ok());
  }

  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("audit.db");
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, AppendsInOrderAndVerifies) {
  auto events = log_->Read(0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_THAT(*events, SizeIs(5));
  EXPECT_EQ((*events)[0].sequence(), 1);
  EXPECT_EQ((*events)[4].sequence(), 5);
  EXPECT_TRUE(log_->Verify().ok());
  auto head = log_->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->first, 5);
  EXPECT_THAT(head->second, SizeIs(64));
}

// Each refusal must come from the table's own trigger, named by its message:
// a foreign key or another guard refusing instead would hide a missing one.
TEST_F(AuditLogTest, EachAppendOnlyTriggerRefusesWithItsOwnMessage) {
  auto db = storage::Database::Open(path_, storage::Database::Options());
  ASSERT_TRUE(db.ok());
  const std::vector<std::pair<std::string, std::string>> refusals = {
      {"UPDATE audit_events SET principal = 'staff/x' WHERE sequence = 2",
       "audit events are never changed"},
      {"DELETE FROM audit_events WHERE sequence = 5", "audit events are never deleted"},
      {"UPDATE audit_clients SET client = 'clients/x' WHERE sequence = 2",
       "audit events are never changed"},
      {"DELETE FROM audit_clients WHERE sequence = 2", "audit events are never deleted"},
  };
  for (const auto& [sql, message] : refusals) {
    const absl::Status status = (*db)->Write([&](storage::Connection& c) {
      c.Exec(sql.c_str());
      return absl::OkStatus();
    });
    EXPECT_FALSE(status.ok()) << sql;
    EXPECT_THAT(std::string(status.message()), HasSubstr(message)) << sql;
  }
  EXPECT_TRUE(log_->Verify().ok());
}

TEST_F(AuditLogTest, DetectsAnEditedEvent) {
  // Swap event 3's bytes for event 4's: valid data, wrong place.
  Tamper(
      "UPDATE audit_events SET event = (SELECT event FROM audit_events WHERE sequence = 4) "
      "WHERE sequence = 3");
  const absl::Status status = log_->Verify();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("broken at event 3"));
}

// The stored bytes of event `sequence`, and its stored hash.
std::pair<std::string, std::string> StoredEvent(const std::string& path, int64_t sequence) {
  std::pair<std::string, std::string> stored;
  auto db = storage::Database::Open(path, storage::Database::Options());
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE((*db)
                  ->Read([&](storage::Connection& c) {
                    SQLite::Statement& select =
                        c.Prepare("SELECT event, hash FROM audit_events WHERE sequence = ?");
                    select.bind(1, static_cast<int64_t>(sequence));
                    if (select.executeStep()) {
                      stored.first = select.getColumn(0).getString();
                      stored.second = select.getColumn(1).getString();
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  return stored;
}

std::string SqlBlob(const std::string& bytes) { return "x'" + absl::BytesToHexString(bytes) + "'"; }

// Event 3's content rewritten with its own sequence, search columns and
// client index untouched: only the hash comparison can notice.
TEST_F(AuditLogTest, AnEventEditedInPlaceIsAHashMismatchAtThatEvent) {
  v1::AuditEvent event;
  ASSERT_TRUE(event.ParseFromString(StoredEvent(path_, 3).first));
  event.set_method("/clinic.v1.ClientRecords/ArchiveClient");
  Tamper("UPDATE audit_events SET event = " + SqlBlob(event.SerializeAsString()) +
         " WHERE sequence = 3");
  auto result = log_->VerifyChain();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->intact);
  EXPECT_EQ(result->first_broken_sequence, 3);
  EXPECT_THAT(result->problem, HasSubstr("hash mismatch"));
  EXPECT_EQ(result->event_count, 3);
}

// Event 3 rewritten with a hash recomputed over its new bytes and event 2's
// hash: the row is consistent in itself, so the break shows at the link to
// event 4, whose hash covers the original.
TEST_F(AuditLogTest, AConsistentlyRehashedEventBreaksTheNextLink) {
  const std::string previous = StoredEvent(path_, 2).second;
  v1::AuditEvent event;
  ASSERT_TRUE(event.ParseFromString(StoredEvent(path_, 3).first));
  event.set_status_code(7);
  const std::string bytes = event.SerializeAsString();
  Tamper("UPDATE audit_events SET event = " + SqlBlob(bytes) +
         ", hash = " + SqlBlob(Sha256(previous + bytes)) + " WHERE sequence = 3");
  auto result = log_->VerifyChain();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->intact);
  EXPECT_EQ(result->first_broken_sequence, 4);
  EXPECT_THAT(result->problem, HasSubstr("hash mismatch"));
}

TEST_F(AuditLogTest, DetectsARemovedEvent) {
  Tamper("DELETE FROM audit_events WHERE sequence = 2");
  const absl::Status status = log_->Verify();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("broken at event 2"));
}

TEST_F(AuditLogTest, DetectsARemovedAndRenumberedEvent) {
  Tamper(
      "DELETE FROM audit_events WHERE sequence = 2; "
      "UPDATE audit_events SET sequence = sequence - 1 WHERE sequence > 2");
  EXPECT_EQ(log_->Verify().code(), absl::StatusCode::kDataLoss);
}

TEST_F(AuditLogTest, RemovingTheTailIsCaughtByAnAnchoredHead) {
  auto anchored = log_->Head();
  ASSERT_TRUE(anchored.ok());
  Tamper(
      "DELETE FROM audit_events WHERE sequence = 5; "
      "DELETE FROM audit_clients WHERE sequence = 5; "
      "DELETE FROM audit_requests WHERE sequence = 5");
  // The chain that is left is consistent; only the anchor shows the loss.
  EXPECT_TRUE(log_->Verify().ok());
  auto head = log_->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_NE(*head, *anchored);
}

TEST_F(AuditLogTest, DetectsAnEditedSearchColumn) {
  // Hiding an event from a principal filter without touching its bytes.
  Tamper("UPDATE audit_events SET principal = 'staff/someone-else' WHERE sequence = 2");
  auto result = log_->VerifyChain();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->intact);
  EXPECT_EQ(result->first_broken_sequence, 2);
  EXPECT_THAT(result->problem, HasSubstr("search columns"));
}

TEST_F(AuditLogTest, DetectsARemovedClientIndexRow) {
  Tamper("DELETE FROM audit_clients WHERE sequence = 4");
  auto result = log_->VerifyChain();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->intact);
  EXPECT_EQ(result->first_broken_sequence, 4);
}

TEST_F(AuditLogTest, DetectsAnEditedOrRemovedRequestIndexRow) {
  // Hiding a call from someone following its request id.
  Tamper("UPDATE audit_requests SET request_id = 'elsewhere' WHERE sequence = 3");
  auto result = log_->VerifyChain();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->intact);
  EXPECT_EQ(result->first_broken_sequence, 3);
  EXPECT_THAT(result->problem, HasSubstr("request id index"));
}

TEST_F(AuditLogTest, DetectsARequestIndexRowNamingAMissingEvent) {
  Tamper("INSERT INTO audit_requests (request_id, sequence) VALUES ('request-0', 99)");
  auto result = log_->VerifyChain();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->intact);
  EXPECT_EQ(result->first_broken_sequence, 99);
}

TEST_F(AuditLogTest, QueriesByRequestIdWithTheOtherFilters) {
  // The call of a service made for request-1, as the next process's trail
  // would hold it.
  v1::AuditEvent event;
  event.set_principal("service/client-records");
  event.set_on_behalf_of("staff/ana");
  event.set_request_id("request-1");
  event.add_resource_names("clients/7/treatmentRecords/1");
  ASSERT_TRUE(log_->Append(event).ok());

  AuditQuery by_request;
  by_request.request_id = "request-1";
  auto found = log_->Query(by_request);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(3));
  EXPECT_EQ((*found)[0].sequence(), 6);
  EXPECT_EQ((*found)[1].sequence(), 4);
  EXPECT_EQ((*found)[2].sequence(), 2);

  by_request.client = "clients/7";
  found = log_->Query(by_request);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(1));
  EXPECT_EQ((*found)[0].principal(), "service/client-records");

  by_request.client.clear();
  by_request.principal = "staff/ana";
  found = log_->Query(by_request);
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(*found, SizeIs(1));

  by_request.principal.clear();
  by_request.before_sequence = 4;
  found = log_->Query(by_request);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(1));
  EXPECT_EQ((*found)[0].sequence(), 2);

  AuditQuery unknown;
  unknown.request_id = "never-sent";
  found = log_->Query(unknown);
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(*found, SizeIs(0));
  EXPECT_TRUE(log_->Verify().ok());
}

TEST_F(AuditLogTest, QueriesByClientPrincipalSiteAndTimeNewestFirst) {
  v1::AuditEvent event;
  event.set_principal("service/screening");
  event.set_on_behalf_of("staff/ana");
  event.set_site_id("london-soho");
  event.mutable_event_time()->set_seconds(2000);
  event.add_resource_names("clients/3/treatmentRecords/9");
  ASSERT_TRUE(log_->Append(event).ok());

  AuditQuery by_client;
  by_client.client = "clients/3";
  auto found = log_->Query(by_client);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(2));
  EXPECT_EQ((*found)[0].sequence(), 6);
  EXPECT_EQ((*found)[1].sequence(), 4);

  AuditQuery by_person;
  by_person.principal = "staff/ana";
  found = log_->Query(by_person);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(1));

  AuditQuery by_site_and_time;
  by_site_and_time.site_id = "london-soho";
  by_site_and_time.start_time = absl::FromUnixSeconds(2000);
  by_site_and_time.end_time = absl::FromUnixSeconds(2001);
  found = log_->Query(by_site_and_time);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(1));
  by_site_and_time.end_time = absl::FromUnixSeconds(2000);
  found = log_->Query(by_site_and_time);
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(*found, SizeIs(0));

  AuditQuery paged;
  paged.limit = 2;
  paged.before_sequence = 5;
  found = log_->Query(paged);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(2));
  EXPECT_EQ((*found)[0].sequence(), 4);
  EXPECT_EQ((*found)[1].sequence(), 3);
  EXPECT_TRUE(log_->Verify().ok());
}

// Version 2 as it was after it had shipped and been edited (the foreign key
// of audit_clients removed); files made then must migrate like the others.
constexpr char kEditedVersion2[] = R"sql(
CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY,
  event_ms INTEGER NOT NULL,
  principal TEXT NOT NULL,
  on_behalf_of TEXT NOT NULL,
  site_id TEXT NOT NULL,
  event BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX audit_events_by_principal ON audit_events (principal, sequence);
CREATE INDEX audit_events_by_on_behalf_of ON audit_events (on_behalf_of, sequence);
CREATE INDEX audit_events_by_time ON audit_events (event_ms);
CREATE TABLE audit_clients (
  client TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (client, sequence)
) WITHOUT ROWID;
CREATE INDEX audit_clients_by_sequence ON audit_clients (sequence, client);
CREATE TRIGGER audit_events_append_only_u BEFORE UPDATE ON audit_events BEGIN
  SELECT RAISE(ABORT, 'audit events are never changed');
END;
CREATE TRIGGER audit_events_append_only_d BEFORE DELETE ON audit_events BEGIN
  SELECT RAISE(ABORT, 'audit events are never deleted');
END;
CREATE TRIGGER audit_clients_append_only_u BEFORE UPDATE ON audit_clients BEGIN
  SELECT RAISE(ABORT, 'audit events are never changed');
END;
CREATE TRIGGER audit_clients_append_only_d BEFORE DELETE ON audit_clients BEGIN
  SELECT RAISE(ABORT, 'audit events are never deleted');
END;
)sql";

TEST(AuditMigrationTest, EveryEarlierVersionMigratesToTheSameSchemaWithItsChain) {
  const auto& all = AuditMigrations();
  ASSERT_GE(all.size(), 3u);
  // A chain written by the current code, copied row for row into each
  // earlier file that has the tables.
  clinic::testing::TempDir source_dir;
  const std::string source = source_dir.Join("source.db");
  std::pair<int64_t, std::string> head;
  {
    auto log = AuditLog::Open(source);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 4; ++i) {
      v1::AuditEvent event;
      event.set_principal("staff/jane-doe");
      event.add_resource_names("clients/" + std::to_string(i % 2));
      event.set_request_id("request-" + std::to_string(i % 2));
      ASSERT_TRUE((*log)->Append(event).ok());
    }
    head = *(*log)->Head();
  }
  clinic::testing::MigrationCheck check;
  for (size_t version = 0; version < all.size(); ++version) {
    check.earlier.push_back({"v" + std::to_string(version),
                             std::vector<storage::Migration>(all.begin(), all.begin() + version)});
  }
  check.earlier.push_back(
      {"v2 as edited after it shipped", {all[0], {2, "edited version 2", kEditedVersion2}}});
  check.open = [](const std::string& path) { return AuditLog::Open(path).status(); };
  check.seed = [&](const std::string& path, const clinic::testing::EarlierSchema& schema) {
    if (schema.steps.size() < 2) return;
    // A plain connection: ATTACH cannot run inside the store's transactions.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("ATTACH DATABASE '" + source + "' AS source");
    db.exec("INSERT INTO audit_events SELECT * FROM source.audit_events");
    db.exec("INSERT INTO audit_clients SELECT * FROM source.audit_clients");
  };
  check.check = [&](const std::string& path, const clinic::testing::EarlierSchema& schema) {
    auto log = AuditLog::Open(path);
    ASSERT_TRUE(log.ok());
    EXPECT_TRUE((*log)->Verify().ok());
    if (schema.steps.size() < 2) return;
    EXPECT_EQ(*(*log)->Head(), head);
    AuditQuery by_client;
    by_client.client = "clients/1";
    auto found = (*log)->Query(by_client);
    ASSERT_TRUE(found.ok());
    EXPECT_THAT(*found, SizeIs(2));
    // Events written before the request id index existed are indexed when
    // the file is first opened by a build that has it.
    AuditQuery by_request;
    by_request.request_id = "request-0";
    found = (*log)->Query(by_request);
    ASSERT_TRUE(found.ok());
    ASSERT_THAT(*found, SizeIs(2));
    EXPECT_EQ((*found)[0].sequence(), 3);
    v1::AuditEvent next;
    next.add_resource_names("clients/9");
    ASSERT_TRUE((*log)->Append(next).ok());
    EXPECT_TRUE((*log)->Verify().ok());
  };
  clinic::testing::ExpectEveryEarlierSchemaMigratesExactly(check);
}

TEST(AuditClientOfTest, FindsTheClientOfAResourceName) {
  EXPECT_EQ(ClientOf("clients/01J9"), "clients/01J9");
  EXPECT_EQ(ClientOf("clients/01J9/treatmentRecords/7"), "clients/01J9");
  EXPECT_EQ(ClientOf("clients/"), "");
  EXPECT_EQ(ClientOf("tokens/01J9"), "");
  EXPECT_EQ(ClientOf("staff/jane"), "");
}

// Polls without a deadline: the test's own timeout is the bound.
template <typename Predicate>
void AwaitTrue(Predicate predicate) {
  while (!predicate()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

v1::AuditEvent EventBy(int caller, int index) {
  v1::AuditEvent event;
  event.set_principal("staff/caller-" + std::to_string(caller));
  event.set_method("/clinic.v1.ClientRecords/GetClient");
  event.add_resource_names("clients/" + std::to_string(caller) + "-" + std::to_string(index));
  return event;
}

TEST(AuditGroupCommitTest, ConcurrentAppendsShareCommitsAndKeepOneDenseChain) {
  constexpr int kCallers = 16;
  constexpr int kEach = 200;
  clinic::testing::TempDir dir;
  // The first transaction waits until every other caller has an event queued,
  // so at least one later transaction holds many events whatever the disk's
  // speed.
  std::atomic<AuditLog*> log_for_hook{nullptr};
  std::atomic<bool> first{true};
  storage::GroupCommitter::Options options;
  options.before_commit = [&](int batch_items) {
    if (first.exchange(false)) {
      AwaitTrue([&] { return log_for_hook.load()->queued() == kCallers - batch_items; });
    }
    return absl::OkStatus();
  };
  auto log = AuditLog::Open(dir.Join("audit.db"), std::move(options));
  ASSERT_TRUE(log.ok()) << log.status();
  log_for_hook = log->get();

  std::mutex mutex;
  std::vector<int64_t> sequences;
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        absl::StatusOr<v1::AuditEvent> stored = (*log)->Append(EventBy(c, i));
        ASSERT_TRUE(stored.ok()) << stored.status();
        std::lock_guard<std::mutex> lock(mutex);
        sequences.push_back(stored->sequence());
      }
    });
  }
  for (std::thread& caller : callers) caller.join();

  std::sort(sequences.begin(), sequences.end());
  ASSERT_EQ(sequences.size(), static_cast<size_t>(kCallers * kEach));
  for (size_t i = 0; i < sequences.size(); ++i)
    ASSERT_EQ(sequences[i], static_cast<int64_t>(i) + 1);
  EXPECT_LT((*log)->commits(), kCallers * kEach);
  absl::StatusOr<Verification> verification = (*log)->VerifyChain();
  ASSERT_TRUE(verification.ok()) << verification.status();
  EXPECT_TRUE(verification->intact) << verification->problem;
  EXPECT_EQ(verification->event_count, kCallers * kEach);
  // Each event kept its caller's fields and its client index.
  AuditQuery query;
  query.client = "clients/7-199";
  auto found = (*log)->Query(query);
  ASSERT_TRUE(found.ok());
  ASSERT_THAT(*found, SizeIs(1));
  EXPECT_EQ((*found)[0].principal(), "staff/caller-7");
}

TEST(AuditGroupCommitTest, AFailedCommitFailsEveryCallerOfItsBatchAndKeepsNoneOfItsEvents) {
  constexpr int kCallers = 16;
  clinic::testing::TempDir dir;
  // The first event's transaction holds the writer until every caller has an
  // event queued; those form the second transaction, whose commit fails.
  std::atomic<AuditLog*> log_for_hook{nullptr};
  std::atomic<int> batch_number{0};
  std::atomic<bool> holding{false};
  storage::GroupCommitter::Options options;
  options.before_commit = [&](int) {
    const int number = batch_number.fetch_add(1);
    if (number == 0) {
      holding = true;
      AwaitTrue([&] { return log_for_hook.load()->queued() == kCallers; });
    }
    if (number == 1) return absl::UnavailableError("the disk went away");
    return absl::OkStatus();
  };
  auto log = AuditLog::Open(dir.Join("audit.db"), std::move(options));
  ASSERT_TRUE(log.ok()) << log.status();
  log_for_hook = log->get();

  std::thread holder([&] { EXPECT_TRUE((*log)->Append(EventBy(0, 0)).ok()); });
  AwaitTrue([&] { return holding.load(); });
  std::vector<absl::StatusOr<v1::AuditEvent>> results(kCallers, absl::UnknownError("not run"));
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] { results[c] = (*log)->Append(EventBy(c, 1)); });
  }
  holder.join();
  for (std::thread& caller : callers) caller.join();

  for (const auto& result : results) {
    EXPECT_EQ(result.status(), absl::UnavailableError("the disk went away"));
  }
  auto head = (*log)->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->first, 1);
  // The chain goes on from the last committed event, with no gap.
  auto next = (*log)->Append(EventBy(99, 0));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->sequence(), 2);
  EXPECT_TRUE((*log)->Verify().ok());
  EXPECT_EQ((*log)->commits(), 2);
}

TEST(AuditGroupCommitTest, ClosingWhileCallersAppendKeepsExactlyTheAcknowledgedEvents) {
  constexpr int kCallers = 8;
  clinic::testing::TempDir dir;
  const std::string path = dir.Join("audit.db");
  std::set<int64_t> acknowledged;
  {
    auto log = AuditLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    std::mutex mutex;
    std::atomic<int> count{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < kCallers; ++c) {
      callers.emplace_back([&, c] {
        for (int i = 0;; ++i) {
          absl::StatusOr<v1::AuditEvent> stored = (*log)->Append(EventBy(c, i));
          if (!stored.ok()) {
            EXPECT_EQ(stored.status().code(), absl::StatusCode::kUnavailable) << stored.status();
            return;
          }
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.insert(stored->sequence());
          ++count;
        }
      });
    }
    AwaitTrue([&] { return count.load() >= 100; });
    (*log)->Close();
    for (std::thread& caller : callers) caller.join();
    EXPECT_EQ((*log)->Append(EventBy(0, 0)).status().code(), absl::StatusCode::kUnavailable);
  }
  auto reopened = AuditLog::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto events = (*reopened)->Read(0, 1000000);
  ASSERT_TRUE(events.ok());
  std::set<int64_t> stored;
  for (const v1::AuditEvent& event : *events) stored.insert(event.sequence());
  EXPECT_EQ(stored, acknowledged);
  EXPECT_TRUE((*reopened)->Verify().ok());
}

}  // namespace
}  // namespace clinic::audit
