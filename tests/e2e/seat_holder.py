#!/usr/bin/env python3
"""A member of group bunri who tries to hold every client slot of bunri-dataplane's
control socket: keeps up to 20 connections open, reconnects each one the dataplane
closes, and on every second one asks for status again and again without reading a
reply. Runs until STOPFILE exists (or 120 s), then writes what it saw as JSON.
Usage: seat_holder.py SOCKET STOPFILE OUT.json"""
import json
import os
import select
import socket
import struct
import sys
import time

HDR = struct.Struct("<IHHII")
MAGIC, STATUS = 0x49524E42, 4
WANT = 20


def main():
    path, stopfile, out = sys.argv[1:4]
    conns, opened, closed, refused, max_held = [], 0, 0, 0, 0
    end = time.time() + 120
    while not os.path.exists(stopfile) and time.time() < end:
        # drop the connections the dataplane closed
        p = select.poll()
        for s in conns:
            p.register(s, select.POLLHUP | select.POLLERR)
        dead = {fd for fd, ev in p.poll(0) if ev & (select.POLLHUP | select.POLLERR)}
        for s in [s for s in conns if s.fileno() in dead]:
            conns.remove(s)
            s.close()
            closed += 1
        while len(conns) < WANT:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.setblocking(False)
            try:
                s.connect(path)
            except OSError:
                s.close()
                refused += 1
                break
            opened += 1
            if opened % 2 == 0:
                try:
                    for seq in range(1, 200):
                        s.send(HDR.pack(MAGIC, 1, STATUS, seq, 0))
                except OSError:
                    pass
            conns.append(s)
        max_held = max(max_held, len(conns))
        time.sleep(0.05)
    with open(out, "w") as f:
        json.dump({"opened": opened, "closed_by_dataplane": closed, "connect_failed": refused,
                   "max_open": max_held}, f)


if __name__ == "__main__":
    main()
