// The resource names Inventory serves (docs/api.md): the service parses
// every name a request carries with these and builds the names it returns
// with them, so both always agree. Products and lots are named in
// common/storage/inventory_names.h, because treatment records name them
// too; clients as ClientRecords names them (common/storage/client_names.h);
// sites by their id, as in the chain's configuration.
#ifndef CLINIC_SERVICES_INVENTORY_INVENTORY_NAMES_H_
#define CLINIC_SERVICES_INVENTORY_INVENTORY_NAMES_H_

#include "common/core/resource_name.h"
#include "common/core/text.h"
#include "common/storage/client_names.h"
#include "common/storage/ids.h"
#include "common/storage/inventory_names.h"
#include "common/storage/paging.h"

namespace clinic::inventory {

using storage::kClientName;

// Products and lots, as every service that refers to one names them.
using storage::kLotName;
using storage::kProductName;

// Names under a site hold a site id (an identifier, as configured) and an id
// the service made; a pattern has one rule, so it accepts either, and the
// store's lookup decides the rest.
inline bool IsSiteOrRecordId(absl::string_view id) {
  return IsIdentifier(id) || storage::IsWellFormedId(id);
}

// One entry of a site's stock ledger.
inline constexpr ResourcePattern kMovementName("sites/{site_id}/movements/{movement_id}",
                                               IsSiteOrRecordId);

// The units consumed for one treatment step at a site.
inline constexpr ResourcePattern kConsumptionName("sites/{site_id}/consumptions/{consumption_id}",
                                                  IsSiteOrRecordId);

// Stock moving between two sites.
inline constexpr ResourcePattern kTransferName("transfers/{transfer_id}", storage::IsWellFormedId);

// List sizes, as inventory.proto documents them.
inline constexpr storage::PageSizes kListPageSizes{50, 100};
inline constexpr storage::PageSizes kStockPageSizes{100, 500};
inline constexpr storage::PageSizes kTracePageSizes{100, 1000};

// The outbox kind of a recall notice for ClientRecords (a
// clinic.v1.RecordLotRecallRequest); its subject is the name of the
// consumption movement the notice is about, so each use gets one notice.
inline constexpr char kRecallNoticeOutboxKind[] = "recall_notice";

}  // namespace clinic::inventory

#endif  // CLINIC_SERVICES_INVENTORY_INVENTORY_NAMES_H_
