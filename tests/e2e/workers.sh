#!/usr/bin/env bash
# Two workers: each port has two queues that the kernel fills by a symmetric flow hash
# (AF_PACKET fanout), so both directions of a connection must meet at one worker. 24
# concurrent TCP connections each exchange a line both ways and are seen spread over
# both workers while they live; no packet is dropped as `state` (which a reply reaching
# the other worker would be). ARP replies reach one worker and are shared with the
# other. Reloads while a ping runs: with two RCU readers, not one echo is lost. At
# SIGTERM both workers record their connections, each counted both ways.
E2E_TAG=w
. "$(dirname "$0")/common.sh"

CONNS=24
LAB_WORKERS=2
e2e_lab
expect_eq "status: two workers" "$(lab_ctl status --json | jget 'd["workers"]')" 2

# lgwan: a TCP server on MN-LG-001's port that answers each line with the same line.
lab_bg l "$LAB_DIR/echo.log" /usr/bin/python3 -u -c '
import socketserver
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("10.20.0.10", 443), Echo).serve_forever()'
for _ in $(seq 1 100); do
  lab_in l ss -Hltn 'sport = :443' | grep -q LISTEN && break
  sleep 0.1
done

# mynumber: CONNS connections; each sends a line and reads it back, then waits for
# "go" on stdin, sends a second line, reads it back and closes. Prints "ok N" at the end.
mkfifo "$LAB_DIR/go"
exec 7<>"$LAB_DIR/go"   # a writer first, so the client's open for reading returns
lab_bg m "$LAB_DIR/clients.out" /usr/bin/python3 -u -c '
import socket, sys
n = int(sys.argv[1])
socks = []
for i in range(n):
    s = socket.create_connection(("10.20.0.10", 443), timeout=5)
    f = s.makefile("rwb")
    f.write(b"first %d\n" % i); f.flush()
    assert f.readline() == b"first %d\n" % i
    socks.append((s, f))
print("open", n)
sys.stdin.readline()
ok = 0
for i, (s, f) in enumerate(socks):
    f.write(b"second %d\n" % i); f.flush()
    ok += f.readline() == b"second %d\n" % i
    f.close(); s.close()
print("ok", ok)' "$CONNS" <"$LAB_DIR/go"
clients=$LAB_BG
for _ in $(seq 1 100); do grep -q '^open' "$LAB_DIR/clients.out" && break; sleep 0.1; done
expect_eq "$CONNS connections opened, each echoed its first line" \
  "$(grep '^open' "$LAB_DIR/clients.out")" "open $CONNS"

flows=$(lab_ctl flows --json --flow MN-LG-001)
expect_eq "flows: $CONNS live MN-LG-001 connections" \
  "$(echo "$flows" | jget 'len([c for c in d["connections"] if c["proto"] == "tcp"])')" "$CONNS"
expect_eq "flows: both workers hold some of them" \
  "$(echo "$flows" | jget 'sorted({c["worker"] for c in d["connections"]})')" "[0, 1]"
status=$(lab_ctl status --json)
expect_eq "status: each worker's live connections add up" \
  "$(echo "$status" | jget 'sum(w["live"] for w in d["per_worker"]) == d["connections"]["live"] and all(w["live"] > 0 for w in d["per_worker"])')" True
expect_eq "status: no neighbour failed to reach the other worker" \
  "$(echo "$status" | jget 'sum(w["neighbours_lost"] for w in d["per_worker"])')" 0
expect_eq "neighbors: chukan-gw, learned by one worker, is known to both (one entry)" \
  "$(lab_ctl neighbors --json | jget '[(n["state"], n["workers"]) for n in d["neighbors"] if n["ip"] == "10.20.0.10"]')" \
  "[('learned', 2)]"
expect_ok "status prints a line per worker" bash -c "'$BUILD/control/cli/bunrictl' status --config '$LAB_DIR/appliance.cfg' | grep -q '^  worker 1 '"

echo go >&7
exec 7>&-
wait "$clients"
expect_eq "every connection echoed its second line" \
  "$(grep '^ok' "$LAB_DIR/clients.out")" "ok $CONNS"
status=$(lab_ctl status --json)
expect_eq "no packet dropped as state (no reply reached the other worker)" \
  "$(echo "$status" | jget 'd["drops"].get("state", 0)')" 0

# Reloads with two RCU readers, while a ping runs.
gen0=$(lab_ctl status --json | jget 'd["policy"]["generation"]')
lab_bg m "$LAB_DIR/flood.out" ping -c 200 -i 0.01 -W 2 10.20.0.10
flood=$LAB_BG
for _ in 1 2 3; do lab_ctl reload >/dev/null || fail "reload"; done
wait "$flood"
expect_eq "three new table generations swapped in" \
  "$(lab_ctl status --json | jget 'd["policy"]["generation"]')" "$((gen0 + 3))"
expect_eq "200 echoes across 3 reloads with two workers, none lost" \
  "$(grep -o '[0-9]* received' "$LAB_DIR/flood.out")" "200 received"

# SIGTERM: both workers hand their connections' records over; each of the 24 was
# counted both ways on one entry (4 segments out and 3 in at least: SYN, two lines,
# FIN/ACK each way).
expect_ok "bunri-dataplane stops on SIGTERM" lab_stop "$LAB_DP_PID"
sleep 1
expect_eq "$CONNS MN-LG-001 records with traffic both ways" \
  "$(count_records 'r["type"] == "flow" and r["flow"] == "MN-LG-001" and r["proto"] == 6 and r["packets_out"] >= 4 and r["packets_in"] >= 3')" "$CONNS"
lab_stop "$LAB_CD_PID"
expect_ok "bunri-audit verify accepts the flow log" \
  "$BUILD/control/audit/bunri-audit" verify --log-dir "$LAB_DIR/log" --pubkey "$LAB_DIR/keys/flowlog.pub"
