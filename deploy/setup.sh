#!/usr/bin/env bash
# First-time setup of an appliance after `meson install`: the bunri user and group (the
# control sockets are mode 0660, group bunri: add operators to it), the directories, the
# flow-log signing key, /etc/bunri/dataplane.env, hugepages, and the systemd units.
# Idempotent: what exists is left alone. Run as root.
set -euo pipefail

SYSCONFDIR=${SYSCONFDIR:-/etc}
PREFIX=${PREFIX:-/usr/local}
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root" >&2
  exit 2
fi

getent group bunri >/dev/null || groupadd --system bunri
getent passwd bunri >/dev/null ||
  useradd --system --gid bunri --home-dir /var/lib/bunri --no-create-home \
    --shell /usr/sbin/nologin bunri

install -d -o root -g bunri -m 0750 "$SYSCONFDIR/bunri"
install -d -o bunri -g bunri -m 0700 "$SYSCONFDIR/bunri/keys"
install -d -o bunri -g bunri -m 0750 /var/log/bunri
install -d -o bunri -g bunri -m 0750 /var/lib/bunri /var/lib/bunri/sanitizer
# The flow log's checkpoint file (logging.checkpoint_file): append-only, so the
# controller (and whoever takes over its user) can add checkpoints but never rewrite
# them. Only root can clear the flag. Better still on another filesystem or a remote one.
install -d -o bunri -g bunri -m 0750 /var/lib/bunri/anchor
if [ ! -e /var/lib/bunri/anchor/flowlog-checkpoints ]; then
  install -o bunri -g bunri -m 0640 /dev/null /var/lib/bunri/anchor/flowlog-checkpoints
  chattr +a /var/lib/bunri/anchor/flowlog-checkpoints 2>/dev/null ||
    echo "setup.sh: this filesystem has no append-only flag; keep the checkpoints on syslog too"
fi
install -d -o root -g bunri -m 0770 /run/bunri

if [ ! -f "$SYSCONFDIR/bunri/keys/flowlog.key" ]; then
  rmdir "$SYSCONFDIR/bunri/keys"   # keygen creates it with its own modes
  "$PREFIX/bin/bunri-audit" keygen --out-dir "$SYSCONFDIR/bunri/keys"
  chown -R bunri:bunri "$SYSCONFDIR/bunri/keys"
  echo "setup.sh: flow-log key created; give auditors $SYSCONFDIR/bunri/keys/flowlog.pub"
fi

if [ ! -f "$SYSCONFDIR/bunri/dataplane.env" ]; then
  cat >"$SYSCONFDIR/bunri/dataplane.env" <<'ENV'
# EAL options of bunri-dataplane: its cores (the first is the control thread, each
# further one a worker) and the NICs it drives (bound to vfio-pci with dpdk-devbind.py).
BUNRI_EAL="-l 0,1 -a 0000:3b:00.0 -a 0000:3b:00.1 -a 0000:3b:00.2"
# Hugepages reserved by bunri-hugepages.service.
BUNRI_HUGEMEM=2G
BUNRI_HUGEPAGE_SIZE=2M
ENV
  echo "setup.sh: edit $SYSCONFDIR/bunri/dataplane.env for this server's cores and NICs"
fi
for f in appliance.cfg policy.cfg; do
  [ -f "$SYSCONFDIR/bunri/$f" ] || echo "setup.sh: write $SYSCONFDIR/bunri/$f (examples: deploy/examples/)"
done

# /run/bunri again after every boot.
cat >/etc/tmpfiles.d/bunri.conf <<'TMP'
d /run/bunri 0770 root bunri -
TMP

if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "setup.sh: start with: systemctl enable --now bunri-hugepages bunri-dataplane bunri-controld"
fi
