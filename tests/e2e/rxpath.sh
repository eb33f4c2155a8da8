#!/usr/bin/env bash
# What happens to frames before the pipeline sees them, on net_af_packet ports.
#  - Loss: the dataplane is stopped (SIGSTOP) while mynumber's host sends 20,000 UDP
#    datagrams at it; the kernel drops what the port's ring cannot hold. The drops show
#    in status (rx_missed of the port) and in bunri_port_rx_missed_total.
#  - Fragments: DPDK 22.11's af_packet PMD asks the kernel to reassemble IPv4 fragments
#    (PACKET_FANOUT_FLAG_DEFRAG; no devarg turns it off), and the kernel reassembles
#    within the namespace's ipfrag memory (README, Known limits). The lab sets it to 0:
#    a SYN sent as three fragments is dropped by the kernel (ReasmFails), opens nothing
#    and reaches nobody. With the kernel's default memory the SYN reaches the pipeline
#    whole: one MN-LG-001 allows opens a connection, one to a port no flow allows is
#    dropped as no-rule, and no frame is dropped as fragment.
E2E_TAG=r
. "$(dirname "$0")/common.sh"

if ! /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
  echo "SKIP: python3-scapy is needed (bash deploy/install-deps.sh)"
  exit 77
fi
FORGE="$BUNRI_SRCDIR/tests/e2e/tcpforge.py"
SENT=20000

e2e_lab
port_field() {
  lab_ctl status --json | jget "[p['$2'] for z in d['zones'] for p in z['ports'] if p['name'] == '$1'][0]"
}
zone_field() {
  lab_ctl status --json | jget "[z$2 for z in d['zones'] if z['zone'] == '$1'][0]"
}

# The host knows the appliance's MAC before the dataplane stops answering ARP.
expect_ok "mynumber's host pings the appliance" lab_in m ping -c 1 -W 2 10.10.0.1
missed0=$(port_field net_af_packet0 rx_missed)
expect_eq "no frame lost yet" "$missed0" 0

kill -STOP "$LAB_DP_PID"
lab_in m /usr/bin/python3 - "$SENT" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"x" * 64, ("10.20.0.10", 9))
EOF
kill -CONT "$LAB_DP_PID"
sleep 1
missed=$(port_field net_af_packet0 rx_missed)
rx=$(zone_field mynumber "['rx_packets']")
echo "sent $SENT, the pipeline received $rx, rx_missed $missed"
# The ring holds 512 frames; the kernel drops the rest.
expect_gt "rx_missed counts what the kernel dropped" "$missed" $((SENT / 2))
expect_eq "every datagram is either received or counted as lost" \
  "$(( missed + rx >= SENT ))" 1
expect_eq "rx_socket_drops says where" "$(port_field net_af_packet0 rx_socket_drops)" "$missed"
prom=$(lab_ctl stats --prometheus | grep '^bunri_port_rx_missed_total{zone="mynumber"')
expect_eq "Prometheus: bunri_port_rx_missed_total" "$prom" \
  "bunri_port_rx_missed_total{zone=\"mynumber\",port=\"net_af_packet0\"} $missed"

# Fragments. The lab sets the appliance namespace's reassembly memory to 0 (README,
# Known limits): the kernel cannot reassemble and drops every fragment before the port
# sees it, counted in the namespace's ReasmFails.
reasm_fails() { lab_in a nstat -az IpReasmFails | awk '/IpReasmFails/ { print $2 }'; }
opened() { lab_ctl status --json | jget "d['connections']['opened']"; }
frag0=$(zone_field mynumber "['drops'].get('fragment', 0)")
fails0=$(reasm_fails)
opened0=$(opened)
expect_eq "the lab's appliance namespace reassembles nothing" \
  "$(lab_in a sysctl -n net.ipv4.ipfrag_high_thresh)" 0
lab_bg l "$LAB_DIR/tcpdump.log" tcpdump -i eth0 -nn -U --immediate-mode -w "$LAB_DIR/frag0.pcap" "tcp"
cap=$LAB_BG
sleep 0.5
expect_ok "mynumber's host sends a SYN to lgwan:443 as three fragments" \
  lab_in m /usr/bin/python3 "$FORGE" frag 10.10.0.10 10.20.0.10 443
sleep 1
kill -INT "$cap" 2>/dev/null
wait "$cap" 2>/dev/null
expect_eq "it opened nothing" "$(opened)" "$opened0"
expect_eq "nothing of it reached lgwan" "$(tcpdump -nr "$LAB_DIR/frag0.pcap" 2>/dev/null | wc -l)" 0
expect_eq "the kernel counted the three fragments in ReasmFails" "$(reasm_fails)" "$((fails0 + 3))"

# With the kernel's default reassembly memory, what the PMD does: a datagram sent as
# fragments reaches the pipeline whole and is judged as one.
lab_in a sysctl -qw net.ipv4.ipfrag_high_thresh=4194304
lab_in a sysctl -qw net.ipv4.ipfrag_low_thresh=3145728
norule0=$(zone_field mynumber "['drops'].get('no-rule', 0)")
lab_bg l "$LAB_DIR/tcpdump.log" tcpdump -i eth0 -nn -U --immediate-mode -w "$LAB_DIR/frag.pcap" "tcp"
cap=$LAB_BG
sleep 0.5
expect_ok "reassembling: the fragmented SYN to lgwan:443 again" \
  lab_in m /usr/bin/python3 "$FORGE" frag 10.10.0.10 10.20.0.10 443
expect_ok "and one to lgwan:22" lab_in m /usr/bin/python3 "$FORGE" frag 10.10.0.10 10.20.0.10 22
sleep 1
kill -INT "$cap" 2>/dev/null
wait "$cap" 2>/dev/null
expect_eq "no frame was dropped as fragment" \
  "$(zone_field mynumber "['drops'].get('fragment', 0)")" "$frag0"
expect_eq "the SYN to 443 opened a connection" "$(opened)" "$((opened0 + 1))"
expect_eq "the SYN to 22 was dropped as no-rule" \
  "$(zone_field mynumber "['drops'].get('no-rule', 0)")" "$((norule0 + 1))"
expect_eq "lgwan received the SYN to 443 whole, unfragmented" \
  "$(tcpdump -nn -v -r "$LAB_DIR/frag.pcap" 2>/dev/null | grep -c 'id 4242, offset 0, flags \[none\], proto TCP (6), length 44')" 1
