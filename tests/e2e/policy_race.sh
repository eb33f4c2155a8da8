#!/usr/bin/env bash
# A policy is read once, whole: an editor that rewrites policy.cfg in place while
# reloads run never gets an empty or cut file installed (every reload leaves one of the
# two versions it wrote in force, and the allowed traffic keeps passing); an empty file
# is refused with its reason, and a policy that allows nothing needs --allow-deny-all.
E2E_TAG=r
. "$(dirname "$0")/common.sh"

e2e_lab
lab_http_server || fail "the HTTP server in lgwan listens"
POL="$LAB_DIR/policy.cfg"
digest() { lab_ctl status --json | jget 'd["policy"]["digest"]'; }
flows() { lab_ctl status --json | jget 'd["policy"]["flows"]'; }
curl_ok() { lab_in m curl -sS -m 3 -o /dev/null http://10.20.0.10:443/ 2>/dev/null; }

# Version A: the lab's policy; version B: the same and one flow more. Both allow
# mynumber -> lgwan https, so a live client never loses its way through.
cp "$POL" "$LAB_DIR/version-a"
from=$(TZ=Asia/Tokyo date -d '-1 day' +%Y-%m-%d)
until=$(TZ=Asia/Tokyo date -d '+200 days' +%Y-%m-%d)
sed '$d' "$LAB_DIR/version-a" | sed '$ s/}$/},/' >"$LAB_DIR/version-b"
cat >>"$LAB_DIR/version-b" <<EOB
  { id = "MN-LG-002"; purpose = "宛名システムから中間サーバーへの監視";
    from = "mynumber:atena-server"; to = "lgwan:chukan-gw"; services = ["tcp/8443"];
    approved_by = "情報政策課長 決裁第124号"; valid_from = "$from"; valid_until = "$until"; }
);
EOB
DA=$(digest)
lab_save "$POL" <"$LAB_DIR/version-b"
expect_ok "version B reloads" lab_ctl reload
DB=$(digest)
[ "$DA" != "$DB" ] && pass "the two versions have two digests" || fail "one digest for two versions"
expect_ok "the allowed https passes" curl_ok

# The editor: truncates the file and writes it in place in two pieces with a pause,
# alternating the versions, 50 times; meanwhile 50 reloads, each checked.
(
  for i in $(seq 1 50); do
    [ $((i % 2)) -eq 0 ] && v="$LAB_DIR/version-a" || v="$LAB_DIR/version-b"
    : >"$POL"
    head -c 600 "$v" >>"$POL"
    sleep 0.02
    tail -c +601 "$v" >>"$POL"
    sleep 0.0$((RANDOM % 10))
  done
) &
EDITOR_PID=$!
ok=0 refused=0 bad=0 cut=0
for i in $(seq 1 50); do
  if lab_ctl reload >"$LAB_DIR/reload.out" 2>&1; then
    ok=$((ok + 1))
  else
    refused=$((refused + 1))
    cat "$LAB_DIR/reload.out" >>"$LAB_DIR/refusals.out"
  fi
  d=$(digest)
  if [ "$d" != "$DA" ] && [ "$d" != "$DB" ]; then
    bad=$((bad + 1))
    echo "      reload $i left $d in force (flows $(flows)): $(tail -3 "$LAB_DIR/reload.out")"
  fi
  curl_ok || cut=$((cut + 1))
  kill -0 "$EDITOR_PID" 2>/dev/null || lab_save "$POL" <"$LAB_DIR/version-$([ $((i % 2)) -eq 0 ] && echo a || echo b)"
done
wait "$EDITOR_PID"
echo "      50 reloads during in-place writes: $ok applied, $refused refused"
expect_eq "every reload left version A or B in force" "$bad" 0
expect_eq "the allowed https passed after every reload" "$cut" 0
expect_gt "some reloads were refused as half-written" "$refused" 0
for why in "being written" "empty" "syntax" "no flows list" "allows nothing"; do
  echo "      refused, $why: $(grep -c "$why" "$LAB_DIR/refusals.out" 2>/dev/null)"
done
grep -q "being written\|empty\|syntax\|no flows list\|allows nothing" "$LAB_DIR/refusals.out" &&
  pass "the refusals say why" || fail "no reason given for the refusals"

# An empty file: refused with its reason, the running policy stays.
lab_save "$POL" <"$LAB_DIR/version-a"
expect_ok "version A reloads" lab_ctl reload
: >"$POL"
out=$(lab_ctl reload 2>&1); rc=$?
[ "$rc" -ne 0 ] && pass "an empty policy.cfg: reload exits $rc" || fail "an empty policy.cfg: reload exits 0"
case "$out" in *"empty"*) pass "... and says the file is empty";; *) fail "reason: $out";; esac
expect_eq "... version A stays in force" "$(digest)" "$DA"
expect_ok "... and the allowed https passes" curl_ok
# The same by SIGHUP.
kill -HUP "$LAB_CD_PID"
sleep 1
expect_eq "SIGHUP with an empty file: version A stays in force" "$(digest)" "$DA"
# A file of comments only (cut before its lists): refused.
printf '# policy.cfg\n# being rewritten\n' | lab_save "$POL"
out=$(lab_ctl reload 2>&1); rc=$?
[ "$rc" -ne 0 ] && case "$out" in *"no flows list"*) true;; *) false;; esac &&
  pass "a file of comments only is refused: no flows list" || fail "comments only: exit $rc: $out"
expect_eq "... version A stays in force" "$(digest)" "$DA"

# Deny-all on purpose: flows = ( ); needs --allow-deny-all.
sed '/^flows = (/,$d' "$LAB_DIR/version-a" | { cat; echo 'flows = ( );'; } | lab_save "$POL"
out=$(lab_ctl reload 2>&1); rc=$?
[ "$rc" -ne 0 ] && pass "a policy that removes every flow: reload exits $rc" ||
  fail "a policy that removes every flow: reload exits 0"
case "$out" in *"--allow-deny-all"*) pass "... and names --allow-deny-all";; *) fail "reason: $out";; esac
expect_eq "... version A stays in force" "$(digest)" "$DA"
expect_ok "... the allowed https passes" curl_ok
kill -HUP "$LAB_CD_PID"
sleep 1
expect_eq "SIGHUP never applies deny-all" "$(digest)" "$DA"
expect_ok "reload --allow-deny-all applies it" lab_ctl reload --allow-deny-all
expect_eq "... the dataplane runs deny-all" \
  "$(lab_ctl status --json | jget 'd["policy"]["deny_all"]')" True
expect_fail "... and the https is cut" curl_ok
expect_fail "--allow-deny-all is for reload only" lab_ctl status --allow-deny-all
