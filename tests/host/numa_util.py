# SPDX-License-Identifier: GPL-2.0-or-later
"""NUMA facts about a process, read independently of etmemd: move_pages(2) with
nodes=NULL (each page's node), /proc/PID/numa_maps totals, thread affinities.
Shared by tests/host (single node) and tests/vm (two nodes)."""

import ctypes
import os
import platform

_libc = ctypes.CDLL(None, use_errno=True)
_SYS_MOVE_PAGES = {'x86_64': 279, 'aarch64': 239}.get(platform.machine())


def page_nodes(pid, addrs):
    """Node of each page in addrs (a list of addresses), as move_pages(2) reports it with
    nodes=NULL: >= 0 the node, < 0 -errno (-ENOENT: not present)."""
    if _SYS_MOVE_PAGES is None:
        raise RuntimeError('move_pages syscall number unknown on %s' % platform.machine())
    out = []
    for off in range(0, len(addrs), 4096):
        chunk = addrs[off:off + 4096]
        n = len(chunk)
        pages = (ctypes.c_void_p * n)(*chunk)
        status = (ctypes.c_int * n)()
        r = _libc.syscall(ctypes.c_long(_SYS_MOVE_PAGES), ctypes.c_int(pid), ctypes.c_ulong(n), pages, None,
                          status, ctypes.c_int(0))
        if r < 0:
            raise OSError(ctypes.get_errno(), 'move_pages(%d) failed' % pid)
        out.extend(status)
    return out


def span_pages(spans, page_size):
    return [a for s, e in spans for a in range(s, e, page_size)]


def node_histogram(pid, spans, page_size):
    """{node: pages} over spans ([(start, end)]); key -2 = not present (-ENOENT)."""
    h = {}
    for st in page_nodes(pid, span_pages(spans, page_size)):
        h[st] = h.get(st, 0) + 1
    return h


def numa_maps_pages(pid, page_size=4096):
    """{node: bytes} summed over /proc/PID/numa_maps (each line's counts in its
    kernelpagesize_kB) and {node: bytes} of its huge (hugetlb) lines."""
    total, huge = {}, {}
    with open('/proc/%d/numa_maps' % pid) as f:
        for line in f:
            words = line.split()
            ps = page_size
            for w in words:
                if w.startswith('kernelpagesize_kB='):
                    ps = int(w.split('=')[1]) * 1024
            for w in words:
                if w.startswith('N') and '=' in w and w[1:w.index('=')].isdigit():
                    node, pages = int(w[1:w.index('=')]), int(w.split('=')[1])
                    total[node] = total.get(node, 0) + pages * ps
                    if 'huge' in words:
                        huge[node] = huge.get(node, 0) + pages * ps
    return total, huge


def thread_affinities(pid):
    """{tid: frozenset(cpus)} of every thread."""
    out = {}
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            out[int(tid)] = frozenset(os.sched_getaffinity(int(tid)))
        except ProcessLookupError:
            pass
    return out


def online_nodes():
    with open('/sys/devices/system/node/online') as f:
        text = f.read().strip()
    nodes = []
    for part in text.split(','):
        a, _, b = part.partition('-')
        nodes.extend(range(int(a), int(b or a) + 1))
    return nodes


def fake_node_dir(tmp, nodes):
    """A directory with node<N> entries: etmemd's cslide config check reads it when
    ETMEM_SYSFS_NODE_DIR points there (single-node machines cannot name a node pair)."""
    d = os.path.join(tmp, 'fake-nodes')
    for n in nodes:
        os.makedirs(os.path.join(d, 'node%d' % n), exist_ok=True)
    return d
