# A three-zone lab in network namespaces, sourced by deploy/demo.sh and tests/e2e/.
# One namespace per zone with one host each, and one for the appliance, joined by veth
# pairs; bunri-dataplane drives the appliance ends through DPDK's net_af_packet.
# Everything it creates carries a per-run prefix and lab_cleanup removes it all.
#
#   zone      host namespace   host address(es)             appliance end
#   mynumber  ${LAB}m          10.10.0.10                   ${LAB}M (10.10.0.1)
#   lgwan     ${LAB}l          10.20.0.10, 10.20.0.20       ${LAB}L (10.20.0.1)
#   internet  ${LAB}i          172.16.0.10                  ${LAB}I (172.16.0.1)
#
# With LAB_LGWAN_PORTS=2, lgwan has a second port: 10.20.0.20 moves to its own segment,
# namespace ${LAB}k, behind the appliance end ${LAB}K (net_af_packet3).
#
# Needs: LAB (a short unique prefix), LAB_DIR (a scratch directory), BUILD (build dir).

LAB_PIDS=()

lab_ns() { echo "${LAB}$1"; }          # lab_ns m|l|i|a
lab_in() { local ns; ns=$(lab_ns "$1"); shift; ip netns exec "$ns" "$@"; }
# lab_bg NS OUTFILE CMD...: CMD in NS in the background, stdout and stderr to OUTFILE;
# LAB_BG is its pid (the command's own: ip netns exec execs it), also cleaned up.
lab_bg() {
  local ns out=$2
  ns=$(lab_ns "$1")
  shift 2
  ip netns exec "$ns" "$@" >>"$out" 2>&1 &
  LAB_BG=$!
  LAB_PIDS+=("$LAB_BG")
}

lab_cleanup() {
  local p
  # One at a time, in start order: the dataplane flushes its records to the controller
  # before the controller stops.
  for p in "${LAB_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || continue
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  LAB_PIDS=()
  for n in m l k i a; do
    ip netns pids "$(lab_ns $n)" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$(lab_ns $n)" 2>/dev/null || true
    rm -rf "/etc/netns/$(lab_ns $n)"
  done
}

lab_quiet_ns() {
  # Name lookups stay on the namespace's own loopback: `ip netns exec` mounts these
  # files over /etc, so a client or server that resolves (python's http.server asks for
  # its own name) never sends a query towards the machine's real resolver.
  mkdir -p "/etc/netns/$(lab_ns "$1")"
  echo "nameserver 127.0.0.1" >"/etc/netns/$(lab_ns "$1")/resolv.conf"
  printf '127.0.0.1 localhost\n' >"/etc/netns/$(lab_ns "$1")/hosts"
  lab_in "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
  lab_in "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
  lab_in "$1" ip link set lo up
}

# lab_link ZONE_LETTER HOST_ADDR/LEN GATEWAY
lab_link() {
  local z=$1 addr=$2 gw=$3 up
  up=$(echo "$z" | tr 'a-z' 'A-Z')
  ip link add "${LAB}${z}h" type veth peer name "${LAB}${up}"
  ip link set "${LAB}${z}h" netns "$(lab_ns "$z")"
  ip link set "${LAB}${up}" netns "$(lab_ns a)"
  lab_in "$z" ip link set "${LAB}${z}h" name eth0
  lab_in "$z" ip addr add "$addr" dev eth0
  lab_in "$z" ip link set eth0 up
  lab_in "$z" ip route add default via "$gw"
  lab_in a ip link set "${LAB}${up}" up
  # Frames must leave the hosts with real checksums: DPDK forwards what it reads.
  lab_in "$z" ethtool -K eth0 tx off rx off >/dev/null 2>&1 || true
  lab_in a ethtool -K "${LAB}${up}" tx off rx off >/dev/null 2>&1 || true
}

lab_setup() {
  local n
  for n in m l i a $([ "${LAB_LGWAN_PORTS:-1}" = 2 ] && echo k); do
    ip netns add "$(lab_ns $n)"
    lab_quiet_ns $n
  done
  lab_link m 10.10.0.10/24 10.10.0.1
  lab_link l 10.20.0.10/24 10.20.0.1
  if [ "${LAB_LGWAN_PORTS:-1}" = 2 ]; then
    lab_link k 10.20.0.20/24 10.20.0.1
  else
    lab_in l ip addr add 10.20.0.20/24 dev eth0
  fi
  lab_link i 172.16.0.10/24 172.16.0.1
  # net_af_packet has the kernel reassemble fragments before the dataplane sees them;
  # with no reassembly memory the kernel drops them instead (README, Known limits).
  lab_in a sysctl -qw net.ipv4.ipfrag_low_thresh=0
  lab_in a sysctl -qw net.ipv4.ipfrag_high_thresh=0
  mkdir -p "$LAB_DIR/run" "$LAB_DIR/log" "$LAB_DIR/keys"
}

# lab_save FILE: stdin becomes FILE through a rename (a new file in the same directory,
# fsynced, then moved over FILE), the way every config file is saved: a reload sees the
# old file or the new one, never half of one.
lab_save() {
  local tmp
  tmp=$(mktemp "$(dirname "$1")/.$(basename "$1").XXXXXX") || return 1
  if cat >"$tmp" && chmod 0644 "$tmp" && sync "$tmp" && mv -f "$tmp" "$1"; then return 0; fi
  rm -f "$tmp"
  return 1
}

# Writes $LAB_DIR/appliance.cfg for the lab's ports.
lab_appliance_cfg() {
  local ipfix="" lgwan_port='"net_af_packet1"'
  [ "${LAB_LGWAN_PORTS:-1}" = 2 ] && lgwan_port='["net_af_packet1", "net_af_packet3"]'
  # LAB_IPFIX_PORT: a live IPFIX collector on loopback.
  if [ -n "${LAB_IPFIX_PORT:-}" ]; then
    ipfix="ipfix = ( { address = \"127.0.0.1\"; port = $LAB_IPFIX_PORT; } );"
  fi
  lab_save "$LAB_DIR/appliance.cfg" <<EOF
appliance = { name = "lab-city-hall"; model = "network namespaces, net_af_packet"; };
zones = {
  mynumber = { port = "net_af_packet0"; address = "10.10.0.1/24"; networks = ["10.10.0.0/24"]; ping = true; };
  lgwan    = { port = $lgwan_port; address = "10.20.0.1/24"; networks = ["10.20.0.0/24"]; ping = true; };
  internet = { port = "net_af_packet2"; address = "172.16.0.1/24"; networks = ["172.16.0.0/24"]; };
};
timeouts = { tcp_established = 600; tcp_transitory = 30; udp = 60; icmp = 10; };
control = { socket = "$LAB_DIR/run/control.sock"; };
logging = { dir = "$LAB_DIR/log"; key = "$LAB_DIR/keys/flowlog.key"; fsync_ms = 100;
            $ipfix };
EOF
}

# lab_policy_cfg FILE [with-mn-lg]: the lab's policy, with or without flow MN-LG-001.
lab_policy_cfg() {
  local file=$1 with=${2:-yes} from until
  from=$(TZ=Asia/Tokyo date -d '-1 day' +%Y-%m-%d)
  until=$(TZ=Asia/Tokyo date -d '+200 days' +%Y-%m-%d)
  {
    cat <<EOF
hosts = {
  atena-server    = { address = "10.10.0.10";  description = "団体内統合宛名システム"; };
  chukan-gw       = { address = "10.20.0.10";  description = "中間サーバー接続端末"; };
  lgwan-pc        = { address = "10.20.0.20";  description = "LGWAN系 職員端末"; };
  virtual-browser = { address = "172.16.0.10"; description = "仮想ブラウザ基盤"; };
};
services = { https = "tcp/443"; ping = "icmp/echo"; rdp = "tcp/3389"; };
flows = (
EOF
    if [ "$with" = yes ]; then
      cat <<EOF
  { id = "MN-LG-001"; purpose = "宛名システムから中間サーバーへの情報連携";
    from = "mynumber:atena-server"; to = "lgwan:chukan-gw"; services = ["https", "ping"];
    approved_by = "情報政策課長 決裁第123号"; valid_from = "$from"; valid_until = "$until"; },
EOF
    fi
    cat <<EOF
  { id = "LG-IN-010"; purpose = "LGWAN系端末から仮想ブラウザへの画面転送";
    from = "lgwan:lgwan-pc"; to = "internet:virtual-browser"; services = ["rdp"];
    approved_by = "CISO 承認 2026-情-031"; valid_from = "$from"; valid_until = "$until"; }
);
EOF
  } | lab_save "$file"
}

# lab_start_dataplane [extra dataplane args...]: in the appliance namespace. With
# LAB_WORKERS=N (default 1), N worker lcores (sharing the second CPU) and N queue pairs
# per port, spread by the kernel's symmetric fanout hash.
lab_start_dataplane() {
  local w=${LAB_WORKERS:-1} lcores="0@0" q="" extra=()
  for i in $(seq 1 "$w"); do lcores="$lcores,$i@$(( $(nproc) > 1 ? 1 : 0 ))"; done
  [ "$w" -gt 1 ] && q=",qpairs=$w"
  [ "${LAB_LGWAN_PORTS:-1}" = 2 ] && extra=(--vdev "net_af_packet3,iface=${LAB}K$q")
  lab_bg a "$LAB_DIR/dataplane.log" "$BUILD/dataplane/daemon/bunri-dataplane" --no-huge -m 512 --no-pci --no-telemetry \
    --file-prefix "${LAB}dp" --lcores "$lcores" --log-level 'lib.*:error' \
    --vdev "net_af_packet0,iface=${LAB}M$q" --vdev "net_af_packet1,iface=${LAB}L$q" \
    --vdev "net_af_packet2,iface=${LAB}I$q" "${extra[@]}" \
    -- --config "$LAB_DIR/appliance.cfg" "$@"
  LAB_DP_PID=$LAB_BG
  lab_wait_socket "$LAB_DIR/run/control.sock" "$LAB_DP_PID" || return 1
}

lab_start_controld() {
  "$BUILD/control/controld/bunri-controld" --config "$LAB_DIR/appliance.cfg" \
    --policy "$LAB_DIR/policy.cfg" >>"$LAB_DIR/controld.log" 2>&1 &
  LAB_CD_PID=$!
  LAB_PIDS+=("$LAB_CD_PID")
  lab_wait_socket "$LAB_DIR/run/controld.sock" "$LAB_CD_PID" || return 1
}

# lab_wait_socket PATH PID: until PATH is a socket, or PID died (20 s at most).
lab_wait_socket() {
  for _ in $(seq 1 200); do
    [ -S "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# lab_stop PID: SIGTERM and wait for it to exit.
lab_stop() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

lab_keygen() {
  "$BUILD/control/audit/bunri-audit" keygen --out-dir "$LAB_DIR/keys" >/dev/null
}

# An HTTP server in the lgwan namespace on 10.20.0.10:443 serving LAB_DIR/www.
lab_http_server() {
  mkdir -p "$LAB_DIR/www"
  echo "中間サーバー: hello from lgwan" >"$LAB_DIR/www/index.html"
  lab_bg l "$LAB_DIR/http.log" /usr/bin/python3 -u -m http.server 443 --bind 10.20.0.10 \
    --directory "$LAB_DIR/www"
  LAB_HTTP_PID=$LAB_BG
  for _ in $(seq 1 100); do
    lab_in l ss -Hltn 'sport = :443' | grep -q LISTEN && return 0
    sleep 0.1
  done
  return 1
}

lab_ctl() { "$BUILD/control/cli/bunrictl" "$1" --config "$LAB_DIR/appliance.cfg" "${@:2}"; }
