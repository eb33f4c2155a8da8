#!/usr/bin/env bash
# Rotating the flow-log signing key (bunri-audit keygen --rotate) in the middle of a log:
# the old public key stays beside the new pair, the writer's restart continues the
# chain without mistaking the old key's seals for bad ones, verify checks every segment
# with the key that signed it (and names a key it was not given), and retention still
# removes segments the old key signed.
#   keyrotate.sh BUNRI_AUDIT FLOWLOG_WRITER
set -euo pipefail
audit=$1
writer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
keys=$work/keys
log=$work/log
T0=1775000000000   # 2026-03-31T23:33:20Z; one record a minute

"$audit" keygen --out-dir "$keys" >/dev/null
cp "$keys/flowlog.pub" "$work/first.pub"
"$writer" --dir "$log" --key "$keys/flowlog.key" --records 200 --rotate-bytes 12000 \
	--start-ms $T0 --step-ms 60000 >/dev/null 2>"$work/w1.err"

out=$("$audit" keygen --out-dir "$keys" --rotate)
old=$(sed -n 's/.*: key \([0-9a-f]\{32\}\) retired.*/\1/p' <<<"$out")
new=$(sed -n 's/.*new key \([0-9a-f]\{32\}\) in.*/\1/p' <<<"$out")
if [ -z "$old" ] || [ -z "$new" ] || [ "$old" = "$new" ]; then
	fail "keygen --rotate did not name the old and new keys: $out"
elif cmp -s "$keys/flowlog-$old.pub" "$work/first.pub" && ! cmp -s "$keys/flowlog.pub" "$work/first.pub"; then
	echo "ok: rotated: $old retired (flowlog-$old.pub kept), $new now signs"
else
	fail "after rotation the old public key is not kept as flowlog-$old.pub, or flowlog.pub is unchanged"
fi
[ "$(stat -c %a "$keys/flowlog.key")" = 600 ] || fail "the new private key is not 0600"

# The writer restarts with the new key; the old key's seal on the last segment is
# recognised (a plain restart, not a recovery with a warning).
"$writer" --dir "$log" --key "$keys/flowlog.key" --records 100 --rotate-bytes 12000 \
	--start-ms $T0 --step-ms 60000 >/dev/null 2>"$work/w2.err"
if grep -q "does not verify" "$work/w2.err"; then
	fail "the writer took the old key's seal for a bad one:"; cat "$work/w2.err"
elif [ "$(cat "$log"/flows/*.jsonl | grep -c '"type":"chain".*"reason":"restart"')" -ne 1 ]; then
	fail "no chain record with reason restart after the rotation"
else
	echo "ok: the writer continued the chain under the new key (chain record: restart)"
fi

both=(--pubkey "$keys/flowlog.pub" --pubkey "$keys/flowlog-$old.pub")
if "$audit" verify --log-dir "$log" "${both[@]}" > "$work/out"; then
	n_old=$(sed -n "s/^key $old: \([0-9]*\) segment(s)$/\1/p" "$work/out")
	n_new=$(sed -n "s/^key $new: \([0-9]*\) segment(s)$/\1/p" "$work/out")
	if grep -q "^OK: 302 records" "$work/out" && [ "${n_old:-0}" -gt 0 ] && [ "${n_new:-0}" -gt 0 ]; then
		echo "ok: verify with both keys: $n_old segment(s) by $old, $n_new by $new; $(grep '^OK' "$work/out")"
	else
		fail "verify with both keys: unexpected output"; cat "$work/out"
	fi
else
	fail "verify with both keys failed"; cat "$work/out"
fi

# --pubkey-dir: the key directory's flowlog.pub and every flowlog-<id>.pub
if "$audit" verify --log-dir "$log" --pubkey-dir "$keys" > "$work/out" &&
   grep -q "^key $old: [1-9][0-9]* segment(s)$" "$work/out" &&
   grep -q "^key $new: [1-9][0-9]* segment(s)$" "$work/out"; then
	echo "ok: verify --pubkey-dir finds both keys"
else
	fail "verify --pubkey-dir:"; cat "$work/out"
fi
mkdir "$work/nokeys"
if "$audit" verify --log-dir "$log" --pubkey-dir "$work/nokeys" > "$work/out" 2>&1; then
	fail "verify --pubkey-dir of an empty directory succeeded"
else
	echo "ok: an empty --pubkey-dir is refused: $(head -1 "$work/out")"
fi

# expect_unknown WHICH PUB ID: verify with one key names the other key's segments
expect_unknown() {
	local rc=0
	"$audit" verify --log-dir "$log" --pubkey "$2" > "$work/out" 2>&1 || rc=$?
	if [ "$rc" -eq 1 ] && grep -q "bad signature: .*signed by key $3, which is not among" "$work/out"; then
		echo "ok: $1: $(grep -c "signed by key $3" "$work/out") segment(s) named as signed by key $3"
	else
		fail "$1: exit $rc, want 1 and segments signed by $3 named"; cat "$work/out"
	fi
}
expect_unknown "verify with the new key only" "$keys/flowlog.pub" "$old"
expect_unknown "verify with the old key only" "$keys/flowlog-$old.pub" "$new"

# Retention after the rotation removes what the old key signed (the writer checks those
# seals with the retired public key before it deletes anything).
"$writer" --dir "$log" --key "$keys/flowlog.key" --records 50 --rotate-bytes 12000 \
	--start-ms $((T0 + 10 * 86400000)) --step-ms 60000 --retention-days 2 >/dev/null 2>"$work/w3.err"
if "$audit" verify --log-dir "$log" "${both[@]}" > "$work/out" &&
   grep -q "removed by retention" "$work/out" && grep -q "^key $old: 0 segment(s)$" "$work/out"; then
	echo "ok: retention removed the old key's segments: $(grep '^note: the log starts' "$work/out")"
else
	fail "retention after rotation:"; cat "$work/out" "$work/w3.err"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all key rotation cases pass"
