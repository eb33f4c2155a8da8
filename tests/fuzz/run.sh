#!/usr/bin/env bash
# Runs every libFuzzer target briefly from its seeds.
# Usage: run.sh BUILD_DIR [SECONDS [SAMPLES_DIR]]
# BUILD_DIR is a tree configured with CC=clang and -Dfuzz=true. SAMPLES_DIR (optional) is
# where the sanitizer tests wrote their hostile samples (build/tests/sanitizer/hostile).
set -euo pipefail
build=$1
secs=${2:-30}
samples=${3:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BUNRI_SRCDIR=$src
# libconfig 1.5 and libgsf leak inside their own error paths: not ours to fix here.
export LSAN_OPTIONS=suppressions=$src/tests/fuzz/lsan.supp
# Full stacks for leaks: glib and libgsf have no frame pointers, and a suppression can
# only match a function the stack shows.
export ASAN_OPTIONS=fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}

# Seeds: the shipped policies for the loader, their compiled form for the decoder.
mkdir -p "$work/policy_load" "$work/cpolicy"
cp "$src"/deploy/examples/policy.cfg "$src"/tests/cli/policies/*.cfg "$work/policy_load/"
"$build/control/cli/bunrictl" check --config "$src/deploy/examples/appliance.cfg" \
  --policy "$src/deploy/examples/policy.cfg" --at 2026-11-22 \
  --output "$work/cpolicy/example.bin" >/dev/null

# fuzz_flowlog_line: record lines of each kind, as the writer formats them.
mkdir -p "$work/flowlog_line"
printf '%s' '{"seq":1,"type":"flow","start":"2026-06-01T00:00:00.001Z","end":"2026-06-01T00:00:00.008Z","from_zone":"mynumber","to_zone":"lgwan","src":"10.10.2.10","sport":40000,"dst":"10.20.5.10","dport":443,"proto":6,"src_mac":"52:54:00:00:10:fe","flow":"MN-LG-001","packets_out":5,"packets_in":3,"bytes_out":218,"bytes_in":139,"tcp_flags":27,"end_reason":"fin","reason":null,"count":0,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"1111111111111111111111111111111111111111111111111111111111111111"}' \
  >"$work/flowlog_line/flow"
printf '%s' '{"seq":2,"type":"deny","start":"2026-06-01T00:00:00.000Z","end":"2026-06-01T00:01:00.000Z","from_zone":"internet","to_zone":null,"src":"172.16.5.5","sport":0,"dst":"10.20.0.1","dport":53,"proto":17,"src_mac":"00:00:00:00:00:00","flow":null,"reason":"spoofed\u00e9","count":42,"prev":"aa","hash":"bb"}' \
  >"$work/flowlog_line/deny"

# fuzz_seal: a seal of each version, as the writer formats them (signatures made up).
mkdir -p "$work/seal"
body='segment flows-000000000001-20260601T000000Z.jsonl
first_seq 1
last_seq 20
records 20
bytes 10940
first_time 2026-06-01T00:00:00.000Z
last_time 2026-06-01T00:00:19.000Z
prev 0000000000000000000000000000000000000000000000000000000000000000
last 3a1f0000000000000000000000000000000000000000000000000000000000ff
signature 5d'$(printf '0%.0s' $(seq 1 126))
printf 'bunri-flowlog-seal 2\nkey 00112233445566778899aabbccddeeff\n%s\n' "$body" >"$work/seal/v2"
printf 'bunri-flowlog-seal 1\n%s\n' "$body" >"$work/seal/v1"

# fuzz_ctlproto: a message of each type with a payload, as the daemons send them.
mkdir -p "$work/ctlproto"
python3 - "$work/ctlproto" <<'PY'
import os, struct, sys
def msg(t, payload):
    return struct.pack("<IHHII", 0x49524E42, 2, t, 1, len(payload)) + payload
seeds = {
    "status": msg(4, b""),
    "flows": msg(6, bytes([2]) + struct.pack("<III", 0x0a140005, 0, 100) + b"MN-LG-001".ljust(64, b"\0")),
    "chunk": msg(3, struct.pack("<II", 10, 0) + b"0123456789"),
    "subscribe": msg(7, struct.pack("<QQ", 0x1234, 40)),
    "records": msg(8, struct.pack("<IQQ", 1, 0x1234, 41) + bytes(168)),
    "gap": msg(9, struct.pack("<QQQQQqq", 0x1234, 42, 46, 2, 3, 1000, 2000)),
    "ack": msg(13, struct.pack("<QQ", 0x1234, 46)),
    "heartbeat": msg(14, struct.pack("<QQQq", 0x1234, 46, 12, 3000)),
    "shutdown": msg(15, struct.pack("<QQQq", 0x1234, 46, 0, 4000)),
    "error": msg(1, struct.pack("<i", 22) + b"policy refused"),
}
for name, data in seeds.items():
    open(os.path.join(sys.argv[1], name), "wb").write(data)
PY

# fuzz_pipeline: each pcap case as one frame sequence, [ctl][len lo][len hi][frame]...,
# ctl = zone (0 mynumber, 1 lgwan, 2 internet) | 0x80 (address the zone's port MAC).
mkdir -p "$work/pipeline"
python3 - "$src/tests/pcap" "$work/pipeline" <<'PY'
import glob, os, struct, sys
zones = {"mynumber": 0, "lgwan": 1, "internet": 2}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*", "*.pcap"))):
    zone = zones.get(os.path.basename(path)[:-5])
    if zone is None:
        continue
    data = open(path, "rb").read()
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    out, off = bytearray(), 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 65536:
            out += bytes([0x80 | zone]) + struct.pack("<H", len(frame)) + frame
    case = os.path.basename(os.path.dirname(path))
    open(os.path.join(sys.argv[2], case + "-" + os.path.basename(path)), "wb").write(out)
PY

# The sanitizer's format targets: the shared corpus and the hostile samples, by
# extension, leaving out files over 1 MiB (a zip bomb teaches a fuzzer nothing).
corpus=$src/../shared/corpus/sanitizer
declare -A exts=([pdf]="pdf" [ooxml]="docx docm xlsx xlsm pptx pptm" [ole2]="doc xls ppt"
  [rtf]="rtf" [html]="html htm" [text]="csv txt" [image]="png jpg jpeg gif"
  [container]="zip tar 7z" [mail]="eml")
for name in "${!exts[@]}"; do
  mkdir -p "$work/$name"
  for ext in ${exts[$name]}; do
    for dir in "$corpus" "$samples"; do
      [ -n "$dir" ] && [ -d "$dir" ] || continue
      find "$dir" -type f -name "*.$ext" -size -1024k -exec cp -t "$work/$name/" {} + 2>/dev/null || true
    done
  done
done

# FUZZ_SEED (and FUZZ_RUNS) make a run repeatable: CI uses them, so a finding there is
# the same finding on a developer's machine, not luck of the draw.
fixed=()
[ -n "${FUZZ_SEED:-}" ] && fixed+=(-seed="$FUZZ_SEED")
[ -n "${FUZZ_RUNS:-}" ] && fixed+=(-runs="$FUZZ_RUNS")

status=0
for exe in "$build"/tests/fuzz/fuzz_* "$build"/tests/sanitizer/fuzz/fuzz_*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  name=${exe##*/fuzz_}
  # The sanitizer's parsers run in a child that exits after each file, so a leak there
  # cannot build up; crashes and memory errors still fail. The daemons' parsers
  # (policy, control, flow log, pipeline) live for months: their leaks count.
  leaks=()
  case $exe in */sanitizer/fuzz/*) leaks=(-detect_leaks=0) ;; esac
  mkdir -p "$work/$name"
  echo "== fuzz_$name for ${secs}s"
  if ! "$exe" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 "${fixed[@]}" "${leaks[@]}" \
       -artifact_prefix="$work/" "$work/$name" 2>"$work/$name.log"; then
    echo "fuzz_$name FAILED:"; tail -40 "$work/$name.log"; status=1
    cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* . 2>/dev/null || true
  else
    grep -E 'stat::number_of_executed_runs|cov:' "$work/$name.log" | tail -2
  fi
done
exit $status
