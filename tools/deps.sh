#!/bin/bash
# Installs what etmem needs to build, run and test on Debian 12 (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  gcc clang libclang-rt-14-dev meson ninja-build pkg-config
  libsystemd-dev libjson-c-dev libnuma-dev liblz4-dev
  dbus-daemon dbus-bin systemd polkitd
  python3 python3-dbus python3-dbusmock python3-gi python3-prometheus-client
  numactl numad util-linux procps kmod valgrind libcap2-bin
  qemu-system-x86 busybox-static cpio dwarves
  redis-server redis-tools
  cockpit-ws cockpit-bridge chromium nodejs prometheus-node-exporter
  scdoc man-db bash-completion
  debhelper dh-dkms dkms lintian git
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The frontend suite's browser driver (tests/frontend/package-lock.json): puppeteer-core
# only; it drives Debian's chromium and never downloads a browser.  A nodejs without
# npm (Debian's) gets Debian's npm.
if ! command -v npm >/dev/null; then
  apt-get install -y -qq --no-install-recommends npm
fi
( cd "$(dirname "$0")/../tests/frontend" &&
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error )
