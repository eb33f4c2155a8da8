#!/bin/bash
# Replays one case of tests/pcap through bunri-replay and checks what came out.
# usage: run_case.sh BUNRI_REPLAY CASE_DIR OUT_DIR
#
# A case directory holds `inputs` (ZONE=FILE.pcap lines, in --in order), the pcaps,
# `expected.jsonl` (bunri-replay --expect), optional appliance.cfg/policy.cfg (else
# ../common/), and `checks`, one per line:
#   flows REGEX               some line of flows.jsonl matches (grep -E)
#   pcap ZONE N               ZONE.pcap holds N frames
#   pcapgrep ZONE REGEX       some frame of ZONE.pcap, as `tcpdump -env` prints it, matches
#   pcapcount ZONE REGEX N    exactly N frames of ZONE.pcap match
#   counter REGEX             counters.json, whitespace collapsed, matches
#   records MIN MAX REGEX     MIN to MAX lines of flows.jsonl match
#   denysum                   the deny records' counts add up to the drops counted
set -u

replay=$1
case_dir=$2
out=$3
common=$(dirname "$case_dir")/common
fail=0

cfg=$case_dir/appliance.cfg
[ -f "$cfg" ] || cfg=$common/appliance.cfg
pol=$case_dir/policy.cfg
[ -f "$pol" ] || pol=$common/policy.cfg

args=()
frames=0
while read -r line; do
	[ -n "$line" ] || continue
	args+=(--in "${line%%=*}=$case_dir/${line#*=}")
	n=$(tcpdump -nr "$case_dir/${line#*=}" 2>/dev/null | wc -l)
	frames=$((frames + n))
done < "$case_dir/inputs"

rm -rf "$out"
"$replay" --config "$cfg" --policy "$pol" "${args[@]}" --out "$out" \
	--expect "$case_dir/expected.jsonl" --quiet
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: bunri-replay exited $rc"
	exit 1
fi

got=$(wc -l < "$out/verdicts.jsonl")
if [ "$got" -ne "$frames" ]; then
	echo "FAIL: $got verdicts for $frames input frames"
	fail=1
fi

# One line per frame: tcpdump -v continues a frame on indented lines.
frames_of() {
	tcpdump -envr "$out/$1.pcap" 2>/dev/null |
		awk '/^[ \t]/ { line = line " " $0; next } { if (line != "") print line; line = $0 }
		     END { if (line != "") print line }'
}

while read -r kind rest; do
	case "$kind" in
	''|'#'*) continue ;;
	flows)
		grep -Eq -- "$rest" "$out/flows.jsonl" || { echo "FAIL: no flow record matches: $rest"; fail=1; } ;;
	pcap)
		zone=${rest%% *}; want=${rest#* }
		n=$(tcpdump -nr "$out/$zone.pcap" 2>/dev/null | wc -l)
		[ "$n" -eq "$want" ] || { echo "FAIL: $zone.pcap has $n frames, expected $want"; fail=1; } ;;
	pcapgrep)
		zone=${rest%% *}; re=${rest#* }
		frames_of "$zone" | grep -Eq -- "$re" || { echo "FAIL: no frame in $zone.pcap matches: $re"; fail=1; } ;;
	pcapcount)
		zone=${rest%% *}; rest=${rest#* }; re=${rest% *}; want=${rest##* }
		n=$(frames_of "$zone" | grep -Ec -- "$re")
		[ "$n" -eq "$want" ] || { echo "FAIL: $n frames in $zone.pcap match $re, expected $want"; fail=1; } ;;
	counter)
		tr -s ' \n' ' ' < "$out/counters.json" | grep -Eq -- "$rest" ||
			{ echo "FAIL: counters.json does not match: $rest"; fail=1; } ;;
	records)
		min=${rest%% *}; rest=${rest#* }; max=${rest%% *}; re=${rest#* }
		n=$(grep -Ec -- "$re" "$out/flows.jsonl")
		[ "$n" -ge "$min" ] && [ "$n" -le "$max" ] ||
			{ echo "FAIL: $n records match $re, expected $min to $max"; fail=1; } ;;
	denysum)
		drops=$(jq '[.zones[].drop[]] | add // 0' "$out/counters.json")
		read -r n packets < <(jq -rs '[.[] | select(.type == "deny")] |
			"\(length) \(map(.count) | add // 0)"' "$out/flows.jsonl")
		bytes=$(grep -F '"type":"deny"' "$out/flows.jsonl" | wc -c)
		echo "deny records: $n for $drops dropped packets, $bytes bytes of log lines"
		[ "$packets" -eq "$drops" ] ||
			{ echo "FAIL: deny records count $packets packets, $drops were dropped"; fail=1; } ;;
	*)
		echo "FAIL: unknown check: $kind $rest"; fail=1 ;;
	esac
done < "$case_dir/checks"

if [ $fail -ne 0 ]; then
	echo "outputs kept in $out"
	exit 1
fi
echo "ok: $(basename "$case_dir"): $frames frames"
