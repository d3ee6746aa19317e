// The intended site scope of every RPC, for the access matrix test: kept
// apart from the policies in the protos so that a policy losing its site
// field shows up as a difference instead of being read back as the truth.
#ifndef CLINIC_TESTS_INTEGRATION_ACCESS_SCOPES_H_
#define CLINIC_TESTS_INTEGRATION_ACCESS_SCOPES_H_

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/testing/contracts.h"

namespace clinic::testing {

// Where each RPC's permission is checked, written out here rather than read
// from the policy the authorizer uses, so a policy that loses its site field
// is caught: the request field naming the site ("" when the call is not tied
// to a site and the permission may be held at any site), whether an empty
// site means every site (so the permission must be held chain-wide), and
// whether the permission must be held chain-wide whatever the request names,
// and whether the site field is a resource name the site is read from
// ("sites/{site_id}/invoices/{id}").
struct SiteScope {
  std::string site_field;
  bool empty_means_every_site = false;
  bool chain_wide = false;
  bool in_name = false;
};

inline const std::map<std::string, SiteScope>& IntendedScopes() {
  const SiteScope any_site;
  const SiteScope chain_wide{"", false, true};
  // A site-owned resource named in `field`.
  auto named = [](const char* field) { return SiteScope{field, false, false, true}; };
  static const auto* table = new std::map<std::string, SiteScope>{
      {"clinic.v1.TreatmentCatalog.ListTreatmentTypes", any_site},
      {"clinic.v1.TreatmentCatalog.GetTreatmentType", any_site},
      {"clinic.v1.TreatmentCatalog.ListPluginProblems", any_site},
      {"clinic.v1.TreatmentCatalog.GetTreatmentTypeVersion", any_site},
      {"clinic.v1.TreatmentCatalog.ListTreatmentTypeVersions", any_site},
      {"clinic.v1.TreatmentCatalog.ReloadPlugins", chain_wide},
      {"clinic.v1.Access.WhoAmI", any_site},
      {"clinic.v1.Access.CreatePrincipal", chain_wide},
      {"clinic.v1.Access.GetPrincipal", chain_wide},
      {"clinic.v1.Access.ListPrincipals", chain_wide},
      {"clinic.v1.Access.UpdatePrincipal", chain_wide},
      {"clinic.v1.Access.IssueToken", chain_wide},
      {"clinic.v1.Access.ListTokens", chain_wide},
      {"clinic.v1.Access.RevokeToken", chain_wide},
      {"clinic.v1.Audit.ListAuditEvents", {"site_id", true}},
      {"clinic.v1.Audit.VerifyAuditLog", chain_wide},
      {"clinic.v1.ClientRecords.CreateClient", {"client.home_site_id"}},
      {"clinic.v1.ClientRecords.GetClient", any_site},
      {"clinic.v1.ClientRecords.UpdateClient", any_site},
      {"clinic.v1.ClientRecords.ListClients", {"home_site_id"}},
      {"clinic.v1.ClientRecords.SearchClients", any_site},
      {"clinic.v1.ClientRecords.ArchiveClient", any_site},
      {"clinic.v1.ClientRecords.RestoreClient", any_site},
      {"clinic.v1.ClientRecords.GetMedicalHistory", any_site},
      {"clinic.v1.ClientRecords.UpdateMedicalHistory", any_site},
      {"clinic.v1.ClientRecords.ListMedicalHistoryVersions", any_site},
      {"clinic.v1.ClientRecords.RecordConsent", {"consent.site_id"}},
      {"clinic.v1.ClientRecords.WithdrawConsent", any_site},
      {"clinic.v1.ClientRecords.ListConsents", any_site},
      {"clinic.v1.ClientRecords.CreateTreatmentRecord", {"treatment_record.site_id"}},
      {"clinic.v1.ClientRecords.GetTreatmentRecord", any_site},
      {"clinic.v1.ClientRecords.ListTreatmentRecords", any_site},
      {"clinic.v1.ClientRecords.AddTreatmentRecordAddendum", any_site},
      {"clinic.v1.ClientRecords.RecordLotRecall", chain_wide},
      {"clinic.v1.ClientRecords.ListLotRecallNotices", any_site},
      {"clinic.v1.Screening.GetQuestionnaire", any_site},
      {"clinic.v1.Screening.SubmitScreening", {"screening.site_id"}},
      {"clinic.v1.Screening.GetScreening", any_site},
      {"clinic.v1.Screening.ListScreenings", any_site},
      {"clinic.v1.Screening.ReviewScreening", any_site},
      {"clinic.v1.Screening.CheckEligibility", {"site_id"}},
      // The catalogue of products is the chain's; stock belongs to a site.
      {"clinic.v1.Inventory.CreateProduct", any_site},
      {"clinic.v1.Inventory.GetProduct", any_site},
      {"clinic.v1.Inventory.UpdateProduct", any_site},
      {"clinic.v1.Inventory.ListProducts", any_site},
      {"clinic.v1.Inventory.GetLot", any_site},
      {"clinic.v1.Inventory.ListLots", any_site},
      {"clinic.v1.Inventory.ReceiveStock", {"site_id"}},
      {"clinic.v1.Inventory.ConsumeStock", {"site_id"}},
      {"clinic.v1.Inventory.ConsumeTreatmentStock", {"site_id"}},
      {"clinic.v1.Inventory.AdjustStock", {"site_id"}},
      {"clinic.v1.Inventory.QuarantineStock", {"site_id"}},
      {"clinic.v1.Inventory.ReleaseStock", {"site_id"}},
      {"clinic.v1.Inventory.DisposeStock", {"site_id"}},
      {"clinic.v1.Inventory.CountStock", {"site_id"}},
      {"clinic.v1.Inventory.SendTransfer", {"transfer.from_site_id"}},
      {"clinic.v1.Inventory.ReceiveTransfer", {"site_id"}},
      {"clinic.v1.Inventory.GetTransfer", any_site},
      {"clinic.v1.Inventory.ListTransfers", {"site_id"}},
      {"clinic.v1.Inventory.RecallLot", chain_wide},
      {"clinic.v1.Inventory.TraceLot", any_site},
      {"clinic.v1.Inventory.ListClientConsumptions", any_site},
      {"clinic.v1.Inventory.GetMovement", any_site},
      {"clinic.v1.Inventory.ListMovements", {"site_id"}},
      {"clinic.v1.Inventory.ListStock", {"site_id", true}},
      {"clinic.v1.Inventory.SetReorderPoint", {"reorder_point.site_id"}},
      {"clinic.v1.Inventory.ListLowStock", {"site_id", true}},
      {"clinic.v1.Inventory.ListExpiringStock", {"site_id", true}},
      {"clinic.v1.Inventory.WatchAlerts", {"site_id", true}},
      // Prices, invoices and money belong to a site, and so do the records
      // named under one; packages follow the client across the chain.
      {"clinic.v1.Billing.SetTaxRate", {"site_id"}},
      {"clinic.v1.Billing.ListTaxRates", {"site_id"}},
      {"clinic.v1.Billing.SetPrice", {"price.site_id"}},
      {"clinic.v1.Billing.ListPrices", {"site_id"}},
      {"clinic.v1.Billing.CreatePackagePlan", {"plan.site_id"}},
      {"clinic.v1.Billing.ListPackagePlans", {"site_id"}},
      {"clinic.v1.Billing.CreateInvoice", {"invoice.site_id"}},
      {"clinic.v1.Billing.GetInvoice", named("name")},
      {"clinic.v1.Billing.ListInvoices", {"site_id"}},
      {"clinic.v1.Billing.AddInvoiceLines", named("invoice")},
      {"clinic.v1.Billing.RemoveInvoiceLine", named("invoice")},
      {"clinic.v1.Billing.IssueInvoice", named("name")},
      {"clinic.v1.Billing.VoidInvoice", named("name")},
      {"clinic.v1.Billing.RecordPayment", named("invoice")},
      {"clinic.v1.Billing.RefundPayment", named("payment")},
      {"clinic.v1.Billing.GetPayment", named("name")},
      {"clinic.v1.Billing.ListPayments", {"site_id"}},
      {"clinic.v1.Billing.IssueCreditNote", named("invoice")},
      {"clinic.v1.Billing.GetCreditNote", named("name")},
      {"clinic.v1.Billing.ListCreditNotes", {"site_id"}},
      {"clinic.v1.Billing.SellPackage", {"site_id"}},
      {"clinic.v1.Billing.GetPackage", any_site},
      {"clinic.v1.Billing.ListPackages", any_site},
      {"clinic.v1.Billing.RedeemPackage", {"site_id"}},
      {"clinic.v1.Billing.ChargeTreatment", {"site_id"}},
      {"clinic.v1.Billing.GetClientStatement", any_site},
      {"clinic.v1.Billing.GetDailyTakings", {"site_id"}},
      {"clinic.v1.Billing.GetRevenueReport", {"site_id"}},
  };
  return *table;
}

// The intended scope of `method`; a failure and no site when it is missing.
inline SiteScope IntendedScope(const google::protobuf::MethodDescriptor* method) {
  auto found = IntendedScopes().find(method->full_name());
  if (found != IntendedScopes().end()) return found->second;
  ADD_FAILURE() << method->full_name() << " has no intended site scope: add it to IntendedScopes()";
  return {};
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_ACCESS_SCOPES_H_
