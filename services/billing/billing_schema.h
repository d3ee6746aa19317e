// The Billing database schema, one migration per version. Append new
// versions at the end; never edit one that has shipped. Only the SQLite store
// includes it.
#ifndef CLINIC_SERVICES_BILLING_BILLING_SCHEMA_H_
#define CLINIC_SERVICES_BILLING_BILLING_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/append_only.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/storage/page_tokens.h"

namespace clinic::billing {

// Version 2: price lists, invoices, payments, credit notes and packages.
//
// Money columns are whole minor units of the row's currency. Days are
// yyyymmdd integers at the site, which order like the days; instants are
// Unix milliseconds.
//
// What happened is append-only (the database refuses edits): prices, tax
// rates, payments, credit notes and their lines, package redemptions. What
// an invoice owes is derived from them when it is read (paid, credited,
// balance, state), so it is never stored twice. An invoice row changes while
// it is a draft; once issued only its lifecycle column may move, to void,
// and the trigger below refuses any other change, so an issued invoice's
// number, lines and totals are fixed for good.
//
// `sequences` holds each site's counters (invoices and credit notes, per
// year). A number is taken in the transaction that issues the document, so
// a failed issue takes none and the sequence never has a gap; UNIQUE
// (site_id, number) refuses a number used twice whatever the code does.
inline constexpr char kBillingSchema[] = R"sql(
CREATE TABLE tax_rates (
  sequence INTEGER PRIMARY KEY,
  tax_rate_id TEXT NOT NULL UNIQUE,
  site_id TEXT NOT NULL,
  category INTEGER NOT NULL,
  effective_day INTEGER NOT NULL,
  rate_basis_points INTEGER NOT NULL CHECK (rate_basis_points BETWEEN 0 AND 10000),
  data BLOB NOT NULL
);
CREATE INDEX tax_rates_by_category ON tax_rates (site_id, category, effective_day, sequence);

CREATE TABLE prices (
  sequence INTEGER PRIMARY KEY,
  price_id TEXT NOT NULL UNIQUE,
  site_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  effective_day INTEGER NOT NULL,
  withdrawn INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX prices_by_item ON prices (site_id, item_key, effective_day, sequence);

CREATE TABLE package_plans (
  plan_id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  sort_key TEXT NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX package_plans_by_site ON package_plans (site_id, sort_key, plan_id);

CREATE TABLE sequences (
  site_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  year INTEGER NOT NULL,
  last INTEGER NOT NULL CHECK (last > 0),
  PRIMARY KEY (site_id, kind, year)
) WITHOUT ROWID;

CREATE TABLE invoices (
  invoice_id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  lifecycle INTEGER NOT NULL,
  number TEXT,
  total_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  create_ms INTEGER NOT NULL,
  issue_ms INTEGER,
  lines_added INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (site_id, number)
) WITHOUT ROWID;
CREATE INDEX invoices_by_site ON invoices (site_id, create_ms, invoice_id);
CREATE INDEX invoices_by_client ON invoices (client_id, site_id, lifecycle);
CREATE INDEX invoices_issued ON invoices (site_id, issue_ms) WHERE issue_ms IS NOT NULL;

CREATE TRIGGER invoices_issued_fixed BEFORE UPDATE ON invoices
WHEN OLD.lifecycle <> 1 AND (OLD.lifecycle = 3 OR NEW.lifecycle <> 3
  OR NEW.number IS NOT OLD.number OR NEW.total_minor <> OLD.total_minor
  OR NEW.issue_ms IS NOT OLD.issue_ms)
BEGIN
  SELECT RAISE(ABORT, 'issued invoices are never changed, only voided');
END;
CREATE TRIGGER invoices_issued_kept BEFORE DELETE ON invoices
WHEN OLD.lifecycle <> 1
BEGIN
  SELECT RAISE(ABORT, 'issued invoices are never deleted');
END;

CREATE TABLE payments (
  sequence INTEGER PRIMARY KEY,
  payment_id TEXT NOT NULL UNIQUE,
  site_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL REFERENCES invoices (invoice_id),
  client_id TEXT NOT NULL,
  method INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0),
  currency TEXT NOT NULL,
  refund_of TEXT,
  line_id TEXT,
  create_ms INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX payments_by_invoice ON payments (invoice_id, sequence);
CREATE INDEX payments_by_site ON payments (site_id, create_ms, payment_id);
CREATE INDEX payments_by_client ON payments (client_id, create_ms);
CREATE INDEX payments_refunds ON payments (refund_of) WHERE refund_of IS NOT NULL;

CREATE TABLE credit_notes (
  sequence INTEGER PRIMARY KEY,
  credit_note_id TEXT NOT NULL UNIQUE,
  site_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL REFERENCES invoices (invoice_id),
  client_id TEXT NOT NULL,
  number TEXT NOT NULL,
  total_minor INTEGER NOT NULL CHECK (total_minor > 0),
  currency TEXT NOT NULL,
  create_ms INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (site_id, number)
);
CREATE INDEX credit_notes_by_invoice ON credit_notes (invoice_id, sequence);
CREATE INDEX credit_notes_by_site ON credit_notes (site_id, create_ms, credit_note_id);
CREATE INDEX credit_notes_by_client ON credit_notes (client_id, create_ms);

CREATE TABLE credit_note_lines (
  credit_note_id TEXT NOT NULL REFERENCES credit_notes (credit_note_id),
  invoice_id TEXT NOT NULL,
  line_id TEXT NOT NULL,
  total_minor INTEGER NOT NULL CHECK (total_minor > 0),
  tax_minor INTEGER NOT NULL,
  PRIMARY KEY (credit_note_id, line_id)
) WITHOUT ROWID;
CREATE INDEX credit_note_lines_by_line ON credit_note_lines (invoice_id, line_id);

CREATE TABLE packages (
  package_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  treatment_type_id TEXT NOT NULL,
  sessions_total INTEGER NOT NULL CHECK (sessions_total > 0),
  expire_ms INTEGER NOT NULL,
  void INTEGER NOT NULL,
  invoice_id TEXT NOT NULL,
  line_id TEXT NOT NULL,
  create_ms INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX packages_by_client ON packages (client_id, treatment_type_id, expire_ms);
CREATE INDEX packages_by_line ON packages (invoice_id, line_id);

CREATE TABLE redemptions (
  sequence INTEGER PRIMARY KEY,
  redemption_id TEXT NOT NULL UNIQUE,
  package_id TEXT NOT NULL REFERENCES packages (package_id),
  site_id TEXT NOT NULL,
  treatment_record TEXT,
  create_ms INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX redemptions_by_package ON redemptions (package_id, sequence);

CREATE TABLE treatment_charges (
  charge_id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  treatment_record TEXT NOT NULL UNIQUE,
  create_ms INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
)sql";

inline const std::vector<storage::Migration>& BillingMigrations() {
  static const auto* base =
      new std::string(std::string(storage::kStoreMetaSchema) + storage::kRequestLogSchema);
  static const auto* billing = new std::string(
      absl::StrCat(kBillingSchema, storage::AppendOnlyTriggers("tax_rates", "tax rates"),
                   storage::AppendOnlyTriggers("prices", "prices"),
                   storage::AppendOnlyTriggers("payments", "payments"),
                   storage::AppendOnlyTriggers("credit_notes", "credit notes"),
                   storage::AppendOnlyTriggers("credit_note_lines", "credit note lines"),
                   storage::AppendOnlyTriggers("redemptions", "package redemptions"),
                   storage::AppendOnlyTriggers("treatment_charges", "treatment charges")));
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "store settings and request log", base->c_str()},
      {2, "prices, invoices, payments, credit notes and packages", billing->c_str()},
  };
  return *migrations;
}

}  // namespace clinic::billing

#endif  // CLINIC_SERVICES_BILLING_BILLING_SCHEMA_H_
