#!/usr/bin/env bash
# What clinic-plugin-check --previous says about pairs of definitions, word
# for word: each successor of tests/tools/version_changes/v1.textproto is
# made by one edit below, and the expected output (the changes found, the
# step each needs, and the verdict on the version number) is expected.txt
# beside it. After a deliberate change of wording, regenerate it with
#   version_changes_test.sh BIN_DIR --update
# and review the difference.
# Usage: version_changes_test.sh BIN_DIR [--update]
set -uo pipefail
bin=$(cd "$1" && pwd) update=${2:-}
fixtures="$(cd "$(dirname "$0")" && pwd)/version_changes"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$fixtures/v1.textproto" "$work/" && cd "$work" || exit 1

# successor NAME VERSION PERL_EDIT: v1 with its version set and one edit made.
successor() {
  perl -0pe "s/version: \"1\\.0\\.0\"/version: \"$2\"/; $3" v1.textproto >"$1.textproto"
}
successor wording 1.0.1 's/Mild redness\./Mild redness for a day or two./'
successor indication_added 1.1.0 \
  's/(indications \{ id: "texture"[^\n]*\n)/$1indications { id: "pores" display_name: "Pores" }\n/'
successor indication_added_as_patch 1.0.1 \
  's/(indications \{ id: "texture"[^\n]*\n)/$1indications { id: "pores" display_name: "Pores" }\n/'
successor depth_narrowed 1.1.0 's/max_depth_um: 1500/max_depth_um: 1200/'
successor depth_narrowed_as_major 2.0.0 's/max_depth_um: 1500/max_depth_um: 1200/'
successor depth_narrowed_in_a_prerelease 2.0.0-rc.1 's/max_depth_um: 1500/max_depth_um: 1200/'
successor override_lowered 1.1.0 's/max_depth_um: 2000 \}/max_depth_um: 1800 }/'
successor area_removed 1.1.0 's/  areas \{\n    id: "forehead".*?\n  \}\n//s'
successor question_and_rule_removed 1.1.0 \
  's/screening_questions \{\n  id: "blood_thinners".*?\n\}\n//s; s/contraindications \{\n  id: "blood_thinners".*?\n\}\n//s'
successor required_answer_added 1.1.0 \
  's/(screening_validity)/screening_questions { id: "fever" text: "Fever today?" answer_type: ANSWER_TYPE_YES_NO required: true }\n$1/'
successor rule_made_relative 1.1.0 's/SEVERITY_ABSOLUTE/SEVERITY_RELATIVE/'
successor rule_made_absolute 1.1.0 's/SEVERITY_RELATIVE/SEVERITY_ABSOLUTE/'
successor cap_raised 1.1.0 's/cap_depth \{ max_depth_um: 1000/cap_depth { max_depth_um: 1400/'
successor condition_changed 1.1.0 's/blood_thinners" equals: true/blood_thinners" equals: false/'
successor needle_removed 1.1.0 's/  needles \{ nano: true \}\n//'
successor validity_shortened 1.1.0 's/seconds: 2592000/seconds: 1209600/'
successor version_kept 1.0.0 's/Mild redness\./Mild redness for a day or two./'
successor other_type 2.0.0 's/id: "peel_needling"/id: "other_needling"/'

run() {  # prints the command, its output and its exit status
  echo "\$ clinic-plugin-check $*"
  "$bin/clinic-plugin-check" "$@" 2>&1
  echo "exit $?"
}
actual=$(
  for name in wording indication_added indication_added_as_patch depth_narrowed \
    depth_narrowed_as_major depth_narrowed_in_a_prerelease override_lowered area_removed \
    question_and_rule_removed required_answer_added rule_made_relative rule_made_absolute \
    cap_raised condition_changed needle_removed validity_shortened version_kept other_type; do
    run --previous=v1.textproto "$name.textproto"
  done
  run --previous=v1.textproto v1.textproto
  run --previous=missing.textproto wording.textproto
)
if [[ $update == --update ]]; then
  printf '%s\n' "$actual" >"$fixtures/expected.txt"
  echo "wrote $fixtures/expected.txt"
  exit 0
fi
if ! diff -u "$fixtures/expected.txt" <(printf '%s\n' "$actual"); then
  echo "FAIL: clinic-plugin-check --previous differs from expected.txt (diff above)"
  exit 1
fi
echo "ok   every verdict as expected"
