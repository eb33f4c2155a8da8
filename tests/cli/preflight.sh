#!/usr/bin/env bash
# bunrictl preflight on a made-up server (--root: its /sys and /proc): everything in
# place answers exit 0; each missing piece is named on its own MISSING line with exit 1.
# Usage: preflight.sh BUNRICTL SRCDIR
set -u
bunrictl=$1
src=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
no() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/    /' "$T/out"; }
run() { "$bunrictl" preflight --config "$T/appliance.cfg" --policy "$T/policy.cfg" \
          --root "$T/root" --user "$(id -un)" >"$T/out" 2>&1; }
expect() { # name want-exit regex
  run; local got=$?
  if [ "$got" -eq "$2" ] && grep -Eq -- "$3" "$T/out"; then ok "$1"; else
    no "$1: exit $got (want $2), want a line /$3/"; fi
}

# A server with everything: IOMMU groups, vfio-pci, hugepages, three NICs on vfio-pci.
good() {
  rm -rf "$T/root" "$T/log" "$T/keys"
  mkdir -p "$T/root/sys/kernel/iommu_groups/"{0,1,2} "$T/root/sys/bus/pci/drivers/vfio-pci" \
    "$T/root/sys/bus/pci/drivers/ixgbe" "$T/root/proc"
  for f in 0 1 2; do
    mkdir -p "$T/root/sys/bus/pci/devices/0000:3b:00.$f"
    ln -s ../../drivers/vfio-pci "$T/root/sys/bus/pci/devices/0000:3b:00.$f/driver"
  done
  printf 'MemTotal: 1000 kB\nHugePages_Total:    1024\nHugepagesize:       2048 kB\n' \
    >"$T/root/proc/meminfo"
  mkdir -p "$T/keys" "$T/log"
  : >"$T/keys/flowlog.key"; chmod 0600 "$T/keys/flowlog.key"; chmod 0750 "$T/log"
  # the example's logging group (over several lines), replaced by one of the test's
  awk -v dir="$T/log" -v key="$T/keys/flowlog.key" '
    /^logging = / { skip = 1; depth = 0 }
    skip { depth += gsub(/{/, "{") - gsub(/}/, "}");
           if (depth == 0) { skip = 0; printf "logging = { dir = \"%s\"; key = \"%s\"; };\n", dir, key }
           next }
    { print }' "$src/deploy/examples/appliance.cfg" >"$T/appliance.cfg"
  cp "$src/deploy/examples/policy.cfg" "$T/policy.cfg"
  chmod 0640 "$T/appliance.cfg" "$T/policy.cfg"
}

good; expect "a prepared server: nothing missing" 0 '^0 missing$'
good; rm -r "$T/root/sys/kernel/iommu_groups/"*
expect "no IOMMU groups" 1 '^MISSING +IOMMU: 0 groups.*intel_iommu=on iommu=pt'
good; rm -r "$T/root/sys/bus/pci/drivers/vfio-pci"
expect "vfio-pci not loaded" 1 '^MISSING +vfio-pci: not loaded'
good; sed -i 's/HugePages_Total: *1024/HugePages_Total: 0/' "$T/root/proc/meminfo"
expect "no hugepages" 1 '^MISSING +hugepages: 0 x 2048 kB.*sysctl.d'
good; ln -sfn ../../drivers/ixgbe "$T/root/sys/bus/pci/devices/0000:3b:00.1/driver"
expect "a NIC still on its kernel driver" 1 '^MISSING +port 0000:3b:00.1 \(lgwan\): driver ixgbe.*driverctl'
good; rm -r "$T/root/sys/bus/pci/devices/0000:3b:00.2"
expect "a NIC that is not there" 1 '^MISSING +port 0000:3b:00.2 \(internet\): no such PCI device'
good; chmod 0644 "$T/keys/flowlog.key"
expect "a key others can read" 1 '^MISSING +flow-log key .*mode 0644'
good; rm "$T/keys/flowlog.key"
expect "no key" 1 '^MISSING +flow-log key .*No such file'
good; chmod 0666 "$T/policy.cfg"
expect "a policy anyone may change" 1 '^MISSING +policy .*writable by anyone'
good; chown nobody "$T/log"; chmod 0755 "$T/log"
expect "a log directory the controller cannot write" 1 '^MISSING +log directory .*not writable'
good; sed -i 's/"0000:3b:00\.\([0-9]\)"/"net_null\1"/' "$T/appliance.cfg"; rm -rf "$T/root/sys"
expect "virtual ports need no IOMMU, vfio-pci or NIC" 0 '^ok +port net_null0 \(mynumber\): virtual'
good; "$bunrictl" preflight --config "$T/nonexistent.cfg" >"$T/out" 2>&1
[ $? -eq 2 ] && ok "an unreadable appliance.cfg: exit 2" || no "an unreadable appliance.cfg: exit 2"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
