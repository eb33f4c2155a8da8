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

# expect NAME KIND SEQ [PUBKEY]: verify the case dir and look for "seq SEQ: KIND"
expect() {
	local name=$1 kind=$2 seq=$3 pub=${4:-$work/keys/flowlog.pub} rc=0
	"$audit" verify --log-dir "$work/case" --pubkey "$pub" > "$work/out" 2>&1 || rc=$?
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
f=$(seg 1); s=$(seq_at 2 1); rm "$f" "$f.sig"
expect "oldest segment removed after retention" "missing segment" "$s"

if [ "$fails" -ne 0 ]; then
	echo "$fails tampering case(s) not detected"
	exit 1
fi
echo "all tampering cases detected"
