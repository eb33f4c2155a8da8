#!/usr/bin/env bash
# Every way of tampering with a sealed flow log that verify must name. Builds one real
# log with the real writer (small segments, a restart in the middle), checks it verifies,
# then for each case edits a copy and expects exit 1 and the problem's name and seq.
#   tamper.sh BUNRI_AUDIT FLOWLOG_WRITER
set -euo pipefail
audit=$1
writer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

"$audit" keygen --out-dir "$work/keys" >/dev/null
mkdir "$work/other" && "$audit" keygen --out-dir "$work/other" >/dev/null
base=$work/base
"$writer" --dir "$base" --key "$work/keys/flowlog.key" --records 200 --rotate-bytes 12000 >/dev/null
"$writer" --dir "$base" --key "$work/keys/flowlog.key" --records 100 --rotate-bytes 12000 >/dev/null
nseg=$(ls "$base/flows"/*.jsonl | wc -l)
[ "$nseg" -ge 6 ] || { echo "FAIL: expected at least 6 segments, got $nseg"; exit 1; }
"$audit" verify --log-dir "$base" --pubkey "$work/keys/flowlog.pub" > "$work/ok.out" || {
	echo "FAIL: the untouched log does not verify"; cat "$work/ok.out"; exit 1; }
grep -q "^OK: 302 records, $nseg segments" "$work/ok.out" || {
	echo "FAIL: unexpected summary"; cat "$work/ok.out"; exit 1; }
echo "ok: untouched log: $(cat "$work/ok.out")"

seg() { ls "$work/case/flows"/*.jsonl | sed -n "${1}p"; }
seq_at() { sed -n "${2}p" "$(seg "$1")" | sed 's/^{"seq":\([0-9]*\),.*/\1/'; }

# expect NAME KIND SEQ [PUBKEY]: verify the case dir (with the options in range, when
# set) and look for "seq SEQ: KIND"
range=()
expect() {
	local name=$1 kind=$2 seq=$3 pub=${4:-$work/keys/flowlog.pub} rc=0
	"$audit" verify --log-dir "$work/case" --pubkey "$pub" ${range[@]+"${range[@]}"} \
		> "$work/out" 2>&1 || rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "FAIL: $name: exit $rc, want 1"; cat "$work/out"; fails=$((fails + 1)); return
	fi
	if ! grep -q "seq $seq: $kind:" "$work/out"; then
		echo "FAIL: $name: no \"seq $seq: $kind\" in:"; cat "$work/out"; fails=$((fails + 1))
		return
	fi
	echo "ok: $name: $(grep -m1 "seq $seq: $kind:" "$work/out")"
}

fresh() { rm -rf "$work/case"; cp -a "$base" "$work/case"; }

fresh; s=$(seq_at 2 5)
sed -i '5s/"dport":\([0-9]*\)/"dport":9\1/' "$(seg 2)"
expect "edited field" edited "$s"

# an attacker who knows the format recomputes the edited line's own hash
fresh; s=$(seq_at 2 6)
python3 - "$(seg 2)" 6 <<'EOF'
import hashlib, sys
path, n = sys.argv[1], int(sys.argv[2])
lines = open(path, 'rb').read().split(b'\n')
l = lines[n - 1].replace(b'"dport":', b'"dport":1', 1)
body = l[:l.rindex(b',"hash":"')]
lines[n - 1] = body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}'
open(path, 'wb').write(b'\n'.join(lines))
EOF
expect "edited and re-hashed" edited "$s"

fresh; s=$(seq_at 2 10)
sed -i '10d' "$(seg 2)"
expect "deleted line" deleted "$s"

fresh; s=$(seq_at 2 4)
sed -i "12r /dev/stdin" "$(seg 2)" < <(sed -n 4p "$(seg 2)")
expect "inserted copy" inserted "$s"

fresh; s=$(seq_at 3 8)
f=$(seg 3); sed -n 9p "$f" > "$work/l9"; sed -i -e '9d' -e "7r $work/l9" "$f"
expect "reordered" reordered "$s"

fresh; f=$(seg 2); n=$(wc -l < "$f"); s=$(seq_at 2 $((n - 2)))
head -n $((n - 3)) "$f" > "$work/t" && cat "$work/t" > "$f"
expect "truncated segment" truncated "$((s - 1))"

fresh; f=$(seg 3); s=$(seq_at 3 1); rm "$f" "$f.sig"
expect "missing segment" "missing segment" "$s"

fresh; f=$(seg 1); rm "$f" "$f.sig"
expect "first segment missing" "missing segment" "$(seq_at 1 1)"

# --from/--to leave segments out; the deleted head must still be named, and no
# retention the log does not hold may be claimed for it
sealed_time() { sed -n "s/^$2 //p" "$(seg "$1").sig"; }
# the first time after segment N's last record: --from it leaves segment N out
after_segment() {
	python3 -c 'import datetime as d, sys
t = d.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ") + d.timedelta(milliseconds=1)
print(t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000))' "$(sealed_time "$1" last_time)"
}
fresh; f=$(seg 1); s=$(seq_at 2 1); range=(--to "$(sealed_time 3 first_time)"); rm "$f" "$f.sig"
expect "first segment missing, --to" "missing segment" "$s"
range=(--from "$(sealed_time 4 first_time)")
expect "first segment missing, --from" "missing segment" "$s"
if grep -q "removed by retention" "$work/out"; then
	echo "FAIL: first segment missing: verify claims a retention record"; cat "$work/out"
	fails=$((fails + 1))
fi
range=()

# One hex digit of the signature changed (swapping two digits changed nothing when they
# were equal: one run in sixteen).
fresh; f=$(seg 4).sig
sed -i -e 's/^signature 0/signature X/' -e 's/^signature [^X]/signature 0/' \
  -e 's/^signature X/signature 1/' "$f"
expect "bad signature" "bad signature" 0

fresh; f=$(seg 4).sig; sed -i 's/^last_seq \([0-9]*\)/last_seq 1\1/' "$f"
expect "signed range edited" "bad signature" 0

fresh; rm "$(seg 2).sig"
expect "signature removed" "bad signature" 0

fresh
expect "another key" "bad signature" 0 "$work/other/flowlog.pub"

# torn last line: a writer killed mid-line, without a seal on its last segment
rm -rf "$work/case"
"$writer" --dir "$work/case" --key "$work/keys/flowlog.key" --records 50 --no-close >/dev/null
f=$(seg 1); size=$(stat -c %s "$f"); truncate -s $((size - 40)) "$f"
s=$(($(grep -c '' "$f") - 1))
expect "torn last line" "torn last line" "$s"

# retention is not tampering: a log whose oldest segments the writer removed verifies,
# but removing the oldest segment that is left does not
rm -rf "$work/case"
"$writer" --dir "$work/case" --key "$work/keys/flowlog.key" --records 6000 --step-ms 86400 \
	--rotate-seconds 3600 --retention-days 2 >/dev/null
"$audit" verify --log-dir "$work/case" --pubkey "$work/keys/flowlog.pub" > "$work/out" || {
	echo "FAIL: a log after retention does not verify"; cat "$work/out"; fails=$((fails + 1)); }
if grep -q "removed by retention" "$work/out" && [ "$(seq_at 1 1)" -gt 1 ]; then
	echo "ok: after retention: $(grep '^note: the log starts' "$work/out")"
else
	echo "FAIL: retention did not remove segments or verify did not say so"; cat "$work/out"
	fails=$((fails + 1))
fi
# the retention record sits in a segment --from leaves out: it is read for it
range=(--from "$(after_segment 2)")
"$audit" verify --log-dir "$work/case" --pubkey "$work/keys/flowlog.pub" "${range[@]}" \
	> "$work/out" || { echo "FAIL: after retention, --from"; cat "$work/out"; fails=$((fails + 1)); }
if grep -q "removed by retention" "$work/out" && grep -q "^OK: .*, 1 segments" "$work/out"; then
	echo "ok: after retention, --from: $(grep '^note: the log starts' "$work/out")"
else
	echo "FAIL: after retention, --from did not read the retention record"; cat "$work/out"
	fails=$((fails + 1))
fi
range=()
f=$(seg 1); s=$(seq_at 2 1); rm "$f" "$f.sig"
expect "oldest segment removed after retention" "missing segment" "$s"

# the same, with a retention record for the new head forged (own hash and all) into a
# segment --from leaves out: only a segment that matches its seal can explain a start
python3 - "$(seg 1)" <<'EOF'
import hashlib, re, sys
path = sys.argv[1]
lines = open(path, 'rb').read().rstrip(b'\n').split(b'\n')
first, last = lines[0], lines[-1]
head_prev = re.search(rb'"prev":"([0-9a-f]{64})"', first).group(1)
head_seq = int(re.match(rb'\{"seq":(\d+),', first).group(1))
last_seq = int(re.match(rb'\{"seq":(\d+),', last).group(1))
last_hash = re.search(rb'"hash":"([0-9a-f]{64})"', last).group(1)
end = re.search(rb'"end":"([^"]*)"', last).group(1)
body = (b'{"seq":%d,"type":"chain","start":"%s","end":"%s","reason":"retention","count":1,'
        b'"through_seq":%d,"through_hash":"%s","prev":"%s"'
        % (last_seq + 1, end, end, head_seq - 1, head_prev, last_hash))
lines.append(body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}')
open(path, 'wb').write(b'\n'.join(lines) + b'\n')
EOF
range=(--from "$(after_segment 1)")
expect "head removed, retention record forged in a segment left out" "missing segment" "$s"
if grep -q "removed by retention" "$work/out"; then
	echo "FAIL: forged retention record: verify claims a signed retention record"
	cat "$work/out"; fails=$((fails + 1))
fi
range=()

if [ "$fails" -ne 0 ]; then
	echo "$fails tampering case(s) not detected"
	exit 1
fi
echo "all tampering cases detected"
