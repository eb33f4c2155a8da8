#!/usr/bin/env bash
# bunri-dataplane's start-up errors are sentences, and it exits 1: a port that does not
# exist, no worker lcore, an appliance.cfg that does not load. And it starts on good
# ports and stops cleanly on SIGTERM.
E2E_TAG=s
. "$(dirname "$0")/common.sh"

EAL=(--no-huge -m 256 --no-pci --no-telemetry --log-level 'lib.*:error' --file-prefix "${LAB}dp"
     --vdev net_null0,no-rx=1 --vdev net_null1,no-rx=1)
cfg() { # PORT0 PORT1
  cat >"$LAB_DIR/appliance.cfg" <<CFG
appliance = { name = "startup-test"; };
zones = {
  mynumber = { port = "$1"; address = "10.10.0.1/24"; networks = ["10.10.0.0/24"]; };
  lgwan    = { port = "$2"; address = "10.20.0.1/24"; networks = ["10.20.0.0/24"]; };
};
control = { socket = "$LAB_DIR/run/control.sock"; };
logging = { dir = "$LAB_DIR/log"; };
CFG
}
mkdir -p "$LAB_DIR/run"
dp() { timeout 30 "$BUILD/dataplane/daemon/bunri-dataplane" "${EAL[@]}" "$@" >"$LAB_DIR/out" 2>&1; }

cfg net_null0 net_null9
dp -l 0,1 -- --config "$LAB_DIR/appliance.cfg"
expect_eq "a missing port: exit 1" "$?" 1
expect_ok "... and the port is named" grep -q 'zone lgwan: port "net_null9" does not exist' "$LAB_DIR/out"

cfg net_null0 net_null1
dp -l 0 -- --config "$LAB_DIR/appliance.cfg"
expect_eq "no worker lcore: exit 1" "$?" 1
expect_ok "... and says to give two lcores" grep -q "no worker lcore" "$LAB_DIR/out"

dp -l 0,1 -- --config "$LAB_DIR/nonexistent.cfg"
expect_eq "an appliance.cfg that cannot be read: exit 1" "$?" 1
expect_ok "... and it is named" grep -q "nonexistent.cfg" "$LAB_DIR/out"

"$BUILD/dataplane/daemon/bunri-dataplane" "${EAL[@]}" -l 0,1 -- --config "$LAB_DIR/appliance.cfg" \
  >"$LAB_DIR/out" 2>&1 &
pid=$!
LAB_PIDS+=("$pid")
lab_wait_socket "$LAB_DIR/run/control.sock" "$pid" || fail "starts on good ports"
expect_eq "the socket is mode 0660" "$(stat -c %a "$LAB_DIR/run/control.sock")" 660
expect_eq "it starts deny-all" \
  "$("$BUILD/control/cli/bunrictl" status --json --socket "$LAB_DIR/run/control.sock" | jget 'd["policy"]["deny_all"], d["policy"]["rules"]')" "(True, 0)"
kill -TERM "$pid"
wait "$pid"
expect_eq "SIGTERM: exit 0" "$?" 0
expect_fail "the socket file is removed" test -e "$LAB_DIR/run/control.sock"
