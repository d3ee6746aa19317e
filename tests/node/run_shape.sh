#!/usr/bin/env bash
# Runs the Node scenario (main_path.js) against one deployment shape, for
# CTest:
#   run_shape.sh clinicd BUILD_DIR       every service in one clinicd
#   run_shape.sh four-process BUILD_DIR  the four processes of deploy/four-process.sh
# Each run has its own data folder; the four processes listen on ports
# chosen for the run. Afterwards every audit trail must verify.
set -euo pipefail
shape=$1
build_dir=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [[ ! -d $here/node_modules/@grpc/grpc-js || ! -d $here/node_modules/@grpc/proto-loader ]]; then
  echo "tests/node/node_modules lacks @grpc/grpc-js or @grpc/proto-loader:" \
    "run npm ci --prefix tests/node (deploy/test.sh does)" >&2
  exit 1
fi
work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  if [[ $shape == four-process ]]; then
    CLINIC_DATA="$work/four" bash "$repo/deploy/four-process.sh" --stop >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

case $shape in
  clinicd)
    "$build_dir/bin/clinicd" --config="$repo/deploy/config/clinicd.textproto" \
      --plugin_dir="$build_dir/plugins" --data_dir="$work/data" --listen=127.0.0.1:0 \
      --port_file="$work/port" --bootstrap_admin_token="$work/admin.token" \
      >"$work/clinicd.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do
      [[ -s $work/port ]] && break
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    if [[ ! -s $work/port ]]; then
      cat "$work/clinicd.log" >&2
      exit 1
    fi
    address=127.0.0.1:$(cat "$work/port")
    token=$work/admin.token
    servers=$address
    node "$here/main_path.js" --proto_dir="$repo/proto" --admin_token_file="$token" \
      --site=london-soho --all="$address"
    ;;
  four-process)
    # Ports apart from the default shape's (50061-50064) and from other runs.
    base=$((52000 + ($$ % 2000) * 4))
    CLINIC_SKIP_BUILD=1 CLINIC_BUILD_DIR="$build_dir" CLINIC_DATA="$work/four" \
      CLINIC_PORT_BASE=$base bash "$repo/deploy/four-process.sh" --background
    token=$work/four/admin.token
    records=127.0.0.1:$((base + 1))
    servers=$records,127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3)),127.0.0.1:$((base + 4))
    node "$here/main_path.js" --proto_dir="$repo/proto" --admin_token_file="$token" \
      --site=london-soho --records="$records" --screening=127.0.0.1:$((base + 2)) \
      --inventory=127.0.0.1:$((base + 3)) --billing=127.0.0.1:$((base + 4)) \
      --access="$records" --audit="$servers"
    ;;
  *)
    echo "usage: run_shape.sh clinicd|four-process BUILD_DIR" >&2
    exit 2
    ;;
esac
"$build_dir/bin/clinicctl" --server="$servers" --token_file="$token" verify-audit
