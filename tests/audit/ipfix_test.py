#!/usr/bin/env python3
"""IPFIX against a real collector: nfdump's nfcapd listens on loopback, bunri's UDP
exporter sends the log's records to it, and so does a replay of the IPFIX file that
`export --format ipfix` wrote; `nfdump -r` reads both back and every record must come
out with the log's addresses, ports, counters, times and MAC.

    ipfix_test.py BUNRI_AUDIT FLOWLOG_WRITER
"""
import datetime as dt
import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

audit, writer = sys.argv[1], sys.argv[2]
failures = 0

if not shutil.which("nfcapd") or not shutil.which("nfdump"):
    print("FAIL: nfdump is not installed (deploy/install-deps.sh installs it)")
    sys.exit(1)


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def collect(work, name, send):
    """Runs nfcapd, calls send(port), stops it and returns nfdump's records."""
    out = f"{work}/{name}"
    os.mkdir(out)
    port = free_udp_port()
    cap = subprocess.Popen(["nfcapd", "-b", "127.0.0.1", "-p", str(port), "-w", out,
                            "-t", "3600", "-B", "4000000"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # nfcapd is ready once its port is taken
        for _ in range(200):
            if cap.poll() is not None:
                raise RuntimeError("nfcapd exited: " + cap.stderr.read().decode())
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                break
            finally:
                probe.close()
            time.sleep(0.05)
        send(port)
        time.sleep(1.5)
    finally:
        cap.send_signal(signal.SIGTERM)
        cap.wait(timeout=20)
    files = glob.glob(f"{out}/nfcapd.2*")
    if len(files) != 1:
        raise RuntimeError(f"nfcapd wrote {files}")
    p = subprocess.run(["nfdump", "-r", files[0], "-o", "json"], capture_output=True,
                       check=True, env=dict(os.environ, TZ="UTC"))
    return json.loads(p.stdout.decode() or "[]")


def ms(s):
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
               .replace(tzinfo=dt.timezone.utc).timestamp() * 1000 + 0.5)


def nf_ms(s):
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f")
               .replace(tzinfo=dt.timezone.utc).timestamp() * 1000 + 0.5)


def compare(name, got, recs):
    want = {(r["src"], r["sport"], r["dst"], r["dport"], ms(r["start"])): r for r in recs}
    check(len(got) == len(recs), f"{name}: nfdump read {len(got)} records, the log has {len(recs)}")
    bad = 0
    for f in got:
        r = want.get((f["src4_addr"], f["src_port"], f["dst4_addr"], f["dst_port"], nf_ms(f["first"])))
        deny = r is not None and r["type"] == "deny"
        ok = r is not None and \
            f["proto"] == r["proto"] and nf_ms(f["last"]) == ms(r["end"]) and \
            f["in_packets"] == (r["count"] if deny else r["packets_out"]) and \
            f["in_bytes"] == r["bytes_out"] and \
            f.get("out_packets", 0) == (0 if deny else r["packets_in"]) and \
            f.get("out_bytes", 0) == (0 if deny else r["bytes_in"]) and \
            f.get("in_src_mac") == r["src_mac"]
        if not ok:
            bad += 1
            if bad <= 3:
                print("  mismatch:", f, "\n  log:", r)
    check(bad == 0, f"{name}: every record's addresses, ports, counters, times and MAC match")


with tempfile.TemporaryDirectory() as work:
    log = f"{work}/log"
    subprocess.run([audit, "keygen", "--out-dir", f"{work}/keys"], check=True, capture_output=True)
    subprocess.run([writer, "--dir", log, "--key", f"{work}/keys/flowlog.key", "--records", "2000"],
                   check=True, capture_output=True)
    out = subprocess.run([audit, "export", "--log-dir", log, "--format", "jsonl"],
                         check=True, capture_output=True).stdout.decode()
    recs = [r for r in map(json.loads, out.splitlines()) if r["type"] in ("flow", "deny")]
    check(any(r["type"] == "deny" for r in recs), "the log holds flows and denies")

    # 1: live export over UDP, the exporter the controller uses
    got = collect(work, "udp", lambda port: subprocess.run(
        [audit, "export", "--log-dir", log, "--format", "ipfix", "--collector", f"127.0.0.1:{port}"],
        check=True, capture_output=True))
    compare("UDP export", got, recs)

    # 2: the IPFIX file: RFC 7011 messages back to back; replay each as a datagram
    subprocess.run([audit, "export", "--log-dir", log, "--format", "ipfix", "-o", f"{work}/x.ipfix"],
                   check=True, capture_output=True)
    data = open(f"{work}/x.ipfix", "rb").read()
    msgs, off, seqs, sane = [], 0, [], True
    while off < len(data):
        version, length, _, seq, domain = struct.unpack_from("!HHIII", data, off)
        sane &= version == 10 and 16 < length <= len(data) - off and domain == 1
        if not sane:
            break
        msgs.append(data[off:off + length])
        seqs.append(seq)
        off += length
    check(sane and off == len(data), f"the file is {len(msgs)} IPFIX messages, nothing else")
    check(struct.unpack_from("!H", msgs[0], 16)[0] == 2, "the first message starts with the template set")
    check(seqs[0] == 0 and seqs == sorted(seqs), "message sequence numbers count data records")

    def replay(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for m in msgs:
            s.sendto(m, ("127.0.0.1", port))
            time.sleep(0.002)
        s.close()

    compare("IPFIX file replayed", collect(work, "file", replay), recs)

    # a collector that is not an address is refused (no DNS lookups from the appliance)
    p = subprocess.run([audit, "export", "--log-dir", log, "--format", "ipfix", "--collector",
                        "127.0.0.256:4739"], capture_output=True)
    check(p.returncode == 2 and b"127.0.0.256" in p.stderr, "a collector that is not an IPv4 address: "
          + p.stderr.decode().strip())

sys.exit(1 if failures else 0)
