#!/usr/bin/env bash
# A fair share of the connection table under a real SYN flood: a 2048-connection
# table, LG-IN-010 allowing a /25 of lgwan (the half without chukan-gw, which guard
# rail 4 keeps off the Internet), and a raw-socket flood of 6,000 SYNs from spoofed
# addresses of that /25 to the virtual browser (which answers them,
# as a real server would, to hosts that never complete the handshake). At the same
# time mynumber fetches pages from lgwan with curl: every fetch succeeds, lgwan holds
# no more handshakes than its share (25% of the table), and status, the Prometheus
# output and the drop counters show the limit at work (embryonic-limit, early drops).
E2E_TAG=c
. "$(dirname "$0")/common.sh"

FLOOD=6000
FETCHES=20
lab_setup
lab_appliance_cfg
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
# LG-IN-010 from a whole prefix of lgwan: the addresses an insider's flood can use.
sed -i 's|lgwan-pc        = { address = "10.20.0.20";|lgwan-pc        = { address = "10.20.0.128/25";|' \
  "$LAB_DIR/policy.cfg"
grep -q '"10.20.0.128/25"' "$LAB_DIR/policy.cfg" || { fail "the policy allows lgwan's /25"; exit 1; }
lab_keygen
lab_start_dataplane --connections 2048 || { fail "bunri-dataplane starts"; exit 1; }
lab_start_controld || { fail "bunri-controld starts"; exit 1; }
for _ in $(seq 1 100); do grep -q "policy installed" "$LAB_DIR/controld.log" && break; sleep 0.1; done
lab_http_server || fail "the HTTP server in lgwan listens"
# The flood's target answers every SYN (a listener with a long backlog).
lab_bg i "$LAB_DIR/rdp.log" /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("172.16.0.10", 3389)); s.listen(4096)
time.sleep(3600)'
sleep 0.5
expect_eq "before the flood: curl mynumber -> lgwan works" \
  "$(lab_in m curl -sS -m 5 http://10.20.0.10:443/)" "中間サーバー: hello from lgwan"

lab_bg l "$LAB_DIR/flood.out" /usr/bin/python3 "$BUNRI_SRCDIR/tests/e2e/synflood.py" \
  172.16.0.10 3389 10.20.0 130 250 "$FLOOD" 3
flood=$LAB_BG
sleep 0.5
ok=0
for i in $(seq 1 "$FETCHES"); do
  [ "$(lab_in m curl -sS -m 8 http://10.20.0.10:443/ 2>>"$LAB_DIR/clients.log")" = \
    "中間サーバー: hello from lgwan" ] && ok=$((ok + 1))
  sleep 0.1
done
wait "$flood"
expect_eq "the flood was sent" "$(cat "$LAB_DIR/flood.out")" "sent $FLOOD"
expect_eq "during the flood every mynumber fetch succeeded" "$ok" "$FETCHES"
expect_eq "after the flood: curl mynumber -> lgwan works" \
  "$(lab_in m curl -sS -m 5 http://10.20.0.10:443/)" "中間サーバー: hello from lgwan"

status=$(lab_ctl status --json)
lg='[z for z in d["zones"] if z["zone"] == "lgwan"][0]'
expect_eq "status: lgwan's limits are half and a quarter of the table" \
  "$(echo "$status" | jget "($lg)['connections']['limit'], ($lg)['connections']['embryonic_limit']")" \
  "(1024, 512)"
expect_eq "status: lgwan holds no more handshakes than its share" \
  "$(echo "$status" | jget "0 < ($lg)['connections']['embryonic'] <= 512")" True
expect_gt "status: the flood's excess counted as embryonic-limit" \
  "$(echo "$status" | jget "($lg)['drops'].get('embryonic-limit', 0)")" 0
expect_gt "status: old handshakes evicted for new ones (early drops)" \
  "$(echo "$status" | jget "($lg)['connections']['early_drops']")" 0
expect_eq "status: nothing dropped as table-full" \
  "$(echo "$status" | jget "d['drops'].get('table-full', 0)")" 0
expect_eq "status: mynumber lost nothing to a limit" \
  "$(echo "$status" | jget "sum(v for z in d['zones'] if z['zone'] == 'mynumber' for k, v in z['drops'].items() if k.endswith('limit'))")" 0
expect_ok "status text shows each zone's share" \
  bash -c "'$BUILD/control/cli/bunrictl' status --config '$LAB_DIR/appliance.cfg' | grep -Eq '^lgwan +[0-9]+ +1024 +[0-9]+ +512 +[1-9]'"
prom=$(lab_ctl stats --prometheus)
expect_ok "prometheus: lgwan's handshake limit" \
  grep -q '^bunri_zone_embryonic_limit{zone="lgwan"} 512$' <<<"$prom"
expect_ok "prometheus: embryonic-limit drops" \
  grep -Eq '^bunri_drops_total\{zone="lgwan",reason="embryonic-limit"\} [1-9]' <<<"$prom"
expect_ok "prometheus: early drops" \
  grep -Eq '^bunri_zone_early_drops_total\{zone="lgwan"\} [1-9]' <<<"$prom"
