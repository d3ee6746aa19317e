#!/usr/bin/env bash
# clinic-plugin-check as an author uses it: exit 0 and a summary for good
# plugins; exit 1 and every reason for bad ones; exit 2 on a usage error.
# Usage: plugin_check_test.sh BIN_DIR PLUGIN_DIR TEST_PLUGIN_DIR
set -uo pipefail
bin=$1 plugins=$2 test_plugins=$3
check="$bin/clinic-plugin-check"
failures=0
expect() {  # expect NAME WANTED_EXIT PATTERN -- ARGS...
  local name=$1 wanted=$2 pattern=$3
  shift 4
  local output status
  output=$("$check" "$@" 2>&1)
  status=$?
  if [[ $status -ne $wanted ]]; then
    echo "FAIL $name: exit $status, wanted $wanted"; echo "$output"; failures=$((failures + 1))
  elif ! grep -qE -- "$pattern" <<<"$output"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$output"; failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

expect bundled-plugins-pass 0 'treatment type: microneedling 2\.1\.0' -- \
  "$plugins/microneedling.so" "$plugins/rf_microneedling.so" \
  "$plugins/prp_microneedling.so"
# Named after their treatment types, and nothing in them looks wrong.
expect bundled-plugins-without-warnings 0 'treatment type: prp_microneedling' -- \
  --warnings_as_errors "$plugins/microneedling.so" "$plugins/rf_microneedling.so" \
  "$plugins/prp_microneedling.so"
# The definition as loaded: a plugin built on a base shows the base's entries
# with its own.
expect print-definition-base 0 'id: "keloid_scarring_tendency"' -- --print_definition \
  "$test_plugins/test_based.so"
expect print-definition-own 0 'id: "test_own_rule"' -- --print_definition \
  "$test_plugins/test_based.so"
expect consumables-counted 0 'cartridges: 3, other consumables: 2' -- \
  "$plugins/prp_microneedling.so"
# A plugin declaring needle configurations as text ("nano") is printed as
# served: with typed needles.
expect print-definition-typed-needles 0 '^    nano: true$' -- --print_definition \
  "$test_plugins/test_alpha.so"
expect print-definition-utf8 0 'display_name: "Décolleté"' -- --print_definition \
  "$plugins/microneedling.so"
# Each field with the ids of the listed elements on its path.
expect invalid-definition-explained 1 \
  '^  - protocol\.areas\[0\] \(forehead\)\.max_depth_um: 5000 um is deeper than the 3000 um limit$' -- \
  "$test_plugins/test_invalid.so"
expect invalid-definition-lists-all 1 \
  "^  - contraindications\[0\] \(active_skin_infection\)\.condition\.any_of\.conditions\[0\]\.answer\.question_id: refers to question 'no_such_question'" \
  -- "$test_plugins/test_invalid.so"
# Warnings are printed and pass, unless --warnings_as_errors.
expect file-name-warning 0 \
  '^  warning: the file is named test_alpha_duplicate\.so; name it after its treatment type, test_alpha\.so' \
  -- "$test_plugins/test_alpha_duplicate.so"
expect warning-printed 0 \
  '^  warning: contraindications\[0\] \(active_skin_infection\)\.guidance: is empty on a relative rule' \
  -- "$test_plugins/test_warnings.so"
expect warnings-as-errors 1 \
  '1 of 1 plugin\(s\) have warnings, which --warnings_as_errors makes fail' -- \
  --warnings_as_errors "$test_plugins/test_warnings.so"
expect bases-need-text 2 '--bases and --omit apply to text-format definitions' -- \
  --bases=x.textproto "$test_plugins/test_alpha.so"
expect wrong-abi 1 'ABI version 999' -- "$test_plugins/test_bad_abi.so"
expect missing-symbol 1 'entry symbol is missing' -- "$test_plugins/test_no_symbol.so"
expect crash 1 'crashed while loading' -- "$test_plugins/test_crash_on_load.so"
expect hang 1 'did not finish loading within 1s' -- --timeout_ms=1000 \
  "$test_plugins/test_hang_on_load.so"
expect duplicate 1 "declares treatment type 'test_alpha', which .*test_alpha.so also declares" -- \
  "$test_plugins/test_alpha.so" "$test_plugins/test_alpha_duplicate.so"
expect one-bad-of-two 1 '1 of 2 plugin\(s\) would be refused' -- \
  "$test_plugins/test_alpha.so" "$test_plugins/test_garbage_bytes.so"
expect missing-file 1 'cannot be read' -- "$test_plugins/does-not-exist.so"
# A file that is no library: the loader's message names the file the author
# gave, never the private copy the check loads.
not_elf=$(mktemp -d)
trap 'rm -rf "$not_elf"' EXIT
echo "not a library" >"$not_elf/notes.so"
expect open-error-names-the-file 1 "cannot be opened.*$not_elf/notes\.so" -- "$not_elf/notes.so"
if "$check" "$not_elf/notes.so" 2>&1 | grep -q 'clinic-plugins-'; then
  echo "FAIL open-error-hides-the-staged-copy: the output names the staging folder"
  "$check" "$not_elf/notes.so"
  failures=$((failures + 1))
else
  echo "ok   open-error-hides-the-staged-copy"
fi
# Against the version before, as a built plugin: what changed and whether
# the number says so (version_changes_test.sh covers each kind of change).
expect previous-narrowed-under-minor 1 \
  'REFUSED: version 1\.1\.0 after 1\.0\.0 raises the minor number, but 1 change needs a new major version: use 2\.0\.0 or higher' -- \
  --previous="$test_plugins/test_alpha.so" "$test_plugins/test_alpha_narrowed.so"
expect previous-narrowed-change-listed 1 \
  '^  major: protocol\.areas\[0\] \(forehead\)\.max_depth_um: lowered from 500 um to 400 um: the depth range is narrower$' -- \
  --previous="$test_plugins/test_alpha.so" "$test_plugins/test_alpha_narrowed.so"
expect previous-minor 0 'version 1\.1\.0 after 1\.0\.0 says as much \(its changes need a new minor version\)' -- \
  --previous="$test_plugins/test_alpha.so" "$test_plugins/test_alpha_minor.so"
expect previous-major 0 'version 2\.0\.0 after 1\.0\.0 says as much \(its changes need a new major version\)' -- \
  --previous="$test_plugins/test_alpha.so" "$test_plugins/test_alpha_v2.so"
expect previous-same-version-other-content 1 'REFUSED: version 1\.0\.0 does not rank above 1\.0\.0' -- \
  --previous="$test_plugins/test_alpha.so" "$test_plugins/test_alpha_changed.so"
expect previous-refused 2 '--previous=.*test_bad_abi\.so would be refused' -- \
  --previous="$test_plugins/test_bad_abi.so" "$test_plugins/test_alpha.so"
expect usage 2 'usage' --

echo "$failures failed"
[[ $failures -eq 0 ]]
