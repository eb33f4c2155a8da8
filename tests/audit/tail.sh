#!/usr/bin/env bash
# Attacks on the tail of the flow log, which the hash chain and the seals alone cannot
# see: the last lines of the open segment removed, the open segment deleted, the newest
# sealed segment deleted with its .sig, and the open segment cut before the writer
# restarts. Each must be named by `verify --checkpoint` against the checkpoint file the
# writer keeps outside the log directory, and the restart must not sign the cut segment.
#   tail.sh BUNRI_AUDIT FLOWLOG_WRITER
set -euo pipefail
audit=$1
writer=$2
work=$(mktemp -d)
# the checkpoint files carry the append-only flag: clear it so they can be removed
remove() {
	find "$1" -type f -exec chattr -a {} + 2>/dev/null || true
	rm -rf "$1"
}
cleanup() { remove "$work"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$audit" keygen --out-dir "$work/keys" >/dev/null
key=$work/keys/flowlog.key pub=$work/keys/flowlog.pub
mkdir "$work/closed"

# closed: 3000 records in segments of ~370, every segment sealed. open: then 2000 more in
# one segment with the writer killed (no seal on it). A record every 10 ms of simulated
# time, a tick every 100 records, a checkpoint every simulated second.
w() { "$writer" --key "$key" --checkpoint-ms 1000 --tick-records 100 "$@"; }
w --dir "$work/closed/log" --checkpoint-file "$work/closed/checkpoints" --records 3000 \
	--rotate-bytes 200000 >/dev/null
cp -a "$work/closed" "$work/open"
cp "$work/closed/checkpoints" "$work/open/checkpoints"
w --dir "$work/open/log" --checkpoint-file "$work/open/checkpoints" --records 2000 --no-close \
	--rotate-bytes 4000000 >/dev/null
# the kill may tear the last line (never fsynced, never checkpointed): cut it off, so
# the untouched crashed log verifies (audit_crash covers torn lines)
f=$(ls "$work/open/log/flows"/*.jsonl | tail -1)
if [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
	head -n "$(wc -l < "$f")" "$f" > "$work/t"; cat "$work/t" > "$f"
fi
if lsattr "$work/closed/checkpoints" 2>/dev/null | grep -q '^[^ ]*a'; then
	echo "ok: the checkpoint file has the append-only flag"
	if (: > "$work/closed/checkpoints") 2>/dev/null; then fail "an append-only checkpoint file was truncated"; fi
else
	echo "note: this filesystem has no append-only flag (the file is opened O_APPEND only)"
fi

# verify BASE CHECKPOINTS: exit status into rc, output in $work/out
verify() {
	rc=0
	"$audit" verify --log-dir "$1" --pubkey "$pub" ${2:+--checkpoint "$2"} > "$work/out" 2>&1 || rc=$?
}
for base in closed open; do
	verify "$work/$base/log" "$work/$base/checkpoints"
	[ "$rc" -eq 0 ] || { cat "$work/out"; fail "the untouched $base log does not verify with its checkpoints"; }
	grep -q '^checkpoints: ' "$work/out" || fail "$base: verify did not report the checkpoints"
done
echo "ok: untouched logs verify: $(grep '^checkpoints: ' "$work/out")"

fresh() { remove "$work/case"; cp -a "$work/$1" "$work/case"; }
lastseg() { ls "$work/case/log/flows"/*.jsonl | tail -1; }
newest_seq() { sed -n 's/.* seq=\([0-9]*\) .*/\1/p' "$work/case/checkpoints" | sort -n | tail -1; }
last_seq_of() { tail -n 1 "$1" | sed 's/^{"seq":\([0-9]*\),.*/\1/'; }

# expect NAME LOG_END: verify without the checkpoints (the chain alone), then with them:
# exit 1 and the sentence that names where the log ends and what a checkpoint names
expect_tail() {
	local name=$1 end=$2 m
	m=$(newest_seq)
	verify "$work/case/log"
	echo "   $name, chain and seals alone: exit $rc ($(tail -n 1 "$work/out" | cut -c1-60))"
	verify "$work/case/log" "$work/case/checkpoints"
	if [ "$rc" -ne 1 ]; then cat "$work/out"; fail "$name: exit $rc, want 1"; return; fi
	if ! grep -q "seq $end: truncated: the log ends at seq $end but a checkpoint signed at .* names seq $m " "$work/out"; then
		cat "$work/out"; fail "$name: no \"the log ends at seq $end ... names seq $m\""; return
	fi
	echo "ok: $name: $(grep -m1 'the log ends at' "$work/out")"
}

# 1. the last lines of the open segment removed
fresh open; f=$(lastseg); n=$(wc -l < "$f")
head -n $((n - 300)) "$f" > "$work/t"; cat "$work/t" > "$f"
expect_tail "last 300 lines of the open segment removed" "$(last_seq_of "$f")"

# 2. the open segment deleted
fresh open; f=$(lastseg); rm "$f"
expect_tail "open segment deleted" "$(last_seq_of "$(lastseg)")"

# 3. the newest sealed segment and its .sig deleted (a cleanly closed log)
fresh closed; f=$(lastseg); rm "$f" "$f.sig"
expect_tail "newest sealed segment and its .sig deleted" "$(last_seq_of "$(lastseg)")"

# 4. the open segment cut, then the writer restarts: it must not sign the cut segment
fresh open; f=$(lastseg); n=$(wc -l < "$f")
head -n $((n - 300)) "$f" > "$work/t"; cat "$work/t" > "$f"
found=$(last_seq_of "$f"); m=$(newest_seq)
w --dir "$work/case/log" --checkpoint-file "$work/case/checkpoints" --records 50 \
	> /dev/null 2> "$work/restart.err"
if [ -e "$f.sig" ]; then fail "restart: the cut segment was signed"; fi
[ -e "$f.cut" ] && [ ! -e "$f.cut.sig" ] || fail "restart: the cut segment was not set aside as .cut"
grep -q "was cut: it ends at seq $found but the checkpoint signed at .* names seq $m" "$work/restart.err" ||
	{ cat "$work/restart.err"; fail "restart: no log line saying the segment was cut"; }
chain=$(grep -h '"type":"chain"' "$work/case/log/flows"/*.jsonl | grep '"reason":"truncated"' || true)
first=$(head -n 1 "$f.cut" | sed 's/^{"seq":\([0-9]*\),.*/\1/')
echo "$chain" | grep -q "\"count\":$((m - first + 1)),\"after_seq\":$m,.*\"found_seq\":$((first - 1)),.*\"cut_records\":$((found - first + 1)),\"cut_last_seq\":$found," ||
	{ echo "$chain"; fail "restart: no chain record counting the records cut"; }
echo "ok: restart after a cut: ${chain:0:200}..."
for with in "" "$work/case/checkpoints"; do
	verify "$work/case/log" "$with"
	if [ "$rc" -ne 1 ] || ! grep -q ": truncated: the writer found the segment cut at restart" "$work/out"; then
		cat "$work/out"; fail "restart after a cut, verify ${with:+--checkpoint}: exit $rc, want 1 naming the .cut segment"
	fi
done
grep -q "seq $first: missing segment: records seq $first\.\.$m before" "$work/out" ||
	{ cat "$work/out"; fail "restart after a cut: the records cut are not named missing"; }
echo "ok: restart after a cut: $(grep -m1 'missing segment' "$work/out" | cut -c1-150)"

# no false alarm: a crash (the open log) and a plain restart verify with the checkpoints
fresh open
w --dir "$work/case/log" --checkpoint-file "$work/case/checkpoints" --records 50 \
	> /dev/null 2> "$work/restart.err"
verify "$work/case/log" "$work/case/checkpoints"
[ "$rc" -eq 0 ] || { cat "$work/restart.err" "$work/out"; fail "a crash and a restart do not verify with the checkpoints"; }
grep -q "was cut" "$work/restart.err" && fail "a plain crash was taken for a cut"
echo "ok: crash and restart: $(grep '^checkpoints: ' "$work/out")"

# a forged checkpoint (another key) and an edited one are named, not believed
fresh closed
mkdir "$work/other" && "$audit" keygen --out-dir "$work/other" >/dev/null
"$writer" --dir "$work/other/log" --key "$work/other/flowlog.key" --records 10 \
	--checkpoint-file "$work/other/checkpoints" >/dev/null
cp "$work/case/checkpoints" "$work/mixed"
tail -n 1 "$work/other/checkpoints" >> "$work/mixed"
tail -n 1 "$work/case/checkpoints" | sed 's/ seq=\([0-9]*\) / seq=1\1 /' >> "$work/mixed"
verify "$work/case/log" "$work/mixed"
[ "$rc" -eq 1 ] && grep -q "signed by a key not among the public keys given" "$work/out" &&
	grep -q "the signature does not match" "$work/out" && ! grep -q ': truncated: ' "$work/out" ||
	{ cat "$work/out"; fail "forged checkpoints: want both named and neither believed"; }
echo "ok: forged checkpoints named: $(grep -c '^PROBLEM: checkpoint' "$work/out") lines"

if [ "$fails" -ne 0 ]; then
	echo "$fails tail case(s) failed"
	exit 1
fi
echo "all tail attacks detected"
