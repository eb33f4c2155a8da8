#!/usr/bin/env bash
# First-time setup after a source install (`meson install`); the Debian packages do the
# same in their maintainer scripts. Creates the users and groups (sysusers.d), the
# runtime and log directories (tmpfiles.d), the flow-log signing key, and the sanitizer's
# configuration; then reloads systemd. Idempotent: what exists is left alone.
# Run as root: /usr/share/bunri/setup.sh (or <prefix>/share/bunri/setup.sh).
set -euo pipefail

# meson fills these in from `meson setup --prefix --sysconfdir`, as it does in the units.
PREFIX=${PREFIX:-@prefix@}
SYSCONFDIR=${SYSCONFDIR:-@sysconfdir@}
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root" >&2
  exit 2
fi
audit=$PREFIX/bin/bunri-audit
if [ ! -x "$audit" ]; then
  echo "setup.sh: $audit not found; run it from the installed tree or set PREFIX=" >&2
  exit 2
fi

# The units, sysusers.d and tmpfiles.d entries are always in /usr/lib or /lib.
systemd-sysusers /usr/lib/sysusers.d/bunri.conf
systemd-tmpfiles --create /usr/lib/tmpfiles.d/bunri.conf
install -d -o root -g bunri -m 0750 "$SYSCONFDIR/bunri"

if [ ! -e "$SYSCONFDIR/bunri/keys/flowlog.key" ]; then
  "$audit" keygen --out-dir "$SYSCONFDIR/bunri/keys" >/dev/null
  chown bunri:bunri "$SYSCONFDIR/bunri/keys" "$SYSCONFDIR/bunri/keys/"*
  echo "setup.sh: flow-log key created; give auditors $SYSCONFDIR/bunri/keys/flowlog.pub"
fi

ex=$PREFIX/share/doc/bunri/examples
[ -e "$SYSCONFDIR/bunri/sanitizer.cfg" ] ||
  install -m 0644 "$ex/sanitizer.cfg.example" "$SYSCONFDIR/bunri/sanitizer.cfg"
for f in appliance.cfg policy.cfg dataplane.env; do
  [ -e "$SYSCONFDIR/bunri/$f" ] ||
    echo "setup.sh: write $SYSCONFDIR/bunri/$f (example: $ex/$f), mode 0640, group bunri"
done

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "setup.sh: check with \`bunrictl preflight\`, then" \
       "systemctl enable --now bunri-dataplane bunri-controld"
fi
