#!/usr/bin/env python3
"""Clients of bunri-controld's socket that never read their replies, and more idle
clients than the controller has room for: the controller must go on answering others
(bunrictl status and reload) and must stop on SIGTERM.

  controld_clients.py CONTROLD_SOCKET BUNRICTL APPLIANCE_CFG CONTROLD_PID"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

HDR = struct.Struct("<IHHII")
MAGIC = 0x49524E42
ERROR, OK, STATUS, PART = 1, 2, 4, 11
CLIENTS_MAX = 8    # control/controld/controld.c
failures = 0


def msg(mtype, seq=7):
    return HDR.pack(MAGIC, 2, mtype, seq, 0)


def check(desc, cond, detail=""):
    global failures
    if cond:
        print(f"ok    {desc}")
    else:
        failures += 1
        print(f"FAIL  {desc} {detail}")


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s


def status(path):
    """The controller's status, or the reason it gave none within 5 s."""
    try:
        s = connect(path)
        s.send(msg(STATUS))
        data = b""
        while True:
            m = s.recv(1 << 17)
            mtype = HDR.unpack_from(m)[2]
            data += m[HDR.size:]
            if mtype != PART:
                break
        s.close()
        return json.loads(data) if mtype == OK else f"reply type {mtype}"
    except (OSError, ValueError) as e:
        return str(e)


def flood(path):
    """Sends STATUS requests as fast as the controller takes them and reads nothing."""
    s = connect(path)
    s.setblocking(False)
    sent = 0
    deadline = time.monotonic() + 3
    while sent < 5000 and time.monotonic() < deadline:
        try:
            s.send(msg(STATUS, sent))
            sent += 1
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            break   # closed by the controller
    return s, sent


def main():
    path, bunrictl, cfg, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    keep = []

    s, sent = flood(path)
    keep.append(s)
    print(f"      a client sent {sent} status requests and read no reply")
    st = status(path)
    check("status still answers while a client reads no replies", isinstance(st, dict), st)

    # More idle connections than the controller has slots for, then one that asks.
    for _ in range(CLIENTS_MAX + 2):
        keep.append(connect(path))
    time.sleep(0.5)
    st = status(path)
    check(f"status still answers with {CLIENTS_MAX + 2} idle clients connected",
          isinstance(st, dict), st)
    if isinstance(st, dict):
        cl = st.get("clients", {})
        check("status counts the client closed for its unread replies",
              cl.get("closed_unread", 0) >= 1, str(cl))
        check("status counts the idle clients closed to make room",
              cl.get("closed_idle", 0) >= 1, str(cl))

    try:
        r = subprocess.run([bunrictl, "reload", "--config", cfg], capture_output=True,
                           text=True, timeout=10)
        check("bunrictl reload answers", r.returncode == 0, r.stdout + r.stderr)
    except subprocess.TimeoutExpired:
        check("bunrictl reload answers", False, "(no answer in 10 s)")
    try:
        r = subprocess.run([bunrictl, "status", "--json", "--config", cfg],
                           capture_output=True, text=True, timeout=10)
        ctl = json.loads(r.stdout).get("controller") if r.returncode == 0 else None
        check("bunrictl status shows the controller", isinstance(ctl, dict),
              r.stdout + r.stderr)
    except (subprocess.TimeoutExpired, ValueError) as e:
        check("bunrictl status shows the controller", False, str(e))

    # Another flood, kept open, and SIGTERM.
    s, _ = flood(path)
    keep.append(s)
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        # a zombie of the shell that started it counts as stopped
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ")[1].startswith("Z"):
                    break
        except (FileNotFoundError, IndexError):
            break
        time.sleep(0.1)
    else:
        check("bunri-controld stops on SIGTERM with a client reading nothing", False,
              "(still running after 10 s)")
        return 1
    check("bunri-controld stops on SIGTERM with a client reading nothing", True)
    for s in keep:
        s.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
