#!/usr/bin/env bash
# bunri-controld anchors the flow log's head outside the log directory: with records
# streaming from a stand-in dataplane (fakedp.py), it writes signed checkpoints to
# logging.checkpoint_file. After a kill -9 and a cut of the open segment's tail, verify
# --checkpoint names the cut, and the restarted controller does not sign the cut
# segment: it sets it aside and says so, in its log and in a `truncated` chain record.
set -uo pipefail
: "${BUILD:?BUILD must name the build directory}"
: "${BUNRI_SRCDIR:?BUNRI_SRCDIR must name the source tree}"
LAB_DIR=$(mktemp -d /tmp/bunri-anchor.XXXXXX)
. "$BUNRI_SRCDIR/deploy/lab.sh"
FAILED=0
FAKE_PID=
CP=$LAB_DIR/anchor/checkpoints

finish() {
  local p
  for p in "${LAB_PIDS[@]}" $FAKE_PID; do
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  chattr -a "$CP" 2>/dev/null
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
verify() {
  rc=0
  "$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" \
    --pubkey "$LAB_DIR/keys/flowlog.pub" --checkpoint "$CP" >"$LAB_DIR/verify.out" 2>&1 || rc=$?
}
newest_seq() { sed -n 's/.* seq=\([0-9]*\) .*/\1/p' "$CP" | sort -n | tail -1; }
start_controld() {
  : >"$LAB_DIR/controld.log"
  rm -f "$LAB_DIR/run/controld.sock"
  lab_start_controld || return 1
  for _ in $(seq 1 100); do
    grep -q "running;" "$LAB_DIR/controld.log" && return 0
    sleep 0.1
  done
  return 1
}

mkdir -p "$LAB_DIR/run" "$LAB_DIR/anchor"
lab_appliance_cfg
sed -i "s|fsync_ms = 100;|fsync_ms = 100; checkpoint_seconds = 1; checkpoint_file = \"$CP\";|" \
  "$LAB_DIR/appliance.cfg"
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
lab_keygen

/usr/bin/python3 -u "$BUNRI_SRCDIR/tests/e2e/fakedp.py" "$LAB_DIR/run/control.sock" --stream \
  --batch 20 --interval-ms 20 >"$LAB_DIR/fakedp.out" 2>&1 &
FAKE_PID=$!
lab_wait_socket "$LAB_DIR/run/control.sock" "$FAKE_PID" || { fail "the stand-in listens"; exit 1; }
start_controld || { fail "bunri-controld starts"; exit 1; }

# records flow: a checkpoint at least every second, each once its records are on disk
for _ in $(seq 1 100); do
  [ "$(grep -c ' event=tick ' "$CP" 2>/dev/null)" -ge 3 ] && break
  sleep 0.1
done
ticks=$(grep -c ' event=tick ' "$CP" 2>/dev/null)
[ "${ticks:-0}" -ge 3 ] && pass "checkpoints while records flow: $(wc -l <"$CP") in $CP" ||
  fail "fewer than 3 tick checkpoints in 10 s (${ticks:-0})"
verify
[ "$rc" -eq 0 ] && pass "the running log verifies with its checkpoints: $(grep '^checkpoints' "$LAB_DIR/verify.out")" ||
  { cat "$LAB_DIR/verify.out"; fail "the running log does not verify with its checkpoints"; }

# kill -9, then cut the open segment back to before the newest checkpoint
kill -KILL "$LAB_CD_PID"; wait "$LAB_CD_PID" 2>/dev/null
m=$(newest_seq)
f=$(ls "$LAB_DIR/log/flows"/*.jsonl | tail -1)
first=$(head -n 1 "$f" | sed 's/^{"seq":\([0-9]*\),.*/\1/')
keep=$(( (m - first) / 2 ))
[ "$keep" -ge 1 ] || keep=1
head -n "$keep" "$f" >"$LAB_DIR/t" && cat "$LAB_DIR/t" >"$f"
end=$(tail -n 1 "$f" | sed 's/^{"seq":\([0-9]*\),.*/\1/')
verify
[ "$rc" -eq 1 ] && grep -q "seq $end: truncated: the log ends at seq $end but a checkpoint signed at .* names seq $m " "$LAB_DIR/verify.out" &&
  pass "open segment cut after kill -9: $(grep -m1 'the log ends at' "$LAB_DIR/verify.out" | cut -c1-120)" ||
  { cat "$LAB_DIR/verify.out"; fail "the cut open segment is not named against the checkpoints"; }

# the restarted controller refuses to sign the cut segment
start_controld || { fail "bunri-controld restarts"; exit 1; }
grep -q "was cut: it ends at seq $end but the checkpoint signed at .* names seq $m" "$LAB_DIR/controld.log" &&
  pass "restart: $(grep -m1 'was cut' "$LAB_DIR/controld.log" | cut -c1-140)" ||
  fail "restart: the controller did not say the segment was cut"
[ ! -e "$f.sig" ] && [ -e "$f.cut" ] && [ ! -e "$f" ] && pass "restart: the cut segment is set aside unsigned" ||
  fail "restart: the cut segment was signed or left in the log"
grep -h '"reason":"truncated"' "$LAB_DIR/log/flows"/*.jsonl | grep -q "\"after_seq\":$m," &&
  pass "restart: a truncated chain record goes on after seq $m" ||
  fail "restart: no truncated chain record"
kill -TERM "$LAB_CD_PID"; wait "$LAB_CD_PID" 2>/dev/null
verify
[ "$rc" -eq 1 ] && grep -q ': truncated: the writer found the segment cut at restart' "$LAB_DIR/verify.out" &&
  ! grep -q ': truncated: the log ends at' "$LAB_DIR/verify.out" &&
  pass "after the stop: the cut is named, the log reaches every checkpoint again" ||
  { cat "$LAB_DIR/verify.out"; fail "after the stop: verify"; }
