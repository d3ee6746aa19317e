#!/usr/bin/env bash
# One command from a fresh Debian machine to a full test run: installs what is
# missing, builds everything (warnings are errors under CI=true) and runs
# every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
build_dir=${CLINIC_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j "${CLINIC_JOBS:-$(nproc)}" --timeout 600
