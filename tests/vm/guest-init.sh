#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the VM suite's initramfs (built by run-in-guest.sh): loads the modules
# listed in /modules.order (9p, overlay, zram and their dependencies), mounts the
# host's root read-only over virtio-9p under a tmpfs overlay, sets up zram swap, loads
# etmem_scan.ko, then runs the command script named by etmem_vm_cmd= on the kernel
# command line with the host's bash, chrooted into the overlay.  The command's output
# goes to ttyS1 after a line "ETMEM_VM_STARTED" and is followed by
# "ETMEM_VM_EXIT=<status>"; the kernel console is ttyS0.
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

OUT=/dev/ttyS1
stty -F $OUT raw -echo 2>/dev/null

finish() {
    echo "ETMEM_VM_EXIT=$1" > $OUT
    sync
    poweroff -f
    sleep 5
    echo o > /proc/sysrq-trigger
}
fail() {
    echo "guest-init: $*" > /dev/ttyS0
    echo "guest-init: $*" > $OUT
    finish 125
}

for m in $(cat /modules.order); do
    insmod /lib/modules/$m.ko || fail "insmod $m failed"
done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host ||
    fail "cannot mount the host's root over 9p (mount_tag hostroot)"
mount -t tmpfs -o mode=0755,size=60% tmpfs /upper || fail "cannot mount the overlay's tmpfs"
mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/upper/data,workdir=/upper/work /newroot ||
    fail "cannot mount the overlay of the host's root"

R=/newroot
mount -t proc proc $R/proc || fail "mount $R/proc"
mount -t sysfs sysfs $R/sys || fail "mount $R/sys"
mount -t devtmpfs devtmpfs $R/dev || fail "mount $R/dev"
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $R/run || fail "mount $R/run"
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
hostname etmem-vm

# zram swap: 1 GiB, lz4 (Debian's default)
Z=/sys/block/zram0
[ -e $Z ] || fail "no /dev/zram0 after loading zram"
echo lz4 > $Z/comp_algorithm 2>/dev/null
echo 1G > $Z/disksize || fail "cannot size /dev/zram0"
mkswap /dev/zram0 > /dev/null || fail "mkswap /dev/zram0 failed"
swapon /dev/zram0 || fail "swapon /dev/zram0 failed"

if [ -f /etmem_scan.ko ]; then
    insmod /etmem_scan.ko || fail "insmod etmem_scan.ko failed"
fi

cmd=""
for a in $(cat /proc/cmdline); do
    case "$a" in etmem_vm_cmd=*) cmd=${a#etmem_vm_cmd=} ;; esac
done
[ -n "$cmd" ] || fail "no etmem_vm_cmd= on the kernel command line"
[ -f "$R$cmd" ] || fail "command script $cmd not visible in the guest"

# the host tells a guest that never got here (a boot crash: retried) from a command that failed
echo "ETMEM_VM_STARTED" > $OUT
chroot $R /bin/bash "$cmd" < /dev/null > $OUT 2>&1
finish $?
