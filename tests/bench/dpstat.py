#!/usr/bin/env python3
"""Reads bunri-dataplane's status over its control socket, for tests/bench/dataplane.sh.
  dpstat.py SOCK rate SECONDS          packets/s received on mynumber over SECONDS
  dpstat.py SOCK opened TARGET         connections/s while the first TARGET open
  dpstat.py SOCK closed TARGET         ms until TARGET connections have closed (30 s at most)
  dpstat.py SOCK get EXPR              a Python expression over the status, bound to d
"""
import json
import socket
import struct
import sys
import time

HDR = struct.Struct("<IHHII")
STATUS, OK, PART = 4, 2, 11


def status(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.send(HDR.pack(0x49524E42, 2, STATUS, 1, 0))
    data = b""
    while True:
        m = s.recv(1 << 17)
        t = HDR.unpack_from(m)[2]
        data += m[HDR.size:]
        if t != PART:
            break
    s.close()
    return json.loads(data)


def rx(d):
    return sum(z["rx_packets"] for z in d["zones"] if z["zone"] == "mynumber")


def main():
    path, what, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    if what == "rate":
        a, t0 = rx(status(path)), time.monotonic()
        time.sleep(float(arg))
        b, t1 = rx(status(path)), time.monotonic()
        print(int((b - a) / (t1 - t0)))
    elif what == "opened":
        # Samples every 10 ms (asking more often slows the worker down): the rate
        # between the first sample inside the pass and the last one before its end.
        target, samples = int(arg), []
        while status(path)["connections"]["opened"] == 0:
            time.sleep(0.001)
        while True:
            t, o = time.monotonic(), status(path)["connections"]["opened"]
            if o >= target:
                break
            samples.append((t, o))
            time.sleep(0.01)
        if len(samples) < 2:
            samples = [samples[0], (t, o)] if samples else [(t, 0), (t + 1e-9, o)]
        (t0, o0), (t1, o1) = samples[0], samples[-1]
        print(int((o1 - o0) / (t1 - t0)))
    elif what == "closed":
        target, t0 = int(arg), time.monotonic()
        while status(path)["connections"]["closed"] < target:
            if time.monotonic() - t0 > 30:
                print("more than 30000")
                return
            time.sleep(0.002)
        print(int((time.monotonic() - t0) * 1000))
    else:
        d = status(path)
        print(eval(arg))


if __name__ == "__main__":
    main()
