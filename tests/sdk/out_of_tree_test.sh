#!/usr/bin/env bash
# An author's path from template to loaded plugin, against the installed SDK:
# install the sdk component into a fresh prefix, build a copy of
# plugins/template outside the source tree with find_package(ClinicPluginSDK)
# on the installed skin_needling base, and check the result with the installed
# clinic-plugin-check: it loads, and holds the base's entries and its own;
# and a broken copy fails its build at the line of the mistake.
# Usage: out_of_tree_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --component sdk --prefix "$work/sdk" >/dev/null
test -f "$work/sdk/include/clinic/treatment_plugin.h"
test -f "$work/sdk/lib/cmake/ClinicPluginSDK/ClinicPluginSDKConfig.cmake" ||
  test -n "$(find "$work/sdk" -name ClinicPluginSDKConfig.cmake)"
test -f "$work/sdk/share/clinic-plugin-sdk/bases/skin_needling.textproto"

cp -r "$source/plugins/template" "$work/my-plugin"
cmake -S "$work/my-plugin" -B "$work/my-plugin/build" -DCMAKE_PREFIX_PATH="$work/sdk" >/dev/null
cmake --build "$work/my-plugin/build" >/dev/null
plugin=$(find "$work/my-plugin/build" -maxdepth 2 -name '*.so' | head -n 1)
test -n "$plugin" || { echo "the template built no .so"; exit 1; }
# The installed checker loads it exactly as a server would.
"$work/sdk/bin/clinic-plugin-check" "$plugin"
# Built on the installed base: the base's entries, less those the template
# omits, and the template's own, including its replacement of an omitted one.
definition=$("$work/sdk/bin/clinic-plugin-check" --print_definition "$plugin")
for id in keloid_scarring_tendency last_isotretinoin_dose no_makeup serum_allergy serum_overnight; do
  grep -q "id: \"$id\"" <<<"$definition" || { echo "the plugin lacks '$id'"; exit 1; }
done
[[ $(grep -c 'id: "anticoagulants_or_antiplatelets"' <<<"$definition") -eq 1 ]] ||
  { echo "anticoagulants_or_antiplatelets is not declared exactly once"; exit 1; }
if grep -q 'id: "anaesthetic_allergy"' <<<"$definition"; then
  echo "the omitted anaesthetic_allergy is still declared"; exit 1
fi
# The installed SDK checks the definition as it builds it: a depth with a
# zero too many fails the build at its line, in words an editor jumps to.
cp -r "$source/plugins/template" "$work/too-deep"
sed -i '0,/max_depth_um: 250/s//max_depth_um: 15000/' "$work/too-deep/my_treatment.textproto"
line=$(grep -n 'max_depth_um: 15000' "$work/too-deep/my_treatment.textproto" | cut -d: -f1)
cmake -S "$work/too-deep" -B "$work/too-deep/build" -DCMAKE_PREFIX_PATH="$work/sdk" >/dev/null
if output=$(cmake --build "$work/too-deep/build" 2>&1); then
  echo "a definition the host would refuse built"; exit 1
fi
grep -q "^$work/too-deep/my_treatment.textproto:$line:5: error: protocol.areas\[0\] (face).max_depth_um: 15000 um is deeper than the 3000 um limit; did you mean 1500 um (1.5 mm)?$" <<<"$output" ||
  { echo "the build did not point at the line:"; echo "$output"; exit 1; }
echo "out-of-tree plugin $(basename "$plugin") loads"
