#include "services/clinicd/core_services.h"

#include "services/access/access_service.h"
#include "services/treatment_catalog/treatment_catalog_service.h"

namespace clinic {

std::vector<server::ServiceFactory> CoreServices() {
  return {catalog::TreatmentCatalogFactory(), access::AccessFactory(), access::AuditFactory()};
}

std::vector<server::ServiceFactory> WithCoreServices(std::vector<server::ServiceFactory> own) {
  std::vector<server::ServiceFactory> all = CoreServices();
  for (server::ServiceFactory& factory : own) all.push_back(std::move(factory));
  return all;
}

}  // namespace clinic
