#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Workloads of the NUMA vm tests; each writes OUT (spans, then 'ready') and runs until killed.

  numa_workload.py mix OUT HUGETLBFS_DIR   cold memory in three kinds of VMA, never touched again:
        'thp'   16 MiB anonymous, MADV_HUGEPAGE     (anonymous, huge: vm_flags=ht)
        'small'  8 MiB anonymous, MADV_NOHUGEPAGE   (anonymous, not huge)
        'hugefile' 8 MiB file on hugetlbfs          (file-backed, huge)
  numa_workload.py busy MIB OUT            MIB MiB touched once, one thread spinning forever
  numa_workload.py hotcold COLD HOT OUT    two MADV_HUGEPAGE mappings: COLD MiB written once, HOT MiB
                                           read (every 4 KiB page) in a loop forever
  numa_workload.py hugehotcold COLD HOT OUT HUGETLBFS_DIR
                                           the same in two MAP_SHARED files on hugetlbfs (2 MiB pages),
                                           as a VM's memory-backend-file maps guest memory
        (tests/workload/hotcold asks for no huge pages; cslide's vm_flags=ht wants them)
"""

import ctypes
import mmap
import os
import sys
import threading
import time

MiB = 1 << 20


def addr(m):
    return ctypes.addressof(ctypes.c_char.from_buffer(m))


def fill(m):
    for off in range(0, len(m), 4096):
        m[off] = 1 + (off >> 12) % 250


def write_out(out, lines):
    tmp = out + '.tmp'
    with open(tmp, 'w') as f:
        f.write('pid %d\n' % os.getpid())
        for line in lines:
            f.write(line + '\n')
        f.write('ready\n')
    os.rename(tmp, out)


def mix(out, hugedir):
    keep = []
    thp = mmap.mmap(-1, 16 * MiB, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    thp.madvise(mmap.MADV_HUGEPAGE)
    small = mmap.mmap(-1, 8 * MiB, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    small.madvise(mmap.MADV_NOHUGEPAGE)
    fd = os.open(os.path.join(hugedir, 'f%d' % os.getpid()), os.O_CREAT | os.O_RDWR, 0o600)
    os.ftruncate(fd, 8 * MiB)
    hugefile = mmap.mmap(fd, 8 * MiB, flags=mmap.MAP_SHARED)
    lines = []
    for name, m in (('thp', thp), ('small', small), ('hugefile', hugefile)):
        fill(m)
        keep.append(m)
        lines.append('%s %x %x' % (name, addr(m), addr(m) + len(m)))
    write_out(out, lines)
    while True:
        time.sleep(3600)


def busy(mib, out):
    data = bytearray(mib * MiB)
    for off in range(0, len(data), 4096):
        data[off] = 1

    def spin():
        x = 0
        while True:
            x += 1

    threading.Thread(target=spin, daemon=True).start()
    write_out(out, ['data %x %x' % (addr(data), addr(data) + len(data))])
    while True:
        time.sleep(3600)


def hotcold(cold_mib, hot_mib, out, hugedir=None):
    maps = {}
    for name, mib in (('cold', cold_mib), ('hot', hot_mib)):
        if hugedir:
            fd = os.open(os.path.join(hugedir, '%s%d' % (name, os.getpid())), os.O_CREAT | os.O_RDWR, 0o600)
            os.ftruncate(fd, mib * MiB)
            m = mmap.mmap(fd, mib * MiB, flags=mmap.MAP_SHARED)
            os.close(fd)
        else:
            m = mmap.mmap(-1, mib * MiB, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            m.madvise(mmap.MADV_HUGEPAGE)
        fill(m)
        maps[name] = m
    write_out(out, ['%s %x %x' % (k, addr(m), addr(m) + len(m)) for k, m in maps.items()])
    hot = maps['hot']
    n = len(hot)
    while True:
        s = 0
        for off in range(0, n, 4096):
            s += hot[off]
        time.sleep(0.01)


if __name__ == '__main__':
    if sys.argv[1] == 'mix':
        mix(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'hotcold':
        hotcold(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == 'hugehotcold':
        hotcold(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        busy(int(sys.argv[2]), sys.argv[3])
