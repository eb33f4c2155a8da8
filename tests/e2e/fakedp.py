#!/usr/bin/env python3
"""A stand-in for bunri-dataplane's control socket, for tests of bunri-controld alone:
accepts the controller, takes its policy (every chunk gets CTL_OK, nothing is checked)
and its subscription, answers STATUS with {}, and with --stream keeps sending one
batch of flow records every --interval-ms for as long as the controller reads them.
Prints "installed" once a whole policy has arrived and, at the end, "sent N" (records).

  fakedp.py SOCKET [--stream] [--batch N] [--interval-ms MS]"""
import argparse
import os
import select
import socket
import struct
import sys
import time

HDR = struct.Struct("<IHHII")
MAGIC = 0x49524E42
ERROR, OK, CHUNK, STATUS, RULES, FLOWS, SUBSCRIBE, RECORDS, GAP = range(1, 10)
ACK = 13
RUN = 0x0123456789ABCDEF
RECORD_LEN = 184


def msg(mtype, seq=0, payload=b""):
    return HDR.pack(MAGIC, 2, mtype, seq, len(payload)) + payload


def record(i, now_ms):
    """A flow record as ctlproto_record_encode lays it out: mynumber -> lgwan, tcp/443,
    ended by FIN."""
    r = bytearray(RECORD_LEN)
    struct.pack_into("<BBBBBBHHII", r, 0, 0, 1, 0, 1, 6, 0x1b, 30000 + i % 30000, 443,
                     0x0A0A000A, 0x0A14000A)
    struct.pack_into("<qqQQQQQ", r, 24, now_ms - 5, now_ms, 10, 8, 1200, 7200, 0)
    r[80:80 + 9] = b"MN-LG-001"
    return bytes(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--interval-ms", type=int, default=20)
    a = ap.parse_args()

    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ls.bind(a.socket)
    ls.listen(4)
    conns, subscriber, sent, last = [ls], None, 0, 0.0
    policy = {}
    while True:
        timeout = a.interval_ms / 1000 if a.stream and subscriber else 1.0
        ready, _, _ = select.select(conns, [], [], timeout)
        for s in ready:
            if s is ls:
                c, _ = ls.accept()
                conns.append(c)
                continue
            try:
                m = s.recv(1 << 17)
            except OSError:
                m = b""
            if not m:
                conns.remove(s)
                if s is subscriber:
                    subscriber = None
                    print(f"sent {sent}", flush=True)
                s.close()
                continue
            _, _, mtype, seq, n = HDR.unpack_from(m)
            body = m[HDR.size:HDR.size + n]
            if mtype == CHUNK:
                total, offset = struct.unpack_from("<II", body)
                policy[s] = offset + len(body) - 8
                if policy[s] == total:
                    print("installed", flush=True)
                s.send(msg(OK, seq))
            elif mtype == SUBSCRIBE:
                subscriber = s
                s.send(msg(OK, seq))
            elif mtype == ACK:
                pass
            elif mtype == STATUS:
                s.send(msg(OK, seq, b"{}"))
            else:
                s.send(msg(ERROR, seq, struct.pack("<i", 22) + b"not in the fake"))
        if a.stream and subscriber and time.monotonic() - last >= a.interval_ms / 1000:
            last = time.monotonic()
            now = int(time.time() * 1000)
            batch = b"".join(record(sent + i, now) for i in range(a.batch))
            try:
                subscriber.send(msg(RECORDS, 0, struct.pack("<IQQ", a.batch, RUN, sent + 1) +
                                    batch), socket.MSG_DONTWAIT)
                sent += a.batch
            except BlockingIOError:
                pass
            except OSError:
                conns.remove(subscriber)
                subscriber.close()
                subscriber = None
                print(f"sent {sent}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
