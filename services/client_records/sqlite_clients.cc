// Clients and client search in SQLite. See sqlite_store.h.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/core/status.h"
#include "common/core/time.h"
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

// SearchClients conditions, each a constant; the query joins the ones whose
// criterion is set. Parameters are numbered so every fragment binds the same
// way whatever else is present.
constexpr char kSearchSelect[] =
    "SELECT c.data, c.revision, c.family_name, c.given_name, c.client_id FROM clients c WHERE 1";
constexpr char kSearchByName[] =
    " AND c.row_id IN (SELECT rowid FROM client_names WHERE client_names MATCH ?1)";
constexpr char kSearchByPhone[] = " AND c.phone = ?2";
constexpr char kSearchByEmail[] = " AND c.email = ?3";
constexpr char kSearchByBirth[] = " AND c.date_of_birth = ?4";
// The unary + keeps the planner from driving the search off the state index
// (nearly every client is active, so it would scan them all).
constexpr char kSearchActiveOnly[] = " AND +c.state = 1";
constexpr char kSearchAfter[] =
    " AND (c.family_name COLLATE NOCASE, c.given_name COLLATE NOCASE, c.client_id) > "
    "(?5, ?6, ?7)";
constexpr char kSearchOrder[] =
    " ORDER BY c.family_name COLLATE NOCASE, c.given_name COLLATE NOCASE, c.client_id LIMIT ?8";

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

void BindClientColumns(SQLite::Statement& statement, const v1::Client& client, int first) {
  statement.bind(first, client.home_site_id());
  statement.bind(first + 1, static_cast<int>(client.state()));
  statement.bind(first + 2, client.family_name());
  statement.bind(first + 3, client.given_name());
  statement.bind(first + 4, DateKey(client.date_of_birth()));
  statement.bind(first + 5, client.phone());
  statement.bind(first + 6, client.email());
  statement.bind(first + 7, ClientSearchNames(client));
  statement.bind(first + 8, static_cast<int64_t>(Millis(client.update_time())));
  statement.bind(first + 9, NameKey(client.family_name()));
  statement.bind(first + 10, NameKey(client.given_name()));
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
  absl::Status status =
      storage::WriteOnce(*db_, kCreateMethod, caller, request.request_id(), request, &response,
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
                             if (duplicates.getColumn(3).getInt() != 0)
                               duplicate->add_reasons("same phone");
                             if (duplicates.getColumn(4).getInt() != 0)
                               duplicate->add_reasons("same email");
                           }

                           SQLite::Statement& insert = connection.Prepare(kInsertClientSql);
                           insert.bind(1, client.client_id());
                           BindClientColumns(insert, client, 2);
                           const std::string data = client.SerializeAsString();
                           insert.bind(13, data.data(), static_cast<int>(data.size()));
                           insert.exec();
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
    SQLite::Statement& select = connection.Prepare(kSelectClientSql);
    select.bind(1, client_id);
    const std::string name = kClientName.Format(client_id);
    if (!select.executeStep()) return NotFound(name);
    const int64_t revision = select.getColumn(1).getInt64();
    if (absl::Status s = ParseStored(select.getColumn(0), client, "client"); !s.ok()) return s;
    if (absl::Status s = storage::CheckEtag(etag, name, revision, /*required=*/true, kDomain);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = mutation(client); !s.ok()) return s;
    *client.mutable_update_time() = ToTimestampMillis(now);
    client.clear_etag();
    SQLite::Statement& update = connection.Prepare(kUpdateClientSql);
    BindClientColumns(update, client, 1);
    const std::string data = client.SerializeAsString();
    update.bind(12, data.data(), static_cast<int>(data.size()));
    update.bind(13, client_id);
    update.bind(14, static_cast<int64_t>(revision));
    update.exec();
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
  std::string name_query;
  if (!request.name_prefix().empty()) {
    absl::StatusOr<std::string> built = NameMatchQuery(request.name_prefix(), "name_prefix");
    if (!built.ok()) return built.status();
    name_query = std::move(*built);
  }
  // The cursor holds family name, given name and id, separated by 0x1f.
  std::vector<std::string> after;
  if (!page->first_page()) {
    after = absl::StrSplit(page->cursor(), '\x1f');
    if (after.size() != 3) return storage::BadPageToken();
  }

  v1::SearchClientsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    std::string sql = kSearchSelect;
    if (!request.name_prefix().empty()) sql += kSearchByName;
    if (!request.phone().empty()) sql += kSearchByPhone;
    if (!request.email().empty()) sql += kSearchByEmail;
    if (request.has_date_of_birth()) sql += kSearchByBirth;
    if (!request.include_archived()) sql += kSearchActiveOnly;
    if (!after.empty()) sql += kSearchAfter;
    sql += kSearchOrder;

    SQLite::Statement& select = connection.Prepare(sql.c_str());
    if (!request.name_prefix().empty()) select.bind(1, name_query);
    if (!request.phone().empty()) select.bind(2, request.phone());
    if (!request.email().empty()) select.bind(3, request.email());
    if (request.has_date_of_birth()) select.bind(4, DateKey(request.date_of_birth()));
    if (!after.empty()) {
      select.bind(5, after[0]);
      select.bind(6, after[1]);
      select.bind(7, after[2]);
    }
    select.bind(8, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      absl::StatusOr<v1::Client> client = ReadClient(select);
      if (!client.ok()) return client.status();
      const std::string key =
          absl::StrCat(select.getColumn(2).getString(), "\x1f", select.getColumn(3).getString(),
                       "\x1f", select.getColumn(4).getString());
      if (!builder.Offer(*client, key)) break;
      *response.add_clients() = std::move(*client);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::client_records
