#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetches the Debian kernel the VM suite boots (image, modules, headers, kbuild) with
# apt and extracts it into a cache, once; prints "KREL ROOT" (the kernel release and
# the extraction root, which holds boot/vmlinuz-KREL, lib/modules/KREL and
# usr/src/linux-headers-KREL).
#
#   ETMEM_VM_CACHE    cache directory            (default /var/cache/etmem-vm)
#   ETMEM_VM_KERNEL   Debian kernel series       (default 6.12: DAMON vaddr, zram, 9p; 6.1: Debian 12's own)
#   ETMEM_VM_REFRESH  1: look for a newer package even when one is cached
#
# Installs what the suite needs on the host when missing (root only): qemu-system-x86,
# busybox-static, dwarves (pahole, for the module's BTF), cpio, xz-utils, kmod.
set -euo pipefail

CACHE=${ETMEM_VM_CACHE:-/var/cache/etmem-vm}
SERIES=${ETMEM_VM_KERNEL:-6.12}

log() { echo "vm-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

host_tools() {
    local need=() p
    command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
    # a static busybox with insmod (Debian's "busybox" package is dynamically linked);
    # no grep -q on pipes: with pipefail its early exit would fail the pipeline
    [ -x /bin/busybox ] && [ "$(/bin/busybox --list 2>/dev/null | grep -cx insmod)" = 1 ] &&
        [ "$(ldd /bin/busybox 2>&1 | grep -c 'not a dynamic executable')" = 1 ] || need+=(busybox-static)
    command -v pahole >/dev/null || need+=(dwarves)
    command -v cpio >/dev/null || need+=(cpio)
    command -v xz >/dev/null || need+=(xz-utils)
    command -v depmod >/dev/null || [ -x /usr/sbin/depmod ] || need+=(kmod)
    [ ${#need[@]} = 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "missing host packages ${need[*]} (install them, or run as root)"
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } ||
        die "apt-get install ${need[*]} failed"
    for p in qemu-system-x86_64 pahole cpio xz; do command -v $p >/dev/null || die "$p still missing after apt-get"; done
}

# The newest complete extraction of this series in the cache, if any.
cached_release() {
    local d
    for d in "$CACHE"/"$SERIES".*-amd64; do
        [ -e "$d/.complete" ] && basename "$d"
    done | sort -V | tail -n 1 | grep .
}

# linux-image-6.12-amd64 depends on linux-image-6.12.N+debXX-amd64: its release is ours.
# Debian 12's own 6.1 has no series package: linux-image-amd64 names it.
resolve_release() {
    local dep meta="linux-image-$SERIES-amd64"
    [ "$SERIES" = 6.1 ] && meta=linux-image-amd64
    dep=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
    if [ -z "$dep" ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        dep=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
    fi
    case "$dep" in "linux-image-$SERIES."*) ;; *) dep= ;; esac
    [ -n "$dep" ] || die "apt knows no linux-image-$SERIES-amd64 (bookworm-security has 6.12; check /etc/apt/sources.list*)"
    echo "${dep#linux-image-}"
}

fetch() {
    local krel=$1 dir="$CACHE/$1" pkgs deps
    pkgs=("linux-image-$krel-unsigned" "linux-headers-$krel")
    # the headers' own dependencies name the -common headers and the kbuild tools
    deps=$(apt-cache depends "linux-headers-$krel" | awk '/Depends: linux-(headers-.*-common|kbuild-)/ { print $2 }')
    # 6.1's headers name the compiler package too; the host's gcc-12 builds the module
    [ -n "$deps" ] || die "cannot find the -common headers / kbuild of linux-headers-$krel"
    pkgs+=($deps)
    log "downloading ${pkgs[*]}"
    rm -rf "$dir"
    mkdir -p "$dir/debs" "$dir/root"
    (cd "$dir/debs" && apt-get download "${pkgs[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
        die "apt-get download ${pkgs[*]} failed"
    for f in "$dir"/debs/*.deb; do dpkg-deb -x "$f" "$dir/root"; done
    rm -rf "$dir/debs"
    local hdr="$dir/root/usr/src/linux-headers-$krel"
    [ -f "$dir/root/boot/vmlinuz-$krel" ] || die "no vmlinuz in linux-image-$krel-unsigned"
    [ -f "$hdr/Makefile" ] || die "no headers in linux-headers-$krel"
    # The headers' Makefile includes the -common tree by absolute path; point it here.
    sed -i "s|include /usr/src/|include $dir/root/usr/src/|" "$hdr/Makefile"
    /sbin/depmod -b "$dir/root" "$krel" 2>/dev/null || depmod -b "$dir/root" "$krel"
    [ -s "$dir/root/lib/modules/$krel/modules.dep" ] || die "depmod produced no modules.dep"
    touch "$dir/.complete"
}

host_tools
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
krel=""
[ "${ETMEM_VM_REFRESH:-0}" = 1 ] || krel=$(cached_release || true)
if [ -z "$krel" ]; then
    krel=$(resolve_release)
    [ -e "$CACHE/$krel/.complete" ] || fetch "$krel"
fi
echo "$krel $CACHE/$krel/root"
