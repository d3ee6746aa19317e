// Billing's package, treatment-charge and report handlers.
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "common/storage/paging.h"
#include "services/billing/billing_names.h"
#include "services/billing/billing_service.h"
#include "services/billing/billing_validation.h"

namespace clinic::billing {
namespace {

constexpr char kDomain[] = "clinic.v1.Billing";
constexpr int kMaxChargedAreas = 32;
constexpr int kMaxReportDays = 366;

}  // namespace

absl::Status BillingService::SellPackage(const server::Call& call,
                                         const v1::SellPackageRequest& request,
                                         v1::PackageSale& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  if (!violations.empty()) return Violations(violations);
  const SiteTerms site = Terms(request.site_id());
  absl::StatusOr<ResourceName> client = kClientName.Parse(request.client(), "client");
  if (!client.ok()) violations.push_back(GetFieldViolations(client.status()).front());
  absl::StatusOr<ResourceName> plan = kPackagePlanName.Parse(request.plan(), "plan");
  if (!plan.ok()) {
    violations.push_back(GetFieldViolations(plan.status()).front());
  } else if (plan->id("site_id") != request.site_id()) {
    violations.push_back({"plan", "is a plan of another site; a site sells its own plans"});
  }
  if (request.has_discount())
    CheckDiscount(request.discount(), "discount", site.currency, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::PackagePlan> found = store_->GetPackagePlan(site.site_id, plan->id("id"));
  if (!found.ok()) return found.status();
  absl::StatusOr<v1::PackageSale> sale =
      store_->SellPackage(request, call.request_scope(), site, client->id("client_id"), *found);
  if (sale.ok()) response = *std::move(sale);
  return sale.status();
}

absl::Status BillingService::GetPackage(const server::Call& /*call*/,
                                        const v1::GetPackageRequest& request,
                                        v1::Package& response) {
  absl::StatusOr<ResourceName> name = kPackageName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::Package> package =
      store_->GetPackage(name->id("client_id"), name->id("id"), absl::Now());
  if (package.ok()) response = *std::move(package);
  return package.status();
}

absl::Status BillingService::ListPackages(const server::Call& /*call*/,
                                          const v1::ListPackagesRequest& request,
                                          v1::ListPackagesResponse& response) {
  std::vector<FieldViolation> violations;
  absl::StatusOr<ResourceName> client = kClientName.Parse(request.client(), "client");
  if (!client.ok()) violations.push_back(GetFieldViolations(client.status()).front());
  if (!v1::PackageState_IsValid(request.state())) {
    violations.push_back({"state", absl::StrCat(request.state(), " is not a package state")});
  }
  storage::CheckPageSize(request.page_size(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListPackagesResponse> listed =
      store_->ListPackages(request, client->id("client_id"), absl::Now());
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status BillingService::RedeemPackage(const server::Call& call,
                                           const v1::RedeemPackageRequest& request,
                                           v1::PackageRedemption& response) {
  std::vector<FieldViolation> violations;
  absl::StatusOr<ResourceName> package = kPackageName.Parse(request.package(), "package");
  if (!package.ok()) violations.push_back(GetFieldViolations(package.status()).front());
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  if (request.treatment_type_id().empty()) {
    violations.push_back({"treatment_type_id", "is required"});
  } else if (request.treatment_type_id().size() > 200) {
    violations.push_back({"treatment_type_id", absl::StrCat(Quote(request.treatment_type_id()),
                                                            " is not a treatment type id")});
  }
  if (!request.treatment_record().empty()) {
    absl::StatusOr<ResourceName> record =
        kTreatmentRecordName.Parse(request.treatment_record(), "treatment_record");
    if (!record.ok()) {
      violations.push_back(GetFieldViolations(record.status()).front());
    } else if (package.ok() && record->id("client_id") != package->id("client_id")) {
      violations.push_back({"treatment_record",
                            "is a treatment record of another client than the "
                            "package's"});
    }
  }
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::PackageRedemption> redemption = store_->RedeemPackage(
      request, call.request_scope(), package->id("client_id"), package->id("id"), absl::Now());
  if (redemption.ok()) response = *std::move(redemption);
  return redemption.status();
}

absl::Status BillingService::ChargeTreatment(const server::Call& call,
                                             const v1::ChargeTreatmentRequest& request,
                                             v1::TreatmentCharge& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  absl::StatusOr<ResourceName> record =
      kTreatmentRecordName.Parse(request.treatment_record(), "treatment_record");
  if (!record.ok()) violations.push_back(GetFieldViolations(record.status()).front());
  if (request.treatment_type_id().empty()) {
    violations.push_back({"treatment_type_id", "is required"});
  }
  if (request.area_ids().empty() || request.area_ids_size() > kMaxChargedAreas) {
    violations.push_back(
        {"area_ids", absl::StrCat("must name 1 to ", kMaxChargedAreas, " areas treated, got ",
                                  request.area_ids_size())});
  }
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  const std::shared_ptr<const plugins::CatalogSnapshot> catalog = plugins_.Current();
  const v1::TreatmentType* type = catalog->Find(request.treatment_type_id());
  if (type == nullptr) return plugins::TreatmentTypeNotLoaded(request.treatment_type_id(), kDomain);
  std::set<std::string> areas;
  for (const v1::TreatmentArea& area : type->definition().protocol().areas())
    areas.insert(area.id());
  std::set<std::string> seen;
  for (int i = 0; i < request.area_ids_size(); ++i) {
    const std::string field = absl::StrCat("area_ids[", i, "]");
    if (areas.count(request.area_ids(i)) == 0) {
      violations.push_back({field, absl::StrCat(Quote(request.area_ids(i)), " is not an area of ",
                                                request.treatment_type_id())});
    } else if (!seen.insert(request.area_ids(i)).second) {
      violations.push_back({field, absl::StrCat(Quote(request.area_ids(i)), " is named twice")});
    }
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  ChargeToRecord charge;
  charge.client_id = record->id("client_id");
  charge.treatment_type_id = request.treatment_type_id();
  auto line = [&](absl::string_view area_id, std::string item_field) {
    LineToAdd added;
    v1::TreatmentItem& item = *added.input.mutable_item()->mutable_treatment();
    item.set_treatment_type_id(request.treatment_type_id());
    item.set_area_id(std::string(area_id));
    added.input.set_quantity(1);
    added.input.set_treatment_record(request.treatment_record());
    added.item_key = ItemKey(added.input.item());
    added.field = item_field;
    added.item_field = std::move(item_field);
    return added;
  };
  charge.session = line("", "treatment_type_id");
  for (int i = 0; i < request.area_ids_size(); ++i) {
    charge.areas.push_back(line(request.area_ids(i), absl::StrCat("area_ids[", i, "]")));
  }
  absl::StatusOr<v1::TreatmentCharge> charged =
      store_->ChargeTreatment(request, call.request_scope(), Terms(request.site_id()), charge);
  if (charged.ok()) response = *std::move(charged);
  return charged.status();
}

absl::Status BillingService::GetClientStatement(const server::Call& /*call*/,
                                                const v1::GetClientStatementRequest& request,
                                                v1::ClientStatement& response) {
  std::vector<FieldViolation> violations;
  absl::StatusOr<ResourceName> client = kClientName.Parse(request.client(), "client");
  if (!client.ok()) violations.push_back(GetFieldViolations(client.status()).front());
  absl::optional<absl::Time> start, end;
  if (request.has_start_time())
    start = CheckTimestamp(request.start_time(), "start_time", violations);
  if (request.has_end_time()) end = CheckTimestamp(request.end_time(), "end_time", violations);
  if (start.has_value() && end.has_value() && *end <= *start) {
    violations.push_back({"end_time", "must be after start_time"});
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ClientStatement> statement =
      store_->GetClientStatement(client->id("client_id"), start, end);
  if (statement.ok()) response = *std::move(statement);
  return statement.status();
}

absl::Status BillingService::GetDailyTakings(const server::Call& /*call*/,
                                             const v1::GetDailyTakingsRequest& request,
                                             v1::DailyTakings& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  if (!request.has_date()) {
    violations.push_back({"date", "is required: the business day at the site"});
  } else {
    CheckDate(request.date(), "date", violations);
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  const absl::TimeZone zone = sites_.ZoneOf(request.site_id());
  const absl::CivilDay day = ToCivilDay(request.date());
  absl::StatusOr<v1::DailyTakings> takings = store_->GetDailyTakings(
      request.site_id(), absl::FromCivil(day, zone), absl::FromCivil(day + 1, zone));
  if (!takings.ok()) return takings.status();
  response = *std::move(takings);
  *response.mutable_date() = request.date();
  if (response.net_takings().currency_code().empty()) {
    response.mutable_net_takings()->set_currency_code(Terms(request.site_id()).currency);
  }
  return absl::OkStatus();
}

absl::Status BillingService::GetRevenueReport(const server::Call& /*call*/,
                                              const v1::GetRevenueReportRequest& request,
                                              v1::RevenueReport& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  const size_t before = violations.size();
  if (!request.has_start_date()) violations.push_back({"start_date", "is required"});
  if (!request.has_end_date()) violations.push_back({"end_date", "is required"});
  CheckDate(request.start_date(), "start_date", violations);
  CheckDate(request.end_date(), "end_date", violations);
  if (violations.size() == before) {
    const absl::CivilDay first = ToCivilDay(request.start_date());
    const absl::CivilDay last = ToCivilDay(request.end_date());
    if (last < first) {
      violations.push_back({"end_date", "must not be before start_date"});
    } else if (last - first >= kMaxReportDays) {
      violations.push_back({"end_date", absl::StrCat("must be at most ", kMaxReportDays - 1,
                                                     " days after start_date")});
    }
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  const absl::TimeZone zone = sites_.ZoneOf(request.site_id());
  absl::StatusOr<v1::RevenueReport> report = store_->GetRevenueReport(
      request.site_id(), absl::FromCivil(ToCivilDay(request.start_date()), zone),
      absl::FromCivil(ToCivilDay(request.end_date()) + 1, zone));
  if (!report.ok()) return report.status();
  response = *std::move(report);
  *response.mutable_start_date() = request.start_date();
  *response.mutable_end_date() = request.end_date();
  return absl::OkStatus();
}

}  // namespace clinic::billing
