#!/usr/bin/env bash
# The appliance with real clients: deny-all before a policy, the allowed specific
# communication (curl to an HTTP server, ping), denied ones, what bunrictl reports, a
# reload that revokes the flow and cuts the live connection, a broken policy refused,
# and SIGTERM ending live connections with flow records that verify.
E2E_TAG=t
. "$(dirname "$0")/common.sh"

# A live IPFIX collector on loopback: one line per datagram (IPFIX version, length).
LAB_IPFIX_PORT=$((20000 + $$ % 20000))
/usr/bin/python3 -u -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    d = s.recv(65535)
    print(*struct.unpack_from("!HH", d), flush=True)' "$LAB_IPFIX_PORT" >"$LAB_DIR/ipfix.out" 2>&1 &
LAB_PIDS+=("$!")
lab_setup
lab_appliance_cfg
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
lab_policy_cfg "$LAB_DIR/policy-revoked.cfg" no
lab_keygen
lab_start_dataplane || { fail "bunri-dataplane starts"; exit 1; }

# Fail closed: no controller yet.
expect_fail "deny-all: mynumber cannot ping lgwan before a policy" \
  lab_in m ping -c 1 -W 1 10.20.0.10
expect_eq "deny-all: status says so" \
  "$(lab_ctl status --json | jget 'd["policy"]["deny_all"]')" True
expect_ok "the appliance answers ping on its own address (ping = true)" \
  lab_in m ping -c 1 -W 2 10.10.0.1

lab_start_controld || { fail "bunri-controld starts"; exit 1; }
for _ in $(seq 1 100); do grep -q "policy installed" "$LAB_DIR/controld.log" && break; sleep 0.1; done
expect_eq "the controller installed the policy" \
  "$(lab_ctl status --json | jget 'd["policy"]["deny_all"]')" False
lab_http_server || fail "the HTTP server in lgwan listens"

# Allowed: MN-LG-001.
expect_eq "curl mynumber -> lgwan:443 gets the page" \
  "$(lab_in m curl -sS -m 5 http://10.20.0.10:443/)" "中間サーバー: hello from lgwan"
expect_ok "ping mynumber -> lgwan (MN-LG-001 allows icmp/echo)" \
  lab_in m ping -c 2 -W 2 10.20.0.10
# Denied.
expect_fail "curl internet -> lgwan:443 is dropped" \
  lab_in i curl -sS -m 2 http://10.20.0.10:443/
expect_fail "ping mynumber -> internet is dropped" lab_in m ping -c 1 -W 1 172.16.0.10
expect_fail "ping lgwan-pc -> internet is dropped (LG-IN-010 is rdp only)" \
  lab_in l ping -c 1 -W 1 -I 10.20.0.20 172.16.0.10
expect_fail "lgwan chukan-gw -> internet rdp is dropped (not the approved host)" \
  lab_in l nc -n -z -w 2 -s 10.20.0.10 172.16.0.10 3389
# Allowed: LG-IN-010, a live rdp-port connection kept open until shutdown.
lab_bg i "$LAB_DIR/rdp.out" nc -n -lk 172.16.0.10 3389
sleep 0.5
mkfifo "$LAB_DIR/rdp.in"
ip netns exec "$(lab_ns l)" nc -n -s 10.20.0.20 172.16.0.10 3389 <"$LAB_DIR/rdp.in" &
LAB_PIDS+=("$!")
exec 6>"$LAB_DIR/rdp.in"
echo "rdp hello" >&6

status=$(lab_ctl status --json)
expect_gt "status: mynumber forwarded packets" \
  "$(echo "$status" | jget '[z for z in d["zones"] if z["zone"]=="mynumber"][0]["forwarded"]')" 0
expect_gt "status: no-rule drops counted" "$(echo "$status" | jget 'd["drops"].get("no-rule", 0)')" 0
expect_eq "status: every port is up" \
  "$(echo "$status" | jget 'all(p["link"]=="up" for z in d["zones"] for p in z["ports"])')" True
rules=$(lab_ctl rules --json)
expect_gt "rules: MN-LG-001 counted connections" \
  "$(echo "$rules" | jget '[f for f in d["flows"] if f["id"]=="MN-LG-001"][0]["connections"]')" 1
expect_ok "rules prints a table" lab_ctl rules
# The next hops ARP learned: chukan-gw's MAC as its namespace has it, behind lgwan's port.
chukan_mac=$(lab_in l cat /sys/class/net/eth0/address)
expect_eq "neighbors: chukan-gw learned with its MAC on lgwan's port" \
  "$(lab_ctl neighbors --json | jget '[(n["state"], n["mac"], n["port"]) for n in d["neighbors"] if n["zone"]=="lgwan" and n["ip"]=="10.20.0.10"]')" \
  "[('learned', '$chukan_mac', 'net_af_packet1')]"
expect_ok "neighbors prints a table" bash -c "'$BUILD/control/cli/bunrictl' neighbors --config '$LAB_DIR/appliance.cfg' | grep -q '^lgwan  *10.20.0.10  *$chukan_mac  *learned'"
expect_ok "stats --prometheus" bash -c "'$BUILD/control/cli/bunrictl' stats --prometheus --config '$LAB_DIR/appliance.cfg' | grep -q '^bunri_flow_packets_total{flow=\"MN-LG-001\"} [1-9]'"
prom=$(lab_ctl stats --prometheus)
expect_eq "stats --prometheus: each line a sample of a metric with HELP and TYPE" \
  "$(echo "$prom" | python3 -c '
import re, sys
helped, typed, bad = set(), set(), []
for line in sys.stdin.read().splitlines():
    m = re.match(r"# (HELP|TYPE) ([a-z_]+) (.+)$", line)
    if m:
        (helped if m.group(1) == "HELP" else typed).add(m.group(2))
        continue
    m = re.match(r"([a-z_]+)(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? -?[0-9]+$", line)
    if not m or m.group(1) not in helped or m.group(1) not in typed:
        bad.append(line)
print(bad)')" "[]"
expect_eq "stats --prometheus: the controller answers, its flow log has records" \
  "$(echo "$prom" | awk '$1=="bunri_controld_up" || $1=="bunri_flowlog_errors_total" {print $2} $1=="bunri_flowlog_seq" {print ($2 > 0)}' | tr '\n' ' ')" "1 1 0 "
expect_ok "status shows the controller's flow log" bash -c "'$BUILD/control/cli/bunrictl' status --config '$LAB_DIR/appliance.cfg' | grep -q '^flow log    .*fsynced through'"
expect_eq "stats --prometheus: ports up, controller connected, no record lost" \
  "$(echo "$prom" | grep -E '^bunri_port_up\{zone="lgwan",port="net_af_packet1"\}|^bunri_controller_connected|^bunri_records_lost_total' | awk '{print $2}' | tr '\n' ' ')" "1 0 1 "

# Reloads while a ping runs: not one echo is lost, and a reload of the same files is
# no change for the audit file.
lab_bg m "$LAB_DIR/flood.out" ping -c 300 -i 0.01 -W 2 10.20.0.10
flood=$LAB_BG
for _ in 1 2 3 4 5; do lab_ctl reload >/dev/null || fail "reload of the same policy"; done
wait "$flood"
expect_eq "300 echoes across 5 reloads, none lost" \
  "$(grep -o '[0-9]* received' "$LAB_DIR/flood.out")" "300 received"

# A live connection on MN-LG-001, then the reload that revokes it.
lab_stop "$LAB_HTTP_PID"
lab_bg l "$LAB_DIR/nc.out" nc -n -l 10.20.0.10 443
sleep 0.5
mkfifo "$LAB_DIR/nc.in"
ip netns exec "$(lab_ns m)" nc -n 10.20.0.10 443 <"$LAB_DIR/nc.in" &
LAB_PIDS+=("$!")
exec 5>"$LAB_DIR/nc.in"
echo "line 1" >&5
for _ in $(seq 1 50); do grep -q "line 1" "$LAB_DIR/nc.out" && break; sleep 0.1; done
expect_ok "nc: the first line crosses on MN-LG-001" grep -q "line 1" "$LAB_DIR/nc.out"
expect_eq "flows --flow MN-LG-001 shows the live connection" \
  "$(lab_ctl flows --json --flow MN-LG-001 --host 10.10.0.10 | jget 'sum(1 for c in d["connections"] if c["dport"]==443 and c["state"]=="ESTABLISHED")')" 1
expect_eq "flows --zone internet shows only the rdp connection" \
  "$(lab_ctl flows --json --zone internet | jget '[c["flow"] for c in d["connections"]]')" "['LG-IN-010']"

lab_save "$LAB_DIR/policy.cfg" <"$LAB_DIR/policy-revoked.cfg"
out=$(lab_ctl reload)
expect_eq "reload exits 0" "$?" 0
case "$out" in *"removed: MN-LG-001"*) pass "reload says what changed";; *) fail "reload says what changed: $out";; esac
echo "line 2" >&5
sleep 2
expect_fail "nc: nothing crosses after the revocation" grep -q "line 2" "$LAB_DIR/nc.out"
expect_gt "revoked drops counted" "$(lab_ctl status --json | jget 'd["drops"].get("revoked", 0)')" 0
expect_eq "no MN-LG-001 connection is left" \
  "$(lab_ctl flows --json --flow MN-LG-001 | jget 'd["total"]')" 0
expect_fail "curl mynumber -> lgwan is dropped after the reload" \
  lab_in m curl -sS -m 2 http://10.20.0.10:443/
expect_gt "flow records ended revoked" \
  "$(count_records 'r["type"]=="flow" and r["flow"]=="MN-LG-001" and r["end_reason"]=="revoked"')" 0
echo "rdp still" >&6
sleep 0.5
expect_ok "LG-IN-010 kept its connection through the reload" grep -q "rdp still" "$LAB_DIR/rdp.out"

# A broken policy is refused; the running one stays.
digest=$(lab_ctl status --json | jget 'd["policy"]["digest"]')
sed -e 's/"lgwan:lgwan-pc"/"mynumber:10.10.0.10"/' "$LAB_DIR/policy-revoked.cfg" |
  lab_save "$LAB_DIR/policy.cfg"
out=$(lab_ctl reload 2>&1)
expect_eq "reload of a policy that breaks guard rail 1 exits 1" "$?" 1
case "$out" in *"guard rail 1"*) pass "the operator sees the error";; *) fail "the operator sees the error: $out";; esac
expect_eq "the running policy stays" "$(lab_ctl status --json | jget 'd["policy"]["digest"]')" "$digest"
kill -HUP "$LAB_CD_PID"
sleep 1
expect_eq "SIGHUP with the broken policy changes nothing either" \
  "$(lab_ctl status --json | jget 'd["policy"]["digest"]')" "$digest"
expect_eq "the audit file has startup and one reload" \
  "$(/usr/bin/python3 -c 'import json,sys; print([(j["trigger"], j["operator_uid"], j["removed"]) for j in map(json.loads, open(sys.argv[1]))])' "$LAB_DIR/log/policy-audit.jsonl")" \
  "[('startup', 0, []), ('reload', 0, ['MN-LG-001'])]"

# The revoked connection's record has gone out to the live IPFIX collector by now.
ipfix_q='[(x["collector"], x["records"] > 0, x["send_errors"]) for x in d["controller"]["ipfix"]]'
for _ in $(seq 1 30); do
  [ "$(lab_ctl status --json | jget "$ipfix_q")" = "[('127.0.0.1:$LAB_IPFIX_PORT', True, 0)]" ] && break
  sleep 0.1
done
expect_eq "status: the controller's IPFIX collector and what went to it" \
  "$(lab_ctl status --json | jget "$ipfix_q")" "[('127.0.0.1:$LAB_IPFIX_PORT', True, 0)]"

# SIGTERM: the live rdp connection ends with reason shutdown and reaches the flow log.
expect_ok "bunri-dataplane stops on SIGTERM" lab_stop "$LAB_DP_PID"
sleep 1
expect_gt "the live connection was recorded with end reason shutdown" \
  "$(count_records 'r["type"]=="flow" and r["flow"]=="LG-IN-010" and r["end_reason"]=="shutdown"')" 0
expect_gt "deny records were written" "$(count_records 'r["type"]=="deny"')" 0
lab_stop "$LAB_CD_PID"
expect_gt "IPFIX messages reached the live collector" \
  "$(grep -c '^10 ' "$LAB_DIR/ipfix.out")" 0
expect_ok "bunri-audit verify accepts the flow log" \
  "$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" --pubkey "$LAB_DIR/keys/flowlog.pub"
exec 5>&- 6>&-
