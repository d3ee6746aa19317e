// Clients and client search in SQLite. See sqlite_store.h.
#include <cstdint>
#include <iterator>
#include <queue>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "common/core/unicode.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "services/client_records/client_name_keys.h"
#include "services/client_records/client_records_names.h"
#include "services/client_records/client_records_schema.h"
#include "services/client_records/sqlite_store.h"

namespace clinic::client_records {
namespace {

using storage::Connection;

constexpr char kCreateMethod[] = "clinic.v1.ClientRecords/CreateClient";

constexpr char kInsertClientSql[] =
    "INSERT INTO clients (client_id, home_site_id, state, family_name, given_name, "
    "date_of_birth, phone, email, search_names, update_ms, family_key, given_key, revision, "
    "data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)";
constexpr char kSelectClientSql[] = "SELECT data, revision FROM clients WHERE client_id = ?";
// With what the row holds for search, which an update replaces.
constexpr char kSelectClientForUpdateSql[] =
    "SELECT data, revision, row_id, search_names, family_key, given_key FROM clients "
    "WHERE client_id = ?";
constexpr char kUpdateClientSql[] =
    "UPDATE clients SET home_site_id = ?, state = ?, family_name = ?, given_name = ?, "
    "date_of_birth = ?, phone = ?, email = ?, search_names = ?, update_ms = ?, "
    "family_key = ?, given_key = ?, revision = revision + 1, data = ? "
    "WHERE client_id = ? AND revision = ?";
constexpr char kExistsSql[] = "SELECT 1 FROM clients WHERE client_id = ?";

// ListClients: one statement per combination of filters, chosen (never
// assembled from request text) by which filters are set, so each gets its
// own plan over the matching index.
constexpr const char* kListClientsSql[2][2][2] = {
    // [site][updated_since][cursor]
    {{"SELECT data, revision FROM clients WHERE state = ?1 "
      "ORDER BY client_id DESC LIMIT ?5",
      "SELECT data, revision FROM clients WHERE state = ?1 AND client_id < ?4 "
      "ORDER BY client_id DESC LIMIT ?5"},
     {"SELECT data, revision FROM clients WHERE state = ?1 AND update_ms >= ?3 "
      "ORDER BY client_id DESC LIMIT ?5",
      "SELECT data, revision FROM clients WHERE state = ?1 AND update_ms >= ?3 "
      "AND client_id < ?4 ORDER BY client_id DESC LIMIT ?5"}},
    {{"SELECT data, revision FROM clients WHERE state = ?1 AND home_site_id = ?2 "
      "ORDER BY client_id DESC LIMIT ?5",
      "SELECT data, revision FROM clients WHERE state = ?1 AND home_site_id = ?2 "
      "AND client_id < ?4 ORDER BY client_id DESC LIMIT ?5"},
     {"SELECT data, revision FROM clients WHERE state = ?1 AND home_site_id = ?2 "
      "AND update_ms >= ?3 ORDER BY client_id DESC LIMIT ?5",
      "SELECT data, revision FROM clients WHERE state = ?1 AND home_site_id = ?2 "
      "AND update_ms >= ?3 AND client_id < ?4 ORDER BY client_id DESC LIMIT ?5"}}};

// SearchClients by phone, email or date of birth (a name prefix given too is
// checked on each row): conditions, each a constant; the query joins the
// ones whose criterion is set. Parameters are numbered so every fragment
// binds the same way whatever else is present. Those criteria match few
// clients, whose rows are sorted into result order.
constexpr char kSearchSelect[] =
    "SELECT c.data, c.revision, c.state, c.search_names, c.family_key, c.given_key, c.row_id "
    "FROM clients c WHERE 1";
constexpr char kSearchByPhone[] = " AND c.phone = ?2";
constexpr char kSearchByEmail[] = " AND c.email = ?3";
constexpr char kSearchByBirth[] = " AND c.date_of_birth = ?4";
// The unary + keeps the planner from driving the search off the state index
// (nearly every client is active, so it would scan them all).
constexpr char kSearchActiveOnly[] = " AND +c.state = 1";
constexpr char kSearchAfter[] = " AND (c.family_key, c.given_key, c.row_id) > (?5, ?6, ?7)";
constexpr char kSearchOrder[] = " ORDER BY c.family_key, c.given_key, c.row_id";
constexpr char kSearchLimit[] = " LIMIT ?8";

constexpr char kSearchCandidateSql[] =
    "SELECT data, revision, state, search_names FROM clients WHERE row_id = ?";
constexpr char kInsertNamePrefixSql[] =
    "INSERT OR IGNORE INTO client_name_prefixes (prefix, name_key, row_id) VALUES (?, ?, ?)";
constexpr char kDeleteNamePrefixSql[] =
    "DELETE FROM client_name_prefixes WHERE prefix = ? AND name_key = ? AND row_id = ?";

std::string DateKey(const v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

int64_t Millis(const google::protobuf::Timestamp& timestamp) {
  return TimestampToUnixMillis(timestamp);
}

// A client read from a row, with its etag.
absl::StatusOr<v1::Client> ReadClient(SQLite::Statement& row) {
  v1::Client client;
  if (absl::Status status = ParseStored(row.getColumn(0), client, "client"); !status.ok()) {
    return status;
  }
  client.set_etag(storage::MakeEtag(client.name(), row.getColumn(1).getInt64()));
  return client;
}

// What a client's row holds for search and duplicates, computed once per
// write.
struct IndexedNames {
  std::string search_names;
  std::string family_key;
  std::string given_key;
  std::string name_key;
};

IndexedNames NamesOf(const v1::Client& client) {
  IndexedNames names{ClientSearchNames(client), NameKey(client.family_name()),
                     NameKey(client.given_name()), ""};
  names.name_key = SearchNameKey(names.family_key, names.given_key);
  return names;
}

void BindClientColumns(SQLite::Statement& statement, const v1::Client& client,
                       const IndexedNames& names, int first) {
  statement.bind(first, client.home_site_id());
  statement.bind(first + 1, static_cast<int>(client.state()));
  statement.bind(first + 2, client.family_name());
  statement.bind(first + 3, client.given_name());
  statement.bind(first + 4, DateKey(client.date_of_birth()));
  statement.bind(first + 5, client.phone());
  statement.bind(first + 6, client.email());
  statement.bind(first + 7, names.search_names);
  statement.bind(first + 8, static_cast<int64_t>(Millis(client.update_time())));
  statement.bind(first + 9, names.family_key);
  statement.bind(first + 10, names.given_key);
}

// Brings a client's rows of the name index from what `before` indexed (none
// for a new client) to what `after` does. A rename replaces them all; other
// updates leave them alone.
void UpdateNameIndex(Connection& connection, int64_t row_id, const IndexedNames* before,
                     const IndexedNames& after) {
  if (before != nullptr) {
    if (before->search_names == after.search_names && before->name_key == after.name_key) return;
    for (const std::string& key : NameIndexKeys(before->search_names)) {
      SQLite::Statement& remove = connection.Prepare(kDeleteNamePrefixSql);
      remove.bind(1, key);
      remove.bind(2, before->name_key);
      remove.bind(3, row_id);
      remove.exec();
    }
  }
  for (const std::string& key : NameIndexKeys(after.search_names)) {
    SQLite::Statement& insert = connection.Prepare(kInsertNamePrefixSql);
    insert.bind(1, key);
    insert.bind(2, after.name_key);
    insert.bind(3, row_id);
    insert.exec();
  }
}

// A client's place in search results.
struct SearchKey {
  std::string name;  // SearchNameKey
  int64_t row_id = 0;

  friend bool operator<(const SearchKey& a, const SearchKey& b) {
    return a.name != b.name ? a.name < b.name : a.row_id < b.row_id;
  }
  friend bool operator==(const SearchKey& a, const SearchKey& b) {
    return a.row_id == b.row_id && a.name == b.name;
  }
  friend bool operator!=(const SearchKey& a, const SearchKey& b) { return !(a == b); }
  friend bool operator>=(const SearchKey& a, const SearchKey& b) { return !(a < b); }
};

// A page cursor: the name key and row id of the last client, joined by 0x01
// (the name key holds one already, so a cursor splits into three parts).
std::string SearchCursor(const SearchKey& key) {
  return absl::StrCat(key.name, "\x01", key.row_id);
}

absl::StatusOr<SearchKey> ParseSearchCursor(absl::string_view cursor) {
  const std::vector<absl::string_view> parts = absl::StrSplit(cursor, '\x01');
  SearchKey key;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &key.row_id)) {
    return storage::BadPageToken();
  }
  key.name = absl::StrCat(parts[0], "\x01", parts[1]);
  return key;
}

// The most whole words one term is walked through side by side; a term
// beginning more reads its indexed prefix instead, and each client found
// there is checked.
constexpr size_t kMaxWordsPerTerm = 256;

// The clients whose search names hold a word one term begins, in result
// order: one index range for a term of up to kIndexedPrefixChars characters,
// the ranges of the whole words it begins for a longer one, merged, or, when
// those are too many, the range of its indexed prefix (a superset). The
// ranges share one statement: each range's next client is kept, and a range
// is read again only when the walk passes it, so a term beginning hundreds
// of words costs a seek per word and then one per client passed.
class TermWalk {
 public:
  // `sql` is kNameIndexWalkSql made distinct for this walk, so walks do not
  // share a statement.
  // Every entry read and every seek made is counted in `steps`.
  TermWalk(Connection& connection, const std::string& sql, const std::string& term, size_t& steps)
      : statement_(&connection.Prepare(sql.c_str())), steps_(&steps) {
    if (CountCodePoints(term) <= kIndexedPrefixChars) {
      keys_.push_back(term);
    } else {
      // Every key from the term up to the term followed by 0xFF (which UTF-8
      // never holds) begins with the term.
      const std::string end = term + "\xff";
      std::string from = term;
      SQLite::Statement& words = connection.Prepare(kNameIndexWordsSql);
      while (keys_.size() <= kMaxWordsPerTerm) {
        ++*steps_;
        words.tryReset();
        words.bind(1, from);
        words.bind(2, end);
        if (!words.executeStep()) break;
        keys_.push_back(words.getColumn(0).getString());
        // The key after this one: it followed by a zero byte, which no key
        // holds.
        from = keys_.back() + std::string(1, '\0');
      }
      if (keys_.size() > kMaxWordsPerTerm) keys_ = {IndexedPrefix(term)};
    }
  }

  // Moves to the first client at or after `target`; false when none is left.
  bool SeekTo(const SearchKey& target) {
    if (!started_) {
      started_ = true;
      for (size_t range = 0; range < keys_.size(); ++range) Read(range, target);
    }
    while (!heads_.empty() && heads_.top().at < target) {
      const size_t range = heads_.top().range;
      heads_.pop();
      Read(range, target);
    }
    return !heads_.empty();
  }

  const SearchKey& at() const { return heads_.top().at; }

 private:
  struct Head {
    SearchKey at;
    size_t range;
    // Orders the queue smallest first.
    friend bool operator<(const Head& a, const Head& b) { return b.at < a.at; }
  };
  static constexpr int kStepsBeforeSeek = 8;

  // Queues the first client of `range` at or after `target`, if any.
  void Read(size_t range, const SearchKey& target) {
    SearchKey at;
    // The statement still sits in this range: a nearby target is reached by
    // stepping on, a far one by a new seek.
    if (positioned_range_ == range) {
      for (int steps = 0; steps < kStepsBeforeSeek; ++steps) {
        if (!Step(at)) return;
        if (at >= target) {
          heads_.push({std::move(at), range});
          return;
        }
      }
    }
    ++*steps_;
    statement_->tryReset();
    statement_->bind(1, keys_[range]);
    statement_->bind(2, target.name);
    statement_->bind(3, target.row_id);
    positioned_range_ = range;
    if (Step(at)) heads_.push({std::move(at), range});
  }

  // The statement's next row; false at the end of its range.
  bool Step(SearchKey& at) {
    ++*steps_;
    if (!statement_->executeStep()) {
      positioned_range_ = kNone;
      return false;
    }
    at.name = statement_->getColumn(0).getString();
    at.row_id = statement_->getColumn(1).getInt64();
    return true;
  }

  static constexpr size_t kNone = ~size_t{0};
  SQLite::Statement* statement_;
  size_t* steps_;
  std::vector<std::string> keys_;
  std::priority_queue<Head> heads_;
  size_t positioned_range_ = kNone;
  bool started_ = false;
};

// The most terms walked side by side; further ones (the shortest) are checked
// on each client found.
constexpr size_t kMaxWalkedTerms = 4;

// Offers, in result order from after `cursor`, each client whose search
// names match every term, until `offer` (called with the client's row from
// kSearchCandidateSql and its cursor) returns false or the walks run past
// `max_steps` index entries and seeks. Then the place to go on from: the
// first client not yet looked at. Nothing when the walks reached their end
// or `offer` said the page is full.
template <typename Offer>
absl::StatusOr<absl::optional<SearchKey>> SearchNameIndex(Connection& connection,
                                                          const std::vector<std::string>& terms,
                                                          const absl::optional<SearchKey>& cursor,
                                                          size_t max_steps, Offer& offer) {
  size_t steps = 0;
  // Terms come longest first, the most selective.
  std::vector<TermWalk> walks;
  walks.reserve(std::min(terms.size(), kMaxWalkedTerms));
  for (const std::string& term : terms) {
    if (walks.size() == kMaxWalkedTerms) break;
    walks.emplace_back(connection, absl::StrCat(kNameIndexWalkSql, " /* ", walks.size(), " */"),
                       term, steps);
  }
  // Clients every walk holds, in order: each walk in turn moves to the
  // largest place any has reached, until one pass finds them all on it (a
  // leapfrog join, so a walk skips the stretches where another has nothing).
  SearchKey target;
  if (cursor.has_value()) {
    target = *cursor;
    ++target.row_id;
  }
  for (bool first = true;; first = false) {
    // Every pass moves `target` on, so a page that stops here still moves
    // the search on, whatever the budget.
    if (!first && steps >= max_steps) return absl::optional<SearchKey>(target);
    bool agreed = true;
    for (TermWalk& walk : walks) {
      if (!walk.SeekTo(target)) return absl::optional<SearchKey>();
      if (walk.at() != target) {
        target = walk.at();
        agreed = false;
      }
    }
    if (!agreed) continue;
    ++steps;
    SQLite::Statement& candidate = connection.Prepare(kSearchCandidateSql);
    candidate.bind(1, target.row_id);
    if (!candidate.executeStep()) {
      return absl::InternalError("the name index names a client row that is missing");
    }
    absl::StatusOr<bool> more = offer(candidate, SearchCursor(target));
    if (!more.ok()) return more.status();
    if (!*more) return absl::optional<SearchKey>();
    ++target.row_id;
  }
}

}  // namespace

absl::Status NotFound(absl::string_view resource_name) {
  return storage::NotFound(resource_name, kDomain);
}

bool ClientExists(Connection& connection, const std::string& client_id) {
  SQLite::Statement& exists = connection.Prepare(kExistsSql);
  exists.bind(1, client_id);
  return exists.executeStep();
}

absl::StatusOr<std::unique_ptr<ClientRecordsStore>> OpenSqliteClientRecordsStore(
    const std::string& path, size_t page_budget_bytes, size_t search_steps_per_page) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(path, storage::StoreDatabaseOptions());
  if (!db.ok()) return db.status();
  // The name-keys migration computes keys in SQL with these.
  if (absl::Status status = (*db)->Write([](Connection& connection) {
        RegisterNameKeyFunctions(connection.raw());
        return absl::OkStatus();
      });
      !status.ok()) {
    return status;
  }
  if (absl::Status status = storage::Migrate(**db, "client records", ClientRecordsMigrations());
      !status.ok()) {
    return status;
  }
  absl::StatusOr<storage::PageTokens> tokens = storage::PageTokens::ForDatabase(**db);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<ClientRecordsStore>(new SqliteClientRecordsStore(
      std::move(*db), std::move(*tokens), page_budget_bytes, search_steps_per_page));
}

absl::StatusOr<v1::CreateClientResponse> SqliteClientRecordsStore::CreateClient(
    const v1::CreateClientRequest& request, const std::string& caller, const v1::Client& client) {
  v1::CreateClientResponse response;
  absl::Status status = storage::WriteOnce(
      *db_, kCreateMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        SQLite::Statement& duplicates = connection.Prepare(kDuplicatesSql);
        duplicates.bind(1, NameKey(client.family_name()));
        duplicates.bind(2, NameKey(client.given_name()));
        duplicates.bind(3, DateKey(client.date_of_birth()));
        duplicates.bind(4, client.phone());
        duplicates.bind(5, client.email());
        while (duplicates.executeStep()) {
          absl::StatusOr<v1::Client> existing = ReadClient(duplicates);
          if (!existing.ok()) return existing.status();
          v1::PossibleDuplicate* duplicate = response.add_possible_duplicates();
          *duplicate->mutable_client() = std::move(*existing);
          if (duplicates.getColumn(2).getInt() != 0) {
            duplicate->add_reasons("same name and date of birth");
          }
          if (duplicates.getColumn(3).getInt() != 0) duplicate->add_reasons("same phone");
          if (duplicates.getColumn(4).getInt() != 0) duplicate->add_reasons("same email");
        }

        SQLite::Statement& insert = connection.Prepare(kInsertClientSql);
        insert.bind(1, client.client_id());
        const IndexedNames names = NamesOf(client);
        BindClientColumns(insert, client, names, 2);
        const std::string data = client.SerializeAsString();
        insert.bind(13, data.data(), static_cast<int>(data.size()));
        insert.exec();
        UpdateNameIndex(connection, connection.raw().getLastInsertRowid(), nullptr, names);
        *response.mutable_client() = client;
        response.mutable_client()->set_etag(storage::MakeEtag(client.name(), 1));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Client> SqliteClientRecordsStore::GetClient(const std::string& client_id) {
  absl::StatusOr<v1::Client> client;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectClientSql);
    select.bind(1, client_id);
    if (!select.executeStep()) return NotFound(kClientName.Format(client_id));
    client = ReadClient(select);
    return client.status();
  });
  if (!status.ok()) return status;
  return client;
}

absl::StatusOr<v1::Client> SqliteClientRecordsStore::UpdateClient(const std::string& client_id,
                                                                  const std::string& etag,
                                                                  absl::Time now,
                                                                  const ClientMutation& mutation) {
  v1::Client client;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectClientForUpdateSql);
    select.bind(1, client_id);
    const std::string name = kClientName.Format(client_id);
    if (!select.executeStep()) return NotFound(name);
    const int64_t revision = select.getColumn(1).getInt64();
    if (absl::Status s = ParseStored(select.getColumn(0), client, "client"); !s.ok()) return s;
    const int64_t row_id = select.getColumn(2).getInt64();
    IndexedNames before{select.getColumn(3).getString(), select.getColumn(4).getString(),
                        select.getColumn(5).getString(), ""};
    before.name_key = SearchNameKey(before.family_key, before.given_key);
    if (absl::Status s = storage::CheckEtag(etag, name, revision, /*required=*/true, kDomain);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = mutation(client); !s.ok()) return s;
    *client.mutable_update_time() = ToTimestampMillis(now);
    client.clear_etag();
    SQLite::Statement& update = connection.Prepare(kUpdateClientSql);
    const IndexedNames after = NamesOf(client);
    BindClientColumns(update, client, after, 1);
    const std::string data = client.SerializeAsString();
    update.bind(12, data.data(), static_cast<int>(data.size()));
    update.bind(13, client_id);
    update.bind(14, static_cast<int64_t>(revision));
    update.exec();
    UpdateNameIndex(connection, row_id, &before, after);
    client.set_etag(storage::MakeEtag(name, revision + 1));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return client;
}

absl::StatusOr<v1::ListClientsResponse> SqliteClientRecordsStore::ListClients(
    const v1::ListClientsRequest& request) {
  absl::StatusOr<storage::PageRequest> page = storage::StartPage(tokens_, "ListClients", request);
  if (!page.ok()) return page.status();
  const v1::ClientState state =
      request.state() == v1::CLIENT_STATE_UNSPECIFIED ? v1::CLIENT_STATE_ACTIVE : request.state();
  const int64_t since = request.has_updated_since() ? Millis(request.updated_since()) : 0;

  v1::ListClientsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    const char* sql =
        kListClientsSql[request.home_site_id().empty() ? 0 : 1][request.has_updated_since() ? 1 : 0]
                       [page->first_page() ? 0 : 1];
    SQLite::Statement& select = connection.Prepare(sql);
    select.bind(1, static_cast<int>(state));
    if (!request.home_site_id().empty()) select.bind(2, request.home_site_id());
    if (request.has_updated_since()) select.bind(3, static_cast<int64_t>(since));
    if (!page->first_page()) select.bind(4, page->cursor());
    select.bind(5, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      absl::StatusOr<v1::Client> client = ReadClient(select);
      if (!client.ok()) return client.status();
      if (!builder.Offer(*client, client->client_id())) break;
      *response.add_clients() = std::move(*client);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::SearchClientsResponse> SqliteClientRecordsStore::SearchClients(
    const v1::SearchClientsRequest& request) {
  absl::StatusOr<storage::PageRequest> page = storage::StartPage(tokens_, "SearchClients", request);
  if (!page.ok()) return page.status();
  std::vector<std::string> terms;
  if (!request.name_prefix().empty()) {
    absl::StatusOr<std::vector<std::string>> found =
        NameSearchTerms(request.name_prefix(), "name_prefix");
    if (!found.ok()) return found.status();
    terms = std::move(*found);
  }
  absl::optional<SearchKey> after;
  if (!page->first_page()) {
    absl::StatusOr<SearchKey> parsed = ParseSearchCursor(page->cursor());
    if (!parsed.ok()) return parsed.status();
    after = std::move(*parsed);
  }
  const bool by_name_only =
      request.phone().empty() && request.email().empty() && !request.has_date_of_birth();

  v1::SearchClientsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    storage::PageBuilder builder(*page, page_budget_bytes_);
    // Offers a client read from `row` (data, revision, state, search_names);
    // false once the page is complete.
    auto offer = [&](SQLite::Statement& row, const std::string& cursor) -> absl::StatusOr<bool> {
      if (!request.include_archived() && row.getColumn(2).getInt() != v1::CLIENT_STATE_ACTIVE) {
        return true;
      }
      if (!MatchesNameTerms(row.getColumn(3).getText(), terms)) return true;
      absl::StatusOr<v1::Client> client = ReadClient(row);
      if (!client.ok()) return client.status();
      if (!builder.Offer(*client, cursor)) return false;
      *response.add_clients() = std::move(*client);
      return true;
    };

    if (by_name_only) {
      absl::StatusOr<absl::optional<SearchKey>> stopped =
          SearchNameIndex(connection, terms, after, search_steps_per_page_, offer);
      if (!stopped.ok()) return stopped.status();
      if (stopped->has_value()) {
        // The next page starts at the first client not looked at: resume
        // after the place just before it.
        SearchKey before = **stopped;
        --before.row_id;
        builder.StopAt(SearchCursor(before));
      }
    } else {
      std::string sql = kSearchSelect;
      if (!request.phone().empty()) sql += kSearchByPhone;
      if (!request.email().empty()) sql += kSearchByEmail;
      if (request.has_date_of_birth()) sql += kSearchByBirth;
      if (!request.include_archived()) sql += kSearchActiveOnly;
      if (after.has_value()) sql += kSearchAfter;
      sql += kSearchOrder;
      // A name to match is checked on each row, so how many rows make a page
      // is not known in advance.
      if (terms.empty()) sql += kSearchLimit;
      SQLite::Statement& select = connection.Prepare(sql.c_str());
      if (!request.phone().empty()) select.bind(2, request.phone());
      if (!request.email().empty()) select.bind(3, request.email());
      if (request.has_date_of_birth()) select.bind(4, DateKey(request.date_of_birth()));
      if (after.has_value()) {
        const std::vector<absl::string_view> names = absl::StrSplit(after->name, '\x01');
        select.bind(5, std::string(names[0]));
        select.bind(6, std::string(names[1]));
        select.bind(7, after->row_id);
      }
      if (terms.empty()) select.bind(8, page->fetch_limit());
      size_t examined = 0;
      while (select.executeStep()) {
        const std::string cursor = SearchCursor(
            {SearchNameKey(select.getColumn(4).getText(), select.getColumn(5).getText()),
             select.getColumn(6).getInt64()});
        absl::StatusOr<bool> more = offer(select, cursor);
        if (!more.ok()) return more.status();
        if (!*more) break;
        // Bounded as a walk of the name index is: a birth date thousands
        // share, with a name few of them have, ends pages early.
        if (++examined >= search_steps_per_page_) {
          builder.StopAt(cursor);
          break;
        }
      }
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::client_records
