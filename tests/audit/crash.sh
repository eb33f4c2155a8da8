#!/usr/bin/env bash
# kill -9 of the writer while it writes: every record it had reported fsynced must be
# in the log, a torn last line is reported by verify and never built upon, and a
# restart signs the open segment, writes a `chain` record and verifies up to the tear.
#   crash.sh BUNRI_AUDIT FLOWLOG_WRITER
set -euo pipefail
audit=$1
writer=$2
work=$(mktemp -d)
writer_pid=
cleanup() {
	[ -n "$writer_pid" ] && kill -9 "$writer_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# set_aside_ok FILE: every `.unchained` segment verify reports (a newer segment, written
# while the one before was being signed, whose predecessor lost its tail) starts after
# the last record reported fsynced; prints how many there are.
set_aside_ok() {
	local n=0 from
	for from in $(grep '^PROBLEM' "$1" | grep ': truncated: .*\.unchained' |
		      sed 's/.*: seq \([0-9]*\): truncated: .*/\1/'); do
		[ "$from" -gt "$synced" ] || { cat "$1"; fail "records from $from were set aside, but $synced were fsynced"; }
		n=$((n + 1))
	done
	echo "$n"
}

"$audit" keygen --out-dir "$work/keys" >/dev/null
key=$work/keys/flowlog.key pub=$work/keys/flowlog.pub log=$work/log

# the writer runs on the wall clock, fsyncs every second and prints "synced N"
"$writer" --dir "$log" --key "$key" --records 100000000 --realtime \
	--rotate-bytes 4000000 > "$work/progress" 2> "$work/writer.err" &
writer_pid=$!
for _ in $(seq 100); do
	[ "$(grep -c '^synced' "$work/progress" || true)" -ge 3 ] && break
	sleep 0.1
done
kill -9 "$writer_pid"
wait "$writer_pid" 2>/dev/null || true
writer_pid=
synced=$(grep '^synced' "$work/progress" | tail -1 | cut -d' ' -f2)
[ -n "$synced" ] && [ "$synced" -gt 0 ] || fail "the writer never reported an fsync"
echo "ok: killed the writer after it reported seq $synced fsynced"

last=$(ls "$log/flows"/*.jsonl | tail -1)
torn_only=
if [ -e "$last.sig" ]; then
	# the kill came between a rotation and the next segment's first write: tear that
	# write, in the file the writer would have created
	next=$(($(sed -n 's/^last_seq //p' "$last.sig") + 1))
	last=$log/flows/$(printf 'flows-%012d-20300101T000000Z.jsonl' "$next")
	: > "$last"
fi
# A power cut tears the last line; kill -9 alone usually leaves whole lines in the page
# cache, so tear the last unsynced record the way a partial write would. The kill may
# also have come mid-write (already torn) or just after a rotation (an empty segment).
if [ ! -s "$last" ]; then
	printf '{"seq":' >> "$last"
	torn_only=1
elif [ "$(tail -c 1 "$last" | od -An -c | tr -d ' ')" != '\n' ]; then
	echo "ok: the kill itself left a torn line"
else
	last_seq=$(tail -n 1 "$last" | sed 's/^{"seq":\([0-9]*\),.*/\1/')
	[ "$last_seq" -ge "$synced" ] || fail "records up to $synced were fsynced, the log ends at $last_seq"
	if [ "$last_seq" -gt "$synced" ]; then
		truncate -s $(($(stat -c %s "$last") - 60)) "$last"
	else
		printf '{"seq":%d,"type":"flow","start":"2026-' $((last_seq + 1)) >> "$last"
	fi
fi
torn_size=$(stat -c %s "$last")

rc=0
"$audit" verify --log-dir "$log" --pubkey "$pub" > "$work/v1" || rc=$?
[ "$rc" -eq 1 ] || { cat "$work/v1"; fail "verify after the crash: exit $rc, want 1"; }
grep -q ": torn last line: " "$work/v1" || { cat "$work/v1"; fail "no torn last line reported"; }
others=$(grep '^PROBLEM' "$work/v1" | grep -vc ': torn last line: ' || true)
[ "$others" -eq 0 ] || { cat "$work/v1"; fail "problems other than the torn line"; }
echo "ok: before restart: $(grep ': torn last line: ' "$work/v1")"

# restart: the writer must sign the crashed segment and continue the chain after it
"$writer" --dir "$log" --key "$key" --records 500 > "$work/restart.out" 2> "$work/restart.err"
if [ -n "$torn_only" ]; then
	# a segment with nothing but a torn line is set aside, not signed
	grep -q "held only a torn line" "$work/restart.err" || { cat "$work/restart.err"; fail "the restart did not report the torn-only segment"; }
	last=$last.torn
	[ -e "$last" ] || fail "the torn-only segment was not set aside"
else
	grep -q "left open" "$work/restart.err" || { cat "$work/restart.err"; fail "the restart did not report the crashed segment"; }
	[ -e "$last.sig" ] || fail "the crashed segment was not signed at restart"
fi
[ "$(stat -c %s "$last")" -eq "$torn_size" ] || fail "the restart wrote into the torn segment"
chain=$(grep -h '"type":"chain","' "$log/flows"/*.jsonl | grep '"reason":"recovered"' || true)
[ -n "$chain" ] || fail "no chain record for the recovery"
echo "ok: restart wrote ${chain:0:160}..."

rc=0
"$audit" verify --log-dir "$log" --pubkey "$pub" > "$work/v2" || rc=$?
[ "$rc" -eq 1 ] || { cat "$work/v2"; fail "verify after restart: exit $rc, want 1 (the torn line stays)"; }
problems=$(grep -c '^PROBLEM' "$work/v2")
aside=$(set_aside_ok "$work/v2") || fail "$aside"
grep -q ': torn last line: ' "$work/v2" && [ "$problems" -eq $((1 + aside)) ] || {
	cat "$work/v2"; fail "after restart, want exactly the torn line (and unfsynced records set aside) reported"; }
echo "ok: after restart: $(grep '^FAILED' "$work/v2"); $aside newer segment(s) of unfsynced records set aside"

# no fsynced record lost: seqs 1..synced are all there, each once, in order
"$audit" export --log-dir "$log" --format jsonl 2>/dev/null |
	sed 's/^{"seq":\([0-9]*\),.*/\1/' > "$work/seqs"
missing=$(awk -v n="$synced" '$1 <= n { seen[$1]++ } END { m = 0; for (i = 1; i <= n; i++) if (seen[i] != 1) m++; print m }' "$work/seqs")
[ "$missing" -eq 0 ] || fail "$missing of the $synced fsynced records are missing or doubled"
sort -n -c "$work/seqs" || fail "seqs out of order after restart"
echo "ok: all $synced fsynced records present, $(wc -l < "$work/seqs") records in all"

# a crash just after a rotation: the new segment holds nothing but a torn first line
next=$(($(tail -n 1 "$work/seqs") + 1))
newseg=$log/flows/$(printf 'flows-%012d-20300101T000000Z.jsonl' "$next")
printf '{"seq":%d,"type":"fl' "$next" > "$newseg"
"$writer" --dir "$log" --key "$key" --records 10 > /dev/null 2> "$work/restart2.err"
grep -q "held only a torn line" "$work/restart2.err" || { cat "$work/restart2.err"; fail "the torn-only segment was not reported"; }
[ -e "$newseg.torn" ] && [ ! -e "$newseg" ] || fail "the torn-only segment was not set aside"
rc=0
"$audit" verify --log-dir "$log" --pubkey "$pub" > "$work/v3" || rc=$?
[ "$rc" -eq 1 ] && [ "$(grep -c ': torn last line: ' "$work/v3")" -eq 2 ] &&
	[ "$(grep -c '^PROBLEM' "$work/v3")" -eq $((2 + aside)) ] || { cat "$work/v3"; fail "want both torn lines reported, nothing else"; }
echo "ok: a torn-only segment is set aside and reported: $(grep -m1 'set them aside' "$work/v3" | cut -c1-140)..."
