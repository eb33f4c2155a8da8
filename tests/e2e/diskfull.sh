#!/usr/bin/env bash
# The flow log's disk fills up under connection churn, bunri-controld is restarted
# while it is full (it cannot open the log and is started again each second, as
# systemd does), then space is freed: every record is in the log or in a gap record,
# none twice, and what each controller says it wrote and fsynced is in the log. The
# controller's write buffers (1 MB) fill first: it refuses records and asks for them
# again each second. The dataplane holds 4,096 unacknowledged records: what it had to
# drop meanwhile is a gap record of exactly that many, as its counters say.
E2E_TAG=f
. "$(dirname "$0")/common.sh"
E2E=$BUNRI_SRCDIR/tests/e2e

trap 'rc=$?; umount -l "$LAB_DIR/log" 2>/dev/null; (exit $rc); e2e_finish' EXIT
lab_setup
mount -t tmpfs -o size=4m "bunri-e2e-log-$LAB" "$LAB_DIR/log" || { fail "a tmpfs for the log"; exit 1; }
lab_appliance_cfg
sed -i 's/fsync_ms = 100;/fsync_ms = 100; buffer_records = 4096; write_buffer_mb = 1;/' \
  "$LAB_DIR/appliance.cfg"
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
lab_keygen
lab_start_dataplane || { fail "bunri-dataplane starts"; exit 1; }
lab_start_controld || { fail "bunri-controld starts"; exit 1; }

churn() {   # churn FIRST_PORT COUNT [RATE]: COUNT connections, 300/s, in the foreground
  lab_in m /usr/bin/python3 "$E2E/churn.py" 10.20.0.10 443 "$1" "$2" "${3:-300}" \
    "$LAB_DIR/none" >>"$LAB_DIR/churn.out"
}
written() { grep -o 'stopping; [0-9]* records written' "$LAB_DIR/controld.log" | tail -1 | awk '{print $2}'; }

sleep 1
churn 20000 300
dd if=/dev/zero of="$LAB_DIR/log/filler" bs=4k >/dev/null 2>&1
expect_eq "the log's disk is full" "$(df --output=avail -B1 "$LAB_DIR/log" | tail -1 | tr -d ' ')" 0
churn 21000 3000 600
sleep 2
expect_gt "the controller's buffers full, it refuses records" \
  "$(lab_ctl status --json | jget 'd["controller"]["records"]["refused"]')" 0
expect_ok "and asks for them again" grep -q "asking bunri-dataplane for the records after" \
  "$LAB_DIR/controld.log"
churn 24100 1500 600
sleep 1
expect_eq "the dataplane keeps what is not acknowledged, as many as it may" \
  "$(lab_ctl status --json | jget 'd["records"]["buffered"]')" 4096
DROPPED=$(lab_ctl status --json | jget 'd["records"]["dropped_buffer"]')
expect_gt "the rest is dropped and counted" "$DROPPED" 300

lab_stop "$LAB_CD_PID"
FIRST=$(written)
kill -0 "$LAB_CD_PID" 2>/dev/null && fail "bunri-controld stops on a full disk"
# Restarted while the disk is full: refused until the log can be opened.
"$BUILD/control/controld/bunri-controld" --config "$LAB_DIR/appliance.cfg" --policy "$LAB_DIR/policy.cfg" \
  >>"$LAB_DIR/controld.log" 2>&1
expect_eq "a controller does not start on a full log disk" "$?" 1
churn 26000 300
rm -f "$LAB_DIR/log/filler"
lab_start_controld || fail "bunri-controld starts once there is room"
for _ in $(seq 1 150); do
  [ "$(lab_ctl status --json | jget 'd["records"]["buffered"]')" = 0 ] && break
  sleep 0.1
done
expect_eq "everything the dataplane held is acknowledged" \
  "$(lab_ctl status --json | jget 'd["records"]["buffered"]')" 0
lab_ctl stats --prometheus >"$LAB_DIR/metrics.txt"
DROPPED=$(lab_ctl status --json | jget 'd["records"]["dropped_buffer"]')
expect_eq "bunri_records_lost_total counts them" \
  "$(awk '$1 == "bunri_records_lost_total" {print $2}' "$LAB_DIR/metrics.txt")" "$DROPPED"
GAPPED=$(records | /usr/bin/python3 -c '
import json, sys
print(sum(r["count"] for r in map(json.loads, sys.stdin) if r["type"] == "gap" and r["reason"] == "dataplane-buffer-full"))')
expect_eq "the gap records of the log count exactly the records dropped" "$GAPPED" "$DROPPED"
expect_ok "bunri-dataplane stops cleanly" lab_stop "$LAB_DP_PID"
sleep 1
expect_ok "bunri-controld stops" lab_stop "$LAB_CD_PID"
LAST=$(written)
echo "      the controller stopped on the full disk said $FIRST records written; the last one $LAST"
# What the first controller put in the log: its chain record up to the next one.
ON_DISK=$(records | /usr/bin/python3 -c '
import json, sys
lines = sorted((json.loads(l) for l in sys.stdin if l.endswith("\n")), key=lambda r: r["seq"])
chains = [i for i, r in enumerate(lines) if r["type"] == "chain"]
print(sum(1 for r in lines[chains[0]:chains[1]] if "dp_run" in r and r["type"] in ("flow", "deny")))')
echo "      the first controller's records on disk: $ON_DISK"
[ "$FIRST" -le "$ON_DISK" ] && pass "the first controller claims no more than the disk holds ($FIRST <= $ON_DISK)" ||
  fail "the first controller says $FIRST written, the disk holds $ON_DISK"
if /usr/bin/python3 "$E2E/accounting.py" "$LAB_DIR/log" "$LAB_DIR/churn.out" \
    --written "$LAST" >"$LAB_DIR/accounting.txt" 2>&1; then
  pass "every record is in the log once or in a gap record"
else
  fail "the accounting does not add up"
fi
sed 's/^/      /' "$LAB_DIR/accounting.txt"
expect_ok "bunri-audit verify accepts the log" \
  "$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" --pubkey "$LAB_DIR/keys/flowlog.pub"
