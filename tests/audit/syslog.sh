#!/usr/bin/env bash
# Checkpoints off the box: a real rsyslogd (its own config, in a temp dir, imudp on a free
# 127.0.0.1 port, one output file in rsyslog's default file format) receives the writer's
# RFC 5424 checkpoint messages; `verify --from-syslog` reads that file back, accepts the
# untouched log and names a log whose tail was then cut or deleted.
#   syslog.sh BUNRI_AUDIT FLOWLOG_WRITER
set -euo pipefail
audit=$1
writer=$2
rsyslogd=$(command -v rsyslogd || true)
[ -x "$rsyslogd" ] || rsyslogd=/usr/sbin/rsyslogd
if [ ! -x "$rsyslogd" ]; then
	echo "SKIP: rsyslogd is not installed (deploy/install-deps.sh installs rsyslog)"
	exit 77
fi
work=$(mktemp -d)
rs_pid=
cleanup() {
	if [ -n "$rs_pid" ]; then kill "$rs_pid" 2>/dev/null || true; wait "$rs_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$work/syslog.log
cat > "$work/rsyslog.conf" <<EOF
global(workDirectory="$work" maxMessageSize="8k")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$port")
action(type="omfile" file="$out")
EOF
"$rsyslogd" -n -f "$work/rsyslog.conf" -i "$work/rsyslogd.pid" 2> "$work/rsyslogd.err" &
rs_pid=$!
# ready once a probe sent to it is in the file
for _ in $(seq 100); do
	python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
b"<14>1 - bunri-test probe - - - rsyslog-ready", ("127.0.0.1", int(sys.argv[1])))' "$port"
	grep -q rsyslog-ready "$out" 2>/dev/null && break
	kill -0 "$rs_pid" 2>/dev/null || { cat "$work/rsyslogd.err"; fail "rsyslogd did not start"; }
	sleep 0.1
done
grep -q rsyslog-ready "$out" || fail "rsyslogd on 127.0.0.1:$port wrote nothing"
echo "ok: rsyslogd (pid $rs_pid) listens on 127.0.0.1:$port"

"$audit" keygen --out-dir "$work/keys" >/dev/null
key=$work/keys/flowlog.key pub=$work/keys/flowlog.pub log=$work/log
w() { "$writer" --dir "$log" --key "$key" --syslog "127.0.0.1:$port" --checkpoint-ms 1000 \
	--tick-records 100 "$@"; }
# waits until syslog holds a checkpoint naming seq $1
wait_for() {
	for _ in $(seq 100); do
		grep -q "bunri-checkpoint 1 .* seq=$1 " "$out" && return 0
		sleep 0.1
	done
	fail "no checkpoint naming seq $1 reached syslog"
}
verify() {
	rc=0
	"$audit" verify --log-dir "$1" --pubkey "$pub" --from-syslog "$out" > "$work/v" 2>&1 || rc=$?
}
last_seq_of() { tail -n 1 "$1" | sed 's/^{"seq":\([0-9]*\),.*/\1/'; }

# a closed log: every segment sealed, the last seal's checkpoint names its end
w --records 3000 --rotate-bytes 200000 > /dev/null
wait_for 3001
n=$(grep -c 'bunri-checkpoint 1 ' "$out")
grep -Eq '^2026-03-31T23:33:[0-9.]*Z flowlog-writer bunri\[[0-9]+\]:? bunri-checkpoint 1 key=' "$out" ||
	{ head -n 3 "$out"; fail "rsyslog did not take the messages as RFC 5424 (host, app, procid)"; }
verify "$log"
[ "$rc" -eq 0 ] || { cat "$work/v"; fail "the untouched log does not verify against syslog"; }
echo "ok: $n checkpoints in syslog; $(grep '^checkpoints:' "$work/v")"

cp -a "$log" "$work/closed"
f=$(ls "$work/closed/flows"/*.jsonl | tail -1); rm "$f" "$f.sig"
end=$(last_seq_of "$(ls "$work/closed/flows"/*.jsonl | tail -1)")
verify "$work/closed"
[ "$rc" -eq 1 ] && grep -q "seq $end: truncated: the log ends at seq $end but a checkpoint signed at .* names seq 3001 " "$work/v" ||
	{ cat "$work/v"; fail "newest sealed segment deleted: not named against syslog"; }
echo "ok: newest sealed segment deleted: $(grep -m1 'the log ends at' "$work/v")"

# the writer goes on and is killed with its segment open; its tail is then cut
w --records 2000 --rotate-bytes 4000000 --no-close > /dev/null
f=$(ls "$log/flows"/*.jsonl | tail -1)
if [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then     # a line the kill tore
	head -n "$(wc -l < "$f")" "$f" > "$work/t"; cat "$work/t" > "$f"
fi
m=$(last_seq_of "$f")
wait_for "$m"
verify "$log"
[ "$rc" -eq 0 ] || { cat "$work/v"; fail "the crashed, untouched log does not verify against syslog"; }
head -n $(($(wc -l < "$f") - 20)) "$f" > "$work/t"; cat "$work/t" > "$f"
end=$(last_seq_of "$f")
verify "$log"
[ "$rc" -eq 1 ] && grep -q "seq $end: truncated: the log ends at seq $end but a checkpoint signed at .* names seq $m " "$work/v" ||
	{ cat "$work/v"; fail "last 20 lines of the open segment removed: not named against syslog"; }
echo "ok: open segment's last 20 lines removed: $(grep -m1 'the log ends at' "$work/v")"

kill "$rs_pid"
wait "$rs_pid" 2>/dev/null || true
rs_pid=
echo "ok: rsyslogd stopped"
