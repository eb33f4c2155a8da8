#!/usr/bin/env python3
"""bunri-sanitizerd under kill -9: every inbox file is handled exactly once, none lost,
none duplicated, no partial file in the outbox; files still being written are not taken
early.

usage: daemon.py BUNRI_SANITIZERD WORKDIR"""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL " + msg)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def sample(i):
    """A mix of formats, each with unique content so every file can be traced."""
    k = i % 5
    if k == 0:
        return f"f{i}.pdf", hostile.page_pdf("/OpenAction 6 0 R", extra_objs=[
            f"<< /S /JavaScript /JS (app.alert\\({i}\\)) >>"])
    if k == 1:
        return f"f{i}.csv", f"id,v\n{i},=cmd|' /C calc'!A0\n".encode()
    if k == 2:
        return f"f{i}.html", f"<html><body onload='x()'><p>{i}</p></body></html>".encode()
    if k == 3:
        return f"f{i}.exe", b"MZ\x90\x00" + i.to_bytes(4, "little") + b"\0" * 100
    return f"f{i}.txt", f"plain text {i}\n".encode()


def put(inbox, name, data, age=5.0):
    tmp = os.path.join(inbox, "." + name + ".part")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(inbox, name))
    t = time.time() - age
    os.utime(os.path.join(inbox, name), (t, t))


def config(work, settle_ms, workers=2):
    d = {k: os.path.join(work, k) for k in ("inbox", "outbox", "work", "processed", "quarantine")}
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "sanitizer.cfg")
    with open(path, "w") as f:
        f.write("daemon = {\n")
        for k, v in d.items():
            f.write(f'  {k} = "{v}";\n')
        f.write(f'  audit_log = "{work}/audit.jsonl";\n  workers = {workers};\n'
                f'  settle_ms = {settle_ms};\n}};\n')
    for v in d.values():
        os.makedirs(v, exist_ok=True)
    return path, d


def audit(work):
    p = os.path.join(work, "audit.jsonl")
    if not os.path.exists(p):
        return []
    return [json.loads(line) for line in open(p) if line.strip()]


def gone(pgid, timeout=10.0):
    """Waits until every process of the group (workers, sandbox children) has exited."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    fail(f"processes of group {pgid} still alive {timeout} s after kill -9")


def crash_test(binary, work):
    cfg, d = config(work, 100)
    rng = random.Random(6)
    sent = {}
    n = 0
    for _ in range(30):
        name, data = sample(n)
        put(d["inbox"], name, data)
        sent[sha(data)] = name
        n += 1
    kills = 0
    for rnd in range(12):
        p = subprocess.Popen([binary, "--config", cfg], start_new_session=True,
                             stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.6))
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        gone(p.pid)
        kills += 1
        # what the LGWAN side could see right now: only complete outputs
        for f in os.listdir(d["outbox"]):
            if not f.startswith("."):
                data = open(os.path.join(d["outbox"], f), "rb").read()
                if not data:
                    fail(f"empty file {f} visible in the outbox after kill {kills}")
        for _ in range(3):
            name, data = sample(n)
            put(d["inbox"], name, data)
            sent[sha(data)] = name
            n += 1
    r = subprocess.run([binary, "--config", cfg, "--once"], capture_output=True, timeout=300)
    if r.returncode != 0:
        fail("final --once run failed: " + r.stderr.decode(errors="replace"))
    lines = audit(work)
    by_in = {}
    for a in lines:
        by_in.setdefault(a["sha256_in"], []).append(a)
    for h, name in sent.items():
        got = by_in.get(h, [])
        if len(got) != 1:
            fail(f"{name}: {len(got)} audit lines, wanted 1")
    if len(lines) != len(sent):
        fail(f"{len(lines)} audit lines for {len(sent)} files")
    if os.listdir(d["inbox"]):
        fail(f"inbox not empty: {os.listdir(d['inbox'])}")
    for w in os.listdir(d["work"]):
        wd = os.path.join(d["work"], w)
        if os.path.isdir(wd) and os.listdir(wd):
            fail(f"work/{w} not empty: {os.listdir(wd)}")
    originals = {}
    for folder in ("processed", "quarantine"):
        for f in os.listdir(d[folder]):
            if f.endswith(".json"):
                continue
            h = sha(open(os.path.join(d[folder], f), "rb").read())
            originals.setdefault(h, []).append(f"{folder}/{f}")
            if not os.path.exists(os.path.join(d[folder], f + ".json")):
                fail(f"{folder}/{f} has no report")
    for h, name in sent.items():
        if len(originals.get(h, [])) != 1:
            fail(f"{name}: original kept {len(originals.get(h, []))} times")
    outs = [f for f in os.listdir(d["outbox"])]
    if any(f.startswith(".") for f in outs):
        fail(f"temporary files left in the outbox: {outs}")
    out_hashes = sorted(sha(open(os.path.join(d["outbox"], f), "rb").read()) for f in outs)
    want = sorted(a["sha256_out"] for a in lines if a["verdict"] != "blocked")
    if out_hashes != want:
        fail(f"outbox holds {len(out_hashes)} files, audit says {len(want)}, or contents differ")
    blocked = sum(1 for a in lines if a["verdict"] == "blocked")
    print(f"crash test: {len(sent)} files, {kills} kill -9, {len(outs)} outputs, {blocked} blocked")


def slow_writer_test(binary, work):
    """The writer pauses longer than settle_ms with the file open: the open write
    descriptor (lease check) keeps the daemon off it."""
    cfg, d = config(work, 150, workers=1)
    p = subprocess.Popen([binary, "--config", cfg], start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        content = b"".join(f"line {i},=1+{i}\n".encode() for i in range(2000))
        path = os.path.join(d["inbox"], "slow.csv")
        with open(path, "wb") as f:
            for i in range(6):  # 1.8 s of writing, 300 ms pauses, twice settle_ms
                f.write(content[i * len(content) // 6:(i + 1) * len(content) // 6])
                f.flush()
                time.sleep(0.3)
        deadline = time.time() + 20
        while time.time() < deadline and not audit(work):
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=10)
    lines = audit(work)
    if len(lines) != 1:
        fail(f"slow writer: {len(lines)} audit lines, wanted 1")
    elif lines[0]["sha256_in"] != sha(content):
        fail("slow writer: the file was taken before it was complete")
    else:
        out = open(os.path.join(d["outbox"], "slow.csv"), "rb").read()
        if out.count(b"\n") != 2000:
            fail("slow writer: output is not the whole file")
        print("slow writer test: taken only when complete")


def collision_test(binary, work):
    """a.docm and a.docx both come out as a.docx: neither output may replace the other."""
    cfg, d = config(work, 0, workers=2)
    doc = hostile.docm()
    put(d["inbox"], "a.docm", doc)
    put(d["inbox"], "a.docx", doc + b"")  # same bytes, another name
    put(d["inbox"], "a.docx.part", doc)   # still being uploaded: never taken
    r = subprocess.run([binary, "--config", cfg, "--once"], capture_output=True, timeout=120)
    if r.returncode != 0:
        fail("collision: --once failed")
    outs = sorted(os.listdir(d["outbox"]))
    outputs = sorted(a["output"] for a in audit(work))
    if outs != ["a.docx", "a~2.docx"] or outputs != outs:
        fail(f"collision: outbox {outs}, audit outputs {outputs}")
    elif os.listdir(d["inbox"]) != ["a.docx.part"]:
        fail(f"collision: inbox holds {os.listdir(d['inbox'])}")
    else:
        print("collision test: a.docx and a~2.docx, the .part file left alone")


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    crash_test(binary, os.path.join(work, "crash"))
    slow_writer_test(binary, os.path.join(work, "slow"))
    collision_test(binary, os.path.join(work, "collision"))
    print(f"{len(FAILS)} failures")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
