#!/bin/bash
# bunri-replay refuses bad input with a clear message and exit code 2, and reports
# verdicts that differ from --expect with exit code 1.
# usage: errors.sh BUNRI_REPLAY PCAP_TEST_DIR WORK_DIR
set -u

replay=$1
src=$2
work=$3
cfg=$src/common/appliance.cfg
pol=$src/common/policy.cfg
good=$src/tcp_allowed/mynumber.pcap
fail=0

rm -rf "$work"
mkdir -p "$work"

# expect_run NAME WANT_STATUS MESSAGE_REGEX ARGS...
expect_run() {
	local name=$1 want=$2 re=$3
	shift 3
	"$replay" "$@" > "$work/$name.out" 2>&1
	local rc=$?
	if [ $rc -ne "$want" ]; then
		echo "FAIL: $name: exit $rc, expected $want"; cat "$work/$name.out"; fail=1
	elif ! grep -Eq -- "$re" "$work/$name.out"; then
		echo "FAIL: $name: message does not match /$re/:"; cat "$work/$name.out"; fail=1
	else
		echo "ok: $name"
	fi
}

expect_run usage 2 "usage: bunri-replay" --config "$cfg" --policy "$pol"
expect_run unknown-zone 2 'unknown zone "dmz"' --config "$cfg" --policy "$pol" \
	--in dmz="$good" --out "$work/o"
expect_run no-equals 2 "write ZONE=FILE.pcap" --config "$cfg" --policy "$pol" \
	--in "$good" --out "$work/o"
expect_run missing-pcap 2 "nothing.pcap: cannot read as pcap" --config "$cfg" --policy "$pol" \
	--in mynumber="$work/nothing.pcap" --out "$work/o"

printf 'this is not a capture file\n' > "$work/garbage.pcap"
expect_run garbage-pcap 2 "garbage.pcap: cannot read as pcap" --config "$cfg" --policy "$pol" \
	--in mynumber="$work/garbage.pcap" --out "$work/o"

# A pcap header for link type 101 (raw IP), no frames.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x65\x00\x00\x00' \
	> "$work/raw.pcap"
expect_run not-ethernet 2 "raw.pcap: link type RAW \\([0-9]+\\), only Ethernet" --config "$cfg" \
	--policy "$pol" --in mynumber="$work/raw.pcap" --out "$work/o"
# Link type 4242, which no name belongs to: its number is named.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x92\x10\x00\x00' \
	> "$work/odd.pcap"
expect_run unknown-link 2 "odd.pcap: link type 4242 \\(unknown\\), only Ethernet" --config "$cfg" \
	--policy "$pol" --in mynumber="$work/odd.pcap" --out "$work/o"

# A capture cut in the middle of its last frame: the complete frames are replayed, their
# verdicts, records and counters written, then the cut is reported with exit 2.
good_size=$(stat -c %s "$good")
head -c $((good_size - 10)) "$good" > "$work/cut.pcap"
expect_run cut-capture 2 "cut.pcap: frame [0-9]+: .*the outputs cover the frames before it" \
	--config "$cfg" --policy "$pol" --in mynumber="$work/cut.pcap" --out "$work/cut"
whole=$(tcpdump -nr "$good" 2>/dev/null | wc -l)
got=$(wc -l < "$work/cut/verdicts.jsonl" 2>/dev/null || echo 0)
if [ "$got" -ne $((whole - 1)) ] || [ ! -s "$work/cut/counters.json" ] ||
   ! grep -q '"type":"flow"' "$work/cut/flows.jsonl"; then
	echo "FAIL: cut-capture: $got verdicts of $((whole - 1)) complete frames, counters.json" \
		"and flow records must be written"; fail=1
fi

# pcapng with Ethernet is read like pcap (scapy writes it: python3-scapy).
/usr/bin/python3 -c 'import sys; from scapy.utils import rdpcap, wrpcapng; wrpcapng(sys.argv[2], rdpcap(sys.argv[1]))' \
	"$good" "$work/good.pcapng"
"$replay" --config "$cfg" --policy "$pol" --in mynumber="$work/good.pcapng" \
	--out "$work/ng" --quiet > "$work/pcapng.out" 2>&1
ng=$?
"$replay" --config "$cfg" --policy "$pol" --in mynumber="$good" --out "$work/pcap" --quiet \
	>> "$work/pcapng.out" 2>&1
if [ $ng -ne 0 ] || [ "$(wc -l < "$work/ng/verdicts.jsonl")" -ne "$whole" ] ||
   ! cmp -s "$work/ng/verdicts.jsonl" "$work/pcap/verdicts.jsonl"; then
	echo "FAIL: pcapng input gives other verdicts than the same frames in pcap"
	cat "$work/pcapng.out"; fail=1
else
	echo "ok: pcapng"
fi

# Guard rail 1: no flow between mynumber and internet.
sed 's/to = "lgwan:chukan-gw"; services = \["https"\]/to = "internet:virtual-browser"; services = ["https"]/' \
	"$pol" > "$work/bad-policy.cfg"
expect_run bad-policy 2 "does not pass bunrictl check" --config "$cfg" --policy "$work/bad-policy.cfg" \
	--in mynumber="$good" --out "$work/o"
expect_run missing-policy 2 "does not pass bunrictl check" --config "$cfg" \
	--policy "$work/none.cfg" --in mynumber="$good" --out "$work/o"

# An appliance without an internet zone: frames for it have no port to arrive on.
sed -e '/^  internet = {/,/^  };/d' -e '/^sanitizer/d' "$cfg" > "$work/two-zones.cfg"
cat > "$work/two-zones-policy.cfg" <<'POLICY'
hosts = { a = { address = "10.10.2.10"; mac = "52:54:00:10:02:0a"; };
          b = { address = "10.20.5.10"; mac = "52:54:00:20:05:0a"; }; };
services = { https = "tcp/443"; };
flows = ( { id = "MN-LG-001"; purpose = "test"; from = "mynumber:a"; to = "lgwan:b";
            services = ["https"]; approved_by = "test"; valid_from = "2026-04-01";
            valid_until = "2027-03-31"; } );
POLICY
expect_run zone-not-configured 2 "two-zones.cfg has no zone internet" --config "$work/two-zones.cfg" \
	--policy "$work/two-zones-policy.cfg" --in internet="$src/spoofed/internet.pcap" --out "$work/o"

printf '{"zone":"mynumber","index":0,"verdict":"drop","reason":"no-rule"}\n{"zone":"mynumber","index":99,"verdict":"drop"}\n' \
	> "$work/wrong.jsonl"
expect_run mismatch 1 "mynumber frame 0: got forward to=lgwan flow=MN-LG-001 reason=new, expected drop" \
	--config "$cfg" --policy "$pol" --in mynumber="$good" --out "$work/o" --expect "$work/wrong.jsonl"
grep -q "mynumber frame 99: no such frame" "$work/mismatch.out" ||
	{ echo "FAIL: a missing frame is not reported"; fail=1; }

printf '{"zone":"mynumber","index":0}\nnot json\n' > "$work/broken.jsonl"
expect_run bad-expect 2 'broken.jsonl:2: not a JSON object' --config "$cfg" --policy "$pol" \
	--in mynumber="$good" --out "$work/o" --expect "$work/broken.jsonl"
grep -q 'broken.jsonl:1: "verdict" must be' "$work/bad-expect.out" ||
	{ echo "FAIL: every bad line of --expect is reported"; fail=1; }

exit $fail
