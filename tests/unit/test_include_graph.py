#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The layering of etmemd (docs/architecture.md), checked from the #include lines:

1. The include graph of service/ and service/mem/ has no cycle.  A node is a module,
   x.c and x.h together, so a.c including b.h while b.c includes a.h is a cycle.
2. No L1 file includes, directly or through other headers, <systemd/sd-bus.h> or a
   header of a higher layer: the model files (tree, project, engine, task) not
   manager.h, apply.h, runner.h, lifecycle.h, the bus headers; runner and host the
   same but runner.h (host.c wires the runner into the plugins' table).

Usage: test_include_graph.py SOURCE_ROOT.  Exit 1 and a report on any violation."""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
MODEL = ['tree', 'project', 'engine', 'task']
RUNNER = ['runner', 'host']
UPPER = ['manager.h', 'apply.h', 'lifecycle.h', 'export.h', 'state.h', 'bus-context.h', 'manager-bus.h',
         'project-bus.h', 'engine-bus.h', 'task-bus.h', 'bus-util.h', 'bus-check.h', 'bus-objects.h', 'bus-managed-objects.h', 'authorize.h',
         'polkit.h', 'placement.h']
SD_BUS = 'systemd/sd-bus.h'


def main(root):
    root = os.path.abspath(root)
    graph_dirs = [os.path.join(root, 'service'), os.path.join(root, 'service', 'mem')]
    # headers are looked up like the build does: own directory, then these
    search = graph_dirs + [os.path.join(root, 'service', 'config'), os.path.join(root, 'plugins')]

    def includes(path):
        with open(path, encoding='utf-8', errors='replace') as f:
            return INCLUDE.findall(f.read())

    def resolve(name, here):
        for d in [here] + search:
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return os.path.normpath(p)
        return None

    def module(path):
        d, f = os.path.split(path)
        return os.path.relpath(os.path.join(d, os.path.splitext(f)[0]), root)

    # module graph over service/ and service/mem/
    edges = {}
    for d in graph_dirs:
        for f in sorted(os.listdir(d)):
            if not f.endswith(('.c', '.h')) or f.startswith('test-'):
                continue
            src = os.path.join(d, f)
            m = module(src)
            edges.setdefault(m, set())
            for kind, name in includes(src):
                if kind != '"':
                    continue
                p = resolve(name, d)
                if p and os.path.dirname(p) in graph_dirs and module(p) != m:
                    edges[m].add(module(p))
                    edges.setdefault(module(p), set())

    failures = []

    # cycles: Tarjan's strongly connected components
    index, low, on_stack, stack, sccs = {}, {}, set(), [], []

    def strongconnect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    for comp in sccs:
        failures.append('include cycle among %d modules: %s' % (len(comp), ', '.join(comp)))

    # L1: what each file reaches through its includes
    def reach(path, seen):
        found = []
        for kind, name in includes(path):
            if kind == '<':
                if name == SD_BUS:
                    found.append((name, path))
                continue
            p = resolve(name, os.path.dirname(path))
            if name in UPPER or os.path.basename(name) == 'runner.h':
                found.append((os.path.basename(name), path))
            if p and p not in seen:
                seen.add(p)
                found += reach(p, seen)
        return found

    for names, forbidden in ((MODEL, set(UPPER) | {SD_BUS, 'runner.h'}), (RUNNER, set(UPPER) | {SD_BUS})):
        for n in names:
            for ext in ('.c', '.h'):
                path = os.path.join(root, 'service', n + ext)
                if not os.path.isfile(path):
                    continue
                for name, via in reach(path, {os.path.normpath(path)}):
                    if name in forbidden:
                        how = '' if via == path else ' (through %s)' % os.path.relpath(via, root)
                        failures.append('L1 file %s includes %s%s' % (os.path.relpath(path, root), name, how))

    n_edges = sum(len(e) for e in edges.values())
    if failures:
        for f in sorted(set(failures)):
            print('FAIL ' + f)
        return 1
    print('ok: %d modules, %d include edges, no cycle; L1 files include no sd-bus or upper-layer header'
          % (len(edges), n_edges))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')))
