#!/usr/bin/python3
"""Generates the deny_flood pcap case: a random-port flood from a few Internet sources
towards an LGWAN host that no flow allows, under this directory's appliance.cfg
(logging.deny_rate = 5, deny_interval = 10). Run it from anywhere:

    /usr/bin/python3 tests/pcap/deny_flood/gen.py

With --out DIR --frames N --seconds S it writes a larger flood (internet.pcap only) for
measurements, e.g. 120,000 frames in 1.2 s of pcap time: 100,000 denied packets/s.
Frames are packed here (struct), not by scapy: a measurement needs 100,000s of them."""
import argparse
import json
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1780272000.0  # 2026-06-01 00:00 UTC = 09:00 JST, as ../gen.py
PORT_MAC = bytes.fromhex("02b000000003")      # the appliance's internet port
ROUTER_MAC = bytes.fromhex("5254000016fe")    # the internet router
SOURCES = ["172.16.40.1", "172.16.40.2", "172.16.40.3", "172.16.40.4"]
TARGETS = ["10.20.5.10", "10.20.5.11"]       # lgwan hosts: no flow from the Internet
QUIET = "172.16.40.9"                         # three probes of one port: under the rate


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def aton(a):
    return bytes(int(x) for x in a.split("."))


def frame(src, dst, proto, sport, dport):
    """Ether/IPv4/TCP SYN or UDP with every checksum right."""
    s, d = aton(src), aton(dst)
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8, 0)
    pseudo = s + d + struct.pack("!BBH", 0, proto, len(l4))
    c = csum(pseudo + l4) or (0xffff if proto == 17 else 0)
    off = 16 if proto == 6 else 6
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return PORT_MAC + ROUTER_MAC + b"\x08\x00" + ip + l4


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, data in frames:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


def flood(n, seconds, rng):
    """n frames spread evenly over seconds: each from one of SOURCES to a random port
    of one of TARGETS (a tenth UDP), and QUIET's three probes early on."""
    out = []
    for i in range(n):
        src = SOURCES[i % len(SOURCES)]
        proto = 17 if rng.random() < 0.1 else 6
        out.append((T0 + 0.001 + seconds * i / n,
                    frame(src, rng.choice(TARGETS), proto, rng.randrange(1024, 65536),
                          rng.randrange(1, 65536))))
    for k in range(3):
        out.append((T0 + 0.5 + k, frame(QUIET, TARGETS[0], 6, 50000 + k, 22)))
    out.sort(key=lambda f: f[0])
    return out


def write_case():
    frames = flood(1200, 25.0, random.Random(13))
    write_pcap(os.path.join(HERE, "internet.pcap"), frames)
    with open(os.path.join(HERE, "inputs"), "w") as f:
        f.write("internet=internet.pcap\n")
    with open(os.path.join(HERE, "expected.jsonl"), "w") as f:
        for i in range(0, len(frames), 50):   # a sample: every frame is a drop
            f.write(json.dumps({"zone": "internet", "index": i, "verdict": "drop",
                                "to": None, "flow": None, "reason": "no-rule"}) + "\n")
    # 25 s of flood in 10 s intervals: 3 intervals, each with at most deny_rate (5)
    # tuple records and one summary per source, and QUIET's one tuple record.
    checks = [
        "denysum",
        'records 1 73 "type":"deny"',
        'records 12 12 "scope":"source"',
        'records 0 0 "scope":"overflow"',
        'records 1 1 "src":"172.16.40.9".*"dport":22,.*"count":3,.*"scope":"tuple"',
    ]
    for s in SOURCES:
        checks.append('records 15 15 "src":"%s".*"scope":"tuple"' % s)
        checks.append('records 3 3 "src":"%s",.*"dst":"0.0.0.0","dport":0,"proto":0,'
                      '.*"scope":"source","srcs":1,"dsts":2,' % s)
    with open(os.path.join(HERE, "checks"), "w") as f:
        f.write("\n".join(checks) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", help="write a measurement flood to OUT/internet.pcap")
    ap.add_argument("--frames", type=int, default=120000)
    ap.add_argument("--seconds", type=float, default=1.2)
    a = ap.parse_args()
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        write_pcap(os.path.join(a.out, "internet.pcap"),
                   flood(a.frames, a.seconds, random.Random(13)))
    else:
        write_case()


if __name__ == "__main__":
    main()
