// The ClientRecords database schema, one migration per version. Append new
// versions at the end; never edit one that has shipped. Only the SQLite store
// includes it.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_SCHEMA_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/append_only.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/storage/outbox.h"
#include "common/storage/page_tokens.h"

namespace clinic::client_records {

// Version 2: clients, with the columns lists and searches filter on beside
// the full record, and a full-text index of names. unicode61 with
// remove_diacritics folds case and accents ("zoe" finds "Zoë"); prefix
// indexes keep prefix queries fast at a million clients.
inline constexpr char kClientsSchema[] = R"sql(
CREATE TABLE clients (
  row_id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL UNIQUE,
  home_site_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  family_name TEXT NOT NULL,
  given_name TEXT NOT NULL,
  date_of_birth TEXT NOT NULL,
  phone TEXT NOT NULL,
  email TEXT NOT NULL,
  search_names TEXT NOT NULL,
  update_ms INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX clients_by_state ON clients (state, client_id);
CREATE INDEX clients_by_site ON clients (state, home_site_id, client_id);
CREATE INDEX clients_by_update ON clients (update_ms);
CREATE INDEX clients_by_phone ON clients (phone) WHERE phone <> '';
CREATE INDEX clients_by_email ON clients (email) WHERE email <> '';
CREATE INDEX clients_by_birth ON clients (date_of_birth);
CREATE INDEX clients_by_name ON clients (family_name COLLATE NOCASE, given_name COLLATE NOCASE,
                                         client_id);
CREATE VIRTUAL TABLE client_names USING fts5(
  search_names, content = 'clients', content_rowid = 'row_id',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE TRIGGER clients_names_insert AFTER INSERT ON clients BEGIN
  INSERT INTO client_names (rowid, search_names) VALUES (new.row_id, new.search_names);
END;
CREATE TRIGGER clients_names_update AFTER UPDATE OF search_names ON clients BEGIN
  INSERT INTO client_names (client_names, rowid, search_names)
    VALUES ('delete', old.row_id, old.search_names);
  INSERT INTO client_names (rowid, search_names) VALUES (new.row_id, new.search_names);
END;
CREATE TRIGGER clients_never_deleted BEFORE DELETE ON clients BEGIN
  SELECT RAISE(ABORT, 'clients are archived, never deleted');
END;
)sql";

// Version 3: the chart. Medical history versions, treatment records and
// addenda are append-only; triggers make the database itself refuse an edit.
inline constexpr char kChartSchema[] = R"sql(
CREATE TABLE medical_history (
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  version INTEGER NOT NULL,
  record_ms INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (client_id, version)
) WITHOUT ROWID;
CREATE TRIGGER medical_history_append_only_u BEFORE UPDATE ON medical_history BEGIN
  SELECT RAISE(ABORT, 'medical history versions are never changed');
END;
CREATE TRIGGER medical_history_append_only_d BEFORE DELETE ON medical_history BEGIN
  SELECT RAISE(ABORT, 'medical history versions are never deleted');
END;

CREATE TABLE consents (
  consent_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  state INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX consents_by_client ON consents (client_id, consent_id);

CREATE TABLE treatment_records (
  record_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  treatment_type_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  lot_number TEXT NOT NULL,
  perform_ms INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX treatment_records_by_client ON treatment_records (client_id, perform_ms, record_id);
CREATE INDEX treatment_records_by_lot ON treatment_records (lot_number);
CREATE TRIGGER treatment_records_append_only_u BEFORE UPDATE ON treatment_records BEGIN
  SELECT RAISE(ABORT, 'treatment records are corrected by addenda, never changed');
END;
CREATE TRIGGER treatment_records_append_only_d BEFORE DELETE ON treatment_records BEGIN
  SELECT RAISE(ABORT, 'treatment records are never deleted');
END;

CREATE TABLE addenda (
  addendum_id TEXT PRIMARY KEY,
  record_id TEXT NOT NULL REFERENCES treatment_records (record_id),
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX addenda_by_record ON addenda (record_id, addendum_id);
CREATE TRIGGER addenda_append_only_u BEFORE UPDATE ON addenda BEGIN
  SELECT RAISE(ABORT, 'addenda are never changed');
END;
CREATE TRIGGER addenda_append_only_d BEFORE DELETE ON addenda BEGIN
  SELECT RAISE(ABORT, 'addenda are never deleted');
END;
)sql";

// Version 4: the partial phone and email indexes of version 2 could not be
// used for "phone = ?" (SQLite cannot prove a bound value is not empty), so
// phone searches scanned the table. Plain indexes replace them.
inline constexpr char kSearchIndexFix[] = R"sql(
DROP INDEX clients_by_phone;
DROP INDEX clients_by_email;
CREATE INDEX clients_by_phone ON clients (phone);
CREATE INDEX clients_by_email ON clients (email);
)sql";

// Name keys: duplicate detection compares folded keys (case, accents, white
// space and punctuation ignored, other scripts transliterated) instead of
// names as typed, through an index so CreateClient never scans; the search
// index is refilled with folded words, so "lukasz" finds "Łukasz". Rows
// written before are keyed here by clinic_name_key and
// clinic_client_search_names (client_name_keys.h), which the store registers
// on its connection before migrating; the search_names update refills
// client_names through the clients_names_update trigger. A later change to
// how names are folded needs a new migration that repeats this backfill.
inline constexpr char kNameKeysSchema[] = R"sql(
ALTER TABLE clients ADD COLUMN family_key TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN given_key TEXT NOT NULL DEFAULT '';
UPDATE clients SET family_key = clinic_name_key(family_name),
                   given_key = clinic_name_key(given_name),
                   search_names = clinic_client_search_names(data);
CREATE INDEX clients_by_name_key ON clients (family_key, given_key, date_of_birth);
)sql";

// Version 6: request ids were scoped by method only, so another caller
// sending the same id and body got the first caller's response. The request
// log is rebuilt with the caller in its key; rows from before have caller ''
// (no caller's retry matches them, so a retry that straddles the upgrade runs
// again rather than replaying someone else's response). Self-contained, so a
// renumbering at merge only changes its entry below.
inline constexpr char kRequestLogByCaller[] = R"sql(
ALTER TABLE request_log RENAME TO request_log_unscoped;
CREATE TABLE request_log (
  method TEXT NOT NULL,
  caller TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (method, caller, request_id)
) WITHOUT ROWID;
INSERT INTO request_log (method, caller, request_id, fingerprint, response, created_at_ms)
  SELECT method, '', request_id, fingerprint, response, created_at_ms FROM request_log_unscoped;
DROP TABLE request_log_unscoped;
)sql";

// Version 7: the recall trace is Inventory's
// (docs/decisions/0012-recall-trace-owner.md), so no query looks treatment
// records up by lot; the index only cost writes. The lot_number column stays
// for the rows that fill it (records charted with one cartridge) and is
// empty on newer ones. Self-contained, so a renumbering at merge only
// changes its entry below.
inline constexpr char kNoLotIndex[] = R"sql(
DROP INDEX treatment_records_by_lot;
)sql";

// Version 8: the outbox of the treatment flow. A treatment's charge for
// Billing is written in the same transaction as its record and delivered
// afterwards (docs/treatment-flow.md); records charted before have none.
// From common/storage, so every store with an outbox has the same table.

// Version 9: recall notices, which Inventory delivers for each use of a lot
// it recalls; append-only like the rest of the chart (triggers added with
// the migration). record_id is the
// treatment record the use names, '' when it names none of the client's.
inline constexpr char kRecallNoticesSchema[] = R"sql(
CREATE TABLE lot_recall_notices (
  notice_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  record_id TEXT NOT NULL,
  recall_ms INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX lot_recall_notices_by_client ON lot_recall_notices (client_id, recall_ms, notice_id);
CREATE INDEX lot_recall_notices_by_record ON lot_recall_notices (record_id, recall_ms, notice_id);
)sql";

// Version 10: name search in result order (docs/decisions/0004). FTS5
// returned every client matching a prefix, and all of them were sorted for
// the first page (a 2-character prefix matches tens of thousands at a
// million clients). client_name_prefixes holds, for each folded word of a
// client's search names, its prefixes of 1 to 4 characters and, when longer,
// the whole word, keyed by the client's place in results: folded family
// name and folded given name (SearchNameKey), then row id. A page is then an
// index range read in order. Keys come from clinic_name_index_keys
// (client_name_keys.h), registered before migrating, and rows are inserted
// sorted, which builds the index in one pass; the full-text index, its
// triggers and the index of names as written, which only the old search
// read, go.
inline constexpr char kNamePrefixIndexSchema[] = R"sql(
CREATE TABLE client_name_prefixes (
  prefix TEXT NOT NULL,
  name_key TEXT NOT NULL,
  row_id INTEGER NOT NULL,
  PRIMARY KEY (prefix, name_key, row_id)
) WITHOUT ROWID;
INSERT INTO client_name_prefixes (prefix, name_key, row_id)
  SELECT k.value, c.family_key || char(1) || c.given_key, c.row_id
  FROM clients c, json_each(clinic_name_index_keys(c.search_names)) k
  ORDER BY 1, 2, 3;
DROP TRIGGER clients_names_insert;
DROP TRIGGER clients_names_update;
DROP TABLE client_names;
DROP INDEX clients_by_name;
)sql";

inline const std::vector<storage::Migration>& ClientRecordsMigrations() {
  // The shared tables every store has, from common/storage, as version 1
  // shipped them.
  static const auto* base =
      new std::string(std::string(storage::kStoreMetaSchema) + storage::kRequestLogSchemaUnscoped);
  static const auto* recall_notices = new std::string(absl::StrCat(
      kRecallNoticesSchema, storage::AppendOnlyTriggers("lot_recall_notices", "recall notices")));
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "store settings and request log", base->c_str()},
      {2, "clients and the name search index", kClientsSchema},
      {3, "medical history, consents, treatment records and addenda", kChartSchema},
      {4, "phone and email indexes usable with bound parameters", kSearchIndexFix},
      {5, "folded name keys for duplicates and search", kNameKeysSchema},
      {6, "request ids scoped by caller", kRequestLogByCaller},
      {7, "no lookup of treatment records by lot", kNoLotIndex},
      {8, "the outbox of charges for Billing", storage::kOutboxSchema},
      {9, "recall notices on the chart", recall_notices->c_str()},
      {10, "name search index in result order", kNamePrefixIndexSchema},
  };
  return *migrations;
}

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_SCHEMA_H_
