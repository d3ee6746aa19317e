#!/usr/bin/env bash
# The README's demo, end to end, against a running Clinic Core: a client from
# registration through screening, a treatment and payment, to a lot recall
# that finds them. Every step is a clinicctl command, printed before it runs.
#
#   bash deploy/quickstart.sh     # in one terminal
#   bash deploy/demo.sh           # in another, from the repository root
#
# CLINIC_SERVER (default 127.0.0.1:50051) and CLINIC_ADMIN_TOKEN (default
# data/admin.token, which quickstart writes) say where and as whom; the demo
# makes a practitioner, staff/demo-mia, and acts as her. For the four-process
# shape, CLINIC_SERVER=127.0.0.1:50061 and CLINIC_AUDIT_SERVERS lists all four.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${CLINIC_SERVER:-127.0.0.1:50051}
admin_token=${CLINIC_ADMIN_TOKEN:-data/admin.token}
audit_servers=${CLINIC_AUDIT_SERVERS:-$server}
clinicctl_bin=${CLINIC_BUILD_DIR:-build}/bin/clinicctl
site=london-soho
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs clinicctl as `token`, showing the command; its output goes to stdout.
run() {
  local token=$1
  shift
  echo "\$ clinicctl $*" >&2
  "$clinicctl_bin" --server="$server" --token_file="$token" "$@"
}
# The first resource name of a kind in JSON output, e.g. clients/....
name_of() { grep -o "\"name\": *\"$1/[^\"]*\"" | head -1 | sed 's/.*: *"\(.*\)"/\1/'; }

echo "== a practitioner who also manages the chain's stock" >&2
if ! "$clinicctl_bin" --server="$server" --token_file="$admin_token" principal staff/demo-mia \
  >/dev/null 2>&1; then
  run "$admin_token" create-principal staff/demo-mia --display_name="Mia Chen (demo)" \
    --roles=practitioner@$site,site_manager >/dev/null
fi
run "$admin_token" issue-token staff/demo-mia "demo.sh" --ttl=1h >"$work/mia.token"
mia=$work/mia.token

echo "== registration, medical history and consent" >&2
client=$(run "$mia" --json create-client $site Ada Lovelace 1990-12-10 \
  --phone=+447700900123 --fitzpatrick=ii | name_of clients)
echo "client: $client" >&2
cat >"$work/history.textproto" <<'EOF'
facts { fact: KELOID_SCARRING_TENDENCY present: false }
facts { fact: PREGNANT present: false }
notes: "No known allergies."
EOF
run "$mia" update-history "$client" "$work/history.textproto" >/dev/null
run "$mia" consent "$client" microneedling 2026-01 --site=$site >/dev/null

echo "== screening, answered question by question (here from a file)" >&2
run "$mia" screen-interactive "$client" microneedling --site=$site --areas=cheeks --yes \
  <deploy/demo/microneedling-answers.txt 2>/dev/null | grep -E "^(name|state|outcome):"
run "$mia" eligibility "$client" microneedling --site=$site --areas=cheeks | grep -E "^eligible"

echo "== stock: a delivery of cartridges" >&2
product=$(run "$mia" --json create-product deploy/demo/cartridge.textproto | name_of products)
lot=$(run "$mia" --json receive $site "$product" DP-DEMO-01 2027-06-30 10 --supplier=MedSupply |
  grep -o '"lot": *"[^"]*"' | head -1 | sed 's/.*: *"\(.*\)"/\1/')
echo "lot: $lot" >&2

echo "== the price of a session" >&2
run "$mia" set-price $site treatment:microneedling 180.00 --tax=cosmetic \
  --name="Microneedling - session" --currency=GBP >/dev/null || true

echo "== the treatment: eligibility, consent, interval, stock, record, charge" >&2
# The box of cartridges scanned at the chair is the lot just received.
run "$mia" --request_id="demo-treatment-$$" treat "$client" microneedling cheeks:1000:2 \
  --site=$site --uses="face_36_42@$lot" --device="Dermapen 4" >"$work/record.txt"
record=$(grep -o 'clients/[^"]*/treatmentRecords/[^"]*' "$work/record.txt" | head -1)
echo "record: $record" >&2
for _ in $(seq 100); do
  if run "$mia" treatments "$client" 2>/dev/null | grep -q charged; then break; fi
  sleep 0.1
done
run "$mia" treatments "$client"

echo "== the invoice, issued and paid" >&2
invoice=$(run "$mia" invoices $site --client="$client" | cut -f1 | head -1)
run "$mia" issue "$invoice" >/dev/null
# The balance due, from "due=180.00 GBP".
due=$(run "$mia" invoices $site --client="$client" | cut -f6 | head -1 | sed 's/due=\([^ ]*\).*/\1/')
run "$mia" pay "$invoice" "$due" --method=card >/dev/null
run "$mia" invoices $site --client="$client"

echo "== a recall of the lot finds the client" >&2
run "$mia" recall "$lot" "Supplier notice FSN-2026-31: sterility not assured" >/dev/null
run "$mia" trace "$lot"
for _ in $(seq 100); do
  if [[ -n $(run "$mia" recall-notices "$client" 2>/dev/null) ]]; then break; fi
  sleep 0.1
done
run "$mia" recall-notices "$client"

echo "== the treatment in every audit trail, by its request id" >&2
"$clinicctl_bin" --server="$audit_servers" --token_file="$admin_token" audit-events \
  --trace="demo-treatment-$$"
"$clinicctl_bin" --server="$audit_servers" --token_file="$admin_token" verify-audit
