#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs in the guest (tests/vm, acceptance line 1): the guest has 2 NUMA nodes (node 1
# without CPUs), swap on zram, DAMON vaddr and the etmem_scan module, and the memory
# layer's probes agree.   boot-check.sh VM_FEATURES_BINARY
set -u
features=${1:?usage: boot-check.sh VM_FEATURES_BINARY}
bad=0
check() { # description, command...
    local what=$1; shift
    if "$@"; then echo "ok:   $what"; else echo "FAIL: $what"; bad=1; fi
}

echo "kernel: $(uname -r)"
for n in /sys/devices/system/node/node[0-9]*; do
    echo "$(basename "$n"): cpus '$(cat "$n/cpulist")', $(awk '/MemTotal/ { print $4, $5 }' "$n/meminfo")"
done
check "2 NUMA nodes online (0-1)" test "$(cat /sys/devices/system/node/online)" = 0-1
check "node 0 has CPUs 0-1" test "$(cat /sys/devices/system/node/node0/cpulist)" = 0-1
check "node 1 has memory and no CPUs" test -z "$(cat /sys/devices/system/node/node1/cpulist 2>/dev/null || echo x)"
sed 's/^/swaps: /' /proc/swaps
check "swap on /dev/zram0" grep -q '^/dev/zram0 ' /proc/swaps
check "DAMON sysfs present" test -e /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
check "etmem_scan module loaded" grep -q '^etmem_scan ' /proc/modules
check "/dev/etmem_scan is a character device" test -c /dev/etmem_scan

out=$("$features") || { echo "FAIL: $features exited with $?"; exit 1; }
sed 's/^/features: /' <<< "$out"
check "tracker.kmod available" grep -q '^tracker.kmod: available' <<< "$out"
check "tracker.damon available (vaddr)" grep -q '^tracker.damon: available' <<< "$out"
check "tracker in use is kmod" grep -q '^tracker: kmod' <<< "$out"
check "pageout via process_madvise" grep -q '^pageout: process_madvise' <<< "$out"
check "memory layer sees the zram swap" grep -q '^swap: .*zram0' <<< "$out"
check "no kernel warning so far" bash -c '! dmesg | grep -E "WARNING:|BUG:|Oops|Call Trace"'
exit $bad
