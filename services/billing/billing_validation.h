// Checks of Billing requests that need no stored state: money, discounts,
// priced items against the loaded treatment definitions, reasons. Each adds
// violations naming the field, so a handler reports every bad field of a
// request at once. billing_test sends each through the API.
#ifndef CLINIC_SERVICES_BILLING_BILLING_VALIDATION_H_
#define CLINIC_SERVICES_BILLING_BILLING_VALIDATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "clinic/v1/billing.pb.h"
#include "common/config/sites.h"
#include "common/core/resource_name.h"
#include "common/core/status.h"
#include "common/plugins/plugin_host.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace clinic::billing {

// Longest reason (void, refund, credit note, discount).
inline constexpr size_t kMaxReasonChars = 500;
// Longest display name of a price or plan.
inline constexpr size_t kMaxDisplayNameChars = 200;
// Longest invoice notes.
inline constexpr size_t kMaxNotesChars = 1000;
// Longest payment reference.
inline constexpr size_t kMaxReferenceChars = 100;

// `money` is in `currency` (named in the message when it is not) and its
// amount lies in [min, max]. `field` is the Money field's path.
void CheckMoney(const v1::Money& money, absl::string_view field, absl::string_view currency,
                int64_t min, int64_t max, std::vector<FieldViolation>& out);

// A discount: a percentage of 1 to 10000 basis points or an amount above
// zero in `currency` (whether it exceeds the line is checked when the line
// is priced), and a reason of at most 200 characters.
void CheckDiscount(const v1::Discount& discount, absl::string_view field,
                   absl::string_view currency, std::vector<FieldViolation>& out);

// What a priced item may be where it is used.
enum class ItemUse {
  kPrice,        // SetPrice: any item; a plan of the site
  kInvoiceLine,  // invoice lines: no plans (SellPackage sells them)
};

// The item's shape: exactly one kind; a treatment type that is loaded and,
// with an area, an area of its definition; a product name; a fee id (an
// identifier); a plan of `site_id` (kPrice only: its existence is the
// store's to check).
void CheckItem(const v1::PricedItem& item, absl::string_view field,
               const plugins::CatalogSnapshot& catalog, absl::string_view site_id, ItemUse use,
               std::vector<FieldViolation>& out);

// Lines to add to an invoice (1 to `max` of them, or 0 to `max` when
// `optional`): each item, quantity (0 to 1000), discount and treatment
// record name.
void CheckLineInputs(const google::protobuf::RepeatedPtrField<v1::InvoiceLineInput>& lines,
                     absl::string_view field, bool optional, absl::string_view currency,
                     const plugins::CatalogSnapshot& catalog, absl::string_view site_id,
                     std::vector<FieldViolation>& out);

// The ids of a site-owned name of `pattern` ("sites/{site_id}/invoices/{id}")
// at `field`: INVALID_ARGUMENT when malformed, NOT_FOUND when its site is
// not one of this chain's.
absl::StatusOr<ResourceName> ParseSiteOwned(const ResourcePattern& pattern, absl::string_view name,
                                            absl::string_view field, const config::Sites& sites);

// Lines of a credit note or refund: 1 to 100 (0 allowed when `optional`),
// each a line id and an amount above zero.
void CheckCreditLines(const google::protobuf::RepeatedPtrField<v1::CreditNoteLineInput>& lines,
                      absl::string_view field, bool optional, std::vector<FieldViolation>& out);

}  // namespace clinic::billing

#endif  // CLINIC_SERVICES_BILLING_BILLING_VALIDATION_H_
