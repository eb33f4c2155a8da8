#!/usr/bin/env bash
# Records acknowledged end to end, under connection churn (a few hundred short
# connections a second from mynumber to lgwan): bunri-controld killed (kill -9) and
# restarted four times, bunri-dataplane killed once and restarted. Then an exact
# accounting (accounting.py): every seq of every dataplane run is in the log once or
# inside a gap record, no connection has two records, every connection forwarded both
# ways has its record unless a gap or the dataplane's crash accounts for it, the crash
# is in the log with the connections it left live; the counters agree with the log and
# bunri-audit verify accepts it.
E2E_TAG=k
. "$(dirname "$0")/common.sh"
E2E=$BUNRI_SRCDIR/tests/e2e

e2e_lab
STOP=$LAB_DIR/churn.stop
lab_bg m "$LAB_DIR/churn.out" /usr/bin/python3 -u "$E2E/churn.py" 10.20.0.10 443 20000 40000 \
  300 "$STOP"
CHURN_PID=$LAB_BG

kill_controld() {
  kill -KILL "$LAB_CD_PID"
  wait "$LAB_CD_PID" 2>/dev/null
  sleep "$1"
  lab_start_controld || fail "bunri-controld starts again"
}

# wait_installed: the controller has (re)installed the policy in the dataplane.
wait_installed() {
  for _ in $(seq 1 100); do
    [ "$(lab_ctl status --json 2>/dev/null | jget 'd["policy"]["deny_all"]' 2>/dev/null)" = False ] &&
      return 0
    sleep 0.1
  done
  return 1
}

sleep 2
for pause in 0.2 1 0.5; do
  kill_controld "$pause"
  sleep 2
done
expect_gt "the clients' connections pass meanwhile" \
  "$(grep -c ' refused ' "$LAB_DIR/churn.out")" 500

CRASH_MS=$(date +%s%3N)
kill -KILL "$LAB_DP_PID"
wait "$LAB_DP_PID" 2>/dev/null
rm -f "$LAB_DIR/run/control.sock"
sleep 0.5
lab_start_dataplane || fail "bunri-dataplane starts again"
expect_ok "the controller installs the policy in the restarted dataplane" wait_installed
sleep 2
kill_controld 0.3
sleep 2
touch "$STOP"
for _ in $(seq 1 100); do kill -0 "$CHURN_PID" 2>/dev/null || break; sleep 0.1; done

# Quiet: everything the dataplane emitted is acknowledged or lost in a gap.
for _ in $(seq 1 100); do
  [ "$(lab_ctl status --json | jget 'd["records"]["buffered"]')" = 0 ] && break
  sleep 0.1
done
sleep 0.5
lab_ctl status --json >"$LAB_DIR/status.json"
lab_ctl stats --prometheus >"$LAB_DIR/metrics.txt"
lab_ctl status >"$LAB_DIR/status.txt"
rec() { jget "d[\"records\"][\"$1\"]" <"$LAB_DIR/status.json"; }
RUN=$(rec run)
EMITTED=$(rec emitted)
LOST=$(( $(rec lost_ring) + $(rec dropped_buffer) ))
echo "      dataplane run $RUN: $EMITTED emitted, $(rec acknowledged) acknowledged, $(rec resent) sent again, $LOST lost"
expect_gt "status.records.emitted counts the records" "$EMITTED" 100
expect_eq "nothing is held: emitted = acknowledged + lost" \
  "$(( $(rec acknowledged) + LOST ))" "$EMITTED"
IN_LOG=$(records | /usr/bin/python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    r = json.loads(line)
    if r.get("dp_run") == sys.argv[1]:
        n += 1 if r["type"] in ("flow", "deny") else r["count"] if r["type"] == "gap" else 0
print(n)' "$RUN")
expect_eq "the log holds the run's emitted records (records + gap seqs)" "$IN_LOG" "$EMITTED"
expect_eq "bunri_records_emitted_total is status.records.emitted" \
  "$(awk '$1 == "bunri_records_emitted_total" {print $2}' "$LAB_DIR/metrics.txt")" "$EMITTED"
expect_eq "bunri_records_lost_total counts the records lost" \
  "$(awk '$1 == "bunri_records_lost_total" {print $2}' "$LAB_DIR/metrics.txt")" "$LOST"
expect_ok "bunrictl status shows the record counters" \
  grep -q "emitted (last seq" "$LAB_DIR/status.txt"
expect_eq "the crash of the first run is in the log" \
  "$(count_records 'r["type"] == "run" and r["reason"] == "crash"')" 1

expect_ok "bunri-dataplane stops cleanly" lab_stop "$LAB_DP_PID"
sleep 1
expect_ok "bunri-controld stops" lab_stop "$LAB_CD_PID"
expect_eq "the clean stop is in the log" \
  "$(count_records 'r["type"] == "run" and r["reason"] == "shutdown"')" 1
WRITTEN=$(grep -o 'stopping; [0-9]* records written' "$LAB_DIR/controld.log" | tail -1 | awk '{print $2}')
echo "      $(grep -c . "$LAB_DIR/churn.out") connections tried; the last controller wrote $WRITTEN records"
if /usr/bin/python3 "$E2E/accounting.py" "$LAB_DIR/log" "$LAB_DIR/churn.out" \
    --crash-ms "$CRASH_MS" --written "$WRITTEN" >"$LAB_DIR/accounting.txt" 2>&1; then
  pass "every record is in the log once or in a gap record"
else
  fail "the accounting does not add up"
fi
sed 's/^/      /' "$LAB_DIR/accounting.txt"
expect_ok "bunri-audit verify accepts the log" \
  "$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" --pubkey "$LAB_DIR/keys/flowlog.pub"
