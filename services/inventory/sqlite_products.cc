// The product catalogue, lots and reorder points, and opening the store.
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/storage/paging.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/inventory_schema.h"
#include "services/inventory/sqlite_store.h"

namespace clinic::inventory {
namespace {

using storage::Connection;

constexpr char kCreateMethod[] = "clinic.v1.Inventory/CreateProduct";

constexpr char kInsertProductSql[] =
    "INSERT INTO products (product_id, sort_key, kind, gtin, discontinued, revision, data) "
    "VALUES (?, ?, ?, ?, ?, 1, ?)";
constexpr char kSelectProductSql[] = "SELECT data, revision FROM products WHERE product_id = ?";
constexpr char kUpdateProductSql[] =
    "UPDATE products SET sort_key = ?, kind = ?, gtin = ?, discontinued = ?, revision = ?, "
    "data = ? WHERE product_id = ?";
constexpr char kProductByGtinSql[] = "SELECT product_id FROM products WHERE gtin = ?";
constexpr char kEverReceivedSql[] = "SELECT 1 FROM lots WHERE product_id = ? LIMIT 1";
// By display name; the cursor is the (sort_key, product_id) of the last item.
constexpr char kListProductsSql[] =
    "SELECT data, revision, sort_key, product_id FROM products "
    "WHERE (?1 = 0 OR kind = ?1) AND (?2 = 1 OR discontinued = 0) "
    "AND (?3 = 0 OR (sort_key, product_id) > (?4, ?5)) "
    "ORDER BY sort_key, product_id LIMIT ?6";
constexpr char kListLotsSql[] =
    "SELECT data, expiry_day, lot_id FROM lots WHERE product_id = ?1 "
    "AND (?2 = '' OR lot_number = ?2) "
    "AND (?3 = 0 OR (expiry_day, lot_id) > (?4, ?5)) ORDER BY expiry_day, lot_id LIMIT ?6";
constexpr char kUpsertReorderSql[] =
    "INSERT INTO reorder_points (site_id, product_id, data) VALUES (?, ?, ?) "
    "ON CONFLICT (site_id, product_id) DO UPDATE SET data = excluded.data";
constexpr char kDeleteReorderSql[] =
    "DELETE FROM reorder_points WHERE site_id = ? AND product_id = ?";

std::string SortKey(const v1::Product& product) {
  return absl::AsciiStrToLower(product.display_name());
}

// Binds the GTIN column: NULL when the product has none, so many products
// without one do not collide on the UNIQUE constraint.
void BindGtin(SQLite::Statement& statement, int index, const v1::Product& product) {
  if (product.gtin().empty()) {
    statement.bind(index);
  } else {
    statement.bind(index, product.gtin());
  }
}

absl::Status GtinTaken(Connection& connection, const v1::Product& product,
                       const std::string& product_id) {
  if (product.gtin().empty()) return absl::OkStatus();
  SQLite::Statement& select = connection.Prepare(kProductByGtinSql);
  select.bind(1, product.gtin());
  if (select.executeStep() && select.getColumn(0).getString() != product_id) {
    const std::string other = kProductName.Format(select.getColumn(0).getString());
    select.reset();
    return WithReason(absl::AlreadyExistsError(
                          absl::StrCat("GTIN ", product.gtin(), " is already the GTIN of ", other)),
                      "GTIN_TAKEN", kDomain);
  }
  select.reset();
  return absl::OkStatus();
}

// The "{key}\n{id}" cursor of a list ordered by a key and an id.
std::string KeyIdCursor(absl::string_view key, absl::string_view id) {
  return absl::StrCat(key, "\n", id);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseKeyIdCursor(
    const storage::PageRequest& page) {
  const size_t split = page.cursor().rfind('\n');
  if (split == std::string::npos) return storage::BadPageToken();
  return std::make_pair(page.cursor().substr(0, split), page.cursor().substr(split + 1));
}

}  // namespace

absl::StatusOr<std::unique_ptr<InventoryStore>> OpenSqliteInventoryStore(const std::string& path,
                                                                         size_t page_budget_bytes,
                                                                         TodayAt today_at) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(path, storage::StoreDatabaseOptions());
  if (!db.ok()) return db.status();
  if (absl::Status status = storage::Migrate(**db, "inventory", InventoryMigrations());
      !status.ok()) {
    return status;
  }
  absl::StatusOr<storage::PageTokens> tokens = storage::PageTokens::ForDatabase(**db);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<InventoryStore>(new SqliteInventoryStore(
      std::move(*db), std::move(*tokens), page_budget_bytes, std::move(today_at)));
}

absl::StatusOr<v1::Product> SqliteInventoryStore::CreateProduct(
    const v1::CreateProductRequest& request, const std::string& caller,
    const v1::Product& product) {
  absl::StatusOr<ResourceName> name = kProductName.Parse(product.name(), "product.name");
  if (!name.ok()) return name.status();
  const std::string product_id = name->id("product_id");
  v1::Product stored;
  absl::Status status =
      WriteOnce(kCreateMethod, caller, request.request_id(), request, &stored,
                [&](Connection& connection, AlertSink&) -> absl::Status {
                  if (absl::Status s = GtinTaken(connection, product, product_id); !s.ok())
                    return s;
                  stored = product;
                  stored.clear_etag();
                  SQLite::Statement& insert = connection.Prepare(kInsertProductSql);
                  insert.bind(1, product_id);
                  insert.bind(2, SortKey(product));
                  insert.bind(3, static_cast<int>(product.kind()));
                  BindGtin(insert, 4, product);
                  insert.bind(5, product.discontinued() ? 1 : 0);
                  storage::BindBlob(insert, 6, stored.SerializeAsString());
                  insert.exec();
                  stored.set_etag(storage::MakeEtag(stored.name(), 1));
                  return absl::OkStatus();
                });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<v1::Product> SqliteInventoryStore::GetProduct(const std::string& product_id) {
  v1::Product product;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectProductSql);
    select.bind(1, product_id);
    if (!select.executeStep()) return ledger::NotFound(kProductName.Format(product_id));
    if (absl::Status s = storage::ParseStored(select.getColumn(0), product, "product"); !s.ok()) {
      return s;
    }
    product.set_etag(storage::MakeEtag(product.name(), select.getColumn(1).getInt64()));
    select.reset();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return product;
}

absl::StatusOr<v1::Product> SqliteInventoryStore::UpdateProduct(const std::string& product_id,
                                                                const std::string& etag,
                                                                absl::Time now,
                                                                const ProductUpdate& update) {
  v1::Product product;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    int64_t revision = 0;
    {
      SQLite::Statement& select = connection.Prepare(kSelectProductSql);
      select.bind(1, product_id);
      if (!select.executeStep()) return ledger::NotFound(kProductName.Format(product_id));
      if (absl::Status s = storage::ParseStored(select.getColumn(0), product, "product"); !s.ok()) {
        return s;
      }
      revision = select.getColumn(1).getInt64();
      select.reset();
    }
    if (absl::Status s =
            storage::CheckEtag(etag, product.name(), revision, /*required=*/true, kDomain);
        !s.ok()) {
      return s;
    }
    bool ever_received = false;
    {
      SQLite::Statement& select = connection.Prepare(kEverReceivedSql);
      select.bind(1, product_id);
      ever_received = select.executeStep();
      select.reset();
    }
    if (absl::Status s = update(product, ever_received); !s.ok()) return s;
    if (absl::Status s = GtinTaken(connection, product, product_id); !s.ok()) return s;
    *product.mutable_update_time() = ToTimestampMillis(now);
    product.clear_etag();
    SQLite::Statement& write = connection.Prepare(kUpdateProductSql);
    write.bind(1, SortKey(product));
    write.bind(2, static_cast<int>(product.kind()));
    BindGtin(write, 3, product);
    write.bind(4, product.discontinued() ? 1 : 0);
    write.bind(5, static_cast<int64_t>(revision + 1));
    storage::BindBlob(write, 6, product.SerializeAsString());
    write.bind(7, product_id);
    write.exec();
    product.set_etag(storage::MakeEtag(product.name(), revision + 1));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return product;
}

absl::StatusOr<v1::ListProductsResponse> SqliteInventoryStore::ListProducts(
    const v1::ListProductsRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListProducts", request, kListPageSizes);
  if (!page.ok()) return page.status();
  std::pair<std::string, std::string> after;
  if (!page->first_page()) {
    absl::StatusOr<std::pair<std::string, std::string>> cursor = ParseKeyIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  v1::ListProductsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListProductsSql);
    select.bind(1, static_cast<int>(request.kind()));
    select.bind(2, request.include_discontinued() ? 1 : 0);
    select.bind(3, page->first_page() ? 0 : 1);
    select.bind(4, after.first);
    select.bind(5, after.second);
    select.bind(6, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      v1::Product product;
      if (absl::Status s = storage::ParseStored(select.getColumn(0), product, "product"); !s.ok()) {
        return s;
      }
      product.set_etag(storage::MakeEtag(product.name(), select.getColumn(1).getInt64()));
      if (!builder.Offer(product, KeyIdCursor(select.getColumn(2).getString(),
                                              select.getColumn(3).getString()))) {
        break;
      }
      *response.add_products() = std::move(product);
    }
    select.reset();
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Lot> SqliteInventoryStore::GetLot(const std::string& product_id,
                                                     const std::string& lot_id) {
  v1::Lot lot;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<LotRow> row = ledger::LoadLot(connection, product_id, lot_id);
    if (!row.ok()) return row.status();
    lot = std::move(row->lot);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return lot;
}

absl::StatusOr<v1::ListLotsResponse> SqliteInventoryStore::ListLots(
    const std::string& product_id, const v1::ListLotsRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListLots", request, kListPageSizes);
  if (!page.ok()) return page.status();
  std::pair<std::string, std::string> after;
  if (!page->first_page()) {
    absl::StatusOr<std::pair<std::string, std::string>> cursor = ParseKeyIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  int64_t after_day = 0;
  if (!page->first_page() && !absl::SimpleAtoi(after.first, &after_day)) {
    return storage::BadPageToken();
  }
  v1::ListLotsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (absl::StatusOr<v1::Product> product = ledger::LoadProduct(connection, product_id);
        !product.ok()) {
      return product.status();
    }
    SQLite::Statement& select = connection.Prepare(kListLotsSql);
    select.bind(1, product_id);
    select.bind(2, request.lot_number());
    select.bind(3, page->first_page() ? 0 : 1);
    select.bind(4, static_cast<int64_t>(after_day));
    select.bind(5, after.second);
    select.bind(6, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      v1::Lot lot;
      if (absl::Status s = storage::ParseStored(select.getColumn(0), lot, "lot"); !s.ok()) {
        return s;
      }
      if (!builder.Offer(lot, KeyIdCursor(absl::StrCat(select.getColumn(1).getInt64()),
                                          select.getColumn(2).getString()))) {
        break;
      }
      *response.add_lots() = std::move(lot);
    }
    select.reset();
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ReorderPoint> SqliteInventoryStore::SetReorderPoint(
    const v1::ReorderPoint& point, const std::string& product_id, absl::Time now) {
  v1::ReorderPoint stored = point;
  *stored.mutable_update_time() = ToTimestampMillis(now);
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    if (absl::StatusOr<v1::Product> product = ledger::LoadProduct(connection, product_id);
        !product.ok()) {
      return product.status();
    }
    if (stored.reorder_point() == 0) {
      SQLite::Statement& erase = connection.Prepare(kDeleteReorderSql);
      erase.bind(1, stored.site_id());
      erase.bind(2, product_id);
      erase.exec();
      return absl::OkStatus();
    }
    SQLite::Statement& upsert = connection.Prepare(kUpsertReorderSql);
    upsert.bind(1, stored.site_id());
    upsert.bind(2, product_id);
    storage::BindBlob(upsert, 3, stored.SerializeAsString());
    upsert.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stored;
}

}  // namespace clinic::inventory
