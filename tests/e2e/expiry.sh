#!/usr/bin/env bash
# Unattended policy changes: at the next minute boundary (at least 20 s away) one flow's
# approval ends and another's begins. Nobody reloads; the controller recompiles at that
# instant, the dataplane cuts the ended flow's live connection, the new flow works, and
# the audit file says so (trigger "expiry").
E2E_TAG=x
. "$(dirname "$0")/common.sh"

now=$(date +%s)
at=$(( (now + 20 + 59) / 60 * 60 ))
when=$(TZ=Asia/Tokyo date -d "@$at" '+%Y-%m-%d %H:%M')
from=$(TZ=Asia/Tokyo date -d '-1 day' +%Y-%m-%d)
until=$(TZ=Asia/Tokyo date -d '+200 days' +%Y-%m-%d)

lab_setup
lab_appliance_cfg
lab_save "$LAB_DIR/policy.cfg" <<EOF
hosts = {
  atena-server = { address = "10.10.0.10"; };
  chukan-gw    = { address = "10.20.0.10"; };
};
services = { ping = "icmp/echo"; https = "tcp/443"; };
flows = (
  { id = "ENDING"; purpose = "an approval that ends at $when";
    from = "mynumber:atena-server"; to = "lgwan:chukan-gw"; services = ["ping"];
    approved_by = "test"; valid_from = "$from"; valid_until = "$when"; },
  { id = "STARTING"; purpose = "an approval that begins at $when";
    from = "mynumber:atena-server"; to = "lgwan:chukan-gw"; services = ["https"];
    approved_by = "test"; valid_from = "$when"; valid_until = "$until"; }
);
EOF
lab_keygen
lab_start_dataplane || { fail "bunri-dataplane starts"; exit 1; }
lab_start_controld || { fail "bunri-controld starts"; exit 1; }
for _ in $(seq 1 100); do grep -q "policy installed" "$LAB_DIR/controld.log" && break; sleep 0.1; done
lab_http_server || fail "the HTTP server in lgwan listens"

expect_ok "before $when: ping is allowed (ENDING)" lab_in m ping -c 1 -W 2 10.20.0.10
expect_fail "before $when: https is not yet allowed (STARTING)" \
  lab_in m curl -sS -m 2 -o /dev/null http://10.20.0.10:443/
# A ping that runs across the boundary: its connection is cut at the instant.
lab_bg m "$LAB_DIR/ping.out" ping -i 0.5 10.20.0.10
revoked() { lab_ctl status --json | jget '[z for z in d["zones"] if z["zone"]=="mynumber"][0]["drops"].get("revoked", 0)'; }
revoked_before=$(revoked)
echo "waiting for $when JST ($((at - $(date +%s))) s)"
while [ "$(date +%s)" -lt $((at + 3)) ]; do sleep 1; done

expect_ok "the controller logged the unattended recompile" \
  grep -q "recompiled unattended" "$LAB_DIR/controld.log"
expect_fail "after $when: ping is dropped" lab_in m ping -c 1 -W 1 10.20.0.10
expect_ok "after $when: https works" lab_in m curl -sS -m 5 -o /dev/null http://10.20.0.10:443/
expect_eq "the audit file records the expiry" \
  "$(/usr/bin/python3 -c 'import json,sys; print([(j["trigger"], j["added"], j["removed"]) for j in map(json.loads, open(sys.argv[1])) if j["trigger"]=="expiry"])' "$LAB_DIR/log/policy-audit.jsonl")" \
  "[('expiry', ['STARTING'], ['ENDING'])]"
expect_gt "the running ping's later echoes are dropped as revoked" "$(revoked)" "$((revoked_before + 2))"
lab_stop "$LAB_DP_PID"
sleep 0.5
expect_gt "the flow log has the running ping's connection ended revoked" \
  "$(count_records 'r["type"]=="flow" and r["flow"]=="ENDING" and r["end_reason"]=="revoked"')" 0
