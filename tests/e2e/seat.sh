#!/usr/bin/env bash
# The controller's seat is kept: a member of group bunri (a user this test creates and
# removes) who holds as many client slots of the dataplane's socket as it can, and asks
# without reading its replies, cannot keep a restarted controller out nor slow status;
# a revoking reload is applied (the traffic is cut), and a reload the dataplane refuses,
# or one made while the dataplane is away, exits non-zero and is audited "not applied".
E2E_TAG=h
. "$(dirname "$0")/common.sh"

MEMBER="bunrit$$"
CREATED_GROUP=
seat_cleanup() {
  touch "$LAB_DIR/holder.stop" 2>/dev/null
  [ -n "${HOLDER_PID:-}" ] && { wait "$HOLDER_PID" 2>/dev/null || kill -KILL "$HOLDER_PID" 2>/dev/null; }
  userdel "$MEMBER" 2>/dev/null
  [ -n "$CREATED_GROUP" ] && groupdel bunri 2>/dev/null
}
trap 'rc=$?; seat_cleanup; (exit $rc); e2e_finish' EXIT
if ! getent group bunri >/dev/null; then
  groupadd bunri || { fail "groupadd bunri"; exit 1; }
  CREATED_GROUP=1
fi
useradd -M -N -g bunri -s /usr/sbin/nologin "$MEMBER" || { fail "useradd $MEMBER"; exit 1; }
as_member() { setpriv --reuid="$MEMBER" --regid=bunri --init-groups "$@"; }
chmod o+x "$LAB_DIR"

e2e_lab
chmod o+x "$LAB_DIR/run"
[ "$(stat -c %G "$LAB_DIR/run/control.sock")" = bunri ] && pass "the socket belongs to group bunri" ||
  fail "socket group: $(stat -c %G "$LAB_DIR/run/control.sock")"
lab_http_server || fail "the HTTP server in lgwan listens"
curl_ok() { lab_in m curl -sS -m 3 -o /dev/null http://10.20.0.10:443/ 2>/dev/null; }
expect_ok "the allowed https passes" curl_ok
AUDIT="$LAB_DIR/log/policy-audit.jsonl"
audit_last() { tail -1 "$AUDIT" | jget "$1"; }

mkdir -p "$LAB_DIR/member" && chown "$MEMBER" "$LAB_DIR/member"
as_member /usr/bin/python3 "$BUNRI_SRCDIR/tests/e2e/seat_holder.py" "$LAB_DIR/run/control.sock" \
  "$LAB_DIR/holder.stop" "$LAB_DIR/member/holder.json" >>"$LAB_DIR/holder.log" 2>&1 &
HOLDER_PID=$!
sleep 3
kill -0 "$HOLDER_PID" && pass "the member holds what slots it can" || fail "the holder died: $(cat "$LAB_DIR/holder.log")"

t0=$(date +%s.%N)
lab_ctl status >/dev/null 2>"$LAB_DIR/status.err"; rc=$?
el=$(echo "$(date +%s.%N) - $t0" | bc)
echo "      bunrictl status (root) while the member holds slots: ${el} s"
expect_eq "root's status answers" "$rc" 0
[ "$(echo "$el < 2" | bc)" = 1 ] && pass "... within 2 s" || fail "status took ${el} s"
expect_ok "the member's own status answers too" as_member "$BUILD/control/cli/bunrictl" status \
  --socket "$LAB_DIR/run/control.sock"

# The controller restarts while the member holds the slots.
lab_stop "$LAB_CD_PID" || kill -KILL "$LAB_CD_PID"
n0=$(grep -c "policy installed" "$LAB_DIR/controld.log")
lab_start_controld || fail "bunri-controld starts again"
for _ in $(seq 1 100); do
  [ "$(grep -c "policy installed" "$LAB_DIR/controld.log")" -gt "$n0" ] && break
  sleep 0.1
done
[ "$(grep -c "policy installed" "$LAB_DIR/controld.log")" -gt "$n0" ] &&
  pass "the restarted controller gets in and installs the policy" ||
  fail "the restarted controller was kept out"
expect_eq "... and takes the records" "$(lab_ctl status --json | jget 'd["records"]["controller"]')" True

# A reload the dataplane refuses (appliance.cfg names another port: a restart is needed).
cp "$LAB_DIR/appliance.cfg" "$LAB_DIR/appliance.good"
lab_policy_cfg "$LAB_DIR/policy-revoked.cfg" no
sed 's/net_af_packet2/net_af_packet9/' "$LAB_DIR/appliance.good" | lab_save "$LAB_DIR/appliance.cfg"
lab_save "$LAB_DIR/policy.cfg" <"$LAB_DIR/policy-revoked.cfg"
out=$(lab_ctl reload 2>&1); rc=$?
[ "$rc" -ne 0 ] && pass "a reload the dataplane refuses exits $rc" || fail "a refused reload exits 0: $out"
case "$out" in *"NOT APPLIED"*) pass "... and says NOT APPLIED";; *) fail "reply: $out";; esac
expect_eq "... audited as not applied" "$(audit_last 'd["result"]')" "not applied"
audit_last 'd["reason"]' | grep -q "ports differ" && pass "... with the dataplane's reason" ||
  fail "audit reason: $(audit_last 'd.get("reason")')"
expect_eq "... never as removed" "$(audit_last 'd.get("removed")')" None
expect_ok "... and the old rules still let https pass" curl_ok

# The revoking reload, now applicable: applied, audited, and the traffic is cut.
lab_save "$LAB_DIR/appliance.cfg" <"$LAB_DIR/appliance.good"
expect_ok "the revoking reload is applied" lab_ctl reload
expect_eq "... audited as applied" "$(audit_last 'd["result"]')" applied
expect_eq "... MN-LG-001 removed" "$(audit_last 'd["removed"]')" "['MN-LG-001']"
expect_fail "... and the https is cut" curl_ok

# A reload while the dataplane is away: not applied, exit non-zero, audited.
lab_stop "$LAB_DP_PID" || kill -KILL "$LAB_DP_PID"
lab_policy_cfg "$LAB_DIR/policy.cfg" yes
out=$(lab_ctl reload 2>&1); rc=$?
[ "$rc" -ne 0 ] && pass "a reload while the dataplane is away exits $rc" ||
  fail "a reload without a dataplane exits 0: $out"
expect_eq "... audited as not applied" "$(audit_last 'd["result"]')" "not applied"
audit_last 'd["reason"]' | grep -q "not connected" && pass "... because it is not connected" ||
  fail "audit reason: $(audit_last 'd.get("reason")')"

touch "$LAB_DIR/holder.stop"
wait "$HOLDER_PID"
HOLDER_PID=
echo "      the member: $(cat "$LAB_DIR/member/holder.json" 2>/dev/null)"
expect_gt "the member kept connections open" \
  "$(jget 'd["max_open"]' <"$LAB_DIR/member/holder.json" 2>/dev/null)" 0
grep -q "closed after .* idle\|closed: it took none of its reply" "$LAB_DIR/dataplane.log" &&
  pass "the dataplane says which clients it closed" || fail "no word in dataplane.log about closed clients"
