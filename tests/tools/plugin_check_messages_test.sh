#!/usr/bin/env bash
# What clinic-plugin-check says about a fixed set of broken text-format
# definitions (tests/tools/checker_messages/), word for word: each problem at
# the file:line:column of its field, in the base or the definition, with the
# ids of the elements on its path, a suggestion for an id that is nearly
# right, the likely depth for a slipped digit or unit, warnings that do not
# fail the check unless --warnings_as_errors asks, and a text-format mistake
# at its line and column. The expected output is expected.txt beside the
# definitions; after a deliberate change of wording, regenerate it with
#   plugin_check_messages_test.sh BIN_DIR --update
# and review the difference.
# Usage: plugin_check_messages_test.sh BIN_DIR [--update]
set -uo pipefail
bin=$(cd "$1" && pwd) update=${2:-}
fixtures="$(cd "$(dirname "$0")" && pwd)/checker_messages"
cd "$fixtures" || exit 1
run() {  # prints the command, its output and its exit status
  echo "\$ clinic-plugin-check $*"
  "$bin/clinic-plugin-check" "$@" 2>&1
  echo "exit $?"
}
actual=$(
  run --bases=base.textproto --omit=pregnant broken.textproto
  run warnings.textproto
  run --warnings_as_errors warnings.textproto
  run syntax.textproto
  run --bases=base.textproto --omit=no_such_rule warnings.textproto
)
if [[ $update == --update ]]; then
  printf '%s\n' "$actual" >expected.txt
  echo "wrote $fixtures/expected.txt"
  exit 0
fi
if ! diff -u expected.txt <(printf '%s\n' "$actual"); then
  echo "FAIL: clinic-plugin-check's messages differ from expected.txt (diff above)"
  exit 1
fi
echo "ok   every message as expected"
