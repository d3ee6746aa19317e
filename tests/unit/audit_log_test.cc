// The audit log detects every edit, insertion and removal of an event, even
// one made with direct access to the database file.
#include "common/audit/audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/storage/database.h"
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

TEST_F(AuditLogTest, TheDatabaseRefusesEditsAndDeletes) {
  auto db = storage::Database::Open(path_, storage::Database::Options());
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE((*db)
                   ->Write([](storage::Connection& c) {
                     c.Exec("DELETE FROM audit_events WHERE sequence = 2");
                     return absl::OkStatus();
                   })
                   .ok());
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
      "DELETE FROM audit_clients WHERE sequence = 5");
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

TEST(AuditClientOfTest, FindsTheClientOfAResourceName) {
  EXPECT_EQ(ClientOf("clients/01J9"), "clients/01J9");
  EXPECT_EQ(ClientOf("clients/01J9/treatmentRecords/7"), "clients/01J9");
  EXPECT_EQ(ClientOf("clients/"), "");
  EXPECT_EQ(ClientOf("tokens/01J9"), "");
  EXPECT_EQ(ClientOf("staff/jane"), "");
}

}  // namespace
}  // namespace clinic::audit
