#!/usr/bin/env bash
# Drives a deployment shape from outside, for CTest:
#   shape_test.sh clinicd BUILD_DIR       the Node scenario against one clinicd
#   shape_test.sh four-process BUILD_DIR  the Node scenario against the four
#                                         processes of deploy/four-process.sh
#   shape_test.sh demo BUILD_DIR          deploy/demo.sh (the README's demo)
#                                         against one clinicd
# Each run has its own data folder; the four processes listen on ports
# chosen for the run. Afterwards every audit trail must verify.
set -euo pipefail
shape=$1
build_dir=$(cd "$2" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
node_dir=$repo/tests/node
if [[ $shape != demo ]] && [[ ! -d $node_dir/node_modules/@grpc/grpc-js ||
  ! -d $node_dir/node_modules/@grpc/proto-loader ]]; then
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
  clinicd | demo)
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
    if [[ $shape == demo ]]; then
      CLINIC_SERVER=$address CLINIC_ADMIN_TOKEN=$token CLINIC_BUILD_DIR=$build_dir \
        bash "$repo/deploy/demo.sh" >"$work/demo.out"
      cat "$work/demo.out"
      # What the demo sets out to show, in its output: the charge, the paid
      # invoice, the recall on the client's chart.
      grep -q $'\tcharged$' "$work/demo.out"
      grep -q $'\tpaid\t' "$work/demo.out"
      grep -q "Supplier notice FSN-2026-31" "$work/demo.out"
    else
      node "$node_dir/main_path.js" --proto_dir="$repo/proto" --admin_token_file="$token" \
        --site=london-soho --all="$address"
    fi
    ;;
  four-process)
    # Ports apart from the default shape's (50061-50064) and from other runs.
    base=$((52000 + ($$ % 2000) * 4))
    CLINIC_SKIP_BUILD=1 CLINIC_BUILD_DIR="$build_dir" CLINIC_DATA="$work/four" \
      CLINIC_PORT_BASE=$base bash "$repo/deploy/four-process.sh" --background
    token=$work/four/admin.token
    records=127.0.0.1:$((base + 1))
    servers=$records,127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3)),127.0.0.1:$((base + 4))
    node "$node_dir/main_path.js" --proto_dir="$repo/proto" --admin_token_file="$token" \
      --site=london-soho --records="$records" --screening=127.0.0.1:$((base + 2)) \
      --inventory=127.0.0.1:$((base + 3)) --billing=127.0.0.1:$((base + 4)) \
      --access="$records" --audit="$servers" | tee "$work/node.out"
    # The treatment followed through the four trails from the shell: each
    # process's events for it, merged into one timeline.
    treatment=$(sed -n 's/^ok audit: request id \([^:]*\):.*/\1/p' "$work/node.out")
    "$build_dir/bin/clinicctl" --server="$servers" --token_file="$token" audit-events \
      --trace="$treatment" | tee "$work/trace.out"
    for process in $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)); do
      if ! grep -q "^127.0.0.1:$process"$'\t' "$work/trace.out"; then
        echo "no event of $treatment in the trail of 127.0.0.1:$process" >&2
        exit 1
      fi
    done
    ;;
  *)
    echo "usage: shape_test.sh clinicd|four-process|demo BUILD_DIR" >&2
    exit 2
    ;;
esac
"$build_dir/bin/clinicctl" --server="$servers" --token_file="$token" verify-audit
