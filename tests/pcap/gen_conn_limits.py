#!/usr/bin/python3
"""Generates tests/pcap/conn_limits/: a SYN flood from lgwan's allowed /22 (LG-IN-010)
fills lgwan's share of a 64-connection table while mynumber keeps opening connections
to lgwan and internet opens one to lgwan. Uses gen.py's helpers; run it with Debian's
python3-scapy:

    /usr/bin/python3 tests/pcap/gen_conn_limits.py"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
from gen import ATENA, CHUKAN, FILEX, PC1, SANITIZER, VB, tcp  # noqa: E402
from scapy.all import IP, UDP  # noqa: E402

NAME = "conn_limits"
LIMITS = """
# A small table so the case stays small: the defaults give each zone half of it (32)
# and a quarter in TCP handshakes (16).
limits = { connections = 64; };
"""


def udp(zone, src, dst, sport, dport):
    return gen.eth(zone) / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / b"x"


def mynumber_connection(c, sport):
    """A whole handshake of MN-LG-001: the other zone pair, always admitted."""
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, sport, 443, "S", seq=1000),
          "lgwan", "MN-LG-001", "new")
    c.fwd("lgwan", tcp("lgwan", CHUKAN, ATENA, 443, sport, "SA", seq=5000, ack=1001),
          "mynumber", "MN-LG-001", "reply")
    c.fwd("mynumber", tcp("mynumber", ATENA, CHUKAN, sport, 443, "A", seq=1001,
                          ack=5001), "lgwan", "MN-LG-001", "established")


def flood_host(i):
    """The i-th flooding address in lgwan-pcs (10.20.16.0/22), never lgwan-pc-1."""
    return "10.20.%d.%d" % (17 + i // 250, 1 + i % 250)


def build():
    c = gen.Case(NAME, """
One zone's flood cannot deny the other zones. appliance.cfg limits the table to 64
connections (defaults: a zone at most 50%, 32, and 25%, 16, in TCP handshakes);
policy.cfg gives LG-IN-010 max_connections = 20.
1. 100 SYNs from lgwan-pcs (LG-IN-010) that are never answered, with a whole
   mynumber -> lgwan connection (MN-LG-001) after every tenth: 16 SYNs are new, the
   other 84 are dropped as embryonic-limit; every mynumber connection is new.
2. 8 datagrams of LG-IN-010 (udp/3389): 4 new, then the flow holds its 20 and the
   rest are flow-limit. 14 datagrams of lgwan-pc-1 (LG-IN-009): 12 new, then lgwan
   holds its 32 and the rest are zone-limit.
3. internet opens a connection to lgwan (IN-LG-020): new.
4. 1.5 s later a SYN of LG-IN-010 evicts the flow's oldest handshake (early drop:
   the flow record ends table-full, counters.json counts early_drops) and is new; a
   mynumber connection is still new.""")
    c.files["appliance.cfg"] = open(os.path.join(gen.HERE, "common",
                                                 "appliance.cfg")).read() + LIMITS
    pol = open(os.path.join(gen.HERE, "common", "policy.cfg")).read()
    pol, n = re.subn(r'(id = "LG-IN-010";.*?approved_by = "test";)',
                     r'\1 max_connections = 20;', pol, flags=re.S)
    assert n == 1
    c.files["policy.cfg"] = pol
    gen.lgwan_router_resolves(c)

    for i in range(100):
        c.frame("lgwan", tcp("lgwan", flood_host(i), VB, 20000 + i, 3389, "S", seq=7),
                "forward" if i < 16 else "drop",
                **({"to": "internet", "flow": "LG-IN-010", "reason": "new"} if i < 16
                   else {"to": None, "flow": None, "reason": "embryonic-limit"}))
        if i % 10 == 9:
            mynumber_connection(c, 40000 + i)

    for i in range(8):
        pkt = udp("lgwan", flood_host(200 + i), VB, 30000 + i, 3389)
        if i < 4:
            c.fwd("lgwan", pkt, "internet", "LG-IN-010", "new")
        else:
            c.drop("lgwan", pkt, "flow-limit")
    for i in range(14):
        pkt = udp("lgwan", PC1, VB, 31000 + i, 3389)
        if i < 12:
            c.fwd("lgwan", pkt, "internet", "LG-IN-009", "new")
        else:
            c.drop("lgwan", pkt, "zone-limit")

    c.fwd("internet", tcp("internet", SANITIZER, FILEX, 41000, 445, "S", seq=300),
          "lgwan", "IN-LG-020", "new")

    c.fwd("lgwan", tcp("lgwan", flood_host(300), VB, 21000, 3389, "S", seq=7),
          "internet", "LG-IN-010", "new", dt=1.5)
    mynumber_connection(c, 45000)

    c.check('counter "embryonic-limit": 84')
    c.check('counter "flow-limit": 4')
    c.check('counter "zone-limit": 2')
    c.check('counter "lgwan": \\{ .*"early_drops": 1 \\}')
    # every frame of the other zone pair forwarded, none dropped
    c.check('counter "mynumber": \\{ "rx_packets": 22, [^}]*"forward": 22, "local": 0, '
            '"drop": \\{\\}, "early_drops": 0 \\}')
    c.check('flows "sport":20000,.*"flow":"LG-IN-010".*"end_reason":"table-full"')
    return c


if __name__ == "__main__":
    build().write()
    print("wrote", NAME, file=sys.stderr)
