// Packages and treatment charges in the SQLite store: selling a course onto
// the client's draft invoice, using its sessions, and charging a treatment
// from a package or onto the draft, once per treatment record.
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/list_rows.h"
#include "services/billing/billing_names.h"
#include "services/billing/sqlite_store.h"

namespace clinic::billing {
namespace {

using storage::Connection;

constexpr char kSellMethod[] = "clinic.v1.Billing/SellPackage";
constexpr char kRedeemMethod[] = "clinic.v1.Billing/RedeemPackage";
constexpr char kChargeMethod[] = "clinic.v1.Billing/ChargeTreatment";

constexpr char kSelectPackageSql[] =
    "SELECT data, void, expire_ms FROM packages WHERE package_id = ? AND client_id = ?";
constexpr char kRedemptionsSql[] =
    "SELECT data FROM redemptions WHERE package_id = ? ORDER BY sequence";
constexpr char kInsertPackageSql[] =
    "INSERT INTO packages (package_id, client_id, site_id, treatment_type_id, sessions_total, "
    "expire_ms, void, invoice_id, line_id, create_ms, data) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, "
    "?)";
constexpr char kInsertRedemptionSql[] =
    "INSERT INTO redemptions (redemption_id, package_id, site_id, treatment_record, create_ms, "
    "data) VALUES (?, ?, ?, ?, ?, ?)";
// The client's packages for a treatment type that may still have sessions
// to use, the first to expire first.
constexpr char kCandidatesSql[] =
    "SELECT package_id FROM packages WHERE client_id = ? AND treatment_type_id = ? "
    "AND void = 0 AND expire_ms > ? ORDER BY expire_ms, create_ms, package_id";
constexpr char kChargeOfRecordSql[] =
    "SELECT charge_id, site_id FROM treatment_charges WHERE treatment_record = ?";
constexpr char kInsertChargeSql[] =
    "INSERT INTO treatment_charges (charge_id, site_id, treatment_record, create_ms, data) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr char kListPackagesSql[] =
    "SELECT data, package_id, create_ms, void, expire_ms FROM packages WHERE client_id = ?1 "
    "AND (?2 = 0 OR (create_ms, package_id) < (?3, ?4)) "
    "ORDER BY create_ms DESC, package_id DESC LIMIT ?5";

// Adds redemptions and the state as of `now` to a package read from its
// row.
absl::Status Complete(Connection& connection, const std::string& package_id, bool void_,
                      int64_t expire_ms, absl::Time now, v1::Package& package) {
  SQLite::Statement& select = connection.Prepare(kRedemptionsSql);
  select.bind(1, package_id);
  package.clear_redemptions();
  while (select.executeStep()) {
    if (absl::Status s =
            storage::ParseStored(select.getColumn(0), *package.add_redemptions(), "redemption");
        !s.ok()) {
      select.reset();
      return s;
    }
  }
  select.reset();
  package.set_sessions_used(package.redemptions_size());
  if (void_) {
    package.set_state(v1::PACKAGE_STATE_VOID);
  } else if (package.sessions_used() >= package.sessions_total()) {
    package.set_state(v1::PACKAGE_STATE_USED_UP);
  } else if (absl::ToUnixMillis(now) >= expire_ms) {
    package.set_state(v1::PACKAGE_STATE_EXPIRED);
  } else {
    package.set_state(v1::PACKAGE_STATE_ACTIVE);
  }
  return absl::OkStatus();
}

}  // namespace

namespace packages {

absl::StatusOr<PackageRow> Load(Connection& connection, const std::string& client_id,
                                const std::string& package_id, absl::Time now) {
  PackageRow row;
  row.client_id = client_id;
  row.package_id = package_id;
  {
    SQLite::Statement& select = connection.Prepare(kSelectPackageSql);
    select.bind(1, package_id);
    select.bind(2, client_id);
    if (!select.executeStep()) return books::NotFound(kPackageName.Format(client_id, package_id));
    absl::Status parsed = storage::ParseStored(select.getColumn(0), row.package, "package");
    row.void_ = select.getColumn(1).getInt() != 0;
    row.expire_ms = select.getColumn(2).getInt64();
    select.reset();
    if (!parsed.ok()) return parsed;
  }
  if (absl::Status s = Complete(connection, package_id, row.void_, row.expire_ms, now, row.package);
      !s.ok()) {
    return s;
  }
  return row;
}

absl::Status CheckUsable(const PackageRow& row, const std::string& site_id,
                         const std::string& treatment_type_id, absl::Time /*now*/) {
  const v1::Package& package = row.package;
  switch (package.state()) {
    case v1::PACKAGE_STATE_VOID:
      return books::Refused("PACKAGE_VOID", absl::StrCat(package.name(), " is void"));
    case v1::PACKAGE_STATE_USED_UP:
      return books::Refused("PACKAGE_USED_UP",
                            absl::StrCat(package.name(), " has no sessions left (",
                                         package.sessions_total(), " used)"));
    case v1::PACKAGE_STATE_EXPIRED:
      return books::Refused("PACKAGE_EXPIRED",
                            absl::StrCat(package.name(), " expired at ",
                                         FormatUtc(FromTimestamp(package.expire_time()))));
    default:
      break;
  }
  if (package.treatment_type_id() != treatment_type_id) {
    return books::Refused("TREATMENT_TYPE_MISMATCH",
                          absl::StrCat(package.name(), " is for ", package.treatment_type_id(),
                                       ", not ", Quote(treatment_type_id)));
  }
  for (const std::string& site : package.usable_site_ids()) {
    if (site == site_id) return absl::OkStatus();
  }
  return books::Refused("PACKAGE_NOT_VALID_AT_SITE",
                        absl::StrCat(package.name(), " may not be used at ", site_id));
}

absl::StatusOr<v1::PackageRedemption> Redeem(Connection& connection, const PackageRow& row,
                                             const std::string& site_id,
                                             const std::string& treatment_record,
                                             const std::string& invoice, absl::Time now) {
  const std::string id = storage::NewId();
  v1::PackageRedemption redemption;
  redemption.set_name(kRedemptionName.Format(row.client_id, row.package_id, id));
  redemption.set_site_id(site_id);
  redemption.set_treatment_record(treatment_record);
  redemption.set_invoice(invoice);
  redemption.set_sessions_remaining(row.package.sessions_total() - row.package.sessions_used() - 1);
  *redemption.mutable_redeem_time() = ToTimestampMillis(now);
  SQLite::Statement& insert = connection.Prepare(kInsertRedemptionSql);
  insert.bind(1, id);
  insert.bind(2, row.package_id);
  insert.bind(3, site_id);
  if (treatment_record.empty()) {
    insert.bind(4);
  } else {
    insert.bind(4, treatment_record);
  }
  insert.bind(5, absl::ToUnixMillis(now));
  storage::BindBlob(insert, 6, redemption.SerializeAsString());
  insert.exec();
  return redemption;
}

}  // namespace packages

absl::StatusOr<v1::PackageSale> SqliteBillingStore::SellPackage(
    const v1::SellPackageRequest& request, const std::string& caller, const SiteTerms& site,
    const std::string& client_id, const v1::PackagePlan& plan) {
  v1::PackageSale response;
  absl::Status status = storage::WriteOnce(
      *db_, kSellMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        bool created = false;
        absl::StatusOr<InvoiceRow> row = books::OpenDraft(connection, site, client_id, created);
        if (!row.ok()) return row.status();
        LineToAdd line;
        line.input.mutable_item()->set_package_plan(plan.name());
        if (request.has_discount()) *line.input.mutable_discount() = request.discount();
        line.item_key = ItemKey(line.input.item());
        line.field = "plan";
        line.item_field = "plan";
        if (absl::Status s = books::AddLines(connection, site, {line}, *row); !s.ok()) return s;
        const std::string package_id = storage::NewId();
        v1::InvoiceLine& sold = *row->invoice.mutable_lines()->rbegin();
        v1::Package package;
        package.set_name(kPackageName.Format(client_id, package_id));
        sold.set_package(package.name());
        package.set_plan(plan.name());
        package.set_display_name(plan.display_name());
        package.set_treatment_type_id(plan.treatment_type_id());
        package.set_site_id(site.site_id);
        if (plan.usable_site_ids().empty()) {
          package.add_usable_site_ids(site.site_id);
        } else {
          *package.mutable_usable_site_ids() = plan.usable_site_ids();
        }
        package.set_sessions_total(plan.sessions());
        *package.mutable_price() = sold.total_amount();
        package.set_invoice(row->invoice.name());
        *package.mutable_sale_time() = ToTimestampMillis(site.now);
        const absl::Time expires = site.now + absl::Hours(24) * plan.validity_days();
        *package.mutable_expire_time() = ToTimestampMillis(expires);
        absl::Status saved =
            created ? books::InsertInvoice(connection, *row) : books::SaveInvoice(connection, *row);
        if (!saved.ok()) return saved;
        SQLite::Statement& insert = connection.Prepare(kInsertPackageSql);
        insert.bind(1, package_id);
        insert.bind(2, client_id);
        insert.bind(3, site.site_id);
        insert.bind(4, plan.treatment_type_id());
        insert.bind(5, plan.sessions());
        insert.bind(6, absl::ToUnixMillis(expires));
        insert.bind(7, row->invoice_id);
        insert.bind(8, sold.line_id());
        insert.bind(9, absl::ToUnixMillis(site.now));
        storage::BindBlob(insert, 10, package.SerializeAsString());
        insert.exec();
        package.set_state(v1::PACKAGE_STATE_ACTIVE);
        *response.mutable_package() = std::move(package);
        *response.mutable_invoice() = row->invoice;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Package> SqliteBillingStore::GetPackage(const std::string& client_id,
                                                           const std::string& package_id,
                                                           absl::Time now) {
  v1::Package response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<packages::PackageRow> row =
        packages::Load(connection, client_id, package_id, now);
    if (!row.ok()) return row.status();
    response = std::move(row->package);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListPackagesResponse> SqliteBillingStore::ListPackages(
    const v1::ListPackagesRequest& request, const std::string& client_id, absl::Time now) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListPackages", request, kListPageSizes);
  if (!page.ok()) return page.status();
  absl::StatusOr<storage::TimeIdCursor> after = storage::ParseTimeIdCursor(*page);
  if (!after.ok()) return after.status();
  v1::ListPackagesResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListPackagesSql);
    select.bind(1, client_id);
    select.bind(2, page->first_page() ? 0 : 1);
    select.bind(3, after->unix_ms);
    select.bind(4, after->id);
    select.bind(5, page->fetch_limit());
    absl::StatusOr<std::string> next = storage::FillPage<v1::Package>(
        select, *page, page_budget_bytes_, "package",
        [](SQLite::Statement& row) {
          return storage::TimeIdCursor{row.getColumn(2).getInt64(), row.getColumn(1).getString()}
              .Format();
        },
        [&](SQLite::Statement& row, v1::Package& package) {
          return Complete(connection, row.getColumn(1).getString(), row.getColumn(3).getInt() != 0,
                          row.getColumn(4).getInt64(), now, package);
        },
        [&](v1::Package&& package) {
          // The state depends on the moment, so it is filtered after
          // reading: a page may hold fewer than page_size while more follow.
          if (request.state() != v1::PACKAGE_STATE_UNSPECIFIED &&
              package.state() != request.state()) {
            return;
          }
          *response.add_packages() = std::move(package);
        });
    if (!next.ok()) return next.status();
    response.set_next_page_token(*next);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::PackageRedemption> SqliteBillingStore::RedeemPackage(
    const v1::RedeemPackageRequest& request, const std::string& caller,
    const std::string& client_id, const std::string& package_id, absl::Time now) {
  v1::PackageRedemption response;
  absl::Status status = storage::WriteOnce(
      *db_, kRedeemMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        absl::StatusOr<packages::PackageRow> row =
            packages::Load(connection, client_id, package_id, now);
        if (!row.ok()) return row.status();
        if (absl::Status s =
                packages::CheckUsable(*row, request.site_id(), request.treatment_type_id(), now);
            !s.ok()) {
          return s;
        }
        absl::StatusOr<v1::PackageRedemption> redemption = packages::Redeem(
            connection, *row, request.site_id(), request.treatment_record(), "", now);
        if (!redemption.ok()) return redemption.status();
        response = *std::move(redemption);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::TreatmentCharge> SqliteBillingStore::ChargeTreatment(
    const v1::ChargeTreatmentRequest& request, const std::string& caller, const SiteTerms& site,
    const ChargeToRecord& charge) {
  v1::TreatmentCharge response;
  absl::Status status = storage::WriteOnce(
      *db_, kChargeMethod, caller, request.request_id(), request, &response,
      [&](Connection& connection) -> absl::Status {
        {
          SQLite::Statement& charged = connection.Prepare(kChargeOfRecordSql);
          charged.bind(1, request.treatment_record());
          if (charged.executeStep()) {
            const std::string other = kChargeName.Format(charged.getColumn(1).getString(),
                                                         charged.getColumn(0).getString());
            charged.reset();
            return books::Refused("ALREADY_CHARGED", absl::StrCat(request.treatment_record(),
                                                                  " was charged by ", other));
          }
          charged.reset();
        }
        const std::string charge_id = storage::NewId();
        response.set_name(kChargeName.Format(site.site_id, charge_id));
        response.set_treatment_record(request.treatment_record());
        *response.mutable_charge_time() = ToTimestampMillis(site.now);
        // A usable package pays first: the one expiring soonest.
        std::vector<std::string> candidates;
        {
          SQLite::Statement& select = connection.Prepare(kCandidatesSql);
          select.bind(1, charge.client_id);
          select.bind(2, charge.treatment_type_id);
          select.bind(3, absl::ToUnixMillis(site.now));
          while (select.executeStep()) candidates.push_back(select.getColumn(0).getString());
          select.reset();
        }
        for (const std::string& package_id : candidates) {
          absl::StatusOr<packages::PackageRow> row =
              packages::Load(connection, charge.client_id, package_id, site.now);
          if (!row.ok()) return row.status();
          if (!packages::CheckUsable(*row, site.site_id, charge.treatment_type_id, site.now).ok()) {
            continue;
          }
          absl::StatusOr<v1::PackageRedemption> redemption = packages::Redeem(
              connection, *row, site.site_id, request.treatment_record(), "", site.now);
          if (!redemption.ok()) return redemption.status();
          *response.mutable_redemption() = *std::move(redemption);
          break;
        }
        if (!response.has_redemption()) {
          bool created = false;
          absl::StatusOr<InvoiceRow> row =
              books::OpenDraft(connection, site, charge.client_id, created);
          if (!row.ok()) return row.status();
          const int before = row->invoice.lines_size();
          absl::StatusOr<absl::optional<v1::Price>> session =
              books::PriceOn(connection, site.site_id, charge.session.item_key, site.today);
          if (!session.ok()) return session.status();
          const std::vector<LineToAdd> to_add =
              session->has_value() ? std::vector<LineToAdd>{charge.session} : charge.areas;
          if (absl::Status s = books::AddLines(connection, site, to_add, *row); !s.ok()) return s;
          absl::Status saved = created ? books::InsertInvoice(connection, *row)
                                       : books::SaveInvoice(connection, *row);
          if (!saved.ok()) return saved;
          v1::InvoiceLines& lines = *response.mutable_invoice_lines();
          lines.set_invoice(row->invoice.name());
          for (int i = before; i < row->invoice.lines_size(); ++i) {
            lines.add_line_ids(row->invoice.lines(i).line_id());
          }
        }
        SQLite::Statement& insert = connection.Prepare(kInsertChargeSql);
        insert.bind(1, charge_id);
        insert.bind(2, site.site_id);
        insert.bind(3, request.treatment_record());
        insert.bind(4, absl::ToUnixMillis(site.now));
        storage::BindBlob(insert, 5, response.SerializeAsString());
        insert.exec();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::billing
