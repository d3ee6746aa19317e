// Client names in the ClientRecords SQLite store: duplicates found however a
// name is spaced, cased, accented or composed; search by transliterated,
// folded words; name prefixes that hold nothing searchable refused with a
// status, never an FTS5 error; and a database from before the name keys
// upgraded so its rows are found the new way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/storage/database.h"
#include "common/storage/ids.h"
#include "common/storage/migrations.h"
#include "services/client_records/client_name_keys.h"
#include "services/client_records/client_records_schema.h"
#include "services/client_records/client_records_store.h"
#include "services/client_records/sqlite_store.h"
#include "tests/testing/test_env.h"

namespace clinic::client_records {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Client NewClient(const std::string& given, const std::string& family, int year = 1990) {
  v1::Client client;
  const std::string id = storage::NewId();
  client.set_client_id(id);
  client.set_name("clients/" + id);
  client.set_home_site_id("london-soho");
  client.set_given_name(given);
  client.set_family_name(family);
  client.mutable_date_of_birth()->set_year(year);
  client.mutable_date_of_birth()->set_month(3);
  client.mutable_date_of_birth()->set_day(14);
  client.set_state(v1::CLIENT_STATE_ACTIVE);
  return client;
}

class ClientSearchStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    store_.reset();
    auto store = OpenSqliteClientRecordsStore(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  v1::CreateClientResponse Create(const v1::Client& client) {
    v1::CreateClientRequest request;
    request.set_request_id("create-" + client.client_id());
    auto created = store_->CreateClient(request, client);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : v1::CreateClientResponse();
  }

  std::vector<std::string> DuplicatesOf(const v1::Client& client) {
    std::vector<std::string> names;
    const v1::CreateClientResponse created = Create(client);
    for (const auto& d : created.possible_duplicates()) {
      names.push_back(d.client().given_name() + " " + d.client().family_name());
    }
    return names;
  }

  absl::StatusOr<std::vector<std::string>> Search(const std::string& prefix) {
    v1::SearchClientsRequest request;
    request.set_name_prefix(prefix);
    auto found = store_->SearchClients(request);
    if (!found.ok()) return found.status();
    std::vector<std::string> names;
    for (const auto& c : found->clients()) names.push_back(c.given_name() + " " + c.family_name());
    return names;
  }

  std::vector<std::string> Found(const std::string& prefix) {
    auto names = Search(prefix);
    EXPECT_TRUE(names.ok()) << prefix << ": " << names.status();
    return names.ok() ? *names : std::vector<std::string>{"error"};
  }

  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("client_records.db");
  std::unique_ptr<ClientRecordsStore> store_;
};

TEST_F(ClientSearchStoreTest, EverySpellingOfTheSameNameAndBirthDateIsAPossibleDuplicate) {
  Create(NewClient("Zoë", "Dubois"));
  for (const char* zoe : {"  Zoë ", "ZOË", "Zoe\u0308", "Zoë\u00a0", "zoe"}) {
    EXPECT_THAT(DuplicatesOf(NewClient(zoe, "DUBOIS\u00a0")), ::testing::Contains("Zoë Dubois"))
        << zoe;
  }
  EXPECT_THAT(DuplicatesOf(NewClient("Zoë", "Dubois", 1991)), IsEmpty());
  EXPECT_THAT(DuplicatesOf(NewClient("Zoey", "Dubois", 1980)), IsEmpty());

  Create(NewClient("Łukasz", "O'Brien-Müller", 1970));
  v1::CreateClientResponse same = Create(NewClient("LUKASZ", "obrien muller", 1970));
  ASSERT_EQ(same.possible_duplicates_size(), 1);
  EXPECT_EQ(same.possible_duplicates(0).client().given_name(), "Łukasz");
  EXPECT_THAT(same.possible_duplicates(0).reasons(), ElementsAre("same name and date of birth"));
}

// CreateClient runs this on every registration: it must look up indexes,
// never read the whole table.
TEST_F(ClientSearchStoreTest, DuplicateLookupUsesIndexesOnly) {
  store_.reset();
  auto db = storage::Database::Open(path_, storage::Database::Options());
  ASSERT_TRUE(db.ok());
  std::vector<std::string> plan;
  ASSERT_TRUE((*db)
                  ->Read([&](storage::Connection& c) {
                    SQLite::Statement explain(c.raw(),
                                              std::string("EXPLAIN QUERY PLAN ") + kDuplicatesSql);
                    while (explain.executeStep()) plan.push_back(explain.getColumn(3).getString());
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(plan, ::testing::Contains(HasSubstr("USING INDEX clients_by_name_key")));
  EXPECT_THAT(plan, ::testing::Not(::testing::Contains(::testing::StartsWith("SCAN"))));
}

TEST_F(ClientSearchStoreTest, SearchIgnoresCaseAccentsAndScript) {
  Create(NewClient("Łukasz", "Kowalski"));
  Create(NewClient("Anna", "Müller"));
  Create(NewClient("Zoë", "Dubois"));
  Create(NewClient("Дмитрий", "Иванов"));
  Create(NewClient("Ζωή", "Παπαδοπούλου"));
  EXPECT_THAT(Found("lukasz"), ElementsAre("Łukasz Kowalski"));
  EXPECT_THAT(Found("ŁUK"), ElementsAre("Łukasz Kowalski"));
  EXPECT_THAT(Found("muller"), ElementsAre("Anna Müller"));
  // Greek Zoë is "zoe" in Latin letters too.
  EXPECT_THAT(Found("Zoe\u0308"), ElementsAre("Zoë Dubois", "Ζωή Παπαδοπούλου"));
  EXPECT_THAT(Found("zoe dub"), ElementsAre("Zoë Dubois"));
  EXPECT_THAT(Found("dmitr ivan"), ElementsAre("Дмитрий Иванов"));
  EXPECT_THAT(Found("Дмитрий"), ElementsAre("Дмитрий Иванов"));
  EXPECT_THAT(Found("papad"), ElementsAre("Ζωή Παπαδοπούλου"));
}

TEST_F(ClientSearchStoreTest, RenamedClientsAreFoundAndMatchedByTheirNewName) {
  v1::Client client = Create(NewClient("Anna", "Smith")).client();
  auto renamed =
      store_->UpdateClient(client.client_id(), client.etag(), absl::Now(), [](v1::Client& c) {
        c.set_family_name("Łasiewicz");
        return absl::OkStatus();
      });
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_THAT(Found("smith"), IsEmpty());
  EXPECT_THAT(Found("lasiew"), ElementsAre("Anna Łasiewicz"));
  EXPECT_THAT(DuplicatesOf(NewClient("anna", "LASIEWICZ")), ElementsAre("Anna Łasiewicz"));
}

TEST_F(ClientSearchStoreTest, PrefixesWithoutWordsAreRefusedAndOperatorsAreWords) {
  Create(NewClient("Andrea", "Nearing"));
  for (const char* nothing : {" ", "  ", "\"", "*", "-", "^", ":", "()", "\"\"*", "\u00a0"}) {
    auto found = Search(nothing);
    ASSERT_FALSE(found.ok()) << nothing;
    EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument) << nothing;
    EXPECT_THAT(std::string(found.status().message()), HasSubstr("name_prefix")) << nothing;
  }
  // Words FTS5 would read as operators are names to look for.
  EXPECT_THAT(Found("AND"), ElementsAre("Andrea Nearing"));
  EXPECT_THAT(Found("NEAR("), ElementsAre("Andrea Nearing"));
  EXPECT_THAT(Found("\"and\" OR near*"), IsEmpty());  // "or" is a word no name starts with
  EXPECT_THAT(Found("and* near^"), ElementsAre("Andrea Nearing"));
}

TEST(NamePrefixTest, NeedsAWordOfTwoCharacters) {
  auto refused = [](absl::string_view prefix) {
    std::vector<FieldViolation> out;
    ValidateNamePrefix(prefix, "name_prefix", out);
    return out;
  };
  for (const char* short_prefix : {"a", " a ", "a.", "a b", "Ł"}) {
    auto out = refused(short_prefix);
    ASSERT_EQ(out.size(), 1u) << short_prefix;
    EXPECT_EQ(out[0].field, "name_prefix");
    EXPECT_THAT(out[0].description, HasSubstr("minimum is 2 characters"));
  }
  for (const char* nothing : {" ", "*", "\"", "-"}) {
    auto out = refused(nothing);
    ASSERT_EQ(out.size(), 1u) << nothing;
    EXPECT_THAT(out[0].description, HasSubstr("no letters or digits"));
  }
  for (const char* fine : {"", "ab", "a bc", "Zoë", "李", "\xff"}) {
    EXPECT_THAT(refused(fine), IsEmpty()) << fine;
  }
}

// A database written before the name keys: rows inserted as that version's
// store did, then opened by this one.
TEST(ClientNameKeysMigrationTest, RowsFromBeforeTheKeysAreFoundAndMatched) {
  clinic::testing::TempDir dir;
  const std::string path = dir.Join("client_records.db");
  const v1::Client lukasz = NewClient("Łukasz", "Kowalski");
  v1::Client zoe = NewClient("Zoë", "Dubois");
  zoe.set_preferred_name("Zozo");
  {
    std::vector<storage::Migration> before;
    for (const storage::Migration& m : ClientRecordsMigrations()) {
      if (m.sql == kNameKeysSchema) break;
      before.push_back(m);
    }
    ASSERT_LT(before.size(), ClientRecordsMigrations().size());
    auto db = storage::Database::Open(path, storage::Database::Options());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(storage::Migrate(**db, "client records", before).ok());
    ASSERT_TRUE(
        (*db)
            ->Write([&](storage::Connection& c) {
              for (const v1::Client* client : std::vector<const v1::Client*>{&lukasz, &zoe}) {
                SQLite::Statement insert(
                    c.raw(),
                    "INSERT INTO clients (client_id, home_site_id, state, family_name, "
                    "given_name, date_of_birth, phone, email, search_names, update_ms, "
                    "revision, data) VALUES (?, 'london-soho', 1, ?, ?, '1990-03-14', "
                    "'', '', ?, 0, 1, ?)");
                insert.bind(1, client->client_id());
                insert.bind(2, client->family_name());
                insert.bind(3, client->given_name());
                // As the old store indexed names: as written.
                insert.bind(
                    4,
                    client->given_name() + " " + client->family_name() +
                        (client->preferred_name().empty() ? "" : " " + client->preferred_name()));
                const std::string data = client->SerializeAsString();
                insert.bind(5, data.data(), static_cast<int>(data.size()));
                insert.exec();
              }
              return absl::OkStatus();
            })
            .ok());
  }

  auto store = OpenSqliteClientRecordsStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto names = [&](const std::string& prefix) {
    v1::SearchClientsRequest request;
    request.set_name_prefix(prefix);
    auto found = (*store)->SearchClients(request);
    EXPECT_TRUE(found.ok()) << found.status();
    std::vector<std::string> out;
    if (found.ok()) {
      for (const auto& c : found->clients()) out.push_back(c.given_name());
    }
    return out;
  };
  EXPECT_THAT(names("lukasz"), ElementsAre("Łukasz"));
  EXPECT_THAT(names("zoe dub"), ElementsAre("Zoë"));
  EXPECT_THAT(names("zozo"), ElementsAre("Zoë"));

  v1::CreateClientRequest request;
  request.set_request_id("after-upgrade");
  auto created = (*store)->CreateClient(request, NewClient("LUKASZ ", "kowalski"));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->possible_duplicates_size(), 1);
  EXPECT_EQ(created->possible_duplicates(0).client().client_id(), lukasz.client_id());
  store->reset();

  // The search index agrees with the rows it indexes.
  auto db = storage::Database::Open(path, storage::Database::Options());
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE((*db)
                  ->Write([](storage::Connection& c) {
                    c.Exec(
                        "INSERT INTO client_names (client_names, rank) "
                        "VALUES ('integrity-check', 1)");
                    return absl::OkStatus();
                  })
                  .ok());
}

}  // namespace
}  // namespace clinic::client_records
