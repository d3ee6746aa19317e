#!/usr/bin/env bash
# Configures and builds Clinic Core into ./build (or $CLINIC_BUILD_DIR).
# Warnings are errors when CI=true. Arguments name the targets to build;
# without any, everything (tests included) is built.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${CLINIC_BUILD_DIR:-build}
jobs=${CLINIC_JOBS:-$(nproc)}
werror=OFF
if [[ ${CI:-} == true ]]; then werror=ON; fi
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCLINIC_WERROR="$werror" "${launcher[@]}"
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
