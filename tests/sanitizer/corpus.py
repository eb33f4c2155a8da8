#!/usr/bin/env python3
"""Runs bunri-sanitize on every file of ../shared/corpus/sanitizer/ and checks the
verdict and removals corpus_expect.tsv gives for it, then looks at each output with the
same independent checks as hostile.py. Exit 77 (skip) when the corpus is absent.

usage: corpus.py BUNRI_SANITIZE CORPUS_DIR WORKDIR"""
import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402


def check_eml(name, inp, out, variant):
    import email
    import email.policy
    m = email.message_from_bytes(open(out, "rb").read(), policy=email.policy.default)
    if not m["X-Bunri-Sanitized"]:
        hostile.fail(name, "no X-Bunri-Sanitized header")
    for part in m.walk():
        if part.get_content_type() == "text/html":
            hostile.fail(name, "an HTML part is left")


CHECKS = dict(hostile.CHECKS, eml=check_eml)
MAX_RSS_KB = 512 * 1024

# False-positive budget: the share of ordinary documents delivered (clean or
# sanitized) must not fall below this. A MANIFEST.tsv row is ordinary when its
# active_content column starts with one of ORDINARY (a clean control, a false-positive
# trap, a real-world or malformed file with nothing active, an ordinary mail).
MIN_ORDINARY_DELIVERED = 1.0
ORDINARY = ("CLEAN", "FALSE-POSITIVE", "Real-world", "Real mail", "Malformed", "multipart/mixed",
            "Single-part text/html mail")


def ordinary_files(corpus):
    out = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if row.get("active_content", "").startswith(ORDINARY):
                out.append(row["file"])
    return out


def budget(verdicts, corpus):
    """Prints the share of ordinary documents delivered and fails below the budget."""
    files = ordinary_files(corpus)
    delivered = [f for f in files if verdicts.get(f) in ("clean", "sanitized")]
    share = len(delivered) / len(files) if files else 1.0
    print(f"ordinary documents delivered: {len(delivered)}/{len(files)} = {share:.1%} "
          f"(budget {MIN_ORDINARY_DELIVERED:.0%})")
    for f in sorted(set(files) - set(delivered)):
        print(f"     not delivered: {f} ({verdicts.get(f, 'not run')})")
    if share < MIN_ORDINARY_DELIVERED:
        hostile.fail("false-positive budget", f"{share:.1%} of ordinary documents delivered, "
                     f"below {MIN_ORDINARY_DELIVERED:.0%}")


def main():
    binary, corpus, workdir = sys.argv[1:4]
    if not os.path.isdir(corpus):
        print(f"SKIP: corpus folder {corpus} is absent")
        return 77
    os.makedirs(workdir, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    n = 0
    verdicts = {}
    for line in open(os.path.join(here, "corpus_expect.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        rel, verdict, whats, check = line.rstrip("\n").split("\t")
        src = os.path.join(corpus, rel)
        if not os.path.exists(src):
            hostile.fail(rel, "listed but missing from the corpus")
            continue
        n += 1
        out = os.path.join(workdir, rel.replace("/", "_") + ".out")
        rep = out + ".json"
        if os.path.exists(out):
            os.unlink(out)
        t0 = time.monotonic()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", binary, src, "-o", out, "--report", rep],
                           capture_output=True, timeout=300)
        if os.path.exists(rep):
            verdicts[rel] = json.load(open(rep))["verdict"]
        dt = time.monotonic() - t0
        # peak RSS of bunri-sanitize and its sandbox child: a bound, not a speed
        maxrss = int(r.stderr.decode().strip().splitlines()[-1])
        if maxrss > MAX_RSS_KB:
            hostile.fail(rel, f"peak memory {maxrss // 1024} MB over {MAX_RSS_KB // 1024} MB")
        want = 3 if verdict == "blocked" else 0
        if r.returncode != want:
            hostile.fail(rel, f"exit {r.returncode}, wanted {want}: {r.stderr.decode(errors='replace')}")
            continue
        report = json.load(open(rep))
        verdicts[rel] = report["verdict"]
        if report["verdict"] != verdict:
            hostile.fail(rel, f"verdict {report['verdict']}, wanted {verdict}: {report.get('reason')}")
            continue
        if report["sha256_in"] != hashlib.sha256(open(src, "rb").read()).hexdigest():
            hostile.fail(rel, "sha256_in is wrong")
        got = {x["what"] for x in report["removed"]}
        for w in ([] if whats == "-" else whats.split(",")):
            if w not in got:
                hostile.fail(rel, f"no removal {w} reported (got {sorted(got)})")
        if check == "bomb" and "declares" not in (report.get("reason") or ""):
            hostile.fail(rel, "bomb was not refused from its declared sizes before inflating")
        if verdict != "blocked":
            if hashlib.sha256(open(out, "rb").read()).hexdigest() != report["sha256_out"]:
                hostile.fail(rel, "sha256_out does not match OUT")
            if check == "pdf":
                # qpdf --check of the output must pass whenever it passes on the input
                if subprocess.run(["qpdf", "--check", src], capture_output=True).returncode in (0, 3):
                    hostile.check_pdf(rel, None, out, "pdf")
                else:
                    hostile.check_pdf_keys(rel, out)
            elif check != "-":
                CHECKS[check](rel, open(src, "rb").read(), out, check)
        elif os.path.exists(out):
            hostile.fail(rel, "blocked but OUT written")
        print(f"ok   {rel}: {report['verdict']} {sorted(got)} {report.get('reason') or ''} "
              f"({dt*1000:.0f} ms, peak RSS {maxrss // 1024} MB)")
    budget(verdicts, corpus)
    print(f"{n} corpus files, {len(hostile.FAILS)} failures")
    return 1 if hostile.FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
