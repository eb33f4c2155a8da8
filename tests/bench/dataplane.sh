#!/usr/bin/env bash
# bunri-dataplane against dpdk-testpmd --forward-mode=macswap, in the same run, on the
# same vdevs (net_pcap0 replaying a pcap forever -> net_null0), the same mbuf count and
# the same cores (-l 0,1: one forwarding/worker core). Prints figures; asserts nothing.
#   (a) established connections, 64-byte frames
#   (b) new connections against 10,000 rules (the first pass over N new tuples)
#   (c) N concurrent connections: the connection table's memory
#   (d) 100 reloads of the 10,000-rule policy under load: build time, packets lost
#   (e) a reload that revokes half of (b)'s connections: how soon the last one is cut
# usage: tests/bench/dataplane.sh [BUILD_DIR] [N_NEW (default 1000000)]
#   BENCH_HUGE=1: both programs take their memory from 2 MiB hugepages, as an installed
#   appliance does (reserve them first: dpdk-hugepages.py --pagesize 2M --setup 8G);
#   by default 4 KiB pages (--no-huge), which any machine has.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
N_NEW=${2:-1000000}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
DIR=$(mktemp -d /tmp/bunri-bench.XXXXXX)
PY=/usr/bin/python3
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

EAL=(--no-huge --no-pci --no-telemetry -l 0,1 --log-level 'lib.*:error')
# The control plane (controller, bunrictl, the status reader) stays on CPU 0 with the
# main lcore, as on an appliance whose worker cores are isolated: CPU 1 is the worker's.
HK=(taskset -c 0)
PAGES="4 KiB pages (--no-huge)"
if [ "${BENCH_HUGE:-0}" = 1 ]; then
  free_mb=$(awk '/HugePages_Free/ {f = $2} /Hugepagesize/ {s = $2} END {print int(f * s / 1024)}' /proc/meminfo)
  need_mb=$(( (N_NEW + 65536) * 2304 / 1048576 + 3072 + N_NEW / 1024 ))
  if [ "$free_mb" -lt "$need_mb" ]; then
    echo "BENCH_HUGE=1 needs $need_mb MiB of free hugepages, $free_mb MiB are free:"
    echo "  dpdk-hugepages.py --pagesize 2M --setup $(( (need_mb + 1023) / 1024 ))G"
    exit 1
  fi
  # --in-memory: hugepages without files, so nothing is left in /dev/hugepages.
  EAL=(--in-memory --no-pci --no-telemetry -l 0,1 --log-level 'lib.*:error')
  PAGES="2 MiB hugepages"
fi
$PY "$SRC/tests/bench/gen_dataplane.py" "$DIR" "$N_NEW"
mkdir -p "$DIR/run" "$DIR/log"
"$BUILD/control/audit/bunri-audit" keygen --out-dir "$DIR/keys" >/dev/null

# testpmd's receive rate on port 0, the median of its periodic figures after warm-up.
testpmd_rate() { # PCAP MBUFS MEM
  # Loading the pcap into mbufs (infinite_rx) takes a while for big ones.
  timeout -s INT $((SECONDS_PER_RUN + 6 + $2 / 50000)) dpdk-testpmd "${EAL[@]}" -m "$3" \
    --file-prefix "bench-tp-$$" --vdev "net_pcap0,rx_pcap=$1,infinite_rx=1" \
    --vdev net_null0,no-rx=1 -- --forward-mode=macswap --total-num-mbufs="$2" \
    --auto-start --stats-period 1 --nb-cores=1 >"$DIR/testpmd.out" 2>&1 || true
  $PY - "$DIR/testpmd.out" <<'PY'
import re, statistics, sys
text = open(sys.argv[1], errors="replace").read()
rates = [int(m) for m in re.findall(r"NIC statistics for port 0 .*?Rx-pps:\s+(\d+)", text, re.S)]
rates = [r for r in rates[2:] if r > 0] or [0]
print(int(statistics.median(rates)))
PY
}

start_dataplane() { # PCAP MBUFS MEM CONNECTIONS
  "$BUILD/dataplane/daemon/bunri-dataplane" "${EAL[@]}" -m "$3" --file-prefix "bench-dp-$$" \
    --vdev "net_pcap0,rx_pcap=$1,infinite_rx=1" --vdev net_null0,no-rx=1 \
    -- --config "$DIR/appliance.cfg" --mbufs "$2" --connections "$4" --busy-poll \
    >>"$DIR/dataplane.log" 2>&1 &
  DP=$!
  PIDS+=("$DP")
  for _ in $(seq 1 300); do [ -S "$DIR/run/control.sock" ] && return 0; sleep 0.1; done
  echo "bunri-dataplane did not start:"; cat "$DIR/dataplane.log"; exit 1
}
start_controld() {
  "${HK[@]}" "$BUILD/control/controld/bunri-controld" --config "$DIR/appliance.cfg" --policy "$DIR/policy.cfg" \
    >>"$DIR/controld.log" 2>&1 &
  CD=$!
  PIDS+=("$CD")
  for _ in $(seq 1 300); do grep -q "policy installed" "$DIR/controld.log" && return 0; sleep 0.1; done
  echo "bunri-controld did not install the policy:"; cat "$DIR/controld.log"; exit 1
}
stop() { kill -TERM "$1"; wait "$1" 2>/dev/null || true; rm -f "$DIR/run/"*.sock; }
stat() { "${HK[@]}" $PY "$SRC/tests/bench/dpstat.py" "$DIR/run/control.sock" "$@"; }
ratio() { $PY -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"; }
mpps() { $PY -c "import sys; print(f'{float(sys.argv[1]) / 1e6:.2f} Mpps')" "$1"; }

echo "bunri-dataplane vs dpdk-testpmd macswap: 1 core, net_pcap (infinite_rx) -> net_null"
echo "policy: 1,000 flows, 10,000 rules; $(nproc) CPUs on this machine; memory on $PAGES"

# (a) established connections, 64-byte frames.
MB=16384
tp=$(testpmd_rate "$DIR/est.pcap" $MB 1024)
start_dataplane "$DIR/est.pcap" $MB 1024 65536
start_controld
sleep 3   # past the install and the controller's first records
dp=$(stat rate "$SECONDS_PER_RUN")
echo
echo "(a) established, 64 B:  bunri $(mpps "$dp")  testpmd $(mpps "$tp")  ratio $(ratio "$dp" "$tp")  (target >= 0.85)"

# (d) reloads under load, on the same run.
before=$(stat get 'sum(sum(z["drops"].values()) for z in d["zones"]) + d["tx_dropped"]')
rx0=$(stat get 'sum(z["rx_packets"] for z in d["zones"])')
t0=$(date +%s%N)
for _ in $(seq 1 100); do
  "${HK[@]}" "$BUILD/control/cli/bunrictl" reload --config "$DIR/appliance.cfg" >/dev/null
done
t1=$(date +%s%N)
after=$(stat get 'sum(sum(z["drops"].values()) for z in d["zones"]) + d["tx_dropped"]')
rx1=$(stat get 'sum(z["rx_packets"] for z in d["zones"])')
echo "(d) 100 reloads of 10,000 rules under load"
echo "    per reload (bunrictl reload: check, compile, ship, build, swap): $(( (t1 - t0) / 100 / 1000000 )) ms"
echo "    dataplane table build: last $(stat get 'd["policy"]["build_us_last"] // 1000') ms, max $(stat get 'd["policy"]["build_us_max"] // 1000') ms; RCU wait $(stat get 'd["policy"]["swap_us_last"]') us"
echo "    $((rx1 - rx0)) packets received meanwhile, lost (dropped or not sent): $((after - before))  (target 0)"
echo "    generation now $(stat get 'd["policy"]["generation"]')"
stop "$DP"
stop "$CD"

# (b) and (c): N new connections.
MB=$((N_NEW + 65536))
MEM=$(( (MB * 2304 / 1048576) + 3072 + N_NEW / 1024 ))
tp=$(testpmd_rate "$DIR/new.pcap" $MB $MEM)
start_dataplane "$DIR/new.pcap" $MB $MEM $((N_NEW + N_NEW / 8))
"${HK[@]}" "$BUILD/control/controld/bunri-controld" --config "$DIR/appliance.cfg" --policy "$DIR/policy.cfg" \
  >>"$DIR/controld.log" 2>&1 &
CD=$!
PIDS+=("$CD")
dp=$(stat opened "$N_NEW")
echo
echo "(b) new connections, 10,000 rules: bunri $(mpps "$dp") (connections/s, first pass)  testpmd $(mpps "$tp")  ratio $(ratio "$dp" "$tp")  (target >= 5 Mpps)"
sleep 1
echo "(c) $(stat get 'd["connections"]["live"]') concurrent connections: table $(stat get 'd["connections"]["table_bytes"] // 1048576') MiB (capacity $(stat get 'd["connections"]["capacity"]'))  (target <= 256 MiB for 1M)"
dp=$(stat rate "$SECONDS_PER_RUN")
echo "    then established over $N_NEW connections: bunri $(mpps "$dp")"

# (e) flows B0500-B0999 go: connection n belongs to flow n % 1000. The pcap keeps
# replaying, so a connection's next packet may cut it before the sweep reaches it (the
# sweep passes the whole table every 0.8 s; bench_pipeline prints its cost per entry).
closed0=$(stat get 'd["connections"]["closed"]')
gone=$(( N_NEW / 1000 * 500 + (N_NEW % 1000 > 500 ? N_NEW % 1000 - 500 : 0) ))
cp "$DIR/policy-half.cfg" "$DIR/policy.cfg"
t0=$(date +%s%N)
"${HK[@]}" "$BUILD/control/cli/bunrictl" reload --config "$DIR/appliance.cfg" >/dev/null
t1=$(date +%s%N)
ms=$(stat closed $((closed0 + gone)))
echo "(e) a reload revoking $gone of $N_NEW connections under load: bunrictl reload took $(( (t1 - t0) / 1000000 )) ms (the new tables are built and swapped in it); the last connection was cut $ms ms after it returned  (target: within 1 s)"
stop "$DP"
stop "$CD"
