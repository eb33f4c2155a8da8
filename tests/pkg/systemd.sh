#!/usr/bin/env bash
# The installation test: builds the Debian packages from debian/ (dpkg-buildpackage -b),
# boots a throwaway system under systemd-nspawn with systemd as PID 1 (an overlay of this
# machine's / on a tmpfs, so nothing here changes), installs the packages there and runs
# tests/pkg/inside.sh as a unit: units start, policy installed, bunrictl as an operator,
# a file through the sanitizer, and RestrictNamespaces=yes caught.
# usage: systemd.sh SOURCE_DIR   (BUNRI_DEBS=DIR reuses already built .deb files)
set -euo pipefail
SRC=$(cd "$1" && pwd)
start=$SECONDS

skip() { echo "SKIP: installation test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (overlay mounts and systemd-nspawn)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn missing (Debian package systemd-container)"
command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage missing (package dpkg-dev)"
[ -x /lib/systemd/systemd ] || skip "no systemd on this machine to boot"

W=$(mktemp -d /tmp/bunri-pkgtest.XXXXXX)
cleanup() {
  umount "$W/t/root" 2>/dev/null || true
  umount "$W/t" 2>/dev/null || true
  rm -rf "$W"
}
[ -n "${BUNRI_PKGTEST_KEEP:-}" ] || trap cleanup EXIT

# 1. Packages, built from a copy of the tree (dpkg-buildpackage writes next to debian/).
if [ -n "${BUNRI_DEBS:-}" ]; then
  mkdir -p "$W/debs" && cp "$BUNRI_DEBS"/*.deb "$W/debs/"
else
  mkdir -p "$W/src"
  git -C "$SRC" ls-files -co --exclude-standard -z | tar -C "$SRC" --null -T - -cf - |
    tar -x -C "$W/src"
  t0=$SECONDS
  if ! (cd "$W/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
        dpkg-buildpackage -b -uc -us >"$W/build.log" 2>&1); then
    tail -40 "$W/build.log"; echo "FAIL packages build"; echo "0 passed, 1 failed"; exit 1
  fi
  mkdir -p "$W/debs" && mv "$W"/*.deb "$W/debs/" && cp "$W/build.log" "$W/debs/"
  echo "packages built in $((SECONDS - t0)) s:"
  (cd "$W/debs" && for d in *.deb; do echo "  $d $(stat -c %s "$d") bytes"; done)
fi

# 2. A throwaway root: this machine's / below, a tmpfs above; the packages and the
#    inner test in /pkgtest; nothing of a bunri installed here carried over.
mkdir -p "$W/t" && mount -t tmpfs tmpfs "$W/t"
mkdir -p "$W/t/upper" "$W/t/work" "$W/t/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$W/t/upper,workdir=$W/t/work" "$W/t/root"
R=$W/t/root
rm -rf "$R/etc/bunri" "$R/var/log/bunri" "$R/var/lib/bunri" "$R/run/bunri" "$R/pkgtest"
for u in bunri operator1 auditor1; do chroot "$R" userdel "$u" >/dev/null 2>&1 || true; done
for g in bunri bunri-audit; do chroot "$R" groupdel "$g" >/dev/null 2>&1 || true; done
chroot "$R" dpkg --purge bunri bunri-sanitizer bunri-tools >/dev/null 2>&1 || true
mkdir -p "$R/pkgtest" && cp -r "$W/debs" "$R/pkgtest/" && cp "$SRC/tests/pkg/inside.sh" "$R/pkgtest/"
: >"$R/etc/machine-id"
cat >"$R/etc/systemd/system/bunri-pkgtest.service" <<'UNIT'
[Unit]
Description=bunri installation test
After=basic.target
[Service]
Type=oneshot
ExecStart=/pkgtest/inside.sh
UNIT
cat >"$R/etc/systemd/system/bunri-pkgtest.target" <<'UNIT'
[Unit]
Description=bunri installation test
Requires=basic.target bunri-pkgtest.service
After=basic.target
AllowIsolate=yes
UNIT

# 3. Boot it. nspawn keeps its own state under /run/systemd/nspawn, which must be a
#    tmpfs; a private mount namespace gives it one without touching this machine.
t0=$SECONDS
timeout 360 unshare -m --propagation private sh -c '
  mkdir -p /run/systemd/nspawn && mount -t tmpfs tmpfs /run/systemd/nspawn &&
  exec systemd-nspawn -q --register=no --link-journal=no --keep-unit \
    --rlimit=RLIMIT_MEMLOCK=infinity -D "$1" --boot systemd.unit=bunri-pkgtest.target' \
  _ "$R" >"$W/boot.log" 2>&1 || true
echo "booted, tested and powered off in $((SECONDS - t0)) s"

res=$R/pkgtest/result
if [ ! -s "$res" ] || ! grep -qx DONE "$res"; then
  tail -30 "$W/boot.log"; [ -f "$R/pkgtest/inside.log" ] && tail -40 "$R/pkgtest/inside.log"
  echo "FAIL the test inside the booted system did not finish"; echo "0 passed, 1 failed"
  exit 1
fi
grep -v '^DONE$' "$res"
p=$(grep -c '^PASS' "$res" || true); f=$(grep -c '^FAIL' "$res" || true)
[ "$f" -eq 0 ] || tail -60 "$R/pkgtest/inside.log"
echo "installation test: $((SECONDS - start)) s"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
