#!/usr/bin/env bash
# The live appliance in three network namespaces: a host in each of mynumber, lgwan and
# internet, joined to bunri-dataplane by veth pairs (DPDK net_af_packet), with
# bunri-controld and the lab's policy. Shows with real clients an allowed specific
# communication (curl, ping), denied ones, bunrictl status/flows/rules/neighbors, and a
# reload that revokes the flow and cuts the live connection. Cleans up after itself, also when
# interrupted. Run as root from a checkout:  bash deploy/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run as root (it creates network namespaces)" >&2
  exit 2
fi
BUILD=${BUILD:-$PWD/build}
if [ ! -x "$BUILD/dataplane/daemon/bunri-dataplane" ]; then
  bash deploy/install-deps.sh
  [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
  ninja -C "$BUILD"
fi
BUILD=$(cd "$BUILD" && pwd)
LAB="bd$$"
LAB_DIR=$(mktemp -d /tmp/bunri-demo.XXXXXX)
. deploy/lab.sh

finish() {
  local rc=$?
  exec 5>&- 2>/dev/null || true
  lab_cleanup
  echo
  echo "== cleaned up (namespaces ${LAB}*); logs and flow records kept in $LAB_DIR"
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
allowed() { show "$*"; if "$@"; then echo "-> ok: allowed"; else echo "-> UNEXPECTED: failed (exit $?)"; fi; }
blocked() { show "$*"; if "$@"; then echo "-> UNEXPECTED: it got through"; else echo "-> blocked, as it should be (exit $?)"; fi; }

step "three zones in network namespaces, the appliance in ${LAB}a"
lab_setup
lab_appliance_cfg
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
lab_policy_cfg "$LAB_DIR/policy-revoked.cfg" no
lab_keygen
echo "mynumber 10.10.0.10 | lgwan 10.20.0.10 (中間サーバー), 10.20.0.20 (端末) | internet 172.16.0.10"
"$BUILD/control/cli/bunrictl" check --config "$LAB_DIR/appliance.cfg" --policy "$LAB_DIR/policy.cfg" | tail -8

step "bunri-dataplane starts deny-all (fail closed)"
lab_start_dataplane
blocked lab_in m ping -c 1 -W 1 10.20.0.10

step "bunri-controld checks and installs the policy"
lab_start_controld
sleep 1
lab_ctl rules
lab_http_server

step "allowed: MN-LG-001, mynumber:atena-server -> lgwan:chukan-gw https and ping"
allowed lab_in m curl -sS -m 5 http://10.20.0.10:443/
allowed lab_in m ping -c 2 -W 1 10.20.0.10

step "denied: internet -> lgwan, mynumber -> internet, lgwan -> internet outside the flow"
blocked lab_in i curl -sS -m 3 http://10.20.0.10:443/
blocked lab_in m ping -c 1 -W 1 172.16.0.10
blocked lab_in l ping -c 1 -W 1 -I 10.20.0.20 172.16.0.10

step "a live connection on MN-LG-001 (nc, port 443)"
lab_stop "$LAB_HTTP_PID"
mkfifo "$LAB_DIR/nc.in"
lab_bg l "$LAB_DIR/nc.out" nc -n -l 10.20.0.10 443
sleep 0.5
ip netns exec "$(lab_ns m)" nc -n 10.20.0.10 443 <"$LAB_DIR/nc.in" &
LAB_PIDS+=("$!")
exec 5>"$LAB_DIR/nc.in"
echo "記録 1: sent while MN-LG-001 is approved" >&5
sleep 1
show "cat nc.out  (what the lgwan server received)"; cat "$LAB_DIR/nc.out"

step "bunrictl status, bunrictl flows and bunrictl neighbors"
lab_ctl status
echo
lab_ctl flows
echo
lab_ctl neighbors

step "reload a policy without MN-LG-001: the live connection is cut (revoked)"
lab_save "$LAB_DIR/policy.cfg" <"$LAB_DIR/policy-revoked.cfg"
show "bunrictl reload"; lab_ctl reload
sleep 1
echo "記録 2: sent after the revocation" >&5
sleep 2
show "cat nc.out"; cat "$LAB_DIR/nc.out"
lab_ctl flows
lab_ctl status | grep 'drops by reason'
blocked lab_in m curl -sS -m 3 http://10.20.0.10:443/

step "a broken policy is refused and the running one stays"
sed -e 's/"lgwan:lgwan-pc"/"mynumber:10.10.0.10"/' "$LAB_DIR/policy-revoked.cfg" |
  lab_save "$LAB_DIR/policy.cfg"
show "LG-IN-010 now starts in mynumber:"; grep -n 'from = ' "$LAB_DIR/policy.cfg"
show "bunrictl reload"; lab_ctl reload || true

step "the policy audit file and the flow records"
cat "$LAB_DIR/log/policy-audit.jsonl"
lab_stop "$LAB_DP_PID"
sleep 1
show "the flow records (hash-chained, sealed) in $LAB_DIR/log/flows/"
/usr/bin/python3 - "$LAB_DIR"/log/flows/*.jsonl <<'PY'
import json, sys
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r["type"] == "flow":
            print(f'#{r["seq"]} flow {r["flow"]}: {r["from_zone"]} {r["src"]}:{r["sport"]} -> '
                  f'{r["to_zone"]} {r["dst"]}:{r["dport"]} proto {r["proto"]}, '
                  f'{r["packets_out"]}/{r["packets_in"]} packets, ended: {r["end_reason"]}')
        elif r["type"] == "deny":
            print(f'#{r["seq"]} deny: {r["from_zone"]} {r["src"]} -> {r["dst"]}:{r["dport"]} '
                  f'proto {r["proto"]}, {r["reason"]}, {r["count"]} packets')
PY
show "bunri-audit verify"
"$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" --pubkey "$LAB_DIR/keys/flowlog.pub"
