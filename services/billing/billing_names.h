// The resource names Billing serves (docs/api.md): the service parses every
// name a request carries with these and builds the names it returns with
// them, so both always agree. Clients and treatment records as ClientRecords
// names them (common/storage/client_names.h), products as Inventory does
// (common/storage/inventory_names.h), sites by their id.
#ifndef CLINIC_SERVICES_BILLING_BILLING_NAMES_H_
#define CLINIC_SERVICES_BILLING_BILLING_NAMES_H_

#include "common/core/resource_name.h"
#include "common/core/text.h"
#include "common/storage/client_names.h"
#include "common/storage/ids.h"
#include "common/storage/inventory_names.h"
#include "common/storage/paging.h"

namespace clinic::billing {

using storage::kClientName;
using storage::kProductName;
using storage::kTreatmentRecordName;

// Names under a site hold a site id (an identifier, as configured) and an id
// the service made; a pattern has one rule, so it accepts either, and the
// store's lookup decides the rest.
inline bool IsSiteOrRecordId(absl::string_view id) {
  return IsIdentifier(id) || storage::IsWellFormedId(id);
}

inline constexpr ResourcePattern kTaxRateName("sites/{site_id}/taxRates/{id}", IsSiteOrRecordId);
inline constexpr ResourcePattern kPriceName("sites/{site_id}/prices/{id}", IsSiteOrRecordId);
inline constexpr ResourcePattern kPackagePlanName("sites/{site_id}/packagePlans/{id}",
                                                  IsSiteOrRecordId);
inline constexpr ResourcePattern kInvoiceName("sites/{site_id}/invoices/{id}", IsSiteOrRecordId);
inline constexpr ResourcePattern kPaymentName("sites/{site_id}/payments/{id}", IsSiteOrRecordId);
inline constexpr ResourcePattern kCreditNoteName("sites/{site_id}/creditNotes/{id}",
                                                 IsSiteOrRecordId);
inline constexpr ResourcePattern kChargeName("sites/{site_id}/treatmentCharges/{id}",
                                             IsSiteOrRecordId);
// A client's prepaid course, and one use of it.
inline constexpr ResourcePattern kPackageName("clients/{client_id}/packages/{id}",
                                              storage::IsWellFormedId);
inline constexpr ResourcePattern kRedemptionName(
    "clients/{client_id}/packages/{package_id}/redemptions/{id}", storage::IsWellFormedId);

// List sizes, as billing.proto documents them.
inline constexpr storage::PageSizes kListPageSizes{50, 100};

}  // namespace clinic::billing

#endif  // CLINIC_SERVICES_BILLING_BILLING_NAMES_H_
