#!/usr/bin/env bash
# bunrictl check as an operator runs it, on the shipped examples and on a policy that
# breaks every guard rail. Usage: check.sh BUNRICTL SRCDIR
set -u
bunrictl=$1
src=$2
app=$src/deploy/examples/appliance.cfg
pol=$src/deploy/examples/policy.cfg
bad=$src/tests/cli/policies/illegal.cfg
at=(--at 2026-11-22)
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

ok() { pass=$((pass + 1)); echo "ok: $1"; }
no() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/    /' "$out"; }
expect_exit() { # name want cmd...
  local name=$1 want=$2; shift 2
  "$@" >"$out" 2>&1
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$name (exit $got)"; else no "$name: exit $got, want $want"; fi
}
expect_line() { # name regex
  if grep -Eq -- "$2" "$out"; then ok "$1"; else no "$1: no line matches /$2/"; fi
}

expect_exit "example passes" 0 "$bunrictl" check --config "$app" --policy "$pol" "${at[@]}"
expect_line "example: count line" '^0 errors, 0 warnings$'
expect_line "example: summary names the appliance" '^city-hall-seg01: policy accepted$'
expect_line "example: digest" '^  digest +[0-9a-f]{64}$'
expect_line "example: zone pair" '^  mynumber -> lgwan +2 flows, 3 rules$'
expect_line "example: sanitized pair" '^  internet -> lgwan +1 flow, 1 rule \(1 sanitized\)$'

expect_exit "illegal policy fails" 1 "$bunrictl" check --config "$app" --policy "$bad" "${at[@]}"
expect_line "rail 1 at its line" 'illegal.cfg:10: flow "MN-IN-001": guard rail 1:'
expect_line "rail 2 at its line" 'illegal.cfg:13: flow "IN-LG-001": guard rail 2:'
expect_line "rail 3 at its line" 'illegal.cfg:15: flow "LG-IN-001": guard rail 3:'
expect_line "rail 4 at its line" 'illegal.cfg:15: flow "LG-IN-001": guard rail 4:'
expect_line "rail 5 is a warning" 'illegal.cfg:18: warning: flow "LG-IN-002": guard rail 5:'
expect_line "counts" '^[0-9]+ errors, [0-9]+ warnings$'
if grep -q 'policy accepted' "$out"; then no "no summary when there are errors"; else ok "no summary when there are errors"; fi

expect_exit "missing policy file" 2 "$bunrictl" check --config "$app" --policy /nonexistent/policy.cfg
expect_line "says which file" '/nonexistent/policy.cfg: cannot read: No such file or directory'
expect_exit "missing appliance file" 2 "$bunrictl" check --config /nonexistent/a.cfg --policy "$pol"
expect_exit "bad --at" 2 "$bunrictl" check --config "$app" --policy "$pol" --at tomorrow
expect_exit "unknown command" 2 "$bunrictl" frobnicate
expect_exit "help" 0 "$bunrictl" help

expect_exit "json on the example" 0 "$bunrictl" check --config "$app" --policy "$pol" "${at[@]}" --json
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["errors"]==0 and j["summary"]["flows"]==4 and j["summary"]["rules"]==8, j' "$out" >/dev/null 2>&1
then ok "json summary"; else no "json summary"; fi
expect_exit "json on the illegal policy" 1 "$bunrictl" check --config "$app" --policy "$bad" "${at[@]}" --json
if python3 -c '
import json,sys
j=json.load(open(sys.argv[1]))
rails={d["rail"] for d in j["diagnostics"] if d["rail"]}
assert rails=={1,2,3,4,5}, rails
assert j["summary"] is None
assert any(d["line"]==10 and d["flow"]=="MN-IN-001" for d in j["diagnostics"])
' "$out" >/dev/null 2>&1; then ok "json names every rail"; else no "json names every rail"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
