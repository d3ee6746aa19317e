// Clients and client search in SQLite. See sqlite_store.h.
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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
    "SELECT c.data, c.revision, c.state, c.search_names, c.family_key, c.given_key, c.client_id "
    "FROM clients c WHERE 1";
constexpr char kSearchByPhone[] = " AND c.phone = ?2";
constexpr char kSearchByEmail[] = " AND c.email = ?3";
constexpr char kSearchByBirth[] = " AND c.date_of_birth = ?4";
// The unary + keeps the planner from driving the search off the state index
// (nearly every client is active, so it would scan them all).
constexpr char kSearchActiveOnly[] = " AND +c.state = 1";
constexpr char kSearchAfter[] = " AND (c.family_key, c.given_key, c.client_id) > (?5, ?6, ?7)";
constexpr char kSearchOrder[] = " ORDER BY c.family_key, c.given_key, c.client_id";
constexpr char kSearchLimit[] = " LIMIT ?8";

constexpr char kSearchCandidateSql[] =
    "SELECT data, revision, state, search_names FROM clients WHERE row_id = ?";
constexpr char kInsertNamePrefixSql[] =
    "INSERT OR IGNORE INTO client_name_prefixes (prefix, sort_key, word, row_id) "
    "VALUES (?, ?, ?, ?)";
constexpr char kDeleteNamePrefixSql[] =
    "DELETE FROM client_name_prefixes WHERE prefix = ? AND sort_key = ? AND word = ?";

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
  std::string sort_key;
};

IndexedNames NamesOf(const v1::Client& client) {
  IndexedNames names{ClientSearchNames(client), NameKey(client.family_name()),
                     NameKey(client.given_name()), ""};
  names.sort_key = SearchSortKey(names.family_key, names.given_key, client.client_id());
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
    if (before->search_names == after.search_names && before->sort_key == after.sort_key) return;
    for (const NamePrefixRow& row : NamePrefixRows(before->search_names)) {
      SQLite::Statement& remove = connection.Prepare(kDeleteNamePrefixSql);
      remove.bind(1, row.prefix);
      remove.bind(2, before->sort_key);
      remove.bind(3, row.word);
      remove.exec();
    }
  }
  for (const NamePrefixRow& row : NamePrefixRows(after.search_names)) {
    SQLite::Statement& insert = connection.Prepare(kInsertNamePrefixSql);
    insert.bind(1, row.prefix);
    insert.bind(2, after.sort_key);
    insert.bind(3, row.word);
    insert.bind(4, row_id);
    insert.exec();
  }
}

// One term's walk through its partition of the name index, in result order.
// Rows of one client for several words of the partition are adjacent (same
// sort key), and a term longer than the partition's prefix skips rows whose
// word it does not begin.
class NameIndexWalk {
 public:
  NameIndexWalk(Connection& connection, const char* sql, std::string term)
      : statement_(connection.Prepare(sql)),
        prefix_(IndexedPrefix(term)),
        term_(std::move(term)),
        check_word_(term_.size() > prefix_.size()) {}

  // Moves to the first client at or after `target` in result order whose row
  // matches the term; false when the partition holds none.
  bool SeekTo(const std::string& target) {
    if (positioned_ && key_ >= target) return true;
    // Nearby targets are reached by stepping on; far ones by a new seek.
    for (int steps = 0; positioned_ && steps < kStepsBeforeSeek; ++steps) {
      if (!Step()) return false;
      if (key_ >= target) return true;
    }
    statement_.tryReset();
    statement_.bind(1, prefix_);
    statement_.bind(2, target);
    positioned_ = true;
    if (!Step()) return false;
    return true;
  }

  const std::string& key() const { return key_; }
  int64_t row_id() const { return row_id_; }

 private:
  static constexpr int kStepsBeforeSeek = 8;

  // The next matching row; false (and no longer positioned) at the end.
  bool Step() {
    while (statement_.executeStep()) {
      if (check_word_ && !absl::StartsWith(statement_.getColumn(2).getText(), term_)) continue;
      key_ = statement_.getColumn(0).getString();
      row_id_ = statement_.getColumn(1).getInt64();
      return true;
    }
    positioned_ = false;
    return false;
  }

  SQLite::Statement& statement_;
  std::string prefix_;
  std::string term_;
  bool check_word_;
  bool positioned_ = false;
  std::string key_;
  int64_t row_id_ = 0;
};

// Offers, in result order from after `cursor`, each client whose search
// names match every term, until `offer` (called with the client's row from
// kSearchCandidateSql and its sort key) returns false.
template <typename Offer>
absl::StatusOr<bool> SearchNameIndex(Connection& connection, const std::vector<std::string>& terms,
                                     const std::string& cursor, Offer& offer) {
  // The longest terms are the most selective; the others, and terms of one
  // character (which have no partition), are checked on each client found.
  std::vector<NameIndexWalk> walks;
  walks.reserve(std::size(kNameIndexWalkSql));
  for (const std::string& term : terms) {
    if (walks.size() == std::size(kNameIndexWalkSql)) break;
    if (CountCodePoints(term) < kMinNamePrefixChars) continue;
    walks.emplace_back(connection, kNameIndexWalkSql[walks.size()], term);
  }
  // Clients every walk holds, in order: each walk in turn moves to the
  // largest key any has reached, until one pass finds them all on it (a
  // leapfrog join, so a walk skips the stretches where another has nothing).
  // The smallest key after the cursor is the cursor followed by a zero
  // byte, which no key holds.
  std::string target = cursor.empty() ? std::string() : cursor + std::string(1, '\0');
  while (true) {
    bool agreed = true;
    for (NameIndexWalk& walk : walks) {
      if (!walk.SeekTo(target)) return true;
      if (walk.key() != target) {
        target = walk.key();
        agreed = false;
      }
    }
    if (!agreed) continue;
    SQLite::Statement& candidate = connection.Prepare(kSearchCandidateSql);
    candidate.bind(1, walks.front().row_id());
    if (!candidate.executeStep()) {
      return absl::InternalError("the name index names a client row that is missing");
    }
    absl::StatusOr<bool> more = offer(candidate, target);
    if (!more.ok() || !*more) return more;
    target.push_back('\0');
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
    const std::string& path, size_t page_budget_bytes) {
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
  return std::unique_ptr<ClientRecordsStore>(
      new SqliteClientRecordsStore(std::move(*db), std::move(*tokens), page_budget_bytes));
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
    before.sort_key = SearchSortKey(before.family_key, before.given_key, client_id);
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
  // The cursor is the last client's sort key (SearchSortKey).
  std::vector<std::string> after;
  if (!page->first_page()) {
    after = absl::StrSplit(page->cursor(), '\x01');
    if (after.size() != 3) return storage::BadPageToken();
  }
  const bool by_name_only =
      request.phone().empty() && request.email().empty() && !request.has_date_of_birth();

  v1::SearchClientsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    storage::PageBuilder builder(*page, page_budget_bytes_);
    // Offers a client read from `row` (data, revision, state, search_names);
    // false once the page is complete.
    auto offer = [&](SQLite::Statement& row, const std::string& sort_key) -> absl::StatusOr<bool> {
      if (!request.include_archived() && row.getColumn(2).getInt() != v1::CLIENT_STATE_ACTIVE) {
        return true;
      }
      if (!MatchesNameTerms(row.getColumn(3).getText(), terms)) return true;
      absl::StatusOr<v1::Client> client = ReadClient(row);
      if (!client.ok()) return client.status();
      if (!builder.Offer(*client, sort_key)) return false;
      *response.add_clients() = std::move(*client);
      return true;
    };

    if (by_name_only) {
      absl::StatusOr<bool> done = SearchNameIndex(connection, terms, page->cursor(), offer);
      if (!done.ok()) return done.status();
    } else {
      std::string sql = kSearchSelect;
      if (!request.phone().empty()) sql += kSearchByPhone;
      if (!request.email().empty()) sql += kSearchByEmail;
      if (request.has_date_of_birth()) sql += kSearchByBirth;
      if (!request.include_archived()) sql += kSearchActiveOnly;
      if (!after.empty()) sql += kSearchAfter;
      sql += kSearchOrder;
      // A name to match is checked on each row, so how many rows make a page
      // is not known in advance.
      if (terms.empty()) sql += kSearchLimit;
      SQLite::Statement& select = connection.Prepare(sql.c_str());
      if (!request.phone().empty()) select.bind(2, request.phone());
      if (!request.email().empty()) select.bind(3, request.email());
      if (request.has_date_of_birth()) select.bind(4, DateKey(request.date_of_birth()));
      if (!after.empty()) {
        select.bind(5, after[0]);
        select.bind(6, after[1]);
        select.bind(7, after[2]);
      }
      if (terms.empty()) select.bind(8, page->fetch_limit());
      while (select.executeStep()) {
        const std::string sort_key =
            SearchSortKey(select.getColumn(4).getText(), select.getColumn(5).getText(),
                          select.getColumn(6).getText());
        absl::StatusOr<bool> more = offer(select, sort_key);
        if (!more.ok()) return more.status();
        if (!*more) break;
      }
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::client_records
