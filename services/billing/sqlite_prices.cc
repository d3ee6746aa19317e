// Price lists in the SQLite store: tax rates and prices, each in force from
// a day until a later one of the same category or item takes over, and the
// package plans a site sells. Opening the store is here too.
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/list_rows.h"
#include "services/billing/billing_names.h"
#include "services/billing/billing_schema.h"
#include "services/billing/sqlite_store.h"

namespace clinic::billing {
namespace {

using storage::Connection;

constexpr char kSetTaxRateMethod[] = "clinic.v1.Billing/SetTaxRate";
constexpr char kSetPriceMethod[] = "clinic.v1.Billing/SetPrice";
constexpr char kCreatePlanMethod[] = "clinic.v1.Billing/CreatePackagePlan";

constexpr char kInsertTaxRateSql[] =
    "INSERT INTO tax_rates (tax_rate_id, site_id, category, effective_day, rate_basis_points, "
    "data) VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kTaxRateOnSql[] =
    "SELECT rate_basis_points FROM tax_rates WHERE site_id = ? AND category = ? "
    "AND effective_day <= ? ORDER BY effective_day DESC, sequence DESC LIMIT 1";
constexpr char kTaxRateRowOnSql[] =
    "SELECT data FROM tax_rates WHERE site_id = ? AND category = ? "
    "AND effective_day <= ? ORDER BY effective_day DESC, sequence DESC LIMIT 1";
// The recorded rates, newest first; a site records a few a year.
constexpr char kListTaxRatesSql[] =
    "SELECT data FROM tax_rates WHERE site_id = ? ORDER BY sequence DESC LIMIT 1000";
constexpr char kInsertPriceSql[] =
    "INSERT INTO prices (price_id, site_id, item_key, effective_day, withdrawn, data) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kPriceOnSql[] =
    "SELECT data, withdrawn FROM prices WHERE site_id = ? AND item_key = ? "
    "AND effective_day <= ? ORDER BY effective_day DESC, sequence DESC LIMIT 1";
// The price list on a day: per item, the newest price effective by then,
// unless it withdraws the item. Ordered by item key.
constexpr char kPriceListSql[] =
    "SELECT data, item_key FROM prices p WHERE site_id = ?1 AND withdrawn = 0 "
    "AND sequence = (SELECT q.sequence FROM prices q WHERE q.site_id = p.site_id "
    "AND q.item_key = p.item_key AND q.effective_day <= ?2 "
    "ORDER BY q.effective_day DESC, q.sequence DESC LIMIT 1) "
    "AND item_key > ?3 ORDER BY item_key LIMIT ?4";
constexpr char kPriceHistorySql[] =
    "SELECT data, sequence FROM prices WHERE site_id = ?1 AND (?2 = 0 OR sequence < ?2) "
    "ORDER BY sequence DESC LIMIT ?3";
constexpr char kInsertPlanSql[] =
    "INSERT INTO package_plans (plan_id, site_id, sort_key, data) VALUES (?, ?, ?, ?)";
constexpr char kSelectPlanSql[] =
    "SELECT data FROM package_plans WHERE plan_id = ? AND site_id = ?";
constexpr char kListPlansSql[] =
    "SELECT data, sort_key, plan_id FROM package_plans WHERE site_id = ?1 "
    "AND (?2 = 0 OR (sort_key, plan_id) > (?3, ?4)) ORDER BY sort_key, plan_id LIMIT ?5";

// The "{key}\n{id}" cursor of a list ordered by a key and an id.
absl::StatusOr<std::pair<std::string, std::string>> ParseKeyIdCursor(
    const storage::PageRequest& page) {
  const size_t split = page.cursor().rfind('\n');
  if (split == std::string::npos) return storage::BadPageToken();
  return std::make_pair(page.cursor().substr(0, split), page.cursor().substr(split + 1));
}

constexpr v1::TaxCategory kCategories[] = {v1::TAX_CATEGORY_MEDICAL_TREATMENT,
                                           v1::TAX_CATEGORY_COSMETIC_TREATMENT,
                                           v1::TAX_CATEGORY_RETAIL_PRODUCT, v1::TAX_CATEGORY_FEE};

}  // namespace

std::string ItemKey(const v1::PricedItem& item) {
  switch (item.item_case()) {
    case v1::PricedItem::kTreatment:
      return item.treatment().area_id().empty()
                 ? absl::StrCat("treatment:", item.treatment().treatment_type_id())
                 : absl::StrCat("treatment:", item.treatment().treatment_type_id(), ":",
                                item.treatment().area_id());
    case v1::PricedItem::kProduct:
      return absl::StrCat("product:", item.product());
    case v1::PricedItem::kFeeId:
      return absl::StrCat("fee:", item.fee_id());
    case v1::PricedItem::kPackagePlan:
      return absl::StrCat("plan:", item.package_plan());
    case v1::PricedItem::ITEM_NOT_SET:
      break;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<BillingStore>> OpenSqliteBillingStore(const std::string& path,
                                                                     size_t page_budget_bytes) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(path, storage::StoreDatabaseOptions());
  if (!db.ok()) return db.status();
  if (absl::Status status = storage::Migrate(**db, "billing", BillingMigrations()); !status.ok()) {
    return status;
  }
  absl::StatusOr<storage::PageTokens> tokens = storage::PageTokens::ForDatabase(**db);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<BillingStore>(
      new SqliteBillingStore(std::move(*db), std::move(*tokens), page_budget_bytes));
}

namespace books {

int TaxRateOn(Connection& connection, const SiteTerms& site, v1::TaxCategory category, int day) {
  SQLite::Statement& select = connection.Prepare(kTaxRateOnSql);
  select.bind(1, site.site_id);
  select.bind(2, static_cast<int>(category));
  select.bind(3, day);
  const int rate = select.executeStep() ? select.getColumn(0).getInt() : site.configured_tax_rate;
  select.reset();
  return rate;
}

absl::StatusOr<absl::optional<v1::Price>> PriceOn(Connection& connection,
                                                  const std::string& site_id,
                                                  const std::string& item_key, int day) {
  SQLite::Statement& select = connection.Prepare(kPriceOnSql);
  select.bind(1, site_id);
  select.bind(2, item_key);
  select.bind(3, day);
  absl::optional<v1::Price> found;
  if (select.executeStep() && select.getColumn(1).getInt() == 0) {
    v1::Price price;
    if (absl::Status s = storage::ParseStored(select.getColumn(0), price, "price"); !s.ok()) {
      select.reset();
      return s;
    }
    found = std::move(price);
  }
  select.reset();
  return found;
}

}  // namespace books

absl::StatusOr<v1::TaxRate> SqliteBillingStore::SetTaxRate(const v1::SetTaxRateRequest& request,
                                                           const std::string& caller,
                                                           const v1::TaxRate& rate) {
  v1::TaxRate response;
  absl::Status status =
      storage::WriteOnce(*db_, kSetTaxRateMethod, caller, request.request_id(), request, &response,
                         [&](Connection& connection) -> absl::Status {
                           response = rate;
                           const std::string id = storage::NewId();
                           response.set_name(kTaxRateName.Format(rate.site_id(), id));
                           SQLite::Statement& insert = connection.Prepare(kInsertTaxRateSql);
                           insert.bind(1, id);
                           insert.bind(2, rate.site_id());
                           insert.bind(3, static_cast<int>(rate.category()));
                           insert.bind(4, DayNumber(rate.effective_from()));
                           insert.bind(5, rate.rate_basis_points());
                           storage::BindBlob(insert, 6, response.SerializeAsString());
                           insert.exec();
                           return absl::OkStatus();
                         });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListTaxRatesResponse> SqliteBillingStore::ListTaxRates(
    const SiteTerms& site, absl::optional<int> as_of) {
  v1::ListTaxRatesResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    if (!as_of.has_value()) {
      SQLite::Statement& select = connection.Prepare(kListTaxRatesSql);
      select.bind(1, site.site_id);
      while (select.executeStep()) {
        if (absl::Status s =
                storage::ParseStored(select.getColumn(0), *response.add_tax_rates(), "tax rate");
            !s.ok()) {
          return s;
        }
      }
      select.reset();
      return absl::OkStatus();
    }
    for (v1::TaxCategory category : kCategories) {
      SQLite::Statement& select = connection.Prepare(kTaxRateRowOnSql);
      select.bind(1, site.site_id);
      select.bind(2, static_cast<int>(category));
      select.bind(3, *as_of);
      v1::TaxRate& rate = *response.add_tax_rates();
      if (select.executeStep()) {
        if (absl::Status s = storage::ParseStored(select.getColumn(0), rate, "tax rate"); !s.ok()) {
          return s;
        }
      } else {
        // No recorded rate: the site's configured one, in force always.
        rate.set_site_id(site.site_id);
        rate.set_category(category);
        rate.set_rate_basis_points(site.configured_tax_rate);
        rate.set_from_site_config(true);
      }
      select.reset();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Price> SqliteBillingStore::SetPrice(const v1::SetPriceRequest& request,
                                                       const std::string& caller,
                                                       const v1::Price& price,
                                                       const std::string& item_key) {
  v1::Price response;
  absl::Status status =
      storage::WriteOnce(*db_, kSetPriceMethod, caller, request.request_id(), request, &response,
                         [&](Connection& connection) -> absl::Status {
                           response = price;
                           const std::string id = storage::NewId();
                           response.set_name(kPriceName.Format(price.site_id(), id));
                           SQLite::Statement& insert = connection.Prepare(kInsertPriceSql);
                           insert.bind(1, id);
                           insert.bind(2, price.site_id());
                           insert.bind(3, item_key);
                           insert.bind(4, DayNumber(price.effective_from()));
                           insert.bind(5, price.withdrawn() ? 1 : 0);
                           storage::BindBlob(insert, 6, response.SerializeAsString());
                           insert.exec();
                           return absl::OkStatus();
                         });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListPricesResponse> SqliteBillingStore::ListPrices(
    const v1::ListPricesRequest& request, int day) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListPrices", request, kListPageSizes);
  if (!page.ok()) return page.status();
  int64_t after_sequence = 0;
  if (request.include_history() && !page->first_page() &&
      (!absl::SimpleAtoi(page->cursor(), &after_sequence) || after_sequence <= 0)) {
    return storage::BadPageToken();
  }
  v1::ListPricesResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement* select = nullptr;
    if (request.include_history()) {
      select = &connection.Prepare(kPriceHistorySql);
      select->bind(1, request.site_id());
      select->bind(2, after_sequence);
      select->bind(3, page->fetch_limit());
    } else {
      select = &connection.Prepare(kPriceListSql);
      select->bind(1, request.site_id());
      select->bind(2, day);
      select->bind(3, page->cursor());
      select->bind(4, page->fetch_limit());
    }
    absl::StatusOr<std::string> next = storage::FillPage<v1::Price>(
        *select, *page, page_budget_bytes_, "price",
        [](SQLite::Statement& row) { return row.getColumn(1).getString(); },
        [](SQLite::Statement&, v1::Price&) { return absl::OkStatus(); },
        [&](v1::Price&& price) { *response.add_prices() = std::move(price); });
    if (!next.ok()) return next.status();
    response.set_next_page_token(*next);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::PackagePlan> SqliteBillingStore::CreatePackagePlan(
    const v1::CreatePackagePlanRequest& request, const std::string& caller,
    const v1::PackagePlan& plan) {
  v1::PackagePlan response;
  absl::Status status =
      storage::WriteOnce(*db_, kCreatePlanMethod, caller, request.request_id(), request, &response,
                         [&](Connection& connection) -> absl::Status {
                           response = plan;
                           const std::string id = storage::NewId();
                           response.set_name(kPackagePlanName.Format(plan.site_id(), id));
                           SQLite::Statement& insert = connection.Prepare(kInsertPlanSql);
                           insert.bind(1, id);
                           insert.bind(2, plan.site_id());
                           insert.bind(3, absl::AsciiStrToLower(plan.display_name()));
                           storage::BindBlob(insert, 4, response.SerializeAsString());
                           insert.exec();
                           return absl::OkStatus();
                         });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::PackagePlan> SqliteBillingStore::GetPackagePlan(const std::string& site_id,
                                                                   const std::string& plan_id) {
  v1::PackagePlan response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectPlanSql);
    select.bind(1, plan_id);
    select.bind(2, site_id);
    if (!select.executeStep()) return books::NotFound(kPackagePlanName.Format(site_id, plan_id));
    absl::Status parsed = storage::ParseStored(select.getColumn(0), response, "package plan");
    select.reset();
    return parsed;
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListPackagePlansResponse> SqliteBillingStore::ListPackagePlans(
    const v1::ListPackagePlansRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListPackagePlans", request, kListPageSizes);
  if (!page.ok()) return page.status();
  std::pair<std::string, std::string> after;
  if (!page->first_page()) {
    absl::StatusOr<std::pair<std::string, std::string>> cursor = ParseKeyIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  v1::ListPackagePlansResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListPlansSql);
    select.bind(1, request.site_id());
    select.bind(2, page->first_page() ? 0 : 1);
    select.bind(3, after.first);
    select.bind(4, after.second);
    select.bind(5, page->fetch_limit());
    absl::StatusOr<std::string> next = storage::FillPage<v1::PackagePlan>(
        select, *page, page_budget_bytes_, "package plan",
        [](SQLite::Statement& row) {
          return absl::StrCat(row.getColumn(1).getString(), "\n", row.getColumn(2).getString());
        },
        [](SQLite::Statement&, v1::PackagePlan&) { return absl::OkStatus(); },
        [&](v1::PackagePlan&& plan) { *response.add_plans() = std::move(plan); });
    if (!next.ok()) return next.status();
    response.set_next_page_token(*next);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::billing
