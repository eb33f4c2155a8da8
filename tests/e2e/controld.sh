#!/usr/bin/env bash
# bunri-controld alone, against a stand-in for the dataplane (fakedp.py): no namespaces,
# no DPDK, no root. Clients that never read their replies and idle clients do not stop
# it from answering others or from stopping; a dataplane that never stops sending
# records does not stop it from stopping, and the flow log it leaves is sealed.
set -uo pipefail
: "${BUILD:?BUILD must name the build directory}"
: "${BUNRI_SRCDIR:?BUNRI_SRCDIR must name the source tree}"
LAB_DIR=$(mktemp -d /tmp/bunri-controld.XXXXXX)
. "$BUNRI_SRCDIR/deploy/lab.sh"
E2E=$BUNRI_SRCDIR/tests/e2e
FAILED=0
FAKE_PID=

finish() {
  local p
  for p in "${LAB_PIDS[@]}" $FAKE_PID; do
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  if [ "$FAILED" -ne 0 ]; then
    echo "--- controld.log"; tail -30 "$LAB_DIR/controld.log"
    echo "FAILED: $FAILED check(s); files kept in $LAB_DIR"
    exit 1
  fi
  rm -rf "$LAB_DIR"
  echo "PASS"
}
trap finish EXIT
pass() { echo "ok    $1"; }
fail() { echo "FAIL  $1"; FAILED=$((FAILED + 1)); }

# fake_dataplane [fakedp.py options]: the stand-in on the dataplane's socket.
fake_dataplane() {
  /usr/bin/python3 -u "$E2E/fakedp.py" "$LAB_DIR/run/control.sock" "$@" \
    >"$LAB_DIR/fakedp.out" 2>&1 &
  FAKE_PID=$!
  lab_wait_socket "$LAB_DIR/run/control.sock" "$FAKE_PID"
}
# start_controld: and wait until the stand-in has its policy.
start_controld() {
  : >"$LAB_DIR/controld.log"
  lab_start_controld || return 1
  for _ in $(seq 1 100); do
    grep -q "policy installed" "$LAB_DIR/controld.log" && return 0
    sleep 0.1
  done
  return 1
}

mkdir -p "$LAB_DIR/run"
lab_appliance_cfg
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
lab_keygen

# Clients that read nothing, and idle ones.
fake_dataplane || { fail "the stand-in dataplane listens"; exit 1; }
start_controld || { fail "bunri-controld starts and installs the policy"; exit 1; }
if /usr/bin/python3 "$E2E/controld_clients.py" "$LAB_DIR/run/controld.sock" \
    "$BUILD/control/cli/bunrictl" "$LAB_DIR/appliance.cfg" "$LAB_CD_PID"; then
  pass "clients that read nothing do not stop the controller"
else
  fail "clients that read nothing"
fi
# stopped by the script above, unless it failed before it got there
lab_stop "$LAB_CD_PID" || kill -KILL "$LAB_CD_PID"
wait "$LAB_CD_PID" 2>/dev/null
grep -q "client .* closed" "$LAB_DIR/controld.log" && pass "the controller says which clients it closed" ||
  fail "no word in controld.log about the clients it closed"

# A reply longer than the socket holds (a reload adding 6,000 flows lists each): it goes
# out as bunrictl reads it, whole.
start_controld || { fail "bunri-controld starts again"; exit 1; }
from=$(TZ=Asia/Tokyo date -d '-1 day' +%Y-%m-%d)
until=$(TZ=Asia/Tokyo date -d '+200 days' +%Y-%m-%d)
{
  sed '/^);$/d' "$LAB_DIR/policy.cfg" | sed '$ s/}$/},/'
  for i in $(seq 1 6000); do
    [ "$i" -lt 6000 ] && sep=, || sep=
    printf '  { id = "BULK-FLOW-WITH-A-LONG-IDENTIFIER-%05d"; purpose = "bulk"; from = "mynumber:atena-server"; to = "lgwan:chukan-gw"; services = ["tcp/%d"]; approved_by = "test"; valid_from = "%s"; valid_until = "%s"; }%s\n' \
      "$i" $((10000 + i)) "$from" "$until" "$sep"
  done
  echo ');'
} >"$LAB_DIR/policy.big" && mv "$LAB_DIR/policy.big" "$LAB_DIR/policy.cfg"
out=$("$BUILD/control/cli/bunrictl" reload --config "$LAB_DIR/appliance.cfg" 2>&1)
rc=$?
echo "      the reply was $(echo "$out" | wc -c) bytes"
[ "$rc" -eq 0 ] && pass "a reload whose reply is longer than the socket holds succeeds" ||
  fail "a reload with a long reply: exit $rc: $(echo "$out" | tail -2)"
n=$(echo "$out" | grep -o 'BULK-FLOW-WITH-A-LONG-IDENTIFIER-[0-9]*' | sort -u | wc -l)
[ "$n" -eq 6000 ] && pass "its reply names all 6,000 new flows" ||
  fail "its reply names $n of the 6,000 new flows"
lab_stop "$LAB_CD_PID" || kill -KILL "$LAB_CD_PID"
wait "$LAB_CD_PID" 2>/dev/null
kill -TERM "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
rm -f "$LAB_DIR/run/control.sock"

# A busy dataplane that never stops sending records: SIGTERM still stops the
# controller within its bound, and what it took is in the flow log, sealed.
fake_dataplane --stream --batch 20 --interval-ms 20 || { fail "the stand-in dataplane listens"; exit 1; }
start_controld || { fail "bunri-controld starts and installs the policy"; exit 1; }
sleep 1
if lab_stop "$LAB_CD_PID"; then
  pass "SIGTERM stops the controller while records keep coming"
else
  fail "SIGTERM: the controller still runs after 10 s of records"
  kill -KILL "$LAB_CD_PID"
fi
wait "$LAB_CD_PID"
rc=$?
[ "$rc" -eq 0 ] && pass "... with exit status 0" || fail "exit status $rc"
written=$(sed -n 's/.*stopping; \([0-9]*\) records written.*/\1/p' "$LAB_DIR/controld.log")
logged=$(cat "$LAB_DIR"/log/flows/*.jsonl | grep -c '"type":"flow"')
if [ -n "$written" ] && [ "$written" -gt 0 ] && [ "$logged" -eq "$written" ]; then
  pass "the $written records it took are in the flow log"
else
  fail "records: the controller says '${written:-nothing}', the flow log holds $logged"
fi
"$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" \
  --pubkey "$LAB_DIR/keys/flowlog.pub" >"$LAB_DIR/verify.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q "open segment" "$LAB_DIR/verify.out"; then
  pass "the flow log verifies and its last segment is sealed"
else
  fail "verify (exit $rc): $(cat "$LAB_DIR/verify.out")"
fi
