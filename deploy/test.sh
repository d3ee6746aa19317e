#!/usr/bin/env bash
# One command from a fresh Debian machine to a full test run: installs what is
# missing, builds everything (warnings are errors under CI=true) and runs
# every test through CTest, the Node.js client scenarios included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
# The scenarios in tests/node drive the services from Node.js, as internal
# tools not written in C++ do; their packages come from the lock file.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Installing Node.js and npm for tests/node"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
bash deploy/build.sh
build_dir=${CLINIC_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j "${CLINIC_JOBS:-$(nproc)}" --timeout 600
