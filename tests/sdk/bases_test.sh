#!/usr/bin/env bash
# Bases as a plugin author meets them when something is wrong: the embed step
# (ClinicEmbedDefinition.cmake, run as the build runs it) and
# clinic_add_treatment_plugin at configure time refuse with a message naming
# the file, the id and the way out; with the checker, the embed step fails a
# definition the host would refuse, each problem on a line of its own at the
# file:line:column of its field, in the definition or in the base. What a
# good build produces is checked by tests/unit/plugin_bases_test.cc.
# Usage: bases_test.sh SOURCE_DIR PROTOC WKT_DIR CHECKER
set -uo pipefail
source=$1 protoc=$2 wkt=$3 checker=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sdk_base="$source/plugins/sdk/bases/skin_needling.textproto"
failures=0

# embed NAME WANTED_EXIT PATTERN DEFINITION BASES [OMIT]: runs the embed step
# on files in $work ('|'-separated BASES and OMIT, as the build passes them).
embed() {
  local name=$1 wanted=$2 pattern=$3 definition=$4 bases=$5 omit=${6:-}
  local output status
  output=$(cmake "-DPROTOC=$protoc" "-DPROTO_DIR=$source/proto" "-DWKT_DIR=$wkt" \
    "-DINPUT=$definition" "-DBASES=$bases" "-DOMIT=$omit" "-DOUTPUT=$work/$name.c" \
    -DSYMBOL=test -DGENERATE_ENTRY=ON -P "$source/plugins/sdk/cmake/ClinicEmbedDefinition.cmake" 2>&1)
  status=$?
  # Messages are wrapped to the terminal; join them so a pattern can span lines.
  output=$(tr -s ' \n' ' ' <<<"$output")
  if [[ $wanted -eq 0 && $status -ne 0 ]] || [[ $wanted -ne 0 && $status -eq 0 ]]; then
    echo "FAIL $name: exit $status"; echo "$output"; failures=$((failures + 1))
  elif [[ -e "$work/$name.c.d" ]]; then
    echo "FAIL $name: left its intermediate files behind"; failures=$((failures + 1))
  elif ! grep -qE -- "$pattern" <<<"$output"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$output"; failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

cat >"$work/own.textproto" <<'TEXT'
id: "own"
screening_questions { id: "own_question" text: "Own?" answer_type: ANSWER_TYPE_YES_NO }
TEXT
cat >"$work/duplicate.textproto" <<'TEXT'
id: "duplicate"
screening_questions { id: "own_question" text: "Own?" answer_type: ANSWER_TYPE_YES_NO }
contraindications { id: "isotretinoin_6_months" display_name: "Mine" }
TEXT
cat >"$work/duplicate_aftercare.textproto" <<'TEXT'
protocol { aftercare { id: "sunscreen" text: "Mine." } }
TEXT
cat >"$work/other_base.textproto" <<'TEXT'
screening_questions { id: "keloid_scarring" text: "Again?" answer_type: ANSWER_TYPE_YES_NO }
TEXT
cat >"$work/twice.textproto" <<'TEXT'
contraindications { id: "twice" display_name: "One" }
contraindications { id: "twice" display_name: "Two" }
TEXT
cat >"$work/sets_version.textproto" <<'TEXT'
version: "9.9.9"
screening_questions { id: "fine" text: "Fine?" answer_type: ANSWER_TYPE_YES_NO }
TEXT
cat >"$work/sets_areas.textproto" <<'TEXT'
protocol { areas { id: "cheeks" } aftercare { id: "fine" text: "Fine." } }
TEXT
printf 'screening_questions {\n  id: "broken"\n  answer_type: YES_OR_NO\n}\n' >"$work/broken.textproto"

embed merges 0 '' "$work/own.textproto" "$sdk_base"
grep -q "Generated from $sdk_base and $work/own.textproto" "$work/merges.c" ||
  { echo "FAIL merges: the generated file does not name both sources"; failures=$((failures + 1)); }
embed duplicate-rule 1 \
  "contraindications id 'isotretinoin_6_months' is also declared by the base $sdk_base.*OMIT" \
  "$work/duplicate.textproto" "$sdk_base"
embed duplicate-names-the-plugin 1 "$work/duplicate.textproto: contraindications id" \
  "$work/duplicate.textproto" "$sdk_base"
embed duplicate-aftercare 1 "aftercare id 'sunscreen' is also declared by the base" \
  "$work/duplicate_aftercare.textproto" "$sdk_base"
embed duplicate-replaced-with-omit 0 '' "$work/duplicate.textproto" "$sdk_base" \
  isotretinoin_6_months
embed omit-names-nothing 1 "OMIT names 'no_such_rule', which no base declares" \
  "$work/own.textproto" "$sdk_base" no_such_rule
embed two-bases-share-an-id 1 \
  "screening_questions id 'keloid_scarring' is also declared by the base $sdk_base" \
  "$work/own.textproto" "$sdk_base|$work/other_base.textproto"
embed twice-in-one-base 1 "contraindications id 'twice' is declared twice in this base" \
  "$work/own.textproto" "$work/twice.textproto"
embed base-sets-version 1 "sets_version.textproto sets version, which a base cannot: a base holds only screening_questions, contraindications and protocol.aftercare; everything else" \
  "$work/own.textproto" "$work/sets_version.textproto"
embed base-sets-areas 1 "sets protocol.areas, which a base cannot" \
  "$work/own.textproto" "$work/sets_areas.textproto"
embed base-syntax-error-points-into-the-base 1 \
  "$work/broken.textproto:[0-9]+:[0-9]+: Unknown enumeration value of \"YES_OR_NO\"" \
  "$work/own.textproto" "$work/broken.textproto"

# The output as the build prints it, lines unjoined: "file:line:column: ..."
# must start a line for an editor to jump to it. raw_embed NAME DEFINITION
# BASES [OMIT [CHECKER]] sets $raw and $raw_status.
raw_embed() {
  local name=$1 definition=$2 bases=$3 omit=${4:-} with_checker=${5:-}
  raw=$(cmake "-DPROTOC=$protoc" "-DPROTO_DIR=$source/proto" "-DWKT_DIR=$wkt" \
    "-DINPUT=$definition" "-DBASES=$bases" "-DOMIT=$omit" "-DOUTPUT=$work/$name.c" \
    -DSYMBOL=test -DGENERATE_ENTRY=ON "-DCHECKER=$with_checker" \
    -P "$source/plugins/sdk/cmake/ClinicEmbedDefinition.cmake" 2>&1)
  raw_status=$?
}
# expect_line NAME WANTED_EXIT LINE_PATTERN: after raw_embed.
expect_line() {
  local name=$1 wanted=$2 pattern=$3
  if { [[ $wanted -eq 0 ]] && [[ $raw_status -ne 0 ]]; } ||
    { [[ $wanted -ne 0 ]] && [[ $raw_status -eq 0 ]]; }; then
    echo "FAIL $name: exit $raw_status"; echo "$raw"; failures=$((failures + 1))
  elif ! grep -qE -- "$pattern" <<<"$raw"; then
    echo "FAIL $name: no line matches /$pattern/"; echo "$raw"; failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

raw_embed syntax-error-alone "$work/own.textproto" "$work/broken.textproto"
expect_line syntax-error-on-its-own-line 1 \
  "^$work/broken\.textproto:[0-9]+:[0-9]+: Unknown enumeration value of \"YES_OR_NO\""

# A definition the host would refuse fails the build at its line.
test_base="$source/tests/plugins/test_base.textproto"
sed 's/max_depth_um: 1500/max_depth_um: 15000/' "$source/tests/plugins/test_based.textproto" \
  >"$work/deep.textproto"
raw_embed deep "$work/deep.textproto" "$sdk_base|$test_base" anaesthetic_allergy "$checker"
expect_line check-fails-at-the-line 1 \
  "^$work/deep\.textproto:20:5: error: protocol\.areas\[0\] \(cheeks\)\.max_depth_um: 15000 um is deeper than the 3000 um limit; did you mean 1500 um \(1\.5 mm\)\?$"
expect_line check-counts-the-problems 1 \
  "^$work/deep\.textproto: 1 error, 0 warnings: a plugin built from it would be refused$"
[[ -e "$work/deep.c" ]] && { echo "FAIL check-writes-nothing: deep.c was written"; failures=$((failures + 1)); }
# Leaving out a question a base rule reads fails at the base rule.
raw_embed omitted-question "$source/tests/plugins/test_based.textproto" "$sdk_base|$test_base" \
  "anaesthetic_allergy|test_base_question" "$checker"
expect_line check-points-into-the-base 1 \
  "^$test_base:16:24: error: contraindications\[[0-9]+\] \(test_base_rule\)\.condition\.answer\.question_id: refers to question 'test_base_question' which the definition does not declare$"
# A good definition passes in silence.
raw_embed good "$source/tests/plugins/test_based.textproto" "$sdk_base|$test_base" \
  anaesthetic_allergy "$checker"
if [[ $raw_status -ne 0 || -n $raw || ! -e "$work/good.c" ]]; then
  echo "FAIL check-passes-in-silence: exit $raw_status"; echo "$raw"; failures=$((failures + 1))
else
  echo "ok   check-passes-in-silence"
fi

# At configure time: a base the SDK does not ship, OMIT without BASES.
configure() {  # configure NAME PATTERN ARGUMENTS
  local name=$1 pattern=$2 arguments=$3 output
  mkdir -p "$work/$name"
  cat >"$work/$name/CMakeLists.txt" <<TEXT
cmake_minimum_required(VERSION 3.25)
project(bases_test NONE)
set(CLINIC_PLUGIN_SDK_BASE_DIR "$source/plugins/sdk/bases")
include("$source/plugins/sdk/cmake/ClinicTreatmentPlugin.cmake")
clinic_add_treatment_plugin(x DEFINITION "$work/own.textproto" $arguments)
TEXT
  output=$(cmake -S "$work/$name" -B "$work/$name/build" 2>&1 | tr -s ' \n' ' ')
  if grep -qE -- "$pattern" <<<"$output"; then
    echo "ok   $name"
  else
    echo "FAIL $name: output lacks /$pattern/"; echo "$output"; failures=$((failures + 1))
  fi
}
configure unknown-sdk-base \
  "BASES names 'skin_needlin', which the SDK does not ship \(it ships: skin_needling\)" \
  "BASES skin_needlin"
configure missing-base-file "base file no/such/base.textproto does not exist" \
  "BASES no/such/base.textproto"
configure omit-without-bases "OMIT leaves out entries of BASES, and none are given" "OMIT x"

echo "$failures failed"
[[ $failures -eq 0 ]]
