#!/usr/bin/env bash
# A stopped daemon (SIGSTOP) does not hang the operator's tools: bunrictl status and
# stats answer within 2 s and name the daemon that does not answer, status still shows
# the dataplane's part, and the Prometheus gauges never show a controller both down and
# connected. Each daemon is resumed with SIGCONT.
E2E_TAG=s
. "$(dirname "$0")/common.sh"

e2e_lab
BOUND=5   # generous: the tools give a daemon 1.5 s
# timed OUT ERR CMD...: runs CMD, stdout to OUT, stderr to ERR; ELAPSED (s) and RC.
timed() {
  local out=$1 err=$2 t0 t1
  shift 2
  t0=$(date +%s.%N)
  "$@" >"$out" 2>"$err"
  RC=$?
  t1=$(date +%s.%N)
  ELAPSED=$(echo "$t1 - $t0" | bc)
}
within() { [ "$(echo "$ELAPSED < $BOUND" | bc)" = 1 ]; }
gauge() { sed -n "s/^$1 //p" "$LAB_DIR/prom.out"; }

expect_eq "both daemons answer: bunri_controld_up" \
  "$(lab_ctl stats --prometheus | sed -n 's/^bunri_controld_up //p')" 1

kill -STOP "$LAB_CD_PID"
timed "$LAB_DIR/status.out" "$LAB_DIR/status.err" lab_ctl status
echo "      bunrictl status with bunri-controld stopped: ${ELAPSED} s, exit $RC"
within && pass "status answers within ${BOUND} s" || fail "status took ${ELAPSED} s"
expect_eq "... exit 0: the dataplane's part is there" "$RC" 0
grep -q "^appliance " "$LAB_DIR/status.out" && pass "... it shows the dataplane" ||
  fail "status lacks the dataplane's part: $(cat "$LAB_DIR/status.out")"
grep -q "bunri-controld does not answer" "$LAB_DIR/status.err" &&
  pass "... and names bunri-controld as not answering" ||
  fail "status does not name bunri-controld: $(cat "$LAB_DIR/status.err")"
grep -q "NOT ANSWERING\|NOT REACHABLE" "$LAB_DIR/status.out" &&
  pass "... the controller's line says so" || fail "controller line: $(grep controller "$LAB_DIR/status.out")"

timed "$LAB_DIR/prom.out" "$LAB_DIR/prom.err" lab_ctl stats --prometheus
echo "      bunrictl stats --prometheus with bunri-controld stopped: ${ELAPSED} s, exit $RC"
within && pass "stats --prometheus answers within ${BOUND} s" || fail "stats took ${ELAPSED} s"
expect_eq "... bunri_controld_up" "$(gauge bunri_controld_up)" 0
expect_eq "... bunri_controller_connected (never 1 with up 0)" "$(gauge bunri_controller_connected)" 0
expect_eq "... bunri_controller_stream_held: the dataplane still sees its socket" \
  "$(gauge bunri_controller_stream_held)" 1
grep -q "bunri-controld does not answer" "$LAB_DIR/prom.err" &&
  pass "... and names bunri-controld" || fail "stats does not name it: $(cat "$LAB_DIR/prom.err")"

timed "$LAB_DIR/reload.out" "$LAB_DIR/reload.err" lab_ctl reload
echo "      bunrictl reload with bunri-controld stopped: ${ELAPSED} s, exit $RC"
within && pass "reload gives up within ${BOUND} s" || fail "reload took ${ELAPSED} s"
expect_eq "... exit 2" "$RC" 2

# Many operators at once fill the stopped daemon's listen queue: connect must not hang.
pids=()
t0=$(date +%s.%N)
for i in $(seq 1 40); do
  lab_ctl stats --prometheus >/dev/null 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"
ELAPSED=$(echo "$(date +%s.%N) - $t0" | bc)
echo "      40 concurrent stats with bunri-controld stopped: ${ELAPSED} s"
within && pass "40 concurrent stats all return within ${BOUND} s" || fail "40 stats took ${ELAPSED} s"
kill -CONT "$LAB_CD_PID"
sleep 0.5

# The dataplane stopped: status names it, within the bound.
kill -STOP "$LAB_DP_PID"
timed "$LAB_DIR/status.out" "$LAB_DIR/status.err" lab_ctl status
echo "      bunrictl status with bunri-dataplane stopped: ${ELAPSED} s, exit $RC"
within && pass "status answers within ${BOUND} s" || fail "status took ${ELAPSED} s"
expect_eq "... exit 2" "$RC" 2
grep -q "bunri-dataplane does not answer" "$LAB_DIR/status.err" &&
  pass "... and names bunri-dataplane" || fail "status: $(cat "$LAB_DIR/status.err")"
kill -CONT "$LAB_DP_PID"

# Both resumed: both answer, and the gauges agree.
for _ in $(seq 1 50); do
  lab_ctl stats --prometheus >"$LAB_DIR/prom.out" 2>/dev/null &&
    [ "$(gauge bunri_controller_connected)" = 1 ] && break
  sleep 0.2
done
expect_eq "resumed: bunri_controld_up" "$(gauge bunri_controld_up)" 1
expect_eq "resumed: bunri_controller_connected" "$(gauge bunri_controller_connected)" 1
expect_ok "resumed: status exits 0" lab_ctl status
