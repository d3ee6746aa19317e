// The plausible requests the hostile-input suite starts from.
#include <map>
#include <string>

#include "tests/integration/hostile_input_cases.h"

namespace clinic::hostile {

// Plausible requests, so each hostile value is the only thing wrong with a
// call. {placeholders} name records the suite creates first. A hosted RPC
// missing here is still covered, starting from an empty request.
const std::map<std::string, std::string>& Baselines() {
  static const auto* table = new std::map<std::string, std::string>{
      {"clinic.v1.TreatmentCatalog.ListTreatmentTypes", "page_size: 10"},
      {"clinic.v1.TreatmentCatalog.GetTreatmentType", "name: 'treatmentTypes/microneedling'"},
      {"clinic.v1.TreatmentCatalog.GetTreatmentTypeVersion",
       "name: 'treatmentTypes/test_screening/versions/1.0.0'"},
      {"clinic.v1.TreatmentCatalog.ListTreatmentTypeVersions",
       "parent: 'treatmentTypes/microneedling' page_size: 10"},
      {"clinic.v1.Access.CreatePrincipal",
       "principal { name: 'staff/hostile-{n}' display_name: 'Hostile Principal' "
       "roles { role: ROLE_FRONT_DESK site_id: '{site}' } }"},
      {"clinic.v1.Access.GetPrincipal", "name: '{victim}'"},
      {"clinic.v1.Access.ListPrincipals", "page_size: 10"},
      {"clinic.v1.Access.UpdatePrincipal",
       "principal { name: '{victim}' etag: '{victim_etag}' display_name: 'Victim Person' } "
       "update_mask { paths: 'display_name' }"},
      {"clinic.v1.Access.IssueToken",
       "principal: '{victim}' description: 'hostile input' ttl { seconds: 3600 }"},
      {"clinic.v1.Access.ListTokens", "principal: '{victim}' page_size: 10"},
      {"clinic.v1.Access.RevokeToken", "name: '{token}'"},
      {"clinic.v1.Audit.ListAuditEvents", "page_size: 5 principal: '{admin}'"},
      {"clinic.v1.ClientRecords.CreateClient",
       "client { home_site_id: '{site}' given_name: 'Hostile' family_name: 'Baseline' "
       "preferred_name: 'Host' date_of_birth { year: 1991 month: 2 day: 3 } "
       "phone: '+447700900123' email: 'hostile@example.com' "
       "address { lines: '1 High Street' locality: 'London' region: 'Greater London' "
       "postal_code: 'W1D 3QU' country_code: 'GB' } "
       "emergency_contact { name: 'Kin Person' relationship: 'sister' phone: '+447700900124' } "
       "} request_id: '{rid}'"},
      {"clinic.v1.ClientRecords.GetClient", "name: '{client}'"},
      {"clinic.v1.ClientRecords.UpdateClient",
       "client { name: '{client}' etag: '{client_etag}' given_name: 'Hostile' "
       "family_name: 'Fixture' preferred_name: 'Host' phone: '+447700900125' "
       "email: 'fixture@example.com' address { lines: '2 High Street' locality: 'London' "
       "region: 'Greater London' postal_code: 'W1D 3QU' country_code: 'GB' } "
       "emergency_contact { name: 'Kin Person' relationship: 'sister' "
       "phone: '+447700900124' } } update_mask { paths: 'given_name' paths: 'family_name' "
       "paths: 'preferred_name' paths: 'phone' paths: 'email' paths: 'address' "
       "paths: 'emergency_contact' }"},
      {"clinic.v1.ClientRecords.ListClients", "page_size: 10 home_site_id: '{site}'"},
      {"clinic.v1.ClientRecords.SearchClients", "name_prefix: 'Hos' page_size: 10"},
      {"clinic.v1.ClientRecords.ArchiveClient",
       "name: '{archivable}' etag: '{archivable_etag}' reason: 'moved away'"},
      {"clinic.v1.ClientRecords.RestoreClient", "name: '{archived}' etag: '{archived_etag}'"},
      {"clinic.v1.ClientRecords.GetMedicalHistory", "name: '{client}/medicalHistory'"},
      {"clinic.v1.ClientRecords.UpdateMedicalHistory",
       "medical_history { name: '{client}/medicalHistory' etag: '{history_etag}' "
       "facts { fact: ECZEMA present: true detail: 'mild, on the hands' } notes: 'baseline' } "
       "request_id: '{rid}'"},
      {"clinic.v1.ClientRecords.ListMedicalHistoryVersions",
       "name: '{client}/medicalHistory' page_size: 5"},
      {"clinic.v1.ClientRecords.RecordConsent",
       "parent: '{client}' consent { treatment_type_id: 'microneedling' form_version: '2026-03' "
       "sign_time { seconds: {now} } site_id: '{site}' witness: 'Wendy Witness' } "
       "request_id: '{rid}'"},
      {"clinic.v1.ClientRecords.WithdrawConsent",
       "name: '{withdrawable}' reason: 'changed her mind' request_id: '{rid}'"},
      {"clinic.v1.ClientRecords.ListConsents", "parent: '{client}' page_size: 5"},
      {"clinic.v1.ClientRecords.CreateTreatmentRecord",
       "parent: '{client}' treatment_record { treatment_type_id: 'microneedling' "
       "site_id: '{site}' practitioner: '{admin}' perform_time { seconds: {now} } "
       "areas { area_id: 'cheeks' needle_depth_um: 1200 passes: 2 } "
       "consumables { quantity: 1 requirement_id: 'face_36_42' } "
       "interval_override_reason: 'hostile baseline, same day as the fixture' "
       "notes: 'baseline' adverse_events { description: 'slight redness' "
       "severity: ADVERSE_EVENT_SEVERITY_MILD onset_time { seconds: {now} } } } "
       "request_id: '{rid}'"},
      {"clinic.v1.ClientRecords.GetTreatmentRecord", "name: '{record}'"},
      {"clinic.v1.ClientRecords.ListTreatmentRecords", "parent: '{client}' page_size: 5"},
      {"clinic.v1.ClientRecords.AddTreatmentRecordAddendum",
       "name: '{record}' addendum { text: 'baseline addendum' adverse_events { "
       "description: 'redness' severity: ADVERSE_EVENT_SEVERITY_MILD "
       "onset_time { seconds: {now} } } } request_id: '{rid}'"},
      {"clinic.v1.ClientRecords.RecordLotRecall",
       "parent: '{client}' notice { lot: '{lot}' lot_number: 'BASE-1' reason: 'baseline recall' "
       "recall_time { seconds: {now} } treatment_reference: '{record}' site_id: '{site}' "
       "consume_time { seconds: {now} } quantity: 1 } request_id: '{rid}'"},
      {"clinic.v1.ClientRecords.ListLotRecallNotices", "parent: '{client}' page_size: 5"},
      {"clinic.v1.Screening.GetQuestionnaire",
       "name: 'treatmentTypes/microneedling/questionnaire'"},
      {"clinic.v1.Screening.SubmitScreening",
       "parent: '{client}' screening { treatment_type: 'treatmentTypes/test_screening' "
       "definition_version: '1.0.0' site_id: '{site}' planned_area_ids: 'forehead' "
       "answers { question_id: 'pregnant' yes_no: false } "
       "answers { question_id: 'active_breakout' yes_no: false } "
       "answers { question_id: 'blood_thinners' yes_no: false } "
       "answers { question_id: 'cancer_treatment' yes_no: false } "
       "answers { question_id: 'last_isotretinoin_dose' date { year: 2020 month: 2 day: 3 } } "
       "answers { question_id: 'notes' text: 'first visit' } } request_id: '{rid}'"},
      {"clinic.v1.Screening.GetScreening", "name: '{screening}'"},
      {"clinic.v1.Screening.ListScreenings",
       "parent: '{client}' treatment_type: 'treatmentTypes/test_screening' page_size: 5"},
      {"clinic.v1.Screening.ReviewScreening",
       "name: '{screening}' etag: '{screening_etag}' review { decision: REVIEW_DECISION_APPROVED "
       "reason: 'reviewed in person' max_depth_um: 800 allowed_area_ids: 'forehead' "
       "sign_offs { rule_id: 'cancer_treatment' reference: 'Letter from Dr Patel, 2026-11-20' } "
       "} request_id: '{rid}'"},
      {"clinic.v1.Screening.CheckEligibility",
       "client: '{client}' treatment_type: 'treatmentTypes/test_screening' site_id: '{site}' "
       "area_ids: 'forehead'"},
      {"clinic.v1.Inventory.CreateProduct",
       "product { display_name: 'Hostile Cartridge {n}' manufacturer: 'Maker' model: 'M-1' "
       "kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE cartridge { needles { needle_count: 36 } "
       "needle_length_um: 2500 compatible_devices: 'Dermapen 4' } } request_id: '{rid}'"},
      {"clinic.v1.Inventory.GetProduct", "name: '{product}'"},
      {"clinic.v1.Inventory.UpdateProduct",
       "product { name: '{product}' etag: '{product_etag}' display_name: 'Fixture Cartridge' "
       "model: 'M-2' } update_mask { paths: 'display_name' paths: 'model' }"},
      {"clinic.v1.Inventory.ListProducts", "kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE page_size: 10"},
      {"clinic.v1.Inventory.GetLot", "name: '{lot}'"},
      {"clinic.v1.Inventory.ListLots", "parent: '{product}' lot_number: 'FIXTURE-1' page_size: 10"},
      {"clinic.v1.Inventory.ReceiveStock",
       "site_id: '{site}' product: '{product}' lot_number: 'FIXTURE-1' "
       "expiry_date { year: {expiry_year} month: 1 day: 1 } quantity: 10 "
       "supplier: 'Supplier Ltd' delivery_note: 'DN-1' request_id: '{rid}'"},
      {"clinic.v1.Inventory.ConsumeStock",
       "site_id: '{site}' product: '{product}' quantity: 1 device: 'Dermapen 4' "
       "treatment_reference: 'hostile session' client: '{client}' request_id: '{rid}'"},
      {"clinic.v1.Inventory.ConsumeTreatmentStock",
       "site_id: '{site}' uses { product: '{product}' quantity: 1 } device: 'Dermapen 4' "
       "treatment_reference: 'hostile session' client: '{client}' request_id: '{rid}'"},
      {"clinic.v1.Inventory.AdjustStock",
       "site_id: '{site}' lot: '{lot}' quantity_change: 1 reason: ADJUSTMENT_REASON_FOUND "
       "note: 'found one' request_id: '{rid}'"},
      {"clinic.v1.Inventory.QuarantineStock",
       "site_id: '{site}' lot: '{lot}' quantity: 1 note: 'seal broken' request_id: '{rid}'"},
      {"clinic.v1.Inventory.ReleaseStock",
       "site_id: '{site}' lot: '{lot}' quantity: 1 note: 'seal fine' request_id: '{rid}'"},
      {"clinic.v1.Inventory.DisposeStock",
       "site_id: '{site}' lot: '{recalled_lot}' quantity: 1 note: 'returned' "
       "request_id: '{rid}'"},
      {"clinic.v1.Inventory.CountStock",
       "site_id: '{site}' counts { lot: '{lot}' counted_quantity: 40000 } note: 'monthly' "
       "request_id: '{rid}'"},
      {"clinic.v1.Inventory.SendTransfer",
       "transfer { from_site_id: '{site}' to_site_id: 'new-york-soho' "
       "lines { lot: '{lot}' quantity: 1 } note: 'top up' } request_id: '{rid}'"},
      {"clinic.v1.Inventory.ReceiveTransfer",
       "name: '{fresh_transfer}' site_id: 'new-york-soho' request_id: '{rid}'"},
      {"clinic.v1.Inventory.GetTransfer", "name: '{transfer}'"},
      {"clinic.v1.Inventory.ListTransfers",
       "site_id: '{site}' state: TRANSFER_STATE_IN_TRANSIT page_size: 5"},
      {"clinic.v1.Inventory.RecallLot",
       "name: '{fresh_lot}' reason: 'sterility not assured' request_id: '{rid}'"},
      {"clinic.v1.Inventory.TraceLot", "name: '{lot}' page_size: 10"},
      {"clinic.v1.Inventory.ListClientConsumptions", "client: '{client}' page_size: 10"},
      {"clinic.v1.Inventory.GetMovement", "name: '{movement}'"},
      {"clinic.v1.Inventory.ListMovements",
       "site_id: '{site}' product: '{product}' lot: '{lot}' type: MOVEMENT_TYPE_RECEIVE "
       "page_size: 5"},
      {"clinic.v1.Inventory.ListStock", "site_id: '{site}' product: '{product}' page_size: 10"},
      {"clinic.v1.Inventory.SetReorderPoint",
       "reorder_point { site_id: '{site}' product: '{product}' reorder_point: 5 "
       "reorder_quantity: 20 }"},
      {"clinic.v1.Inventory.ListLowStock", "site_id: '{site}'"},
      {"clinic.v1.Inventory.ListExpiringStock", "site_id: '{site}' within_days: 30 page_size: 10"},
      {"clinic.v1.Inventory.WatchAlerts", "site_id: '{site}'"},
      {"clinic.v1.Billing.SetTaxRate",
       "site_id: '{site}' category: TAX_CATEGORY_MEDICAL_TREATMENT rate_basis_points: 0 "
       "effective_from { year: {expiry_year} month: 1 day: 1 } request_id: '{rid}'"},
      {"clinic.v1.Billing.ListTaxRates", "site_id: '{site}' as_of { {today} }"},
      {"clinic.v1.Billing.SetPrice",
       "price { site_id: '{site}' item { treatment { treatment_type_id: 'microneedling' "
       "area_id: 'cheeks' } } display_name: 'Microneedling - cheeks' unit_price { "
       "amount_minor: 15000 currency_code: 'GBP' } tax_category: "
       "TAX_CATEGORY_COSMETIC_TREATMENT effective_from { year: {expiry_year} month: 1 day: 1 } "
       "} request_id: '{rid}'"},
      {"clinic.v1.Billing.ListPrices", "site_id: '{site}' as_of { {today} } page_size: 10"},
      {"clinic.v1.Billing.CreatePackagePlan",
       "plan { site_id: '{site}' display_name: 'Course of 6' treatment_type_id: 'microneedling' "
       "sessions: 6 validity_days: 540 usable_site_ids: '{site}' usable_site_ids: "
       "'new-york-soho' } request_id: '{rid}'"},
      {"clinic.v1.Billing.ListPackagePlans", "site_id: '{site}' page_size: 10"},
      {"clinic.v1.Billing.CreateInvoice",
       "invoice { site_id: '{site}' client: '{client}' notes: 'first visit' } "
       "lines { item { treatment { treatment_type_id: 'microneedling' } } quantity: 1 "
       "discount { percent_basis_points: 1000 reason: 'loyalty' } treatment_record: '{record}' "
       "} request_id: '{rid}'"},
      {"clinic.v1.Billing.GetInvoice", "name: '{invoice}'"},
      {"clinic.v1.Billing.ListInvoices",
       "site_id: '{site}' client: '{client}' state: INVOICE_STATE_PARTIALLY_PAID page_size: 10"},
      {"clinic.v1.Billing.AddInvoiceLines",
       "invoice: '{fresh_draft}' lines { item { treatment { treatment_type_id: 'microneedling' } "
       "} quantity: 2 discount { amount { amount_minor: 500 currency_code: 'GBP' } reason: "
       "'staff' } } request_id: '{rid}'"},
      {"clinic.v1.Billing.RemoveInvoiceLine",
       "invoice: '{fresh_draft}' line_id: '1' request_id: '{rid}'"},
      {"clinic.v1.Billing.IssueInvoice", "name: '{fresh_draft}' request_id: '{rid}'"},
      {"clinic.v1.Billing.VoidInvoice",
       "name: '{fresh_issued}' reason: 'raised in error' request_id: '{rid}'"},
      {"clinic.v1.Billing.RecordPayment",
       "invoice: '{fresh_issued}' amount { amount_minor: 2500 currency_code: 'GBP' } "
       "method: PAYMENT_METHOD_BANK_TRANSFER reference: 'BACS-0042' request_id: '{rid}'"},
      {"clinic.v1.Billing.RefundPayment",
       "payment: '{fresh_payment}' amount { amount_minor: 500 currency_code: 'GBP' } "
       "reason: 'goodwill' lines { line_id: '1' amount { amount_minor: 500 currency_code: "
       "'GBP' } } request_id: '{rid}'"},
      {"clinic.v1.Billing.GetPayment", "name: '{payment}'"},
      {"clinic.v1.Billing.ListPayments", "site_id: '{site}' invoice: '{invoice}' page_size: 10"},
      {"clinic.v1.Billing.IssueCreditNote",
       "invoice: '{fresh_issued}' lines { line_id: '1' amount { amount_minor: 1000 "
       "currency_code: 'GBP' } } reason: 'price agreed on the day' request_id: '{rid}'"},
      {"clinic.v1.Billing.GetCreditNote", "name: '{credit_note}'"},
      {"clinic.v1.Billing.ListCreditNotes", "site_id: '{site}' invoice: '{invoice}' page_size: 10"},
      {"clinic.v1.Billing.SellPackage",
       "site_id: '{site}' client: '{client}' plan: '{plan}' discount { percent_basis_points: "
       "500 reason: 'launch offer' } request_id: '{rid}'"},
      {"clinic.v1.Billing.GetPackage", "name: '{package}'"},
      {"clinic.v1.Billing.ListPackages",
       "client: '{client}' state: PACKAGE_STATE_ACTIVE page_size: 10"},
      {"clinic.v1.Billing.RedeemPackage",
       "package: '{fresh_package}' site_id: '{site}' treatment_type_id: 'microneedling' "
       "treatment_record: '{record}' request_id: '{rid}'"},
      {"clinic.v1.Billing.ChargeTreatment",
       "site_id: '{site}' treatment_record: '{fresh_record}' treatment_type_id: 'microneedling' "
       "area_ids: 'cheeks' area_ids: 'forehead' request_id: '{rid}'"},
      {"clinic.v1.Billing.GetClientStatement",
       "client: '{client}' start_time { seconds: 1700000000 }"},
      {"clinic.v1.Billing.GetDailyTakings", "site_id: '{site}' date { {today} }"},
      {"clinic.v1.Billing.GetRevenueReport",
       "site_id: '{site}' start_date { {today} } end_date { {today} }"},
  };
  return *table;
}

}  // namespace clinic::hostile
