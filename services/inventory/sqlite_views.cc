// What the ledger adds up to: movements, stock levels, low and expiring
// stock, alerts, and the check that balances and ledger agree.
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/paging.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/sqlite_store.h"

namespace clinic::inventory {
namespace {

using storage::Connection;

constexpr char kSelectMovementSql[] =
    "SELECT data FROM movements WHERE movement_id = ? AND site_id = ?";
constexpr char kListMovementsSql[] =
    "SELECT data, create_ms, movement_id FROM movements WHERE site_id = ?1 "
    "AND (?2 = '' OR product_id = ?2) AND (?3 = '' OR lot_id = ?3) AND (?4 = 0 OR type = ?4) "
    "AND (?5 = 0 OR create_ms >= ?5) AND (?6 = 0 OR create_ms < ?6) "
    "AND (?7 = 0 OR (create_ms, movement_id) < (?8, ?9)) "
    "ORDER BY create_ms DESC, movement_id DESC LIMIT ?10";
constexpr char kListStockSql[] =
    "SELECT s.site_id, s.usable, s.quarantined, s.recalled, p.sort_key, p.data, l.data, "
    "l.expiry_day, l.recalled, s.lot_id FROM stock s JOIN lots l ON l.lot_id = s.lot_id "
    "JOIN products p ON p.product_id = s.product_id "
    "WHERE (?1 = '' OR s.site_id = ?1) AND (?2 = '' OR s.product_id = ?2) "
    "AND (?3 = 1 OR s.usable + s.quarantined + s.recalled > 0) "
    "AND (?4 = 0 OR (s.site_id, p.sort_key, l.expiry_day, s.lot_id) > (?5, ?6, ?7, ?8)) "
    "ORDER BY s.site_id, p.sort_key, l.expiry_day, s.lot_id LIMIT ?9";
// The sites and their last day come in as a JSON object, so one statement
// serves any set of sites without building SQL.
constexpr char kListExpiringSql[] =
    "WITH through (site_id, day) AS (SELECT key, value FROM json_each(?1)) "
    "SELECT s.site_id, s.usable, s.quarantined, s.recalled, p.sort_key, p.data, l.data, "
    "l.expiry_day, l.recalled, s.lot_id FROM stock s JOIN through t ON t.site_id = s.site_id "
    "JOIN lots l ON l.lot_id = s.lot_id JOIN products p ON p.product_id = s.product_id "
    "WHERE l.expiry_day <= t.day AND l.recalled = 0 AND s.usable + s.quarantined > 0 "
    "AND (?2 = 0 OR (l.expiry_day, s.site_id, s.lot_id) > (?3, ?4, ?5)) "
    "ORDER BY l.expiry_day, s.site_id, s.lot_id LIMIT ?6";
constexpr char kUnwarnedExpiringSql[] =
    "WITH through (site_id, day) AS (SELECT key, value FROM json_each(?1)) "
    "SELECT s.site_id, s.product_id, s.lot_id, s.usable + s.quarantined FROM stock s "
    "JOIN through t ON t.site_id = s.site_id JOIN lots l ON l.lot_id = s.lot_id "
    "WHERE l.expiry_day <= t.day AND l.recalled = 0 AND s.usable + s.quarantined > 0 "
    "AND NOT EXISTS (SELECT 1 FROM expiry_warnings w WHERE w.site_id = s.site_id "
    "AND w.lot_id = s.lot_id) ORDER BY l.expiry_day, s.site_id, s.lot_id";
constexpr char kInsertWarningSql[] = "INSERT INTO expiry_warnings (site_id, lot_id) VALUES (?, ?)";
constexpr char kReorderPointsSql[] =
    "SELECT r.site_id, r.product_id, r.data, p.data FROM reorder_points r "
    "JOIN products p ON p.product_id = r.product_id WHERE (?1 = '' OR r.site_id = ?1) "
    "ORDER BY r.site_id, p.sort_key, r.product_id";
constexpr char kAlertsAfterSql[] =
    "SELECT event_id, site_id, data FROM alerts WHERE event_id > ? ORDER BY event_id LIMIT ?";
constexpr char kLatestAlertSql[] = "SELECT COALESCE(MAX(event_id), 0) FROM alerts";
constexpr char kCheckLedgerSql[] =
    "SELECT s.site_id, s.lot_id, s.usable, s.quarantined, s.recalled, COALESCE(m.u, 0), "
    "COALESCE(m.q, 0), COALESCE(m.r, 0) FROM stock s LEFT JOIN (SELECT site_id, lot_id, "
    "SUM(usable_change) AS u, SUM(quarantined_change) AS q, SUM(recalled_change) AS r "
    "FROM movements GROUP BY site_id, lot_id) m ON m.site_id = s.site_id AND m.lot_id = s.lot_id "
    "WHERE s.usable != COALESCE(m.u, 0) OR s.quarantined != COALESCE(m.q, 0) "
    "OR s.recalled != COALESCE(m.r, 0)";
constexpr char kMovementsWithoutStockSql[] =
    "SELECT DISTINCT m.site_id, m.lot_id FROM movements m WHERE NOT EXISTS (SELECT 1 FROM stock s "
    "WHERE s.site_id = m.site_id AND s.lot_id = m.lot_id)";

// Most low-stock items one answer lists (inventory.proto).
constexpr int kMaxLowStock = 1000;

// {"site": day, ...}: site ids are identifiers (letters, digits, '-' and
// '_', checked when the configuration loads), so they need no escaping.
std::string ThroughJson(const DayBySite& through) {
  std::string json = "{";
  for (const auto& [site_id, day] : through) {
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", site_id, "\":", day);
  }
  json += "}";
  return json;
}

// A stock level from a row of kListStockSql or kListExpiringSql.
absl::StatusOr<v1::StockLevel> LevelOf(SQLite::Statement& row, int today) {
  v1::StockLevel level;
  v1::Product product;
  v1::Lot lot;
  if (absl::Status s = storage::ParseStored(row.getColumn(5), product, "product"); !s.ok())
    return s;
  if (absl::Status s = storage::ParseStored(row.getColumn(6), lot, "lot"); !s.ok()) return s;
  level.set_site_id(row.getColumn(0).getString());
  level.set_product(product.name());
  level.set_product_display_name(product.display_name());
  level.set_lot(lot.name());
  level.set_lot_number(lot.lot_number());
  *level.mutable_expiry_date() = lot.expiry_date();
  level.mutable_balance()->set_usable(row.getColumn(1).getInt64());
  level.mutable_balance()->set_quarantined(row.getColumn(2).getInt64());
  level.mutable_balance()->set_recalled(row.getColumn(3).getInt64());
  level.set_expired(row.getColumn(7).getInt() < today);
  level.set_recalled(row.getColumn(8).getInt() != 0);
  return level;
}

// A cursor of several keys, '\n'-separated (keys are single-line text).
std::string JoinCursor(std::initializer_list<std::string> keys) {
  return absl::StrJoin(keys, "\n");
}

absl::StatusOr<std::vector<std::string>> SplitCursor(const storage::PageRequest& page,
                                                     size_t parts) {
  std::vector<std::string> keys = absl::StrSplit(page.cursor(), '\n');
  if (keys.size() != parts) return storage::BadPageToken();
  return keys;
}

}  // namespace

absl::StatusOr<v1::Movement> SqliteInventoryStore::GetMovement(const std::string& site_id,
                                                               const std::string& movement_id) {
  v1::Movement movement;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectMovementSql);
    select.bind(1, movement_id);
    select.bind(2, site_id);
    if (!select.executeStep()) {
      return ledger::NotFound(kMovementName.Format(site_id, movement_id));
    }
    if (absl::Status s = storage::ParseStored(select.getColumn(0), movement, "movement"); !s.ok()) {
      return s;
    }
    select.reset();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return movement;
}

absl::StatusOr<v1::ListMovementsResponse> SqliteInventoryStore::ListMovements(
    const v1::ListMovementsRequest& request, const MovementFilter& filter) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListMovements", request, kListPageSizes);
  if (!page.ok()) return page.status();
  storage::TimeIdCursor after;
  if (!page->first_page()) {
    absl::StatusOr<storage::TimeIdCursor> cursor = storage::ParseTimeIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  v1::ListMovementsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListMovementsSql);
    select.bind(1, request.site_id());
    select.bind(2, filter.product_id);
    select.bind(3, filter.lot_id);
    select.bind(4, static_cast<int>(filter.type));
    select.bind(5, static_cast<int64_t>(filter.start_ms));
    select.bind(6, static_cast<int64_t>(filter.end_ms));
    select.bind(7, page->first_page() ? 0 : 1);
    select.bind(8, static_cast<int64_t>(after.unix_ms));
    select.bind(9, after.id);
    select.bind(10, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      v1::Movement movement;
      if (absl::Status s = storage::ParseStored(select.getColumn(0), movement, "movement");
          !s.ok()) {
        return s;
      }
      storage::TimeIdCursor cursor{select.getColumn(1).getInt64(), select.getColumn(2).getString()};
      if (!builder.Offer(movement, cursor.Format())) break;
      *response.add_movements() = std::move(movement);
    }
    select.reset();
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListStockResponse> SqliteInventoryStore::ListStock(
    const v1::ListStockRequest& request, const std::string& product_id) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListStock", request, kStockPageSizes);
  if (!page.ok()) return page.status();
  std::vector<std::string> after(4);
  int64_t after_day = 0;
  if (!page->first_page()) {
    absl::StatusOr<std::vector<std::string>> keys = SplitCursor(*page, 4);
    if (!keys.ok()) return keys.status();
    after = *std::move(keys);
    if (!absl::SimpleAtoi(after[2], &after_day)) return storage::BadPageToken();
  }
  v1::ListStockResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListStockSql);
    select.bind(1, request.site_id());
    select.bind(2, product_id);
    select.bind(3, request.include_empty() ? 1 : 0);
    select.bind(4, page->first_page() ? 0 : 1);
    select.bind(5, after[0]);
    select.bind(6, after[1]);
    select.bind(7, static_cast<int64_t>(after_day));
    select.bind(8, after[3]);
    select.bind(9, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      const std::string site_id = select.getColumn(0).getString();
      absl::StatusOr<v1::StockLevel> level = LevelOf(select, today_at_(site_id));
      if (!level.ok()) return level.status();
      const std::string cursor = JoinCursor({site_id, select.getColumn(4).getString(),
                                             absl::StrCat(select.getColumn(7).getInt64()),
                                             select.getColumn(9).getString()});
      if (!builder.Offer(*level, cursor)) break;
      *response.add_levels() = *std::move(level);
    }
    select.reset();
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListLowStockResponse> SqliteInventoryStore::ListLowStock(
    const std::string& site_id) {
  v1::ListLowStockResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    std::vector<v1::LowStock> candidates;
    {
      SQLite::Statement& select = connection.Prepare(kReorderPointsSql);
      select.bind(1, site_id);
      while (select.executeStep()) {
        v1::LowStock item;
        v1::Product product;
        if (absl::Status s = storage::ParseStored(select.getColumn(2),
                                                  *item.mutable_reorder_point(), "reorder point");
            !s.ok()) {
          return s;
        }
        if (absl::Status s = storage::ParseStored(select.getColumn(3), product, "product");
            !s.ok()) {
          return s;
        }
        item.set_product_display_name(product.display_name());
        candidates.push_back(std::move(item));
      }
      select.reset();
    }
    for (v1::LowStock& item : candidates) {
      const v1::ReorderPoint& point = item.reorder_point();
      absl::StatusOr<ResourceName> product = kProductName.Parse(point.product(), "product");
      if (!product.ok()) return absl::DataLossError("a stored reorder point has a damaged name");
      const int64_t usable = ledger::UsableOf(
          connection, point.site_id(), product->id("product_id"), today_at_(point.site_id()));
      if (usable >= point.reorder_point()) continue;
      item.set_usable(usable);
      *response.add_items() = std::move(item);
      if (response.items_size() == kMaxLowStock) break;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListExpiringStockResponse> SqliteInventoryStore::ListExpiringStock(
    const v1::ListExpiringStockRequest& request, const DayBySite& through) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListExpiringStock", request, kStockPageSizes);
  if (!page.ok()) return page.status();
  std::vector<std::string> after(3);
  int64_t after_day = 0;
  if (!page->first_page()) {
    absl::StatusOr<std::vector<std::string>> keys = SplitCursor(*page, 3);
    if (!keys.ok()) return keys.status();
    after = *std::move(keys);
    if (!absl::SimpleAtoi(after[0], &after_day)) return storage::BadPageToken();
  }
  v1::ListExpiringStockResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListExpiringSql);
    select.bind(1, ThroughJson(through));
    select.bind(2, page->first_page() ? 0 : 1);
    select.bind(3, static_cast<int64_t>(after_day));
    select.bind(4, after[1]);
    select.bind(5, after[2]);
    select.bind(6, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      const std::string site_id = select.getColumn(0).getString();
      absl::StatusOr<v1::StockLevel> level = LevelOf(select, today_at_(site_id));
      if (!level.ok()) return level.status();
      const std::string cursor = JoinCursor(
          {absl::StrCat(select.getColumn(7).getInt64()), site_id, select.getColumn(9).getString()});
      if (!builder.Offer(*level, cursor)) break;
      *response.add_levels() = *std::move(level);
    }
    select.reset();
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<int> SqliteInventoryStore::RaiseExpiryAlerts(const DayBySite& through,
                                                            absl::Time now) {
  int raised = 0;
  AlertSink sink;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    raised = 0;
    sink = AlertSink();
    struct Due {
      std::string site_id, product_id, lot_id;
      int64_t units;
    };
    std::vector<Due> due;
    {
      SQLite::Statement& select = connection.Prepare(kUnwarnedExpiringSql);
      select.bind(1, ThroughJson(through));
      while (select.executeStep()) {
        due.push_back({select.getColumn(0).getString(), select.getColumn(1).getString(),
                       select.getColumn(2).getString(), select.getColumn(3).getInt64()});
      }
      select.reset();
    }
    for (const Due& item : due) {
      absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, item.product_id, item.lot_id);
      if (!lot.ok()) return lot.status();
      v1::Alert alert;
      alert.set_kind(v1::ALERT_KIND_EXPIRING_SOON);
      *alert.mutable_create_time() = ToTimestampMillis(now);
      alert.set_site_id(item.site_id);
      alert.set_product(kProductName.Format(item.product_id));
      alert.set_lot(lot->lot.name());
      alert.set_quantity(item.units);
      *alert.mutable_expiry_date() = lot->lot.expiry_date();
      const v1::Date& expiry = lot->lot.expiry_date();
      alert.set_message(absl::StrCat(
          ledger::LotLabel(connection, *lot), " expires on ",
          absl::StrFormat("%04d-%02d-%02d", expiry.year(), expiry.month(), expiry.day()), "; ",
          item.units, " units on hand at site ", Quote(item.site_id)));
      if (absl::Status s = ledger::Raise(connection, alert, sink); !s.ok()) return s;
      SQLite::Statement& mark = connection.Prepare(kInsertWarningSql);
      mark.bind(1, item.site_id);
      mark.bind(2, item.lot_id);
      mark.exec();
      ++raised;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (sink.newest > 0) {
    std::lock_guard<std::mutex> lock(listener_mutex_);
    if (listener_) listener_(sink.newest);
  }
  return raised;
}

absl::StatusOr<AlertPage> SqliteInventoryStore::AlertsAfter(const std::string& site_id,
                                                            int64_t after_event_id, int limit) {
  AlertPage page;
  page.position = after_event_id;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kAlertsAfterSql);
    select.bind(1, static_cast<int64_t>(after_event_id));
    select.bind(2, limit);
    while (select.executeStep()) {
      page.position = select.getColumn(0).getInt64();
      if (!site_id.empty() && select.getColumn(1).getString() != site_id) continue;
      v1::Alert alert;
      if (absl::Status s = storage::ParseStored(select.getColumn(2), alert, "alert"); !s.ok()) {
        return s;
      }
      page.alerts.push_back(std::move(alert));
    }
    select.reset();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<int64_t> SqliteInventoryStore::LatestAlertId() {
  int64_t latest = 0;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kLatestAlertSql);
    if (select.executeStep()) latest = select.getColumn(0).getInt64();
    select.reset();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return latest;
}

absl::StatusOr<std::vector<std::string>> SqliteInventoryStore::CheckLedger() {
  std::vector<std::string> problems;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kCheckLedgerSql);
    while (select.executeStep()) {
      problems.push_back(absl::StrCat(
          "site ", select.getColumn(0).getString(), " lot ", select.getColumn(1).getString(),
          ": balance ", select.getColumn(2).getInt64(), "/", select.getColumn(3).getInt64(), "/",
          select.getColumn(4).getInt64(), " but the ledger adds up to ",
          select.getColumn(5).getInt64(), "/", select.getColumn(6).getInt64(), "/",
          select.getColumn(7).getInt64()));
    }
    select.reset();
    SQLite::Statement& orphans = connection.Prepare(kMovementsWithoutStockSql);
    while (orphans.executeStep()) {
      problems.push_back(absl::StrCat("site ", orphans.getColumn(0).getString(), " lot ",
                                      orphans.getColumn(1).getString(),
                                      ": movements but no balance"));
    }
    orphans.reset();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return problems;
}

}  // namespace clinic::inventory
