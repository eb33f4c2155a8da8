#!/usr/bin/env bash
# The controller killed (kill -9): the dataplane keeps the last good policy and buffers
# flow records, which reach the flow log when a new controller connects. The dataplane
# restarted: the controller reconnects and installs the policy again.
E2E_TAG=r
. "$(dirname "$0")/common.sh"

e2e_lab
lab_http_server || fail "the HTTP server in lgwan listens"
expect_ok "curl mynumber -> lgwan:443 with the controller running" \
  lab_in m curl -sS -m 5 -o /dev/null http://10.20.0.10:443/

kill -KILL "$LAB_CD_PID"
wait "$LAB_CD_PID" 2>/dev/null
expect_eq "status: no controller" \
  "$(lab_ctl status --json | jget 'd["records"]["controller"]')" False
expect_eq "status --json: the controller's part is null" \
  "$(lab_ctl status --json 2>/dev/null | jget 'd["controller"]')" None
expect_ok "status still answers (exit 0) and says the controller is not reachable" \
  bash -c "'$BUILD/control/cli/bunrictl' status --config '$LAB_DIR/appliance.cfg' 2>/dev/null | grep -q '^controller  NOT REACHABLE'"
expect_ok "stats --prometheus: bunri_controld_up 0" \
  bash -c "'$BUILD/control/cli/bunrictl' stats --prometheus --config '$LAB_DIR/appliance.cfg' 2>/dev/null | grep -qx 'bunri_controld_up 0'"
expect_ok "the last good policy stays: curl still works" \
  lab_in m curl -sS -m 5 -o /dev/null http://10.20.0.10:443/
expect_ok "ping still works" lab_in m ping -c 1 -W 2 10.20.0.10
expect_fail "denied traffic stays denied" lab_in i curl -sS -m 2 http://10.20.0.10:443/
# Connections refused by the server end at once (RST), so their records are made now.
lab_stop "$LAB_HTTP_PID"
for i in 1 2 3; do
  lab_in m nc -n -z -w 2 10.20.0.10 443 >/dev/null 2>&1
done
sleep 0.5
expect_gt "records are buffered while no controller takes them" \
  "$(lab_ctl status --json | jget 'd["records"]["buffered"]')" 2
expect_eq "bunrictl reload says the controller is not running" \
  "$(lab_ctl reload 2>&1 | grep -c 'bunri-controld is not running')" 1

rst_before=$(count_records 'r["type"]=="flow" and r["end_reason"]=="rst"')
lab_start_controld || fail "a new controller starts"
for _ in $(seq 1 100); do
  [ "$(lab_ctl status --json | jget 'd["records"]["buffered"]')" = 0 ] && break
  sleep 0.1
done
expect_eq "the buffer is delivered to the new controller" \
  "$(lab_ctl status --json | jget 'd["records"]["buffered"]')" 0
expect_eq "status: the new controller is connected to the dataplane and its flow log is open" \
  "$(lab_ctl status --json | jget 'd["controller"]["dataplane"]["connected"] and d["controller"]["flow_log"]["seq"] > 0 and d["controller"]["flow_log"]["errors"] == 0')" True
sleep 0.5
rst_after=$(count_records 'r["type"]=="flow" and r["end_reason"]=="rst"')
expect_eq "the three refused connections are in the flow log" "$((rst_after - rst_before))" 3

# The dataplane restarts: deny-all first, then the controller installs the policy again.
expect_ok "bunri-dataplane stops" lab_stop "$LAB_DP_PID"
rm -f "$LAB_DIR/run/control.sock"
lab_start_dataplane || fail "bunri-dataplane starts again"
for _ in $(seq 1 100); do
  [ "$(lab_ctl status --json 2>/dev/null | jget 'd["policy"]["deny_all"]' 2>/dev/null)" = False ] && break
  sleep 0.1
done
expect_eq "the controller reinstalled the policy" \
  "$(lab_ctl status --json | jget 'd["policy"]["deny_all"]')" False
lab_http_server || fail "the HTTP server listens again"
expect_ok "curl works through the restarted dataplane" \
  lab_in m curl -sS -m 5 -o /dev/null http://10.20.0.10:443/
expect_eq "the audit file has two startups (one per controller)" \
  "$(grep -c '"trigger":"startup"' "$LAB_DIR/log/policy-audit.jsonl")" 2

lab_stop "$LAB_DP_PID"
lab_stop "$LAB_CD_PID"
expect_ok "bunri-audit verify accepts the log across the kill -9" \
  "$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" --pubkey "$LAB_DIR/keys/flowlog.pub"
