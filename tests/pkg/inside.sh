#!/usr/bin/env bash
# Runs inside the throwaway system booted by tests/pkg/systemd.sh, with systemd as PID 1,
# as a oneshot unit: installs the packages as an administrator would, starts the shipped
# units and checks what an installer would. One "PASS name" / "FAIL name" line each in
# /pkgtest/result, "DONE" last; then it powers the system off.
set -uo pipefail
exec >/pkgtest/inside.log 2>&1
R=/pkgtest/result
: >"$R"
pass() { echo "PASS $1" >>"$R"; echo "PASS $1"; }
fail() { echo "FAIL $1" >>"$R"; echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
finish() { echo DONE >>"$R"; systemctl --no-block poweroff; exit 0; }
trap finish EXIT

[ "$(ps -p 1 -o comm=)" = systemd ] && pass "systemd is PID 1" || fail "systemd is PID 1"
check "packages install" dpkg -i /pkgtest/debs/*.deb
check "user bunri and groups bunri, bunri-audit exist" \
  sh -c 'getent passwd bunri && getent group bunri && getent group bunri-audit' >/dev/null
check "flow-log key made by the package, 0600 bunri" \
  test "$(stat -c '%a %U' /etc/bunri/keys/flowlog.key)" = "600 bunri"
for p in bunrictl bunri-audit bunri-replay bunri-sanitize; do
  check "$p --version in /usr/bin" sh -c "/usr/bin/$p --version | grep -qx '$p [0-9.]*'"
done
for p in bunri-dataplane bunri-controld bunri-sanitizerd; do
  check "$p --version in /usr/sbin" sh -c "/usr/sbin/$p --version | grep -qx '$p [0-9.]*'"
done
check "man pages installed" test -f /usr/share/man/man8/bunrictl.8.gz -a \
  -f /usr/share/man/man5/appliance.cfg.5.gz

# The site's configuration, as README's installation steps write it; net_null ports
# (no-rx: they send nothing) stand in for the NICs.
ex=/usr/share/doc/bunri/examples
sed -e 's/"0000:3b:00.0"/"net_null0"/; s/"0000:3b:00.1"/"net_null1"/; s/"0000:3b:00.2"/"net_null2"/' \
  "$ex/appliance.cfg" >/etc/bunri/appliance.cfg
cp "$ex/policy.cfg" /etc/bunri/policy.cfg
echo 'BUNRI_EAL="-l 0,1 --no-huge -m 512 --no-pci --no-telemetry --vdev net_null0,no-rx=1 --vdev net_null1,no-rx=1 --vdev net_null2,no-rx=1"' \
  >/etc/bunri/dataplane.env
chown root:bunri /etc/bunri/*.cfg /etc/bunri/dataplane.env
chmod 0640 /etc/bunri/*.cfg /etc/bunri/dataplane.env

check "bunri-dataplane starts (Type=notify: ready)" systemctl start bunri-dataplane
check "bunri-controld starts (Type=notify: policy installed)" systemctl start bunri-controld
useradd -m -G bunri operator1
useradd -m -G bunri-audit auditor1
out=$(runuser -u operator1 -- bunrictl status 2>&1)
echo "$out"
check "bunrictl status answers an operator (group bunri)" \
  sh -c 'printf "%s" "$1" | grep -q "city-hall-seg01"' _ "$out"
check "the example policy is installed" sh -c 'printf "%s" "$1" | grep -qi "policy" &&
  ! printf "%s" "$1" | grep -qi "deny-all"' _ "$out"
check "an auditor cannot reload" sh -c '! runuser -u auditor1 -- bunrictl reload >/dev/null 2>&1'
check "an auditor reads the policy audit file" \
  runuser -u auditor1 -- test -r /var/log/bunri/policy-audit.jsonl

# A logging.dir outside /var/log/bunri: the unit's file system is read-only there, and
# the controller must say which unit setting opens it.
systemctl stop bunri-controld
install -d -o bunri -g bunri -m 0750 /srv/bunri-log
cp /etc/bunri/appliance.cfg /etc/bunri/appliance.cfg.orig
sed -i 's|^logging = { dir = "/var/log/bunri";|logging = { dir = "/srv/bunri-log";|' /etc/bunri/appliance.cfg
grep -q '^logging = { dir = "/srv/bunri-log";' /etc/bunri/appliance.cfg ||
  echo "FAIL the example's logging.dir was not found to change"
check "bunri-controld refuses an unlisted logging.dir" sh -c '! systemctl start bunri-controld'
check "... and names ReadWritePaths= of its unit" sh -c \
  'journalctl -u bunri-controld | grep -q "/srv/bunri-log/flows: Read-only file system; under systemd.*ReadWritePaths= of bunri-controld.service"'
mkdir -p /etc/systemd/system/bunri-controld.service.d
printf '[Service]\nReadWritePaths=/srv/bunri-log\n' >/etc/systemd/system/bunri-controld.service.d/log.conf
systemctl daemon-reload; systemctl reset-failed bunri-controld
check "with the drop-in it writes there" sh -c 'systemctl start bunri-controld &&
  test -d /srv/bunri-log/flows'
systemctl stop bunri-controld
mv /etc/bunri/appliance.cfg.orig /etc/bunri/appliance.cfg

# The sanitizer host's package, with the unit as shipped.
sanitize_one() { # $1: file name; prints where it ended: outbox, quarantine or nowhere
  local in=/var/lib/bunri/sanitizer/inbox
  for _ in $(seq 50); do [ -d "$in" ] && break; sleep 0.2; done
  printf 'Minutes of the council meeting.\nNothing active here.\n' >"$in/.$1"
  chown bunri:bunri "$in/.$1"; mv "$in/.$1" "$in/$1"
  for _ in $(seq 60); do
    [ -e "/var/lib/bunri/sanitizer/outbox/$1" ] && { echo outbox; return; }
    ls /var/lib/bunri/sanitizer/quarantine 2>/dev/null | grep -q "$1" && { echo quarantine; return; }
    sleep 0.5
  done
  echo nowhere
}
check "bunri-sanitizerd starts" systemctl start bunri-sanitizerd
where=$(sanitize_one minutes.txt)
check "a file dropped into the inbox comes out sanitized (got: $where)" test "$where" = outbox
# The regression the unit must never have again: RestrictNamespaces=yes quarantines all.
mkdir -p /etc/systemd/system/bunri-sanitizerd.service.d
printf '[Service]\nRestrictNamespaces=yes\n' \
  >/etc/systemd/system/bunri-sanitizerd.service.d/forbid.conf
systemctl daemon-reload; systemctl restart bunri-sanitizerd
where=$(sanitize_one minutes2.txt)
check "with RestrictNamespaces=yes the file is quarantined, not passed (got: $where)" \
  test "$where" = quarantine
rm -r /etc/systemd/system/bunri-sanitizerd.service.d; systemctl daemon-reload

for u in bunri-dataplane bunri-controld bunri-sanitizerd; do
  s=$(systemd-analyze security --no-pager "$u.service" 2>/dev/null | tail -1)
  echo "SCORE $u: $s" >>"$R"
done
journalctl --no-pager -u bunri-dataplane -u bunri-controld -u bunri-sanitizerd | tail -60
