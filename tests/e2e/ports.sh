#!/usr/bin/env bash
# A zone on two ports: lgwan's hosts sit on two segments, 10.20.0.10 behind the first
# port and 10.20.0.20 behind the second. The appliance asks ARP on both, learns which
# port each host answered on, and sends each host's frames by that port: an allowed
# flow to each host works both ways, and each port transmits. Then 10.20.0.20 moves to
# the first segment and announces itself by gratuitous ARP.
E2E_TAG=p
. "$(dirname "$0")/common.sh"

LAB_LGWAN_PORTS=2
e2e_lab
lab_http_server || fail "the HTTP server behind lgwan's first port listens"
expect_eq "status: lgwan has two ports, both up" \
  "$(lab_ctl status --json | jget '[len(z["ports"]) for z in d["zones"] if z["zone"] == "lgwan"][0]')" 2

# Behind the first port: MN-LG-001.
expect_eq "curl mynumber -> lgwan:443 (first port) gets the page" \
  "$(lab_in m curl -sS -m 5 http://10.20.0.10:443/)" "中間サーバー: hello from lgwan"
expect_ok "ping mynumber -> lgwan (first port)" lab_in m ping -c 2 -W 2 10.20.0.10

# rdp_line DESC NS LINE [nc options]: LG-IN-010, lgwan-pc to the internet's rdp port,
# both ways: the line arrives at a listener in the internet namespace.
rdp_line() {
  local desc=$1 ns=$2 line=$3 out
  shift 3
  out=$(mktemp "$LAB_DIR/rdp.XXXXXX")
  lab_bg i "$out" nc -n -l 172.16.0.10 3389
  sleep 0.5
  expect_ok "$desc" bash -c "echo '$line' | ip netns exec '$(lab_ns "$ns")' nc -n $* -q 1 -w 3 172.16.0.10 3389"
  sleep 0.5
  expect_eq "the line arrived" "$(cat "$out")" "$line"
}

# Behind the second port: LG-IN-010 from lgwan-pc to the internet, both ways.
rdp_line "lgwan-pc (second port) -> internet rdp delivers a line" k "rdp over the second port"
expect_ok "the appliance answers ping on the second port" lab_in k ping -c 2 -W 2 10.20.0.1

# Each port sent what its own segment needed (ARP requests went out on both).
status=$(lab_ctl status --json)
tx() { echo "$status" | jget "[p[\"tx_packets\"] for z in d[\"zones\"] if z[\"zone\"] == \"lgwan\" for p in z[\"ports\"] if p[\"name\"] == \"$1\"][0]"; }
expect_gt "the first lgwan port transmitted" "$(tx net_af_packet1)" 2
expect_gt "the second lgwan port transmitted" "$(tx net_af_packet3)" 2

# lgwan-pc moves to the first segment (its address now on the first host's NIC) and
# announces itself by gratuitous ARP, as a server's bonding or a replaced NIC does:
# the appliance takes its new MAC and port at once, without asking and without waiting
# for the old entry to end, and the internet's replies reach it there.
k_mac=$(lab_in k cat /sys/class/net/eth0/address)
l_mac=$(lab_in l cat /sys/class/net/eth0/address)
pc_entry() { lab_ctl neighbors --json | jget '[(n["mac"], n["port"]) for n in d["neighbors"] if n["zone"]=="lgwan" and n["ip"]=="10.20.0.20"]'; }
expect_eq "neighbors: lgwan-pc learned behind the second port" "$(pc_entry)" "[('$k_mac', 'net_af_packet3')]"
lab_in k ip addr del 10.20.0.20/24 dev eth0
lab_in l ip addr add 10.20.0.20/24 dev eth0
expect_ok "lgwan-pc announces itself on the first segment (arping -U)" \
  lab_in l arping -q -U -c 1 -I eth0 10.20.0.20
# The workers look at their mailboxes between bursts: give it up to 2 s.
for _ in $(seq 20); do
  [ "$(pc_entry)" = "[('$l_mac', 'net_af_packet1')]" ] && break
  sleep 0.1
done
expect_eq "neighbors: lgwan-pc moved to the first port with its new MAC" "$(pc_entry)" \
  "[('$l_mac', 'net_af_packet1')]"
rdp_line "lgwan-pc, moved, -> internet rdp delivers a line" l "rdp after the move" -s 10.20.0.20
