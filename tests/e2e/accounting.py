#!/usr/bin/env python3
"""The exact accounting of a flow log against what clients did (tests/e2e/records.sh).

Per dataplane run (dp_run): every seq from 1 to the last the log knows is in the log
exactly once, as a record or inside a gap record (first_seq..dp_seq). Per client
connection (churn.py output, one source port each): at most one record; a connection
the appliance forwarded both ways ("refused": the server's RST came back) has one,
unless a gap record or a dataplane crash accounts for it: outside the second before a
crash, missing records are at most the seqs in gap records. Prints the figures; exit 1
with the reasons when an account does not add up.

  accounting.py LOG_DIR CHURN_FILE... [--crash-ms T]... [--written N]"""
import argparse
import collections
import glob
import json
import sys

WINDOW_MS = 1500   # a heartbeat period and a poll: records in flight at a crash


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log_dir")
    ap.add_argument("churn", nargs="+")
    ap.add_argument("--crash-ms", type=int, action="append", default=[])
    ap.add_argument("--written", type=int)
    a = ap.parse_args()
    bad = []

    lines = []
    for path in sorted(glob.glob(a.log_dir + "/flows/*.jsonl")):
        with open(path) as f:
            lines += [json.loads(line) for line in f if line.endswith("\n")]
    lines.sort(key=lambda r: r["seq"])

    runs = collections.defaultdict(lambda: {"seqs": collections.Counter(), "records": 0,
                                            "gaps": collections.Counter(), "ends": []})
    ports = collections.Counter()
    last_chain = 0
    for i, r in enumerate(lines):
        if r["type"] == "chain" and r["reason"] != "retention":
            last_chain = i
        if r["type"] == "flow" and r["src"] == "10.10.0.10" and r["dst"] == "10.20.0.10" \
                and r["dport"] == 443:
            ports[r["sport"]] += 1
        if "dp_run" not in r:
            continue
        run = runs[r["dp_run"]]
        if r["type"] in ("flow", "deny"):
            run["seqs"][r["dp_seq"]] += 1
            run["records"] += 1
        elif r["type"] == "gap":
            for s in range(r["first_seq"], r["dp_seq"] + 1):
                run["seqs"][s] += 1
            run["gaps"][r["reason"]] += r["count"]
        elif r["type"] == "run":
            run["ends"].append((r["reason"], r["count"], r["dp_seq"], r["reported_seq"]))

    gap_total = 0
    crash_live = 0
    for name, run in runs.items():
        top = max(run["seqs"]) if run["seqs"] else 0
        twice = [s for s, n in run["seqs"].items() if n > 1]
        holes = [s for s in range(1, top + 1) if s not in run["seqs"]]
        gap_total += sum(run["gaps"].values())
        crash_live += sum(e[1] for e in run["ends"] if e[0] == "crash")
        print(f"run {name}: seqs 1..{top}: {run['records']} records, gaps {dict(run['gaps'])}, "
              f"ends {run['ends']}")
        if twice:
            bad.append(f"run {name}: {len(twice)} seqs twice in the log (first {twice[:5]})")
        if holes:
            bad.append(f"run {name}: {len(holes)} seqs in neither a record nor a gap "
                       f"(first {holes[:5]})")
        for reason, _, seq, reported in run["ends"]:
            if reported > top:
                bad.append(f"run {name}: ended ({reason}) at seq {reported}, the log knows "
                           f"{top}")
        if len(run["ends"]) > 1:
            bad.append(f"run {name}: {len(run['ends'])} run records")

    tried = refused = missing = missing_near_crash = 0
    dup = [p for p, n in ports.items() if n > 1]
    for path in a.churn:
        with open(path) as f:
            for line in f:
                sport, outcome, t = line.split()
                tried += 1
                if outcome != "refused":
                    continue
                refused += 1
                if ports[int(sport)] == 0:
                    if any(c - WINDOW_MS <= int(t) <= c for c in a.crash_ms):
                        missing_near_crash += 1
                    else:
                        missing += 1
    print(f"connections: {tried} tried, {refused} forwarded both ways, "
          f"{sum(ports.values())} records of the clients' ports, {len(dup)} ports twice, "
          f"{missing} missing, {missing_near_crash} missing in the second before a crash "
          f"(crash records say {crash_live} live); {gap_total} seqs in gap records")
    if dup:
        bad.append(f"{len(dup)} connections have more than one record (first {dup[:5]})")
    if missing > gap_total:
        bad.append(f"{missing} connections have no record and no gap accounts for them")
    if a.crash_ms and crash_live + missing_near_crash == 0 and not any(
            e[0] == "crash" for run in runs.values() for e in run["ends"]):
        bad.append("no crash record for the dataplane killed")

    if a.written is not None:
        after = sum(1 for r in lines[last_chain:] if "dp_run" in r and r["type"] in ("flow", "deny"))
        print(f"the last controller: {a.written} records written, {after} in the log since "
              f"its start")
        if after != a.written:
            bad.append(f"the last controller said {a.written} written, the log holds {after}")
    for b in bad:
        print("accounting: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
