#!/usr/bin/python3
"""A random-port flood out of one interface (run it inside the internet namespace):
COUNT frames, TCP SYNs (a tenth UDP) from each of SOURCES in turn to random ports of
TARGETS, as fast as one AF_PACKET socket takes them. Prints the frames sent, the
seconds it took, and the rate.

    deny_flood.py IFACE DST_MAC --count 100000 --sources 172.16.0.21,172.16.0.22
                  --targets 10.20.0.10,10.20.0.20"""
import argparse
import random
import socket
import struct
import time

from inetsum import checksum


def frame(dst_mac, src_mac, src, dst, proto, sport, dport):
    """Ether/IPv4/TCP SYN or UDP, every checksum right: the appliance drops it for the
    policy, not for a bad header."""
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
        off = 16
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8, 0)
        off = 6
    c = checksum(s + d + struct.pack("!BBH", 0, proto, len(l4)) + l4) or 0xffff
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + l4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("dst_mac")
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--sources", required=True)
    ap.add_argument("--targets", required=True)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with open("/sys/class/net/%s/address" % a.iface) as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    sources, targets = a.sources.split(","), a.targets.split(",")
    frames = [frame(dst_mac, src_mac, sources[i % len(sources)], rng.choice(targets),
                    17 if rng.random() < 0.1 else 6, rng.randrange(1024, 65536),
                    rng.randrange(1, 65536)) for i in range(a.count)]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    sent = 0
    t0 = time.monotonic()
    for f in frames:
        try:
            s.send(f)
            sent += 1
        except OSError:      # a full queue: that frame is not sent, the flood goes on
            pass
    dt = time.monotonic() - t0
    print("sent %d frames in %.2f s: %.0f frames/s" % (sent, dt, sent / dt))


if __name__ == "__main__":
    main()
