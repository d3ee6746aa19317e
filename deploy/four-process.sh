#!/usr/bin/env bash
# Starts Clinic Core as four processes on this machine, one per service:
# clinic-client-records (50061), clinic-screening (50062), clinic-inventory
# (50063) and clinic-billing (50064), with the configs in
# deploy/config/four-process/ and data in ./data/four-process/. They find each
# other through their configs and call each other as service principals,
# acting for the person who made the call; each keeps its own audit trail.
#
#   deploy/four-process.sh               build, start, wait; Ctrl-C stops all four
#   deploy/four-process.sh --background  build, start, return once all four listen
#   deploy/four-process.sh --stop        stop the four started in the background
#
# On the first start it creates the chain admin staff/admin (token in
# data/four-process/admin.token) and, with `clinicctl service-token`, the
# service principals service/client-records, service/screening and
# service/inventory with the tokens their upstreams use
# (data/four-process/tokens/). docs/deployment.md explains each step, for
# machines of their own.
#
# CLINIC_SKIP_BUILD=1 uses what is already built in $CLINIC_BUILD_DIR.
# CLINIC_DATA=DIR keeps the data elsewhere and CLINIC_PORT_BASE=N listens on
# N+1 to N+4 instead, so tests can run the shape beside a running one.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
build_dir=${CLINIC_BUILD_DIR:-build}
data=${CLINIC_DATA:-data/four-process}
port_base=${CLINIC_PORT_BASE:-50060}
services=(inventory billing screening client-records)
mkdir -p "$data/tokens" "$data/config"
data=$(cd "$data" && pwd)
port_of() {
  case $1 in
    client-records) echo $((port_base + 1)) ;;
    screening) echo $((port_base + 2)) ;;
    inventory) echo $((port_base + 3)) ;;
    billing) echo $((port_base + 4)) ;;
  esac
}

pid_of() { cat "$data/$1.pid" 2>/dev/null || true; }

stop_all() {
  local name pid
  for name in client-records screening billing inventory; do
    pid=$(pid_of "$name")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; fi
  done
  for name in client-records screening billing inventory; do
    pid=$(pid_of "$name")
    while [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
}

if [[ ${1:-} == --stop ]]; then
  stop_all
  echo "stopped"
  exit 0
fi
background=false
if [[ ${1:-} == --background ]]; then background=true; fi

if [[ ${CLINIC_SKIP_BUILD:-} != 1 ]]; then
  bash deploy/install-deps.sh
  bash deploy/build.sh clinic-client-records clinic-screening clinic-inventory clinic-billing \
    clinicctl clinic-plugin-probe clinic_bundled_plugins
fi

for name in "${services[@]}"; do
  pid=$(pid_of "$name")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    echo "clinic-$name is already running (pid $pid); deploy/four-process.sh --stop first" >&2
    exit 1
  fi
done
chmod 700 "$data/tokens"
# This run's configs: the ones in deploy/config/four-process with the data
# folder, the ports and the chain file put where this run has them.
for name in "${services[@]}"; do
  sed -e "s#\./data/four-process#$data#g" \
    -e "s#chain_file: \"\.\./chain\.textproto\"#chain_file: \"$repo/deploy/config/chain.textproto\"#" \
    -e "s#127\.0\.0\.1:50061#127.0.0.1:$(port_of client-records)#g" \
    -e "s#127\.0\.0\.1:50062#127.0.0.1:$(port_of screening)#g" \
    -e "s#127\.0\.0\.1:50063#127.0.0.1:$(port_of inventory)#g" \
    -e "s#127\.0\.0\.1:50064#127.0.0.1:$(port_of billing)#g" \
    "deploy/config/four-process/$name.textproto" >"$data/config/$name.textproto"
done

# Starts one process and waits until it listens; on failure prints its log.
start() {
  local name=$1
  shift
  rm -f "$data/$name.port"
  "$build_dir/bin/clinic-$name" --config="$data/config/$name.textproto" \
    --plugin_dir="$build_dir/plugins" "$@" >"$data/$name.log" 2>&1 &
  local pid=$! waited=0
  until [[ -s $data/$name.port ]]; do
    if ! kill -0 "$pid" 2>/dev/null || ((waited > 300)); then
      echo "clinic-$name did not start; its log ($data/$name.log):" >&2
      cat "$data/$name.log" >&2
      stop_all
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "clinic-$name listening on 127.0.0.1:$(cat "$data/$name.port") (pid $pid)"
}

clinicctl() {
  "$build_dir/bin/clinicctl" --server="127.0.0.1:$(port_of billing)" \
    --token_file="$data/admin.token" "$@"
}

# Billing calls no one, so it starts first and makes the first admin when the
# shared access database is new; then the tokens the callers present. Any
# process can issue them, since the four share the access database.
start billing --bootstrap_admin_token="$data/admin.token"
for caller in client-records screening inventory; do
  if [[ ! -s $data/tokens/$caller.token ]]; then
    clinicctl service-token "service/$caller" "$data/tokens/$caller.token" \
      --display_name="clinic-$caller" >/dev/null
  fi
done
start inventory
start screening
start client-records

servers=$(for name in client-records screening inventory billing; do
  printf '127.0.0.1:%s,' "$(port_of "$name")"
done)
servers=${servers%,}
cat <<EOF

Clinic Core runs as four processes. Logs: $data/*.log
  clinicctl --server=127.0.0.1:$(port_of client-records) --token_file=$data/admin.token whoami
  clinicctl --server=$servers \\
      --token_file=$data/admin.token verify-audit
EOF
if $background; then
  echo "Stop them with: deploy/four-process.sh --stop"
  exit 0
fi
echo "Ctrl-C stops all four."
trap 'stop_all; exit 0' INT TERM
wait
