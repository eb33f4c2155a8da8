# Shared by the e2e tests: root check (skip otherwise), a per-run lab (deploy/lab.sh)
# that is torn down on any exit, and assertions that count failures.
#   BUILD    the build directory (meson sets it), BUNRI_SRCDIR the source tree.
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: e2e tests create network namespaces and need root"
  exit 77
fi
for tool in ip ethtool ping arping curl nc; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is missing (bash deploy/install-deps.sh installs it)"
    exit 77
  fi
done

: "${BUILD:?BUILD must name the build directory}"
: "${BUNRI_SRCDIR:?BUNRI_SRCDIR must name the source tree}"
# A short prefix unique among concurrent runs: interface names are at most 15 bytes.
LAB="e$(printf '%x' $$)${E2E_TAG:-x}"
LAB_DIR=$(mktemp -d "/tmp/bunri-e2e-${E2E_TAG:-x}.XXXXXX")
. "$BUNRI_SRCDIR/deploy/lab.sh"

FAILED=0
e2e_finish() {
  local rc=$?
  lab_cleanup
  if [ "$FAILED" -ne 0 ] || [ "$rc" -ne 0 ]; then
    echo "--- dataplane.log"; cat "$LAB_DIR/dataplane.log" 2>/dev/null | tail -30
    echo "--- controld.log"; cat "$LAB_DIR/controld.log" 2>/dev/null | tail -30
    echo "FAILED: $FAILED check(s); files kept in $LAB_DIR"
    [ "$rc" -ne 0 ] && exit "$rc"
    exit 1
  fi
  [ -n "${E2E_KEEP:-}" ] || rm -rf "$LAB_DIR"   # E2E_KEEP=1 keeps the logs
  echo "PASS"
}
trap e2e_finish EXIT

pass() { echo "ok    $1"; }
fail() { echo "FAIL  $1"; FAILED=$((FAILED + 1)); }

# expect_ok DESC CMD...: CMD exits 0.
expect_ok() {
  local d=$1; shift
  if "$@" >>"$LAB_DIR/clients.log" 2>&1; then pass "$d"; else fail "$d (exit $?)"; fi
}
# expect_fail DESC CMD...: CMD exits non-zero.
expect_fail() {
  local d=$1; shift
  if "$@" >>"$LAB_DIR/clients.log" 2>&1; then fail "$d (it succeeded)"; else pass "$d"; fi
}
# expect_eq DESC GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
# expect_gt DESC GOT MIN: GOT > MIN (integers)
expect_gt() {
  if [ "$2" -gt "$3" ] 2>/dev/null; then pass "$1 ($2)"; else fail "$1: got '$2', want > $3"; fi
}

# jget EXPR: evaluates a Python expression over the JSON on stdin, bound to d.
jget() {
  /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# Every flow-log record of the lab as JSON lines.
records() { cat "$LAB_DIR"/log/flows/*.jsonl 2>/dev/null; }
# count_records PYTHON-CONDITION over r
count_records() {
  records | /usr/bin/python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    r = json.loads(line)
    n += bool(eval(sys.argv[1]))
print(n)' "$1"
}

# The standard lab: namespaces, configs, key, dataplane, controller.
e2e_lab() {
  lab_setup
  lab_appliance_cfg
  lab_policy_cfg "$LAB_DIR/policy.cfg" yes
  lab_keygen
  lab_start_dataplane || { fail "bunri-dataplane starts"; exit 1; }
  lab_start_controld || { fail "bunri-controld starts"; exit 1; }
  # Installed once the controller says so.
  for _ in $(seq 1 100); do
    grep -q "policy installed" "$LAB_DIR/controld.log" && return 0
    sleep 0.1
  done
  fail "the controller installed the policy"
  exit 1
}
