#!/usr/bin/env bash
# Installs every Debian 12 package bunri needs to build and test. Idempotent: packages
# already present are left alone, and apt's lists are refreshed only when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential meson ninja-build pkg-config clang
  # policy/ and control/
  libconfig-dev libssl-dev libjansson-dev
  # dataplane/
  dpdk-dev libdpdk-dev libpcap-dev
  # sanitizer/
  libqpdf-dev qpdf libzip-dev libarchive-dev libxml2-dev libgmime-3.0-dev
  libmagic-dev libseccomp-dev libgsf-1-dev
  # tests
  libcunit1-dev python3-scapy tcpdump iproute2 curl netcat-openbsd
  nfdump rsyslog jq
  # live appliance: dpdk-hugepages.py/dpdk-devbind.py; e2e tests and demo.sh
  dpdk ethtool iputils-ping iputils-arping
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it calls apt-get)" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
