// Client names in the ClientRecords SQLite store: duplicates found however a
// name is spaced, cased, accented or composed; search by transliterated,
// folded words; name prefixes that hold nothing searchable refused with a
// status; results paged in folded name order straight from the name index;
// and a database from before the name keys upgraded so its rows are found the
// new way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/core/unicode.h"
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

// Every client row has exactly the name index rows its search names give,
// under its name key and row id, and the index holds nothing else.
void ExpectNameIndexMatchesRows(const std::string& path) {
  auto db = storage::Database::Open(path, storage::Database::Options());
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)
                  ->Read([](storage::Connection& c) {
                    std::set<std::tuple<std::string, std::string, int64_t>> expected;
                    SQLite::Statement rows(
                        c.raw(), "SELECT row_id, search_names, family_key, given_key FROM clients");
                    while (rows.executeStep()) {
                      const std::string name = SearchNameKey(rows.getColumn(2).getString(),
                                                             rows.getColumn(3).getString());
                      for (const std::string& key : NameIndexKeys(rows.getColumn(1).getString())) {
                        expected.emplace(key, name, rows.getColumn(0).getInt64());
                      }
                    }
                    std::set<std::tuple<std::string, std::string, int64_t>> indexed;
                    SQLite::Statement index(
                        c.raw(), "SELECT prefix, name_key, row_id FROM client_name_prefixes");
                    while (index.executeStep()) {
                      indexed.emplace(index.getColumn(0).getString(),
                                      index.getColumn(1).getString(),
                                      index.getColumn(2).getInt64());
                    }
                    EXPECT_FALSE(expected.empty());
                    EXPECT_EQ(indexed, expected);
                    return absl::OkStatus();
                  })
                  .ok());
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
    auto created = store_->CreateClient(request, "staff/tester", client);
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

// The index answers in result order however the matches fall: names drawn
// from a few syllables, so short prefixes match many clients, whole
// stretches of the order match none, and long prefixes and several words
// narrow them; every page of every query, paged 7 at a time, is checked
// against the matches worked out here and sorted by folded family name,
// folded given name and id.
TEST_F(ClientSearchStoreTest, EveryPageComesInFoldedNameOrderFromTheIndex) {
  const std::vector<std::string> syllables = {"an", "na", "ma", "ri",  "li", "lo",
                                              "ké", "so", "ø",  "ber", "tt", "zz"};
  std::mt19937 random(7);
  auto word = [&](int parts) {
    std::string out;
    for (int i = 0; i < parts; ++i) out += syllables[random() % syllables.size()];
    return out;
  };
  std::vector<v1::Client> clients;
  for (int i = 0; i < 400; ++i) {
    v1::Client client = NewClient(word(1 + static_cast<int>(random() % 4)),
                                  i % 9 == 0 ? word(2) + "-" + word(3) : word(2 + (i % 3)));
    if (i % 5 == 0) client.set_preferred_name(word(2));
    // Archived clients are kept out unless asked for.
    if (i % 11 == 0) client.set_state(v1::CLIENT_STATE_ARCHIVED);
    Create(client);
    clients.push_back(client);
  }
  // More whole words beginning "bergmann" than one term walks side by side.
  for (int i = 0; i < 300; ++i) {
    v1::Client client = NewClient(word(2), "Bergmann" + std::to_string(i % 290));
    Create(client);
    clients.push_back(client);
  }
  auto expected = [&](const std::string& prefix, bool archived) {
    const std::vector<std::string> terms = SearchWords(prefix);
    std::vector<std::tuple<std::string, size_t, std::string>> matches;  // name key, order, id
    for (size_t i = 0; i < clients.size(); ++i) {
      const v1::Client& client = clients[i];
      if (!archived && client.state() != v1::CLIENT_STATE_ACTIVE) continue;
      const std::vector<std::string> words = absl::StrSplit(ClientSearchNames(client), ' ');
      const bool all = std::all_of(terms.begin(), terms.end(), [&](const std::string& term) {
        return std::any_of(words.begin(), words.end(),
                           [&](const std::string& w) { return absl::StartsWith(w, term); });
      });
      if (!all) continue;
      matches.emplace_back(
          SearchNameKey(NameKey(client.family_name()), NameKey(client.given_name())), i,
          client.client_id());
    }
    std::sort(matches.begin(), matches.end());
    std::vector<std::string> ids;
    ids.reserve(matches.size());
    for (const auto& match : matches) ids.push_back(std::get<2>(match));
    return ids;
  };
  // The same file through a store whose name walks may examine only three
  // index entries a page: most pages end early, many of them empty, and
  // paging on must still give every match once, in order.
  auto opened = OpenSqliteClientRecordsStore(path_, storage::kMaxPageBudgetBytes,
                                             /*search_steps_per_page=*/3);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::unique_ptr<ClientRecordsStore> hurried = std::move(*opened);
  // Pages that ended early, by whether the search named the birth date.
  int ended_early[2] = {0, 0};
  // With `born`, the search also names the birth date every client here
  // shares: the same matches, found through the birth-date index and each
  // checked against the name.
  auto paged = [&](ClientRecordsStore& store, const std::string& prefix, bool archived,
                   bool born = false) {
    std::vector<std::string> ids;
    v1::SearchClientsRequest request;
    request.set_name_prefix(prefix);
    request.set_page_size(7);
    request.set_include_archived(archived);
    if (born) *request.mutable_date_of_birth() = NewClient("", "").date_of_birth();
    for (int pages = 0; pages < 100000; ++pages) {
      auto found = store.SearchClients(request);
      EXPECT_TRUE(found.ok()) << prefix << ": " << found.status();
      if (!found.ok()) break;
      EXPECT_LE(found->clients_size(), 7);
      for (const auto& c : found->clients()) ids.push_back(c.client_id());
      if (found->next_page_token().empty()) break;
      if (found->clients_size() < 7) ++ended_early[born ? 1 : 0];
      request.set_page_token(found->next_page_token());
    }
    return ids;
  };
  int checked = 0;
  for (const char* prefix :
       {"an",       "ma",       "zz",        "ri",         "ke",           "KÉ",
        "o",        "lo",       "ber",       "bers",       "anna",         "annam",
        "annama",   "berttzz",  "riliso",    "an ma",      "ma an",        "ma ri li",
        "zz an",    "bert lo",  "o ma",      "an anna",    "so so",        "ttzz",
        "mama",     "mamamama", "zzzz",      "xq",         "an xq",        "annamari lo",
        "lo lo lo", "bergmann", "bergmann1", "bergmann 1", "bergmann4 an", "bergmann44",
        "bergmanns"}) {
    if (SearchWords(prefix).size() == 1 && CountCodePoints(SearchWords(prefix)[0]) < 2) {
      continue;  // refused, below
    }
    for (const bool archived : {false, true}) {
      const std::vector<std::string> want = expected(prefix, archived);
      EXPECT_EQ(paged(*store_, prefix, archived), want)
          << prefix << (archived ? " (archived too)" : "");
      EXPECT_EQ(paged(*hurried, prefix, archived), want)
          << prefix << (archived ? " (archived too)" : "") << ", three entries a page";
      EXPECT_EQ(paged(*store_, prefix, archived, /*born=*/true), want)
          << prefix << (archived ? " (archived too)" : "") << ", with the birth date";
      EXPECT_EQ(paged(*hurried, prefix, archived, /*born=*/true), want)
          << prefix << (archived ? " (archived too)" : "")
          << ", with the birth date, three rows a page";
      if (!want.empty()) ++checked;
    }
  }
  EXPECT_GT(checked, 30);
  // Only the hurried store ends pages early: the default budget is never
  // reached by a few hundred clients.
  EXPECT_GT(ended_early[0], 100);
  EXPECT_GT(ended_early[1], 100);
  ExpectNameIndexMatchesRows(path_);
}

// Renames, archiving and restoring keep the index as the rows say.
TEST_F(ClientSearchStoreTest, TheIndexFollowsRenamesAndKeepsOtherUpdatesCheap) {
  v1::Client anna = Create(NewClient("Anna", "Smith")).client();
  v1::Client bo = Create(NewClient("Bo", "Smithers")).client();
  auto update = [&](v1::Client& client, auto mutate) {
    auto updated = store_->UpdateClient(client.client_id(), client.etag(), absl::Now(), mutate);
    ASSERT_TRUE(updated.ok()) << updated.status();
    client = *updated;
  };
  update(anna, [](v1::Client& c) {
    c.set_family_name("Zwick-Smith");
    c.set_preferred_name("Annie");
    return absl::OkStatus();
  });
  update(bo, [](v1::Client& c) {
    c.set_phone("+442079460000");
    return absl::OkStatus();
  });
  update(bo, [](v1::Client& c) {
    c.set_state(v1::CLIENT_STATE_ARCHIVED);
    return absl::OkStatus();
  });
  // Bo is archived; Anna is found by her new family name, its words run
  // together and her preferred name.
  EXPECT_THAT(Found("smith"), ElementsAre("Anna Zwick-Smith"));
  EXPECT_THAT(Found("zwicksm"), ElementsAre("Anna Zwick-Smith"));
  EXPECT_THAT(Found("anni"), ElementsAre("Anna Zwick-Smith"));
  EXPECT_THAT(Found("smithers"), IsEmpty());
  update(bo, [](v1::Client& c) {
    c.set_state(v1::CLIENT_STATE_ACTIVE);
    return absl::OkStatus();
  });
  EXPECT_THAT(Found("smith"), ElementsAre("Bo Smithers", "Anna Zwick-Smith"));
  ExpectNameIndexMatchesRows(path_);
}

// A page of a name search is a range of the index read in order: the plan of
// every walk seeks the primary key and never sorts.
TEST_F(ClientSearchStoreTest, NameWalksReadTheIndexInOrderWithoutSorting) {
  store_.reset();
  auto db = storage::Database::Open(path_, storage::Database::Options());
  ASSERT_TRUE(db.ok());
  for (const char* sql : {kNameIndexWalkSql, kNameIndexWordsSql}) {
    std::vector<std::string> plan;
    ASSERT_TRUE((*db)
                    ->Read([&](storage::Connection& c) {
                      SQLite::Statement explain(c.raw(), std::string("EXPLAIN QUERY PLAN ") + sql);
                      while (explain.executeStep()) {
                        plan.push_back(explain.getColumn(3).getString());
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    EXPECT_THAT(plan, ElementsAre(HasSubstr("USING PRIMARY KEY (prefix")))
        << sql << ": " << ::testing::PrintToString(plan);
  }
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
  auto created = (*store)->CreateClient(request, "staff/tester", NewClient("LUKASZ ", "kowalski"));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->possible_duplicates_size(), 1);
  EXPECT_EQ(created->possible_duplicates(0).client().client_id(), lukasz.client_id());
  store->reset();

  // The search index agrees with the rows it indexes.
  ExpectNameIndexMatchesRows(path);
}

}  // namespace
}  // namespace clinic::client_records
