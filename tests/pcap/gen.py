#!/usr/bin/python3
"""Generates every pcap case under tests/pcap/: input pcaps, the expected verdicts
(expected.jsonl, what the issue specifies for each frame) and extra checks on the
outputs (checks). Run it from anywhere with Debian's python3-scapy:

    /usr/bin/python3 tests/pcap/gen.py

Each case runs against common/appliance.cfg and common/policy.cfg unless it has its
own. Frames are stamped from 2026-06-01 09:00 JST, when the flows are in force."""
import json
import os
import shutil
import sys

from scapy.all import (ARP, Dot1Q, Ether, ICMP, IP, IPv6, Padding, Raw, TCP, UDP,
                       wrpcap)

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1780272000.0  # 2026-06-01 00:00 UTC = 09:00 JST

# The appliance's ports (common/appliance.cfg).
PORT = {"mynumber": "02:b0:00:00:00:01", "lgwan": "02:b0:00:00:00:02",
        "internet": "02:b0:00:00:00:03"}
ADDR = {"mynumber": "10.10.0.1", "lgwan": "10.20.0.1", "internet": "172.16.0.1"}
# The routers behind each port (mynumber's and internet's are static neighbours,
# lgwan's must be resolved by ARP).
ROUTER = {"mynumber": ("10.10.0.254", "52:54:00:00:10:fe"),
          "lgwan": ("10.20.0.254", "52:54:00:00:20:fe"),
          "internet": ("172.16.0.254", "52:54:00:00:16:fe")}

ATENA, CHUKAN, AV = "10.10.2.10", "10.20.5.10", "10.20.5.30"
MN_OPS, MN_OPS_MAC = "10.10.0.20", "52:54:00:10:00:14"
PC1, PC2, VB = "10.20.16.5", "10.20.16.6", "172.16.20.10"
SANITIZER, FILEX = "172.16.30.10", "10.20.6.20"


class Case:
    def __init__(self, name, doc):
        self.name, self.doc = name, doc
        self.frames = {}     # zone -> [packet]
        self.order = []      # zones in --in order
        self.expect = []
        self.checks = []
        self.t = T0
        self.files = {}

    def frame(self, zone, pkt, verdict=None, dt=0.001, **fields):
        """Adds a frame arriving on zone's port dt seconds after the previous one,
        and (unless verdict is None) what the appliance must do with it."""
        self.t += dt
        pkt.time = self.t
        if zone not in self.frames:
            self.frames[zone] = []
            self.order.append(zone)
        index = len(self.frames[zone])
        self.frames[zone].append(pkt)
        if verdict is not None:
            e = {"zone": zone, "index": index, "verdict": verdict}
            for k in ("to", "flow", "reason"):
                if k in fields:
                    e[k] = fields[k]
            self.expect.append(e)
        return index

    def fwd(self, zone, pkt, to, flow, reason, **kw):
        return self.frame(zone, pkt, "forward", to=to, flow=flow, reason=reason, **kw)

    def drop(self, zone, pkt, reason, **kw):
        return self.frame(zone, pkt, "drop", to=None, flow=None, reason=reason, **kw)

    def check(self, line):
        self.checks.append(line)

    def write(self):
        d = os.path.join(HERE, self.name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        with open(os.path.join(d, "README"), "w") as f:
            f.write(self.doc.strip() + "\n")
        with open(os.path.join(d, "inputs"), "w") as f:
            for zone in self.order:
                wrpcap(os.path.join(d, zone + ".pcap"), self.frames[zone])
                f.write("%s=%s.pcap\n" % (zone, zone))
        with open(os.path.join(d, "expected.jsonl"), "w") as f:
            for e in self.expect:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        with open(os.path.join(d, "checks"), "w") as f:
            for c in self.checks:
                f.write(c + "\n")
        for name, text in self.files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)


def eth(zone, src=None, dst=None):
    """A frame on zone's link from its router (or src) to the appliance's port."""
    return Ether(src=src or ROUTER[zone][1], dst=dst or PORT[zone])


def arp_reply(zone, ip, mac):
    return Ether(src=mac, dst=PORT[zone]) / ARP(op=2, hwsrc=mac, psrc=ip,
                                                hwdst=PORT[zone], pdst=ADDR[zone])


def tcp(zone, src, dst, sport, dport, flags, seq=0, ack=0, payload=b"", **ip):
    return eth(zone) / IP(src=src, dst=dst, **ip) / TCP(
        sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535) / payload


def lgwan_router_resolves(c):
    """The lgwan router answers the appliance's ARP request."""
    c.frame("lgwan", arp_reply("lgwan", *ROUTER["lgwan"]), "local", reason="arp")


def handshake(c, sport=40000, dport=443, flow="MN-LG-001"):
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, sport, dport, "S", seq=1000),
          "lgwan", flow, "new")
    lgwan_router_resolves(c)
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, dport, sport, "SA", seq=5000, ack=1001),
          "mynumber", flow, "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, sport, dport, "A", seq=1001,
                          ack=5001), "lgwan", flow, "established")


def cases():
    out = []

    c = Case("tcp_allowed", """
A whole allowed TCP connection (MN-LG-001: atena-server -> chukan-gw:443): handshake,
data both ways, FIN both ways. The lgwan next hop is unknown at first: the SYN waits
while the appliance asks by ARP, and leaves when the router answers.""")
    handshake(c)
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "PA", seq=1001,
                          ack=5001, payload=b"GET / HTTP/1.1\r\n\r\n"),
          "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 40000, "PA", seq=5001, ack=1019,
                       payload=b"HTTP/1.1 200 OK\r\n\r\n"), "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "FA", seq=1019,
                          ack=5020), "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 40000, "FA", seq=5020, ack=1020),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "A", seq=1020,
                          ack=5021), "lgwan", "MN-LG-001", "established")
    c.check('flows "type":"flow".*"flow":"MN-LG-001".*"packets_out":5,"packets_in":3.*"end_reason":"fin"')
    c.check("pcap lgwan 6")      # the ARP request, then five segments
    c.check("pcap mynumber 3")
    c.check("pcapgrep lgwan 02:b0:00:00:00:02 > ff:ff:ff:ff:ff:ff.*Request who-has 10.20.0.254 tell 10.20.0.1")
    c.check("pcapgrep lgwan 02:b0:00:00:00:02 > 52:54:00:00:20:fe.*ttl 63.*10.10.2.10.40000 > 10.20.5.10.443: Flags \\[S\\]")
    c.check("pcapgrep mynumber 02:b0:00:00:00:01 > 52:54:00:00:10:fe.*ttl 63.*10.20.5.10.443 > 10.10.2.10.40000: Flags \\[S.\\]")
    c.check('counter "MN-LG-001": \\{ "packets": 8, "bytes": [0-9]+, "connections": 1 \\}')
    out.append(c)

    c = Case("port_not_allowed", """
The allowed client on a port no flow names (22), and the allowed port towards a host
the flow does not name.""")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40001, 22, "S"), "no-rule")
    c.drop("mynumber", tcp("mynumber", ATENA, AV, 40002, 443, "S"), "no-rule")
    c.drop("mynumber", eth("mynumber") / IP(src=ATENA, dst=CHUKAN) / UDP(sport=5000, dport=443),
           "no-rule")
    c.check('flows "type":"deny".*"reason":"no-rule","count":1')
    c.check("pcap lgwan 0")
    out.append(c)

    c = Case("backwards", """
The server of MN-LG-001 tries to open a connection to the client: no flow allows
lgwan -> mynumber, so every opening is dropped.""")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 40000, "S"), "no-rule")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 50000, 443, "S"), "no-rule")
    c.drop("lgwan", eth("lgwan") / IP(src=CHUKAN, dst=ATENA) / ICMP(type=8, id=7), "no-rule")
    c.check("pcap mynumber 0")
    out.append(c)

    c = Case("spoofed", """
Sources that do not belong to the ingress zone's networks: an lgwan address, a private
address of nobody's, and the internet zone's address arriving on mynumber.""")
    c.drop("mynumber", tcp("mynumber", CHUKAN, CHUKAN, 443, 443, "S"), "spoofed")
    c.drop("mynumber", tcp("mynumber", "192.168.1.10", CHUKAN, 40000, 443, "S"), "spoofed")
    c.drop("internet", tcp("internet", ATENA, CHUKAN, 40000, 443, "S"), "spoofed")
    c.check('counter "spoofed": 2')
    # the deny records name the device that sent them
    c.check('flows "type":"deny".*"src":"192.168.1.10".*"src_mac":"52:54:00:00:10:fe".*"reason":"spoofed"')
    out.append(c)

    c = Case("mynumber_internet", """
Every direction between mynumber and internet, with TCP, UDP and ICMP: guard rail 1
means no rule can exist, so everything is dropped.""")
    for proto in ("tcp", "udp", "icmp"):
        for zf, zt, s, d in (("mynumber", "internet", ATENA, VB),
                             ("mynumber", "internet", MN_OPS, SANITIZER),
                             ("internet", "mynumber", VB, ATENA),
                             ("internet", "mynumber", SANITIZER, MN_OPS)):
            src = MN_OPS_MAC if s == MN_OPS else None
            if proto == "tcp":
                p = eth(zf, src=src) / IP(src=s, dst=d) / TCP(sport=40000, dport=3389, flags="S")
            elif proto == "udp":
                p = eth(zf, src=src) / IP(src=s, dst=d) / UDP(sport=40000, dport=3389)
            else:
                p = eth(zf, src=src) / IP(src=s, dst=d) / ICMP(type=8, id=1)
            c.drop(zf, p, "no-rule")
    c.check("pcap mynumber 0")
    c.check("pcap internet 0")
    out.append(c)

    c = Case("arp_appliance", """
ARP for the appliance's own address is answered (and teaches the sender's MAC), also
to a static neighbour (mynumber's router); ARP for any other address and ARP sent to
another zone's address are dropped; gratuitous ARP is taken (not answered) from a
neighbour already known, dropped from one that is not. A device claiming the
appliance's own address is dropped as addr-conflict, named by its MAC in a deny record,
and the appliance announces its own MAC once (not again within 10 s). Echo to the appliance is answered where the zone enables it (lgwan), dropped where it
does not (mynumber), and anything else to the appliance is dropped.""")
    req = Ether(src=MN_OPS_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=MN_OPS_MAC, psrc=MN_OPS, pdst="10.10.0.1")
    c.frame("mynumber", req, "local", reason="arp")
    c.drop("mynumber", Ether(src=MN_OPS_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=MN_OPS_MAC, psrc=MN_OPS, pdst="10.10.0.99"), "arp")
    c.frame("mynumber", Ether(src=MN_OPS_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=MN_OPS_MAC, psrc=MN_OPS, pdst=MN_OPS), "local", reason="arp")
    c.drop("mynumber", Ether(src="52:54:00:10:00:1e", dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc="52:54:00:10:00:1e", psrc="10.10.0.30", pdst="10.10.0.30"), "arp")
    c.drop("mynumber", Ether(src=MN_OPS_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=MN_OPS_MAC, psrc=MN_OPS, pdst="10.20.0.1"), "arp")
    c.frame("mynumber", Ether(src=ROUTER["mynumber"][1], dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=ROUTER["mynumber"][1], psrc=ROUTER["mynumber"][0], pdst="10.10.0.1"),
        "local", reason="arp")
    for _ in range(2):
        c.drop("mynumber", Ether(src="52:54:00:66:00:01", dst="ff:ff:ff:ff:ff:ff") / ARP(
            op=1, hwsrc="52:54:00:66:00:01", psrc="10.10.0.1", pdst=MN_OPS), "addr-conflict")
    c.frame("lgwan", eth("lgwan") / IP(src=AV, dst="10.20.0.1") / ICMP(type=8, id=9, seq=1)
            / b"ping", "local", reason="echo")
    c.drop("mynumber", eth("mynumber") / IP(src=ATENA, dst="10.10.0.1") / ICMP(type=8, id=9),
           "to-appliance")
    c.drop("lgwan", tcp("lgwan", AV, "10.20.0.1", 40000, 22, "S"), "to-appliance")
    c.drop("lgwan", tcp("lgwan", AV, "172.16.0.1", 40000, 22, "S"), "to-appliance")
    c.check("pcap mynumber 3")
    c.check("pcapgrep mynumber 02:b0:00:00:00:01 > 52:54:00:10:00:14.*Reply 10.10.0.1 is-at 02:b0:00:00:00:01")
    c.check("pcapgrep mynumber 02:b0:00:00:00:01 > 52:54:00:00:10:fe.*Reply 10.10.0.1 is-at 02:b0:00:00:00:01")
    c.check("pcapcount mynumber 02:b0:00:00:00:01.>.ff:ff:ff:ff:ff:ff.*Request.who-has.10.10.0.1.tell.10.10.0.1 1")
    c.check('counter "addr-conflict": 2')
    c.check('flows "type":"deny".*"from_zone":"mynumber".*"src":"10.10.0.1".*"dst":"10.10.0.20".*"src_mac":"52:54:00:66:00:01".*"reason":"addr-conflict","count":2')
    c.check("pcap lgwan 1")
    c.check("pcapgrep lgwan 02:b0:00:00:00:02 > 52:54:00:00:20:fe.*10.20.0.1 > 10.20.5.30: ICMP echo reply, id 9, seq 1")
    out.append(c)

    c = Case("ttl", """
TTL 1 would expire here, TTL 0 is already dead: both dropped. TTL 2 is forwarded with
TTL 1.""")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "S", ttl=1), "ttl")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "S", ttl=0), "ttl")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "S", ttl=2), "lgwan",
          "MN-LG-001", "new")
    lgwan_router_resolves(c)
    c.check("pcapgrep lgwan ttl 1,.*Flags \\[S\\]")
    out.append(c)

    c = Case("malformed", """
Damaged IPv4: a wrong header checksum (dropped as checksum), a total length beyond the frame (truncated
capture), a TCP header cut short, IHL < 5, IP version 5, a TCP data offset beyond the
segment, a UDP length beyond the datagram, and IP options.""")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "S", chksum=0x1234), "checksum")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "S", len=400), "malformed")
    short = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, proto=6) / Raw(b"\x9c\x40\x01\xbb\x00\x00")
    c.drop("mynumber", short, "malformed")
    ihl4 = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, ihl=4) / TCP(sport=40000, dport=443, flags="S")
    c.drop("mynumber", ihl4, "malformed")
    v5 = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, version=5) / TCP(sport=40000, dport=443, flags="S")
    c.drop("mynumber", v5, "malformed")
    doff = eth("mynumber") / IP(src=ATENA, dst=CHUKAN) / TCP(sport=40000, dport=443, flags="S", dataofs=15)
    c.drop("mynumber", doff, "malformed")
    ulen = eth("mynumber") / IP(src=ATENA, dst=CHUKAN) / UDP(sport=4000, dport=443, len=200) / b"abc"
    c.drop("mynumber", ulen, "malformed")
    opts = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, options=b"\x83\x03\x04\x00") / TCP(sport=40000, dport=443, flags="S")
    c.drop("mynumber", opts, "ip-options")
    c.drop("mynumber", Ether(src=ROUTER["mynumber"][1], dst=PORT["mynumber"], type=0x0800) / Raw(b"\x45\x00"),
           "malformed")
    c.check("pcap lgwan 0")
    out.append(c)

    c = Case("fragments", """
Fragments are dropped (fail closed): a tiny first fragment that hides the TCP ports,
two overlapping fragments, and a non-first fragment alone.""")
    tiny = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, proto=6, flags="MF", frag=0, id=77) / Raw(b"\x9c\x40\x01\xbb\x00\x00\x03\xe8")
    c.drop("mynumber", tiny, "fragment")
    rest = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, proto=6, frag=1, id=77) / Raw(b"\x00" * 12 + b"\x50\x02\xff\xff\x00\x00\x00\x00")
    c.drop("mynumber", rest, "fragment")
    a = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, proto=17, flags="MF", frag=0, id=78) / Raw(b"\x0f\xa0\x01\xbb\x00\x20\x00\x00" + b"A" * 16)
    b = eth("mynumber") / IP(src=ATENA, dst=CHUKAN, proto=17, frag=1, id=78) / Raw(b"\x0f\xa0\x00\x16" + b"B" * 20)
    c.drop("mynumber", a, "fragment")
    c.drop("mynumber", b, "fragment")
    c.check("pcap lgwan 0")
    out.append(c)

    c = Case("tcp_state", """
Segments that belong to no connection: an ACK without SYN, a SYN-ACK without SYN
(from either side), a FIN and a RST. Then a real connection, a RST whose sequence
number is far outside the window (dropped), and a RST at the sequence number the
receiver expects next (forwarded, ends the connection).""")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "A", seq=1, ack=1), "state")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 40000, "SA", seq=1, ack=1), "state")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "SA", seq=1, ack=1), "state")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "FA", seq=1, ack=1), "state")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "R", seq=1), "state")
    handshake(c, sport=41000)
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 41000, "R", seq=5001 + 0x40000000), "state")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 41000, 443, "SA", seq=1001, ack=5001), "state")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 41000, "R", seq=5001), "mynumber",
          "MN-LG-001", "reply")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 41000, 443, "A", seq=1001, ack=5001), "state")
    c.check('flows "type":"flow".*"sport":41000.*"end_reason":"rst"')
    out.append(c)

    c = Case("checksums", """
Frames whose checksum is wrong are dropped (reason checksum) before they may open a
connection: a SYN with a wrong IPv4 header checksum, a SYN with a wrong TCP checksum, a
UDP datagram with a wrong checksum, an echo request with a wrong ICMP checksum. None of
them opens anything: the same frames with their right sums afterwards are new
connections. A UDP checksum of 0 means the sender computed none: it passes.""")
    lgwan_router_resolves(c)
    mnops = lambda: eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV)
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 44000, 443, "S", seq=1, chksum=0x4242), "checksum")
    c.drop("mynumber", eth("mynumber") / IP(src=ATENA, dst=CHUKAN) /
           TCP(sport=44001, dport=443, flags="S", seq=1, chksum=0x4242), "checksum")
    c.drop("lgwan", eth("lgwan") / IP(src=PC2, dst=VB) / UDP(sport=50100, dport=3389, chksum=0x4242) / b"data",
           "checksum")
    c.drop("mynumber", mnops() / ICMP(type=8, id=300, chksum=0x4242) / b"abcd", "checksum")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44001, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.fwd("lgwan", eth("lgwan") / IP(src=PC2, dst=VB) / UDP(sport=50100, dport=3389) / b"data",
          "internet", "LG-IN-010", "new")
    c.fwd("mynumber", mnops() / ICMP(type=8, id=300) / b"abcd", "lgwan", "MN-LG-002", "new")
    c.fwd("lgwan", eth("lgwan") / IP(src=PC2, dst=VB) / UDP(sport=50101, dport=3389, chksum=0) / b"none",
          "internet", "LG-IN-010", "new")
    c.check('counter "mynumber": .*"drop": \\{ "checksum": 3 \\}.*"lgwan": .*"drop": \\{ "checksum": 1 \\}')
    c.check('flows "type":"deny".*"reason":"checksum"')
    c.check("pcapcount lgwan 10.10.2.10.44000 0")
    c.check("pcap internet 2")
    out.append(c)

    c = Case("rst_bad_checksum", """
A peer-zone host forges a RST, at the right sequence number but with a wrong TCP
checksum, into a live MN-LG-001 connection. The endpoint would ignore it; so does the
appliance: dropped (checksum), the connection carries data both ways afterwards and
ends by FIN, and its record does not say rst.""")
    handshake(c, sport=44100)
    c.drop("lgwan", eth("lgwan") / IP(src=CHUKAN, dst=ATENA) /
           TCP(sport=443, dport=44100, flags="R", seq=5001, window=0, chksum=0x1111), "checksum")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44100, 443, "PA", seq=1001, ack=5001, payload=b"GET /"),
          "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44100, "PA", seq=5001, ack=1006, payload=b"200 OK"),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44100, 443, "FA", seq=1006, ack=5007),
          "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44100, "FA", seq=5007, ack=1007),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44100, 443, "A", seq=1007, ack=5008),
          "lgwan", "MN-LG-001", "established")
    c.check('flows "type":"flow".*"sport":44100.*"end_reason":"fin"')
    c.check('counter "checksum": 1')
    c.check("pcapcount mynumber Flags.\\[R 0")
    out.append(c)

    c = Case("rst_in_window", """
RFC 5961: a RST inside the receiver's window but not at the sequence number it
expects next. The appliance passes it on (the endpoint answers with a challenge ACK)
without ending the connection; the client's challenge ACK and later data restore it,
and its record ends by FIN, not rst. A second connection gets such a RST and nothing
follows within 10 s: the endpoint took it, and the connection ends as rst.""")
    handshake(c, sport=44200)
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44200, "R", seq=5001 + 3000),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44200, 443, "A", seq=1001, ack=5001),
          "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44200, "PA", seq=5001, ack=1001, payload=b"still here"),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44200, 443, "FA", seq=1001, ack=5011),
          "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44200, "FA", seq=5011, ack=1002),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44200, 443, "A", seq=1002, ack=5012),
          "lgwan", "MN-LG-001", "established")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44201, 443, "S", seq=1000), "lgwan", "MN-LG-001", "new")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44201, "SA", seq=5000, ack=1001), "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44201, 443, "A", seq=1001, ack=5001),
          "lgwan", "MN-LG-001", "established")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44201, 443, "R", seq=1001 + 500),
          "lgwan", "MN-LG-001", "established")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44201, "A", seq=5001, ack=1001), "state", dt=11)
    c.check('flows "type":"flow".*"sport":44200.*"end_reason":"fin"')
    c.check('flows "type":"flow".*"sport":44201.*"end_reason":"rst"')
    c.check("pcapcount mynumber 10.20.5.10.443 > 10.10.2.10.44200: Flags \\[R\\] 1")
    out.append(c)

    c = Case("rst_exact", """
A RST at exactly the sequence number the receiver expects next ends the connection:
forwarded, the record says rst, and later segments of the connection are dropped.""")
    handshake(c, sport=44300)
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44300, "R", seq=5001), "mynumber", "MN-LG-001", "reply")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 44300, 443, "PA", seq=1001, ack=5001, payload=b"x"), "state")
    c.check('flows "type":"flow".*"sport":44300.*"end_reason":"rst"')
    out.append(c)

    c = Case("rst_out_of_window", """
RSTs outside the receiver's window, just before the sequence number it expects and
far after it, are dropped (state): the connection goes on and ends by FIN.""")
    handshake(c, sport=44400)
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44400, "R", seq=5000), "state")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44400, "R", seq=5001 + 70000), "state")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 44400, 443, "R", seq=1001 + 0x40000000), "state")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44400, 443, "FA", seq=1001, ack=5001),
          "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 44400, "FA", seq=5001, ack=1002),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44400, 443, "A", seq=1002, ack=5002),
          "lgwan", "MN-LG-001", "established")
    c.check('flows "type":"flow".*"sport":44400.*"end_reason":"fin"')
    c.check('counter "mynumber": .*"drop": \\{ "state": 1 \\}.*"lgwan": .*"drop": \\{ "state": 2 \\}')
    out.append(c)

    c = Case("udp_timeout", """
UDP through LG-IN-010: the request opens a connection, a reply inside the UDP timeout
(120 s) passes, and a reply after it is a new datagram from internet that no flow
allows.""")
    q = lambda: eth("lgwan") / IP(src=PC2, dst=VB) / UDP(sport=50000, dport=3389) / b"q"
    r = lambda: eth("internet") / IP(src=VB, dst=PC2) / UDP(sport=3389, dport=50000) / b"r"
    lgwan_router_resolves(c)
    c.fwd("lgwan", q(), "internet", "LG-IN-010", "new")
    c.fwd("internet", r(), "lgwan", "LG-IN-010", "reply", dt=60)
    # The router's MAC was learned a minute ago and has just ended: the reply waits
    # for its ARP answer, and leaves with it.
    lgwan_router_resolves(c)
    c.fwd("lgwan", q(), "internet", "LG-IN-010", "established", dt=30)
    c.drop("internet", r(), "no-rule", dt=121)
    c.check('flows "type":"flow".*"flow":"LG-IN-010".*"packets_out":2,"packets_in":1.*"end_reason":"timeout"')
    out.append(c)

    c = Case("icmp_echo", """
ICMP echo through MN-LG-002 (mn-ops -> av-pattern, MAC-bound, on the connected
subnet): request and reply pass; a reply nobody asked for and an echo request in the
other direction do not.""")
    lgwan_router_resolves(c)
    c.fwd("mynumber", eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV) / ICMP(type=8, id=100, seq=1) / b"abcd",
          "lgwan", "MN-LG-002", "new")
    c.fwd("lgwan", eth("lgwan") / IP(src=AV, dst=MN_OPS) / ICMP(type=0, id=100, seq=1) / b"abcd",
          "mynumber", "MN-LG-002", "reply")
    # mn-ops is on mynumber's own subnet: the appliance must ARP for it.
    c.frame("mynumber", arp_reply("mynumber", MN_OPS, MN_OPS_MAC), "local", reason="arp")
    c.drop("lgwan", eth("lgwan") / IP(src=AV, dst=MN_OPS) / ICMP(type=0, id=101, seq=1), "state")
    c.drop("lgwan", eth("lgwan") / IP(src=AV, dst=MN_OPS) / ICMP(type=8, id=102, seq=1), "no-rule")
    c.check('flows "type":"flow".*"src_mac":"52:54:00:10:00:14","flow":"MN-LG-002".*"end_reason":"timeout"')
    c.check("pcapgrep mynumber Request who-has 10.10.0.20 tell 10.10.0.1")
    c.check("pcapgrep mynumber 02:b0:00:00:00:01 > 52:54:00:10:00:14.*ICMP echo reply, id 100")
    out.append(c)

    c = Case("l2", """
Frames the appliance does not route: IPv6, an unknown ethertype, a frame for another
MAC, a broadcast IPv4 frame, 802.1Q and QinQ tags on a zone without a VLAN.""")
    c.drop("mynumber", eth("mynumber") / IPv6(src="fd00::1", dst="fd00::2") / UDP(), "ipv6")
    c.drop("mynumber", Ether(src=ROUTER["mynumber"][1], dst=PORT["mynumber"], type=0x88cc) / Raw(b"\x00" * 46), "not-ipv4")
    c.drop("mynumber", eth("mynumber", dst="52:54:00:99:99:99") / IP(src=ATENA, dst=CHUKAN) / TCP(dport=443, flags="S"), "not-for-us")
    c.drop("mynumber", eth("mynumber", dst="01:00:5e:00:00:01") / IP(src=ATENA, dst=CHUKAN) / TCP(dport=443, flags="S"), "not-for-us")
    c.drop("mynumber", eth("mynumber", dst="ff:ff:ff:ff:ff:ff") / IP(src=ATENA, dst=CHUKAN) / TCP(dport=443, flags="S"), "not-for-us")
    c.drop("mynumber", eth("mynumber") / Dot1Q(vlan=10) / IP(src=ATENA, dst=CHUKAN) / TCP(dport=443, flags="S"), "vlan")
    c.drop("mynumber", Ether(src=ROUTER["mynumber"][1], dst=PORT["mynumber"], type=0x88a8) / Dot1Q(vlan=10) / IP(src=ATENA, dst=CHUKAN) / TCP(dport=443, flags="S"), "vlan")
    out.append(c)

    c = Case("vlan_zone", """
lgwan's port carries VLAN 20 (case appliance.cfg): tagged frames with VID 20 are
routed and leave lgwan tagged; another VID, an untagged frame and QinQ are dropped.""")
    vl = lambda vid: Ether(src=ROUTER["lgwan"][1], dst=PORT["lgwan"]) / Dot1Q(vlan=vid)
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 40000, 443, "S", seq=1000), "lgwan", "MN-LG-001", "new")
    c.frame("lgwan", vl(20) / ARP(op=2, hwsrc=ROUTER["lgwan"][1], psrc=ROUTER["lgwan"][0], hwdst=PORT["lgwan"], pdst="10.20.0.1"),
            "local", reason="arp")
    c.fwd("lgwan", vl(20) / IP(src=CHUKAN, dst=ATENA) / TCP(sport=443, dport=40000, flags="SA", seq=5000, ack=1001),
          "mynumber", "MN-LG-001", "reply")
    c.drop("lgwan", vl(30) / IP(src=CHUKAN, dst=ATENA) / TCP(sport=443, dport=40000, flags="A", seq=5001, ack=1001), "vlan")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 40000, "A", seq=5001, ack=1001), "vlan")
    c.drop("lgwan", Ether(src=ROUTER["lgwan"][1], dst=PORT["lgwan"]) / Dot1Q(vlan=20) / Dot1Q(vlan=20) / IP(src=CHUKAN, dst=ATENA) / TCP(flags="A"), "vlan")
    c.check("pcapgrep lgwan vlan 20.*Request who-has 10.20.0.254")
    c.check("pcapgrep lgwan vlan 20.*10.10.2.10.40000 > 10.20.5.10.443: Flags \\[S\\]")
    c.check("pcapgrep mynumber 10.20.5.10.443 > 10.10.2.10.40000: Flags \\[S.\\]")
    c.files["appliance.cfg"] = open(os.path.join(HERE, "common", "appliance.cfg")).read().replace(
        'mac       = "02:b0:00:00:00:02";', 'mac       = "02:b0:00:00:00:02";\n    vlan      = 20;')
    out.append(c)

    c = Case("mac_binding", """
mn-ops is bound to 52:54:00:10:00:14: the same packets from another MAC are dropped
as mac-mismatch; from its own MAC they pass.""")
    c.drop("mynumber", eth("mynumber", src="52:54:00:66:66:66") / IP(src=MN_OPS, dst=AV) / TCP(sport=40000, dport=8080, flags="S"),
           "mac-mismatch")
    c.drop("mynumber", eth("mynumber") / IP(src=MN_OPS, dst=AV) / ICMP(type=8, id=5), "mac-mismatch")
    c.fwd("mynumber", eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV) / TCP(sport=40000, dport=8080, flags="S"),
          "lgwan", "MN-LG-002", "new")
    lgwan_router_resolves(c)
    c.check('flows "type":"deny".*"reason":"mac-mismatch","count":1')
    out.append(c)

    c = Case("expired_flow", """
MN-LG-030 (tcp/8443) ends at 09:10 JST. A connection opened at 09:00 works until then;
at 09:10 the replay recompiles the policy as a reload would, the connection is cut
(revoked) and new ones are refused. MN-LG-001 on the same hosts is untouched.""")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 42000, 8443, "S", seq=100), "lgwan", "MN-LG-030", "new")
    lgwan_router_resolves(c)
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 8443, 42000, "SA", seq=900, ack=101), "mynumber", "MN-LG-030", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 42000, 8443, "A", seq=101, ack=901), "lgwan", "MN-LG-030", "established")
    handshake(c, sport=42001)
    # 09:10:30 JST: the flow has expired.
    c.t = T0 + 630
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 42000, 8443, "PA", seq=101, ack=901, payload=b"x"), "revoked")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 8443, 42000, "A", seq=901, ack=102), "revoked")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 42002, 8443, "S", seq=100), "no-rule")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 42001, 443, "PA", seq=1001, ack=5001, payload=b"y"),
          "lgwan", "MN-LG-001", "established")
    c.check('flows "type":"flow".*"end":"2026-06-01T00:10:00.000Z".*"sport":42000.*"flow":"MN-LG-030".*"end_reason":"revoked"')
    c.check('flows "type":"flow".*"sport":42001.*"flow":"MN-LG-001"')
    c.files["policy.cfg"] = open(os.path.join(HERE, "common", "policy.cfg")).read()
    out.append(c)

    c = Case("frame_sizes", """
A minimum-size frame (60 bytes, Ethernet padding after the datagram) and a 9000-byte
jumbo frame, both UDP through LG-IN-010; the padding is not counted as IP bytes.""")
    lgwan_router_resolves(c)
    small = eth("lgwan") / IP(src=PC2, dst=VB) / UDP(sport=50001, dport=3389) / b"x"
    small = small / Padding(load=b"\x00" * (60 - len(small)))
    c.fwd("lgwan", small, "internet", "LG-IN-010", "new")
    big = eth("lgwan") / IP(src=PC2, dst=VB) / UDP(sport=50002, dport=3389) / (b"J" * (9000 - 14 - 28))
    c.fwd("lgwan", big, "internet", "LG-IN-010", "new")
    c.check("pcap internet 2")
    c.check("pcapgrep internet length 60:.*10.20.16.6.50001 > 172.16.20.10.3389: UDP, length 1")
    c.check("pcapgrep internet length 9000:.*10.20.16.6.50002 > 172.16.20.10.3389: UDP, length 8958")
    c.check('flows "sport":50001.*"bytes_out":29,')
    out.append(c)

    c = Case("arp_resolve", """
An unknown next hop: the appliance holds the SYN (and its retransmission), sends one
ARP request, and sends both when the reply comes. A next hop that never answers
(mn-ops, on mynumber's own subnet, silent): the echo reply waits, the request is
repeated, and after the hold time the packet is dropped and counted (no-neighbor).""")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43000, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43000, 443, "S", seq=1), "lgwan", "MN-LG-001",
          "established", dt=0.5)
    c.frame("lgwan", arp_reply("lgwan", *ROUTER["lgwan"]), "local", reason="arp", dt=0.2)
    c.fwd("mynumber", eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV) / ICMP(type=8, id=3),
          "lgwan", "MN-LG-002", "new")
    c.fwd("lgwan", eth("lgwan") / IP(src=AV, dst=MN_OPS) / ICMP(type=0, id=3), "mynumber", "MN-LG-002", "reply")
    # Time passes on other traffic; nobody answers for 10.10.0.20.
    for _ in range(5):
        c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 1, "A", seq=1, ack=1), "state", dt=1.1)
    c.check("pcap lgwan 4")
    c.check("pcapgrep lgwan Request who-has 10.20.0.254")
    c.check("pcapgrep mynumber Request who-has 10.10.0.20")
    c.check("pcapcount mynumber Request.who-has.10.10.0.20 3")
    c.check('counter "no-neighbor": 1')
    # the dropped echo reply counts once, as a drop, not also as forwarded
    c.check('counter "lgwan": \\{ "rx_packets": 7, "rx_bytes": [0-9]+, "tx_packets": [0-9]+, "tx_bytes": [0-9]+, "forward": 0, "local": 1,')
    out.append(c)

    c = Case("arp_announce", """
A learned next hop lasts a minute. The lgwan router announces a new MAC by gratuitous
ARP (a replaced NIC): the next frames go to the new MAC at once; a gratuitous ARP from
a host the appliance does not know teaches nothing. Frames sent to it in the last 30
seconds of its minute make the appliance ask again (one request, answered): a frame
past the old end leaves at once. Idle for longer than a minute, it is forgotten: the
next frame waits while ARP asks afresh.""")
    new_mac = "52:54:00:00:20:aa"
    lgwan_router_resolves(c)
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43001, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.frame("lgwan", Ether(src=new_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=new_mac, psrc=ROUTER["lgwan"][0], pdst=ROUTER["lgwan"][0]), "local", reason="arp")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43002, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.drop("lgwan", Ether(src="52:54:00:00:20:4d", dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=2, hwsrc="52:54:00:00:20:4d", psrc="10.20.0.77", pdst="10.20.0.77"), "arp")
    # 35 s after the announcement: in use in its last 30 s (the SYN and, a second later,
    # its retransmission), so asked for again.
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43003, 443, "S", seq=1), "lgwan", "MN-LG-001",
          "new", dt=35)
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43003, 443, "S", seq=1), "lgwan", "MN-LG-001",
          "established", dt=1.1)
    c.frame("lgwan", arp_reply("lgwan", ROUTER["lgwan"][0], new_mac), "local", reason="arp", dt=0.2)
    # Past the minute the announcement gave it: renewed, so no waiting and no request.
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43004, 443, "S", seq=1), "lgwan", "MN-LG-001",
          "new", dt=25)
    # Idle for 100 s: forgotten; the SYN waits for a fresh answer.
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43005, 443, "S", seq=1), "lgwan", "MN-LG-001",
          "new", dt=100)
    c.frame("lgwan", arp_reply("lgwan", ROUTER["lgwan"][0], new_mac), "local", reason="arp", dt=0.2)
    c.check("pcap lgwan 8")
    c.check("pcapcount lgwan Request.who-has.10.20.0.254 2")
    c.check("pcapcount lgwan >.52:54:00:00:20:fe,.ethertype.IPv4 1")
    c.check("pcapcount lgwan >.52:54:00:00:20:aa,.ethertype.IPv4 5")
    c.check("pcapgrep lgwan > 52:54:00:00:20:aa, ethertype IPv4.*10.10.2.10.43005 > 10.20.5.10.443")
    out.append(c)

    c = Case("evasion", """
Packets shaped to slip past a stateful filter. An echo with identifier 0 opens a
connection that no other ICMP message may use (an echo request back, an unreachable, a
timestamp request). A MAC-bound connection takes only its bound MAC, also after the
first packet. SYN+FIN is refused, also as a reopening after a closed connection, and
a closed connection carries no more data. Bytes hidden after the IP datagram do not
cross (the frame leaves as a 60-byte frame). ARP from an all-zero MAC and frames from a
group MAC or the subnet's broadcast address are dropped; a ping with TTL 1 to the
appliance itself is answered.""")
    lgwan_router_resolves(c)
    c.fwd("mynumber", eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV) / ICMP(type=8, id=0),
          "lgwan", "MN-LG-002", "new")
    c.drop("lgwan", eth("lgwan") / IP(src=AV, dst=MN_OPS) / ICMP(type=8, id=0), "state")
    c.drop("lgwan", eth("lgwan") / IP(src=AV, dst=MN_OPS) / ICMP(type=3, code=1) /
           IP(src=MN_OPS, dst="10.20.99.9") / UDP(sport=1, dport=2), "state")
    c.drop("mynumber", eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV) / ICMP(type=13, ts_ori=0, ts_rx=0, ts_tx=0), "state")
    c.fwd("lgwan", eth("lgwan") / IP(src=AV, dst=MN_OPS) / ICMP(type=0, id=0), "mynumber", "MN-LG-002", "reply")
    # MAC-bound mn-ops opens tcp/8080; another MAC with its address and ports is refused.
    c.fwd("mynumber", eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV) /
          TCP(sport=40001, dport=8080, flags="S", seq=1), "lgwan", "MN-LG-002", "new")
    c.drop("mynumber", eth("mynumber", src="52:54:00:66:66:66") / IP(src=MN_OPS, dst=AV) /
           TCP(sport=40001, dport=8080, flags="S", seq=1), "mac-mismatch")
    # SYN+FIN on a half-open connection.
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43100, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 43100, 443, "SF", seq=1), "state")
    # A connection closed by FIN both ways: no more data, no SYN+FIN reopening it.
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43200, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 43200, "SA", seq=900, ack=2), "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43200, 443, "A", seq=2, ack=901), "lgwan", "MN-LG-001", "established")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43200, 443, "FA", seq=2, ack=901), "lgwan", "MN-LG-001", "established")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 43200, "A", seq=901, ack=3), "mynumber", "MN-LG-001", "reply")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 43200, "FA", seq=901, ack=3), "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43200, 443, "A", seq=3, ack=902), "lgwan", "MN-LG-001", "established")
    c.drop("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, 43200, "PA", seq=902, ack=3, payload=b"after close"), "state")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 43200, 443, "SF", seq=5000), "state")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43200, 443, "S", seq=5000), "lgwan", "MN-LG-001", "new")
    # 1200 bytes after the datagram: the SYN crosses, they do not.
    c.fwd("mynumber", Ether(bytes(tcp("mynumber", ATENA, CHUKAN, 43300, 443, "S", seq=1)) +
                            b"SECRET-DATA-" * 100), "lgwan", "MN-LG-001", "new")
    c.drop("lgwan", Ether(src=ROUTER["lgwan"][1], dst=PORT["lgwan"]) / ARP(
        op=1, hwsrc="00:00:00:00:00:00", psrc="10.20.0.77", pdst="10.20.0.1"), "arp")
    c.drop("lgwan", Ether(src="ff:ff:ff:ff:ff:ff", dst=PORT["lgwan"]) / IP(src=AV, dst="10.20.0.1") /
           ICMP(type=8, id=7), "malformed")
    c.drop("lgwan", eth("lgwan") / IP(src="10.20.0.255", dst="10.20.0.1") / ICMP(type=8, id=7), "martian")
    c.frame("lgwan", eth("lgwan") / IP(src=AV, dst="10.20.0.1", ttl=1) / ICMP(type=8, id=9, seq=1) / b"ping",
            "local", reason="echo")
    c.check("pcapcount lgwan length.1254 0")
    c.check("pcapgrep lgwan length 60: .*10.10.2.10.43300 > 10.20.5.10.443")
    c.check("pcapcount lgwan 00:00:00:00:00:00 0")
    c.check("pcapgrep lgwan 10.20.0.1 > 10.20.5.30: ICMP echo reply, id 9, seq 1")
    c.check('counter "mac-mismatch": 1')
    out.append(c)

    c = Case("icmp_related", """
ICMP errors about a packet of a known connection reach its sender (related): the lgwan
router's fragmentation-needed and time-exceeded for a TCP connection of MN-LG-001, and
its time-exceeded for mn-ops' echo (MN-LG-002). Refused (state): an error quoting a
tuple with no connection, one addressed to another host than the quoted sender, and one
arriving from a zone the quoted datagram did not go to. They do not count as the
connection's packets.""")
    lgwan_router_resolves(c)
    router = ROUTER["lgwan"][0]
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 43400, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    quote = IP(src=ATENA, dst=CHUKAN, ttl=1) / TCP(sport=43400, dport=443, flags="S", seq=1)
    c.fwd("lgwan", eth("lgwan") / IP(src=router, dst=ATENA) / ICMP(type=3, code=4, nexthopmtu=1400) / quote,
          "mynumber", "MN-LG-001", "related")
    c.fwd("lgwan", eth("lgwan") / IP(src=router, dst=ATENA) / ICMP(type=11, code=0) / quote,
          "mynumber", "MN-LG-001", "related")
    c.drop("lgwan", eth("lgwan") / IP(src=router, dst=ATENA) / ICMP(type=3, code=3) /
           IP(src=ATENA, dst=CHUKAN) / TCP(sport=43401, dport=443, flags="S"), "state")
    c.drop("lgwan", eth("lgwan") / IP(src=router, dst="10.10.2.11") / ICMP(type=3, code=4) / quote, "state")
    c.drop("internet", eth("internet") / IP(src=ROUTER["internet"][0], dst=ATENA) / ICMP(type=3, code=4) / quote,
           "state")
    c.fwd("mynumber", eth("mynumber", src=MN_OPS_MAC) / IP(src=MN_OPS, dst=AV) / ICMP(type=8, id=77),
          "lgwan", "MN-LG-002", "new")
    c.frame("mynumber", arp_reply("mynumber", MN_OPS, MN_OPS_MAC), "local", reason="arp")
    c.fwd("lgwan", eth("lgwan") / IP(src=router, dst=MN_OPS) / ICMP(type=11, code=0) /
          IP(src=MN_OPS, dst=AV, ttl=1) / ICMP(type=8, id=77), "mynumber", "MN-LG-002", "related")
    c.check("pcapgrep mynumber 10.20.0.254 > 10.10.2.10: ICMP 10.20.5.10 unreachable - need to frag \\(mtu 1400\\)")
    c.check('flows "type":"flow".*"sport":43400.*"packets_out":1,"packets_in":0')
    out.append(c)

    c = Case("overlapping_rules", """
LG-IN-009 (lgwan-pc-1 only) is listed before LG-IN-010 (all of lgwan-pcs): the more
specific flow that comes first wins for 10.20.16.5, the wider one for 10.20.16.6, and
each flow counts its own connections.""")
    lgwan_router_resolves(c)
    for i, (src, flow) in enumerate(((PC1, "LG-IN-009"), (PC2, "LG-IN-010"), (PC1, "LG-IN-009"))):
        c.fwd("lgwan", tcp("lgwan", src, VB, 51000 + i, 3389, "S", seq=1), "internet", flow, "new")
    c.fwd("lgwan", eth("lgwan") / IP(src=PC1, dst=VB) / UDP(sport=51100, dport=3389), "internet", "LG-IN-009", "new")
    c.check('counter "LG-IN-009": \\{ "packets": 3, "bytes": [0-9]+, "connections": 3 \\}')
    c.check('counter "LG-IN-010": \\{ "packets": 1, "bytes": [0-9]+, "connections": 1 \\}')
    out.append(c)

    c = Case("sanitized", """
The sanitizer delivers into lgwan over SMB (IN-LG-020); the same host to any other
lgwan host or port, and any other internet host to the file server, is refused.""")
    lgwan_router_resolves(c)
    c.fwd("internet", tcp("internet", SANITIZER, FILEX, 45000, 445, "S"), "lgwan", "IN-LG-020", "new")
    c.drop("internet", tcp("internet", SANITIZER, CHUKAN, 45001, 445, "S"), "no-rule")
    c.drop("internet", tcp("internet", SANITIZER, FILEX, 45002, 139, "S"), "no-rule")
    c.drop("internet", tcp("internet", VB, FILEX, 45003, 445, "S"), "no-rule")
    out.append(c)

    c = Case("trailer_chained", """
Bytes hidden after the IP datagram in frames longer than one buffer: bunri-replay hands
such frames over as mbuf chains, as a NIC with scatter (jumbo frames) does. An allowed
SYN followed by 3,000 and by 65,000 bytes crosses as the 40-byte SYN in a 60-byte frame;
the hidden bytes do not cross, and the record counts 40 bytes a packet. A frame whose
datagram itself spans the chain (a 3,000-byte datagram) is not cut.""")
    c.fwd("mynumber", Ether(bytes(tcp("mynumber", ATENA, CHUKAN, 43400, 443, "S", seq=1)) +
                            b"HIDDEN-BYTES" * 250), "lgwan", "MN-LG-001", "new")
    lgwan_router_resolves(c)
    c.fwd("mynumber", Ether(bytes(tcp("mynumber", ATENA, CHUKAN, 43401, 443, "S", seq=1)) +
                            b"HIDDEN-BYTES" * 5416 + b"END-"), "lgwan", "MN-LG-001", "new")
    c.fwd("mynumber", Ether(bytes(tcp("mynumber", ATENA, CHUKAN, 43402, 443, "S", seq=1, payload=b"D" * 2960))),
          "lgwan", "MN-LG-001", "new")
    c.check("pcapcount lgwan length.3054 0")
    c.check("pcapcount lgwan length.65054 0")
    c.check("pcapgrep lgwan length 60: .*10.10.2.10.43400 > 10.20.5.10.443")
    c.check("pcapgrep lgwan length 60: .*10.10.2.10.43401 > 10.20.5.10.443")
    c.check("pcapgrep lgwan length 3014: .*10.10.2.10.43402 > 10.20.5.10.443")
    c.check('flows "type":"flow".*"sport":43400.*"bytes_out":40,')
    c.check('flows "type":"flow".*"sport":43401.*"bytes_out":40,')
    out.append(c)

    c = Case("held_frames", """
Frames that wait for the next hop's MAC are counted by their connection only if they
leave. The lgwan router does not answer at first: the first SYN waits 3 s and is
dropped (no-neighbor), so its retransmission opens the connection anew (new, not
established). Four SYNs fill the router's queue; a fifth is dropped at once (hold-full)
and opens nothing, so its retransmission after the router answers is new too. Each
connection's record counts the one SYN that crossed.""")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44000, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44000, 443, "S", seq=1), "lgwan", "MN-LG-001", "new", dt=4)
    for sport in (44001, 44002, 44003):
        c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, sport, 443, "S", seq=1), "lgwan", "MN-LG-001", "new")
    c.drop("mynumber", tcp("mynumber", ATENA, CHUKAN, 44004, 443, "S", seq=1), "hold-full")
    lgwan_router_resolves(c)
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, 44004, 443, "S", seq=1), "lgwan", "MN-LG-001", "new", dt=1)
    for sport in (44000, 44004):
        c.check("pcapcount lgwan 10.10.2.10.%d.>.10.20.5.10.443 1" % sport)
        c.check('flows "type":"flow".*"sport":%d.*"packets_out":1,"packets_in":0,"bytes_out":40,' % sport)
    c.check('counter "hold-full": 1')
    c.check('counter "no-neighbor": 1')
    # the rule's counters count what it accepted, the SYN that waited in vain too
    c.check('counter "MN-LG-001": \\{ "packets": 6, "bytes": 240, "connections": 6 \\}')
    out.append(c)

    c = Case("default_route", """
The internet zone reaches the whole Internet (case appliance.cfg: its networks are
0.0.0.0/0 and its route to 0.0.0.0/0 goes through its router). LG-IN-WEB lets
lgwan-pcs reach web servers anywhere in 203.0.113.0/24 and 198.51.100.7: they are
forwarded to the internet router and their replies come back. The other zones' more
specific networks still win: an lgwan or mynumber address arriving from the Internet is
spoofed, an Internet address arriving on mynumber is spoofed, and mynumber never reaches
the Internet.""")
    web, cloud = "203.0.113.80", "198.51.100.7"
    c.fwd("lgwan", tcp("lgwan", PC1, web, 52000, 443, "S", seq=10), "internet", "LG-IN-WEB", "new")
    c.fwd("internet", tcp("internet", web, PC1, 443, 52000, "SA", seq=70, ack=11), "lgwan", "LG-IN-WEB", "reply")
    lgwan_router_resolves(c)
    c.fwd("lgwan", tcp("lgwan", PC1, web, 52000, 443, "A", seq=11, ack=71), "internet", "LG-IN-WEB", "established")
    c.fwd("lgwan", tcp("lgwan", PC2, cloud, 52001, 443, "S", seq=10), "internet", "LG-IN-WEB", "new")
    c.fwd("lgwan", tcp("lgwan", PC2, VB, 52002, 3389, "S", seq=10), "internet", "LG-IN-010", "new")
    c.drop("lgwan", tcp("lgwan", PC1, "8.8.8.8", 52003, 443, "S"), "no-rule")
    c.drop("lgwan", tcp("lgwan", PC1, web, 52004, 80, "S"), "no-rule")
    c.drop("mynumber", tcp("mynumber", ATENA, web, 40000, 443, "S"), "no-rule")
    c.drop("mynumber", tcp("mynumber", "8.8.8.8", CHUKAN, 40001, 443, "S"), "spoofed")
    c.drop("internet", tcp("internet", PC1, ATENA, 443, 40002, "S"), "spoofed")
    c.drop("internet", tcp("internet", ATENA, CHUKAN, 443, 40003, "S"), "spoofed")
    c.drop("internet", tcp("internet", web, ATENA, 443, 40004, "S"), "no-rule")
    c.check("pcapgrep internet 52:54:00:00:16:fe.*10.20.16.5.52000 > 203.0.113.80.443: Flags \\[S\\]")
    c.check("pcapgrep internet 52:54:00:00:16:fe.*10.20.16.6.52001 > 198.51.100.7.443: Flags \\[S\\]")
    c.check("pcapgrep lgwan 203.0.113.80.443 > 10.20.16.5.52000: Flags \\[S.\\]")
    c.check('counter "no-rule": 1, "spoofed": 2')
    c.files["appliance.cfg"] = open(os.path.join(HERE, "common", "appliance.cfg")).read().replace(
        'networks  = ["172.16.0.0/16"];\n    routes    = ( { to = "172.16.0.0/16"; via = "172.16.0.254"; } );',
        'networks  = ["0.0.0.0/0"];\n    routes    = ( { to = "0.0.0.0/0"; via = "172.16.0.254"; } );')
    assert '"0.0.0.0/0"' in c.files["appliance.cfg"]
    c.files["policy.cfg"] = open(os.path.join(HERE, "common", "policy.cfg")).read().replace(
        '  sanitizer       = { address = "172.16.30.10"; };',
        '  sanitizer       = { address = "172.16.30.10"; };\n'
        '  web-servers     = { address = ["203.0.113.0/24", "198.51.100.7"]; };').rstrip().rstrip(");") + \
        ''',
  { id = "LG-IN-WEB"; purpose = "Web サービスの利用"; from = "lgwan:lgwan-pcs";
    to = "internet:web-servers"; services = ["https"]; approved_by = "test";
    valid_from = "2026-04-01"; valid_until = "2027-03-31"; }
);
'''
    out.append(c)
    return out


def main():
    for c in cases():
        c.write()
        print("wrote", c.name, file=sys.stderr)


if __name__ == "__main__":
    main()
