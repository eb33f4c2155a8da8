#!/usr/bin/env bash
# Installs the Debian 12 packages bunri needs. Idempotent: packages already present are
# left alone, and apt's lists are refreshed only when something is missing.
#   install-deps.sh          build and test (a developer's machine, CI)
#   install-deps.sh runtime  what a source-built appliance needs to run; the .deb
#                            packages bring their own (Depends), so no compiler, scapy
#                            or tcpdump ends up on an appliance.
set -euo pipefail

runtime=(
  # the libraries the programs link
  libconfig9 libssl3 libjansson4 libpcap0.8 libsystemd0
  # sanitizer
  libqpdf29 libzip4 libarchive13 libxml2 libgmime-3.0-0 libmagic1 libseccomp2 libgsf-1-114
  # DPDK's libraries and tools (dpdk-devbind.py), persistent NIC binding (driverctl)
  dpdk driverctl
)

build=(
  build-essential meson ninja-build pkg-config clang
  # policy/ and control/
  libconfig-dev libssl-dev libjansson-dev libsystemd-dev
  # dataplane/
  dpdk-dev libdpdk-dev libpcap-dev
  # sanitizer/
  libqpdf-dev qpdf libzip-dev libarchive-dev libxml2-dev libgmime-3.0-dev
  libmagic-dev libseccomp-dev libgsf-1-dev
  # Debian packages and the installation test (systemd-nspawn boots them)
  debhelper dpkg-dev fakeroot lintian systemd-container
  # tests
  libcunit1-dev python3-scapy tcpdump iproute2 curl netcat-openbsd
  nfdump rsyslog jq
  # e2e tests and demo.sh
  dpdk ethtool iputils-ping iputils-arping
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it calls apt-get)" >&2
  exit 2
fi

case "${1:-build}" in
  build) packages=("${build[@]}") ;;
  runtime) packages=("${runtime[@]}") ;;
  *) echo "usage: install-deps.sh [build|runtime]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} ${1:-build} packages present"
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
