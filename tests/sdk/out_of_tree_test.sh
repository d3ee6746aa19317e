#!/usr/bin/env bash
# An author's path from template to loaded plugin, against the installed SDK:
# install the sdk component into a fresh prefix, build a copy of
# plugins/template outside the source tree with find_package(ClinicPluginSDK),
# and check the result with the installed clinic-plugin-check.
# Usage: out_of_tree_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --component sdk --prefix "$work/sdk" >/dev/null
test -f "$work/sdk/include/clinic/treatment_plugin.h"
test -f "$work/sdk/lib/cmake/ClinicPluginSDK/ClinicPluginSDKConfig.cmake" ||
  test -n "$(find "$work/sdk" -name ClinicPluginSDKConfig.cmake)"

cp -r "$source/plugins/template" "$work/my-plugin"
cmake -S "$work/my-plugin" -B "$work/my-plugin/build" -DCMAKE_PREFIX_PATH="$work/sdk" >/dev/null
cmake --build "$work/my-plugin/build" >/dev/null
plugin=$(find "$work/my-plugin/build" -maxdepth 2 -name '*.so' | head -n 1)
test -n "$plugin" || { echo "the template built no .so"; exit 1; }
# The installed checker loads it exactly as a server would.
"$work/sdk/bin/clinic-plugin-check" "$plugin"
echo "out-of-tree plugin $(basename "$plugin") loads"
