#!/bin/bash
# A random-port flood from the internet namespace while the controller is connected:
# 100,000 frames from four sources, as fast as one AF_PACKET socket sends them. With
# logging.deny_rate = 10 and deny_interval = 5, the flow log grows by at most 11
# records per source and interval; the deny records count every packet the dataplane
# dropped; no record is lost and there is no gap record. Prints the log's growth.
. "$(dirname "$0")/common.sh"

RATE=10
INTERVAL=5
SOURCES="172.16.0.21,172.16.0.22,172.16.0.23,172.16.0.24"
COUNT=${DENYFLOOD_COUNT:-100000}

lab_setup
lab_appliance_cfg
sed -i "s/fsync_ms = 100;/fsync_ms = 100; deny_rate = $RATE; deny_interval = $INTERVAL;/" \
  "$LAB_DIR/appliance.cfg"
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
lab_keygen
lab_start_dataplane || { fail "bunri-dataplane starts"; exit 1; }
lab_start_controld || { fail "bunri-controld starts"; exit 1; }
for _ in $(seq 1 100); do
  grep -q "policy installed" "$LAB_DIR/controld.log" && break
  sleep 0.1
done

log_bytes() { cat "$LAB_DIR"/log/flows/*.jsonl* 2>/dev/null | wc -c; }
sleep 1
before=$(log_bytes)
mac=$(lab_in a cat "/sys/class/net/${LAB}I/address")
out=$(lab_in i /usr/bin/python3 "$BUNRI_SRCDIR/tests/e2e/deny_flood.py" eth0 "$mac" \
  --count "$COUNT" --sources "$SOURCES" --targets 10.20.0.10,10.20.0.20)
echo "$out"
secs=$(echo "$out" | awk '{print $5}')
no_rule_drops() {
  lab_ctl status --json |
    jget '[z for z in d["zones"] if z["zone"] == "internet"][0]["drops"].get("no-rule", 0)'
}
# Until the dataplane has taken in what the port still held: two equal readings.
dropped=$(no_rule_drops)
for _ in $(seq 1 20); do
  sleep 0.5
  now=$(no_rule_drops)
  [ "$now" = "$dropped" ] && break
  dropped=$now
done
expect_gt "the dataplane dropped flood packets" "$dropped" 1000
prom=$(lab_ctl stats --prometheus)
expect_eq "the controller stayed connected" \
  "$(echo "$prom" | awk '$1 == "bunri_controller_connected" {print $2}')" 1
expect_eq "bunri_records_lost_total stays 0" \
  "$(echo "$prom" | awk '$1 == "bunri_records_lost_total" {print $2}')" 0
# SIGTERM hands the open intervals' records over; then the controller seals the log.
lab_stop "$LAB_DP_PID" || fail "bunri-dataplane stops on SIGTERM"
sleep 1
lab_stop "$LAB_CD_PID" || fail "bunri-controld stops on SIGTERM"
after=$(log_bytes)

flood='r["type"] == "deny" and r["src"] in "'"$SOURCES"'".split(",")'
n=$(count_records "$flood")
counted=$(records | /usr/bin/python3 -c '
import json, sys
print(sum(r["count"] for r in map(json.loads, sys.stdin)
          if r["type"] == "deny" and r["from_zone"] == "internet" and r["reason"] == "no-rule"))')
# The flood spans at most ceil(secs / INTERVAL) + 1 intervals.
intervals=$(/usr/bin/python3 -c "import math; print(math.ceil($secs / $INTERVAL) + 1)")
bound=$((4 * (RATE + 1) * intervals))
growth=$((after - before))
echo "log growth: $growth bytes for $dropped dropped packets; $n deny records of the four" \
  "sources over $intervals interval(s) of ${INTERVAL} s:" \
  "$((growth / 4 / intervals)) bytes per source and interval," \
  "$(/usr/bin/python3 -c "print(round($n / max($secs, 0.001)))") records/s while flooding"
if [ "$n" -le "$bound" ] && [ "$n" -ge 4 ]; then pass "deny records of the flood: $n <= $bound"
else fail "deny records of the flood: $n, want 4 to $bound"; fi
if [ "$growth" -le $((bound * 1024)) ]; then pass "log growth $growth bytes <= $((bound * 1024))"
else fail "log growth $growth bytes > $((bound * 1024))"; fi
expect_eq "the deny records count every dropped packet" "$counted" "$dropped"
expect_eq "no gap record" "$(count_records 'r["type"] == "gap"')" 0
expect_eq "no record lost at the dataplane's stop" \
  "$(grep -c 'flow records not delivered' "$LAB_DIR/dataplane.log")" 0
