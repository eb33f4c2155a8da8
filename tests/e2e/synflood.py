#!/usr/bin/python3
"""A bounded SYN flood for the e2e tests: COUNT TCP SYNs to DST:PORT from source
addresses PREFIX.FIRST..PREFIX.LAST (spoofed, as a flooding host would), over SECONDS,
through a raw socket with IP_HDRINCL and correct checksums. Prints "sent N".

    synflood.py DST PORT PREFIX FIRST LAST COUNT SECONDS"""
import random
import socket
import struct
import sys
import time

from inetsum import checksum


def syn(src, dst, sport, dport):
    seq = random.getrandbits(32)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6,
                                                                       len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16),
                     0x4000, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def main():
    dst, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    first, last, count = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    seconds = float(sys.argv[7])
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    batch = 50
    pause = seconds / max(count // batch, 1)
    sent = 0
    while sent < count:
        for _ in range(min(batch, count - sent)):
            src = "%s.%d" % (prefix, first + sent % (last - first + 1))
            s.sendto(syn(src, dst, 1024 + sent % 60000, port), (dst, 0))
            sent += 1
        time.sleep(pause)
    print("sent", sent)


if __name__ == "__main__":
    main()
