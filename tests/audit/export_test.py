#!/usr/bin/env python3
"""bunri-audit export: filters, time zones, CSV as a spreadsheet reads it, an empty
range and bad arguments. The expected selection is computed here from the log's own
JSON lines, so the test checks export against the records, not against fixed numbers.

    export_test.py BUNRI_AUDIT FLOWLOG_WRITER
"""
import csv
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile

audit, writer = sys.argv[1], sys.argv[2]
failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1


def run(*args, expect=0):
    p = subprocess.run([audit, *args], capture_output=True)
    if p.returncode != expect:
        print(p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"))
    return p


def ms(s):
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
               .replace(tzinfo=dt.timezone.utc).timestamp() * 1000 + 0.5)


with tempfile.TemporaryDirectory() as work:
    log = f"{work}/log"
    run("keygen", "--out-dir", f"{work}/keys")
    # 600 records a minute apart from 2026-03-31T23:33:20Z (08:33:20 JST), two runs
    # so there is a restart, and a gap record
    for extra in ([], ["--gap", "17"]):
        subprocess.run([writer, "--dir", log, "--key", f"{work}/keys/flowlog.key",
                        "--records", "300", "--step-ms", "60000", "--rotate-bytes", "50000",
                        *extra], check=True, capture_output=True)

    full = run("export", "--log-dir", log, "--format", "jsonl").stdout.decode()
    recs = [json.loads(line) for line in full.splitlines()]
    check(len(recs) == 603 and [r["seq"] for r in recs] == list(range(1, 604)),
          f"jsonl export holds every record in seq order ({len(recs)})")
    types = {r["type"] for r in recs}
    check(types == {"flow", "deny", "chain", "gap"}, f"record types {sorted(types)}")

    def seqs_of(*args):
        out = run("export", "--log-dir", log, "--format", "jsonl", *args).stdout.decode()
        return [json.loads(line)["seq"] for line in out.splitlines()]

    def expect(pred):
        return [r["seq"] for r in recs if pred(r)]

    # --from/--to select records that overlap [from, to): start < to and end >= from
    lo, hi = ms("2026-04-01T01:00:00.000Z"), ms("2026-04-01T03:30:00.000Z")
    want = expect(lambda r: ms(r["start"]) < hi and ms(r["end"]) >= lo)
    got = seqs_of("--from", "2026-04-01T01:00:00Z", "--to", "2026-04-01T03:30Z")
    check(got == want and len(want) > 100, f"--from/--to in UTC: {len(got)} records")
    got = seqs_of("--from", "2026-04-01T10:00", "--to", "2026-04-01 12:30")
    check(got == want, "the same range written in JST (no offset) selects the same records")
    got = seqs_of("--from", "2026-04-01T02:00:00-08:00", "--to", "2026-04-01T13:30+10:00")
    want2 = expect(lambda r: ms(r["start"]) < hi and ms(r["end"]) >= ms("2026-04-01T10:00:00.000Z"))
    check(got == want2, "explicit offsets are honoured")

    got = seqs_of("--zone", "lgwan")
    check(got == expect(lambda r: "lgwan" in (r.get("from_zone"), r.get("to_zone"))),
          f"--zone lgwan: {len(got)} records")
    got = seqs_of("--flow", "mn-juki-sync")
    check(got == expect(lambda r: r.get("flow") == "mn-juki-sync") and got,
          f"--flow mn-juki-sync: {len(got)} records")
    got = seqs_of("--host", "10.1.0.2")
    check(got == expect(lambda r: "10.1.0.2" in (r.get("src"), r.get("dst"))) and got,
          f"--host 10.1.0.2: {len(got)} records")
    got = seqs_of("--type", "deny", "--zone", "internet")
    check(got == expect(lambda r: r["type"] == "deny" and
                        "internet" in (r.get("from_zone"), r.get("to_zone"))) and got,
          f"--type deny --zone internet: {len(got)} records")
    got = seqs_of("--type", "gap")
    check(len(got) == 1 and recs[got[0] - 1]["count"] == 17, "the gap record is exported")

    # CSV as a spreadsheet reads it: same records, same values
    out = run("export", "--log-dir", log, "--format", "csv", "--zone", "mynumber").stdout
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8"), newline="")))
    sel = [r for r in recs if "mynumber" in (r.get("from_zone"), r.get("to_zone"))]
    same = len(rows) == len(sel) and all(
        row[k] == ("" if r.get(k) is None else str(r[k]))
        for row, r in zip(rows, sel) for k in row)
    check(same and out.count(b"\r\n") == len(rows) + 1,
          f"CSV rows equal the JSON records field by field ({len(rows)} rows, CRLF)")

    # --excel: BOM, UTF-8, times in JST
    out = run("export", "--log-dir", log, "--format", "csv", "--excel", "--type", "flow").stdout
    check(out.startswith(b"\xef\xbb\xbf"), "--excel starts with a UTF-8 BOM")
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"), newline="")))
    flows = [r for r in recs if r["type"] == "flow"]
    jst = dt.timezone(dt.timedelta(hours=9))

    def as_jst(s):
        return dt.datetime.fromtimestamp(ms(s) / 1000, jst).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    check(len(rows) == len(flows) and all(
        row["start_jst"] == as_jst(r["start"]) and row["end_jst"] == as_jst(r["end"])
        for row, r in zip(rows, flows)), "--excel times are the records' times in JST")

    # an empty range is not an error: a header, no rows
    p = run("export", "--log-dir", log, "--format", "csv", "--from", "2030-01-01")
    check(p.returncode == 0 and p.stdout.count(b"\r\n") == 1 and p.stdout.startswith(b"seq,"),
          "an empty range gives the header only")
    p = run("export", "--log-dir", log, "--format", "jsonl", "--to", "2000-01-01")
    check(p.returncode == 0 and p.stdout == b"", "an empty range gives no JSON lines")

    # bad input: exit 2 and a message naming what is wrong
    for args, word in ((["--from", "yesterday"], "--from yesterday"),
                       (["--zone", "dmz"], "--zone dmz"),
                       (["--host", "10.0.0.300"], "--host"),
                       (["--type", "allow"], "--type allow"),
                       (["--format", "xml"], "--format xml"),
                       (["--format", "jsonl", "--excel"], "--excel")):
        cmd = ["export", "--log-dir", log] + (["--format", "csv"] if "--format" not in args else []) + args
        p = run(*cmd, expect=2)
        check(p.returncode == 2 and word.encode() in p.stderr,
              f"bad {' '.join(args)}: {p.stderr.decode().strip()}")
    p = run("export", "--log-dir", f"{work}/nowhere", "--format", "csv", expect=2)
    check(p.returncode == 2 and b"nowhere" in p.stderr, "a missing log dir is named")

sys.exit(1 if failures else 0)
