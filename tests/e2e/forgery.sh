#!/usr/bin/env bash
# A host of the peer zone forges RSTs into a live connection it is not part of: a real
# TCP connection from mynumber (10.10.0.10) to an echo server in lgwan (10.20.0.10:443,
# MN-LG-001), and RSTs sent from the lgwan segment in the server's name (scapy).
#  - a RST at exactly the sequence number the client expects, with a wrong TCP
#    checksum: the client would ignore it, and the appliance drops it (checksum);
#  - a RST with a right checksum inside the client's window but not at that sequence
#    number: the appliance passes it on without believing it, the client answers with a
#    challenge ACK (RFC 5961), and the connection goes on.
# After each, the connection carries the next line both ways, closes by FIN, and its
# flow record says fin, not rst.
E2E_TAG=f
. "$(dirname "$0")/common.sh"

if ! command -v tcpdump >/dev/null || ! /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
  echo "SKIP: tcpdump and python3-scapy are needed (bash deploy/install-deps.sh)"
  exit 77
fi
FORGE="$BUNRI_SRCDIR/tests/e2e/tcpforge.py"
C="$LAB_DIR/conn"
mkdir -p "$C"

e2e_lab
lab_bg l "$LAB_DIR/echo.log" /usr/bin/python3 -u "$FORGE" server 10.20.0.10 443
sleep 0.5
lab_bg m "$LAB_DIR/client.log" /usr/bin/python3 -u "$FORGE" client 10.20.0.10 443 "$C"
for _ in $(seq 50); do [ -s "$C/port" ] && break; sleep 0.1; done
port=$(cat "$C/port" 2>/dev/null)
[ -n "$port" ] || { fail "the client connects to lgwan:443"; exit 1; }
pass "the client connects to lgwan:443 from port $port"

# round N: the client sends line N and waits for its echo, while the lgwan host's
# segment is captured (the forger reads the server's sequence numbers from it).
round() {
  local n=$1 cap
  lab_bg l "$LAB_DIR/tcpdump.log" tcpdump -i eth0 -nn -U --immediate-mode -w "$LAB_DIR/r$n.pcap" "tcp port 443"
  cap=$LAB_BG
  sleep 0.5
  touch "$C/go.$n"
  for _ in $(seq 80); do [ -s "$C/got.$n" ] && break; sleep 0.1; done
  sleep 0.2
  kill -INT "$cap" 2>/dev/null
  wait "$cap" 2>/dev/null
  expect_eq "$2" "$(cat "$C/got.$n" 2>/dev/null)" "line $n"
}
lgwan_drops() {
  lab_ctl status --json | jget "[z['drops'].get('$1', 0) for z in d['zones'] if z['zone'] == 'lgwan'][0]"
}

round 1 "the connection carries a line both ways"

before=$(lgwan_drops checksum)
seq=$(lab_in l /usr/bin/python3 "$FORGE" rst "$LAB_DIR/r1.pcap" 10.20.0.10 443 10.10.0.10 "$port" 0 badsum)
[ -n "$seq" ] && pass "forged a RST with a wrong checksum at the client's next sequence number ($seq)" ||
  fail "forged the RST"
sleep 0.5
expect_eq "the appliance dropped it as checksum" "$(lgwan_drops checksum)" "$((before + 1))"
round 2 "after the bad-checksum RST the connection still carries a line"

seq=$(lab_in l /usr/bin/python3 "$FORGE" rst "$LAB_DIR/r2.pcap" 10.20.0.10 443 10.10.0.10 "$port" 1000)
[ -n "$seq" ] && pass "forged a RST inside the client's window, 1000 past its next sequence number" ||
  fail "forged the in-window RST"
sleep 0.5
round 3 "after the in-window RST the connection still carries a line"
round 4 "and again"

touch "$C/close"
for _ in $(seq 50); do [ -e "$C/closed" ] && break; sleep 0.1; done
[ -e "$C/closed" ] && pass "the client closed by FIN" || fail "the client closed by FIN"

# The closed connection's record comes when its TIME_WAIT ends (tcp_transitory, 30 s).
for _ in $(seq 450); do
  [ "$(count_records "r.get('sport') == $port")" -gt 0 ] && break
  sleep 0.1
done
expect_eq "the connection's record ends by fin" \
  "$(count_records "r.get('sport') == $port and r.get('end_reason') == 'fin'")" 1
expect_eq "no record of it says rst" \
  "$(count_records "r.get('sport') == $port and r.get('end_reason') == 'rst'")" 0
