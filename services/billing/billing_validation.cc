#include "services/billing/billing_validation.h"

#include "absl/strings/str_cat.h"
#include "common/config/currency.h"
#include "common/core/text.h"
#include "common/storage/database.h"
#include "services/billing/billing_math.h"
#include "services/billing/billing_names.h"

namespace clinic::billing {
namespace {

std::string Field(absl::string_view path, absl::string_view name) {
  return absl::StrCat(path, ".", name);
}

}  // namespace

void CheckMoney(const v1::Money& money, absl::string_view field, absl::string_view currency,
                int64_t min, int64_t max, std::vector<FieldViolation>& out) {
  if (money.currency_code() != currency) {
    out.push_back({Field(field, "currency_code"),
                   money.currency_code().empty()
                       ? absl::StrCat("is required: ", currency, " here")
                       : absl::StrCat(Quote(money.currency_code()), " is not ", currency,
                                      ", the currency here; amounts in other currencies are "
                                      "refused")});
  }
  if (money.amount_minor() < min || money.amount_minor() > max) {
    out.push_back(
        {Field(field, "amount_minor"),
         absl::StrCat("must be ", min, " to ", max, " minor units, got ", money.amount_minor())});
  }
}

void CheckDiscount(const v1::Discount& discount, absl::string_view field,
                   absl::string_view currency, std::vector<FieldViolation>& out) {
  switch (discount.kind_case()) {
    case v1::Discount::kPercentBasisPoints:
      if (discount.percent_basis_points() < 1 || discount.percent_basis_points() > 10000) {
        out.push_back({Field(field, "percent_basis_points"),
                       absl::StrCat("must be 1 to 10000 basis points (0.01% to 100%), got ",
                                    discount.percent_basis_points())});
      }
      break;
    case v1::Discount::kAmount:
      CheckMoney(discount.amount(), Field(field, "amount"), currency, 1,
                 kMaxUnitPriceMinor * kMaxQuantity, out);
      break;
    case v1::Discount::KIND_NOT_SET:
      out.push_back({std::string(field), "needs percent_basis_points or amount"});
      break;
  }
  ValidateText(discount.reason(), Field(field, "reason"), /*required=*/false, kMaxDisplayNameChars,
               out);
}

void CheckItem(const v1::PricedItem& item, absl::string_view field,
               const plugins::CatalogSnapshot& catalog, absl::string_view site_id, ItemUse use,
               std::vector<FieldViolation>& out) {
  switch (item.item_case()) {
    case v1::PricedItem::kTreatment: {
      const std::string type_field = Field(field, "treatment.treatment_type_id");
      const std::string& type_id = item.treatment().treatment_type_id();
      if (type_id.empty()) {
        out.push_back({type_field, "is required"});
        return;
      }
      const v1::TreatmentType* type = catalog.Find(type_id);
      if (type == nullptr) {
        out.push_back(
            {type_field, absl::StrCat(Quote(type_id), " is not a loaded treatment type")});
        return;
      }
      const std::string& area_id = item.treatment().area_id();
      if (area_id.empty()) return;
      for (const v1::TreatmentArea& area : type->definition().protocol().areas()) {
        if (area.id() == area_id) return;
      }
      out.push_back({Field(field, "treatment.area_id"),
                     absl::StrCat(Quote(area_id), " is not an area of ", type_id)});
      return;
    }
    case v1::PricedItem::kProduct:
      if (!kProductName.Matches(item.product())) {
        out.push_back(
            {Field(field, "product"), absl::StrCat(Quote(item.product()), " is not of the form \"",
                                                   kProductName.pattern(), "\"")});
      }
      return;
    case v1::PricedItem::kFeeId:
      if (!IsIdentifier(item.fee_id())) {
        out.push_back({Field(field, "fee_id"),
                       absl::StrCat(Quote(item.fee_id()),
                                    " is not a fee id: lowercase letters, digits and hyphens, "
                                    "starting with a letter")});
      }
      return;
    case v1::PricedItem::kPackagePlan: {
      const std::string plan_field = Field(field, "package_plan");
      if (use == ItemUse::kInvoiceLine) {
        out.push_back({plan_field, "a package is sold with SellPackage, not as a line"});
        return;
      }
      absl::StatusOr<ResourceName> plan = kPackagePlanName.Parse(item.package_plan(), plan_field);
      if (!plan.ok()) {
        out.push_back(
            {plan_field, absl::StrCat(Quote(item.package_plan()), " is not of the form \"",
                                      kPackagePlanName.pattern(), "\"")});
      } else if (plan->id("site_id") != site_id) {
        out.push_back({plan_field, "is a plan of another site; each site prices its own plans"});
      }
      return;
    }
    case v1::PricedItem::ITEM_NOT_SET:
      out.push_back(
          {std::string(field), "is required: a treatment, product, fee_id or package_plan"});
      return;
  }
}

void CheckLineInputs(const google::protobuf::RepeatedPtrField<v1::InvoiceLineInput>& lines,
                     absl::string_view field, bool optional, absl::string_view currency,
                     const plugins::CatalogSnapshot& catalog, absl::string_view site_id,
                     std::vector<FieldViolation>& out) {
  if (lines.size() > kMaxLines || (!optional && lines.empty())) {
    out.push_back({std::string(field), absl::StrCat("must hold ", optional ? 0 : 1, " to ",
                                                    kMaxLines, " lines, got ", lines.size())});
    return;
  }
  for (int i = 0; i < lines.size(); ++i) {
    const v1::InvoiceLineInput& line = lines[i];
    const std::string at = absl::StrCat(field, "[", i, "]");
    CheckItem(line.item(), Field(at, "item"), catalog, site_id, ItemUse::kInvoiceLine, out);
    if (line.quantity() < 0 || line.quantity() > kMaxQuantity) {
      out.push_back({Field(at, "quantity"), absl::StrCat("must be 1 to ", kMaxQuantity,
                                                         " (0 means 1), got ", line.quantity())});
    }
    if (line.has_discount()) CheckDiscount(line.discount(), Field(at, "discount"), currency, out);
    if (!line.treatment_record().empty() &&
        !kTreatmentRecordName.Matches(line.treatment_record())) {
      out.push_back({Field(at, "treatment_record"),
                     absl::StrCat(Quote(line.treatment_record()), " is not of the form \"",
                                  kTreatmentRecordName.pattern(), "\"")});
    }
  }
}

absl::StatusOr<ResourceName> ParseSiteOwned(const ResourcePattern& pattern, absl::string_view name,
                                            absl::string_view field, const config::Sites& sites) {
  absl::StatusOr<ResourceName> parsed = pattern.Parse(name, field);
  if (!parsed.ok()) return parsed.status();
  if (!sites.Contains(parsed->id("site_id"))) return storage::NotFound(name, "clinic.v1.Billing");
  return parsed;
}

void CheckCreditLines(const google::protobuf::RepeatedPtrField<v1::CreditNoteLineInput>& lines,
                      absl::string_view field, bool optional, std::vector<FieldViolation>& out) {
  if (lines.size() > kMaxLines || (!optional && lines.empty())) {
    out.push_back({std::string(field), absl::StrCat("must hold ", optional ? 0 : 1, " to ",
                                                    kMaxLines, " lines, got ", lines.size())});
    return;
  }
  for (int i = 0; i < lines.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    if (lines[i].line_id().empty()) {
      out.push_back({Field(at, "line_id"), "is required"});
    } else if (lines[i].line_id().size() > 10) {
      out.push_back(
          {Field(at, "line_id"), absl::StrCat(Quote(lines[i].line_id()), " is not a line id")});
    }
    const int64_t amount = lines[i].amount().amount_minor();
    if (amount <= 0 || amount > kMaxUnitPriceMinor * kMaxQuantity * kMaxLines) {
      out.push_back(
          {Field(at, "amount.amount_minor"), absl::StrCat("must be above zero, got ", amount)});
    }
  }
}

}  // namespace clinic::billing
