#!/usr/bin/env bash
# Hostile control messages (ctlsock.py) against the running daemons; the packet path
# keeps forwarding and the running policy stays.
E2E_TAG=c
. "$(dirname "$0")/common.sh"

e2e_lab
lab_http_server || fail "the HTTP server in lgwan listens"
if /usr/bin/python3 "$BUNRI_SRCDIR/tests/e2e/ctlsock.py" "$LAB_DIR/run/control.sock" \
    "$LAB_DIR/run/controld.sock"; then
  pass "every hostile message got an error reply"
else
  fail "hostile messages"
fi
expect_ok "the dataplane still forwards: curl mynumber -> lgwan" \
  lab_in m curl -sS -m 5 -o /dev/null http://10.20.0.10:443/
expect_ok "bunri-dataplane is still running" kill -0 "$LAB_DP_PID"
expect_ok "bunri-controld is still running" kill -0 "$LAB_CD_PID"
# A client that gives up on permission: a socket path nobody listens on.
out=$("$BUILD/control/cli/bunrictl" status --socket "$LAB_DIR/run/nothing.sock" 2>&1)
expect_eq "bunrictl says when the dataplane is not running" "$?" 2
case "$out" in *"bunri-dataplane is not running"*) pass "... in words";; *) fail "message: $out";; esac
# An operator outside the group bunri (here: nobody) is told so.
if command -v setpriv >/dev/null; then
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$BUILD/control/cli/bunrictl" status --socket "$LAB_DIR/run/control.sock" 2>&1)
  expect_eq "bunrictl as nobody exits 2" "$?" 2
  case "$out" in *"permission denied"*"group bunri"*) pass "... and says permission denied";;
    *) fail "permission message: $out";; esac
fi
# Policies and the record stream are the controller's: an operator in group bunri who
# is neither root nor user bunri (here nobody, the socket opened to it by the test) is
# refused both, and may still query.
if command -v setpriv >/dev/null && ! id -u bunri 2>/dev/null | grep -qx 65534; then
  chmod o+x "$LAB_DIR" "$LAB_DIR/run"
  chmod o+rw "$LAB_DIR/run/control.sock"
  if setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 \
      "$BUNRI_SRCDIR/tests/e2e/ctlsock.py" --operator "$LAB_DIR/run/control.sock"; then
    pass "an operator may not install a policy or take the record stream"
  else
    fail "an operator's policy or subscription"
  fi
  chmod o-rw "$LAB_DIR/run/control.sock"
  expect_eq "the controller still takes the records" \
    "$(lab_ctl status --json | jget 'd["records"]["controller"]')" True
fi
