#include "services/clinicd/all_services.h"

#include "services/billing/billing_service.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/core_services.h"
#include "services/inventory/inventory_service.h"
#include "services/screening/screening_service.h"

namespace clinic {

std::vector<server::ServiceFactory> AllServices() {
  return WithCoreServices({client_records::ClientRecordsFactory(), screening::ScreeningFactory(),
                           inventory::InventoryFactory(), billing::BillingFactory()});
}

}  // namespace clinic
