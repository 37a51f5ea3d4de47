#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #6 in the two-node guest (tests/vm/run-in-guest.sh: node 0 with the CPUs, node 1
CPU-less like CXL/AEP memory).  Every fact is read independently of etmemd: each page's
node from move_pages(2) with nodes=NULL, /proc/PID/numa_maps, hugetlb pools in sysfs,
`numad -w` from Debian's numad package.

  line 1  test_cslide_tiering, test_cslide_hot_reserve
  line 2  test_cslide_vma_filters
  line 3  test_cslide_reports
  line 4  test_numa_consolidates
  line 5  test_advice_matches_numad
"""

import json
import os
import shutil
import subprocess
import sys
import time

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'host'))
from slide_e2e import PROJECT_IFACE, SlideTestCase, _track, main, skip  # noqa: E402
from etmem_fixture import ENGINE_IFACE, engine_path, project_path, task_path  # noqa: E402
import numa_util  # noqa: E402

MiB = 1 << 20
WORKLOAD = os.path.join(HERE, 'numa_workload.py')
HUGE_2M = '/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages'


def write(path, value):
    with open(path, 'w') as f:
        f.write(str(value))


class Workload:
    """numa_workload.py started (optionally under prefix, e.g. numactl) and waited for."""

    def __init__(self, argv, out, prefix=()):
        self.proc = _track(subprocess.Popen(list(prefix) + [sys.executable, WORKLOAD] + argv,
                                            stdin=subprocess.DEVNULL))
        self.pid = self.proc.pid
        self.spans = {}
        deadline = time.monotonic() + 60
        while not os.path.exists(out):
            if self.proc.poll() is not None:
                raise AssertionError('workload %s exited with %s' % (argv, self.proc.returncode))
            if time.monotonic() > deadline:
                raise AssertionError('workload %s not ready within 60 s' % argv)
            time.sleep(0.05)
        with open(out) as f:
            for line in f:
                w = line.split()
                if len(w) == 3:
                    self.spans[w[0]] = [(int(w[1], 16), int(w[2], 16))]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


class TestNumaVM(SlideTestCase):

    @classmethod
    def setUpClass(cls):
        if numa_util.online_nodes() != [0, 1]:
            raise RuntimeError('this suite runs in the two-node guest (tests/vm/run-in-guest.sh); nodes: %s'
                               % numa_util.online_nodes())
        # hotcold's memory as transparent huge pages: cslide's vm_flags=ht moves huge-page VMAs
        write('/sys/kernel/mm/transparent_hugepage/enabled', 'always')
        super().setUpClass()

    def command(self, project, engine, cmd, **args):
        return json.loads(str(self.call(engine_path(project, engine), ENGINE_IFACE, 'Command', 'sa{sv}', cmd,
                                        {k: str(v) for k, v in args.items()})))

    def workload(self, argv, prefix=()):
        argv = [str(a) for a in argv]
        out = os.path.join(self.tmp, 'wl-%d' % len(os.listdir(self.tmp)))
        if argv[0] == 'mix':
            argv = argv[:1] + [out] + argv[1:]
        elif argv[0] == 'hugehotcold':
            argv = argv[:3] + [out] + argv[3:]
        else:
            argv = argv[:1] + argv[1:] + [out]
        w = Workload(argv, out, prefix)
        self.addCleanup(w.kill)
        return w

    def cslide(self, name, pid, quota=1024, reserve=1024, hot_threshold=1, anon_only='no', loop=2):
        self.create_project(name, loop=loop, interval=1, sleep=1)
        self.add_engine(name, 'cslide', node_pair='0,1', hot_threshold=hot_threshold, node_mig_quota=quota,
                        node_hot_reserve=reserve)
        self.add_task(name, 'cslide', 't1', 'pid', pid, vm_flags='ht', anon_only=anon_only, ign_host='no')
        self.call(project_path(name), PROJECT_IFACE, 'Start')
        return task_path(name, 'cslide', 't1')

    def thp_hotcold(self, cold_mib, hot_mib, prefix=()):
        w = self.workload(['hotcold', cold_mib, hot_mib], prefix)
        w.cold, w.hot, w.page_size = w.spans['cold'], w.spans['hot'], 4096
        w.cold_pages, w.hot_pages = cold_mib * 256, hot_mib * 256
        return w

    def nodes_of(self, pid, spans, page_size=4096):
        return numa_util.node_histogram(pid, spans, page_size)

    # ---- line 1 ----

    def test_cslide_tiering(self):
        w = self.thp_hotcold(96, 32)
        quota = 32
        tp = self.cslide('tier', w.pid, quota=quota)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            cold = self.nodes_of(w.pid, w.cold, w.page_size)
            hot = self.nodes_of(w.pid, w.hot, w.page_size)
            if cold.get(1, 0) >= 0.95 * w.cold_pages and hot.get(0, 0) >= 0.95 * w.hot_pages:
                break
            time.sleep(0.5)
        # every cycle since Start, from the engine's own history: a poll cannot miss one
        rep = self.command('tier', 'cslide', 'showtaskpages', task='t1')['tasks'][0]
        self.assertEqual(rep['history_dropped'], 0, 'the history lost cycles')
        seen = {h['cycle']: (h['demoted_bytes'], h['promoted_bytes']) for h in rep['history'] if h['pid'] == w.pid}
        p = self.task(tp)
        print('cold pages by node %s, hot pages by node %s; per cycle (demoted, promoted) bytes %s; '
              'BytesMigrated %d; Status %r' % (cold, hot, dict(sorted(seen.items())), p['BytesMigrated'],
                                              p['Status']))
        self.assertGreaterEqual(cold.get(1, 0), 0.95 * w.cold_pages, 'cold pages did not reach node 1')
        self.assertGreaterEqual(hot.get(0, 0), 0.95 * w.hot_pages, 'hot pages are not on node 0')
        for cycle, (down, up) in seen.items():
            self.assertLessEqual(down, quota * MiB, 'cycle %d demoted %d bytes > node_mig_quota' % (cycle, down))
            self.assertLessEqual(up, quota * MiB, 'cycle %d promoted %d bytes > node_mig_quota' % (cycle, up))
        self.assertGreaterEqual(len([c for c, (d, u) in seen.items() if d > 0]), 3,
                                '96 MiB at 32 MiB per cycle takes at least 3 cycles (history %s)' % seen)
        self.assertGreaterEqual(sum(d for d, u in seen.values()), 0.95 * w.cold_pages * w.page_size,
                                'the history does not add up to the cold pages that moved')

    def test_cslide_hot_reserve(self):
        # everything starts on the slow node: the hottest node_hot_reserve MiB come up, no more
        w = self.thp_hotcold(16, 48, prefix=['numactl', '--preferred=1'])
        reserve = 16
        start = self.nodes_of(w.pid, w.hot, w.page_size)
        self.assertGreater(start.get(1, 0), 0.9 * w.hot_pages, 'hot memory did not start on node 1: %s' % start)
        tp = self.cslide('resv', w.pid, reserve=reserve)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            hot = self.nodes_of(w.pid, w.hot, w.page_size)
            if hot.get(0, 0) * w.page_size >= (reserve - 2) * MiB and self.task(tp)['Cycles'] >= 4:
                break
            time.sleep(0.5)
        hot = self.nodes_of(w.pid, w.hot, w.page_size)
        dram = hot.get(0, 0) * w.page_size
        print('48 MiB hot on node 1, node_hot_reserve %d MiB: after %d cycles hot pages by node %s (%.1f MiB on '
              'node 0); Status %r' % (reserve, self.task(tp)['Cycles'], hot, dram / MiB, self.task(tp)['Status']))
        self.assertGreaterEqual(dram, (reserve - 2) * MiB, 'less hot memory than node_hot_reserve came to DRAM')
        self.assertLessEqual(dram, (reserve + 2) * MiB, 'more hot memory than node_hot_reserve is in DRAM')

    # ---- issue #15, line 5: hugetlb memory ----

    def huge_hotcold(self, cold_mib, hot_mib):
        """hot and cold 2 MiB hugetlbfs pages (MAP_SHARED files, as a VM's memory backend),
        all on node 0 at first; both nodes' pools have room for all of them."""
        hugedir = os.path.join(self.tmp, 'hugehc')
        os.makedirs(hugedir)
        pages = (cold_mib + hot_mib) // 2 + 4
        for n in (0, 1):
            write(HUGE_2M % n, pages)
        self.addCleanup(lambda: [write(HUGE_2M % n, 0) for n in (0, 1)])
        for n in (0, 1):
            with open(HUGE_2M % n) as f:
                got = int(f.read())
            if got < pages:
                raise AssertionError('node %d has room for %d of the %d huge pages the test needs' % (n, got, pages))
        subprocess.run(['mount', '-t', 'hugetlbfs', '-o', 'pagesize=2M', 'none', hugedir], check=True)
        self.addCleanup(subprocess.run, ['umount', '-l', hugedir])
        w = self.workload(['hugehotcold', cold_mib, hot_mib, hugedir], prefix=['numactl', '--membind=0'])
        w.cold, w.hot, w.page_size = w.spans['cold'], w.spans['hot'], 4096
        w.cold_pages, w.hot_pages = cold_mib * 256, hot_mib * 256
        start_cold, start_hot = self.nodes_of(w.pid, w.cold), self.nodes_of(w.pid, w.hot)
        self.assertEqual((start_cold.get(0, 0), start_hot.get(0, 0)), (w.cold_pages, w.hot_pages),
                         'the huge pages did not start on node 0: cold %s, hot %s' % (start_cold, start_hot))
        return w

    def test_cslide_hugetlb(self):
        """With the kmod tracker (2 MiB hugetlb pages walked as PMD leaves), the hot huge
        pages stay on node 0 and the cold ones reach node 1; no cycle moves a hot one."""
        w = self.huge_hotcold(24, 16)
        tp = self.cslide('huge', w.pid, quota=1024, reserve=1024)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.nodes_of(w.pid, w.cold).get(1, 0) >= w.cold_pages:
                break
            time.sleep(0.5)
        self.wait_cycles(tp, self.task(tp)['Cycles'] + 2, timeout=120)  # and two more cycles after
        cold, hot = self.nodes_of(w.pid, w.cold), self.nodes_of(w.pid, w.hot)
        rep = self.command('huge', 'cslide', 'showtaskpages', task='t1')['tasks'][0]
        seen = {h['cycle']: (h['demoted_bytes'], h['promoted_bytes']) for h in rep['history'] if h['pid'] == w.pid}
        moved = sum(d for d, u in seen.values())
        promoted = sum(u for d, u in seen.values())
        p = self.task(tp)
        print('hugetlb: cold pages by node %s, hot pages by node %s; per cycle (demoted, promoted) bytes %s; '
              'Status %r' % (cold, hot, dict(sorted(seen.items())), p['Status']))
        self.assertEqual(cold.get(1, 0), w.cold_pages, 'cold huge pages did not all reach node 1')
        self.assertEqual(hot.get(0, 0), w.hot_pages, 'hot huge pages left node 0')
        self.assertEqual(rep['history_dropped'], 0, 'the history lost cycles')
        # move_pages(2) moves a huge page whole and reports its 4 KiB subpages one by one,
        # so the bytes the history counts for huge pages are close, not exact
        self.assertGreaterEqual(moved, 0.95 * w.cold_pages * 4096, 'the history does not add up to the cold part')
        self.assertEqual(promoted, 0, 'hot huge pages were demoted in some cycle (they came back later)')
        self.assertNotIn('no access verdict', p['Status'])

    # ---- line 2 ----

    def mix_workload(self):
        hugedir = os.path.join(self.tmp, 'huge')
        os.makedirs(hugedir)
        for n in (0, 1):
            write(HUGE_2M % n, 8)
        self.addCleanup(lambda: [write(HUGE_2M % n, 0) for n in (0, 1)])
        subprocess.run(['mount', '-t', 'hugetlbfs', 'none', hugedir], check=True)
        self.addCleanup(subprocess.run, ['umount', '-l', hugedir])
        return self.workload(['mix', hugedir])

    def wait_cycles_of(self, name, n):
        return self.wait_cycles(task_path(name, 'cslide', 't1'), n, timeout=180)

    def test_cslide_vma_filters(self):
        for anon_only in ('yes', 'no'):
            w = self.mix_workload() if anon_only == 'yes' else self.workload(['mix', os.path.join(self.tmp, 'huge')])
            name = 'f' + anon_only
            self.cslide(name, w.pid, anon_only=anon_only)
            self.wait_cycles_of(name, 3)
            got = {k: self.nodes_of(w.pid, s) for k, s in w.spans.items()}
            print('anon_only=%s vm_flags=ht: pages by node %s' % (anon_only, got))
            self.assertGreaterEqual(got['thp'].get(1, 0), 0.9 * 4096, 'THP anonymous memory did not move')
            self.assertEqual(got['small'].get(1, 0), 0, 'vm_flags=ht moved a VMA without huge pages')
            if anon_only == 'yes':
                self.assertEqual(got['hugefile'].get(1, 0), 0, 'anon_only=yes moved file-backed pages')
            else:
                self.assertGreater(got['hugefile'].get(1, 0), 0, 'anon_only=no left the huge file pages')
            w.kill()
            self.call(project_path(name), PROJECT_IFACE, 'Stop')

    # ---- line 3 ----

    def test_cslide_reports(self):
        w = self.mix_workload()
        self.cslide('rep', w.pid, anon_only='no')
        self.wait_cycles_of('rep', 3)
        time.sleep(0.5)
        rep = self.command('rep', 'cslide', 'showtaskpages', task='t1')
        pid = rep['tasks'][0]['pids'][0]
        ours = {n['node']: n['pages'] * pid['page_size'] for n in pid['nodes']}
        total, huge = numa_util.numa_maps_pages(w.pid)
        print('showtaskpages bytes by node %s; numa_maps %s (hugetlb %s)' % (ours, total, huge))
        for node in set(ours) | set(total):
            self.assertLessEqual(abs(ours.get(node, 0) - total.get(node, 0)), max(total.get(node, 0) // 50, 256 << 10),
                                 'node %d' % node)
        host = self.command('rep', 'cslide', 'showhostpages')
        used = {n['node']: sum(h['used'] * h['page_size'] for h in n['hugepages']) for n in host['nodes']}
        print('showhostpages hugetlb used by node %s; numa_maps huge %s' % (used, huge))
        for node in (0, 1):
            self.assertEqual(used.get(node, 0), huge.get(node, 0), 'hugetlb on node %d' % node)
        for cmd in ('showtaskpages', 'showhostpages'):
            print(self.ctl_ok('engine', cmd, '-n', 'rep', '-e', 'cslide').stdout)

    # ---- line 4 ----

    def test_numa_consolidates(self):
        a = self.workload(['busy', 200], prefix=['numactl', '--preferred=1'])
        b = self.workload(['busy', 200], prefix=['numactl', '--preferred=1'])
        for w in (a, b):
            on1 = self.nodes_of(w.pid, w.spans['data']).get(1, 0)
            self.assertGreater(on1, 0.9 * 200 * 256, 'workload memory did not start on node 1')
        self.create_project('nu', loop=1, interval=1, sleep=1)
        self.add_engine('nu', 'numa', cpu_threshold=30, mem_threshold=100, min_interval=1, max_interval=1,
                        reeval_delay=0, exclude=b.pid)
        self.add_task('nu', 'numa', 'a', 'pid', a.pid)
        self.add_task('nu', 'numa', 'b', 'pid', b.pid)
        self.call(project_path('nu'), PROJECT_IFACE, 'Start')
        ta, tb = task_path('nu', 'numa', 'a'), task_path('nu', 'numa', 'b')
        p = self.wait_task(ta, lambda p: p['BytesMigrated'] > 100 * MiB, 180, 'pid a consolidated')
        na, nb = self.nodes_of(a.pid, a.spans['data']), self.nodes_of(b.pid, b.spans['data'])
        total, _ = numa_util.numa_maps_pages(a.pid)
        print('a: Status %r; data pages by node %s; numa_maps %s' % (p['Status'], na, total))
        print('b (excluded): Status %r; data pages by node %s' % (self.task(tb)['Status'], nb))
        self.assertGreaterEqual(na.get(0, 0), 0.9 * 200 * 256)
        self.assertGreaterEqual(total.get(0, 0), 0.9 * sum(total.values()))
        self.assertEqual(self.task(tb)['BytesMigrated'], 0)
        self.assertIn('exclusion', self.task(tb)['Status'])
        self.assertGreater(nb.get(1, 0), 0.9 * 200 * 256, 'an excluded pid was moved')

        def placement():
            return {x['pid']: x for x in self.command('nu', 'numa', 'showplacement')['processes']}
        before = placement()[a.pid]
        cycles = self.task(ta)['Cycles']
        self.command('nu', 'numa', 'set', target_utilization=10)
        self.wait_task(ta, lambda p: p['Cycles'] >= cycles + 2, 60, 'two more cycles')
        after = placement()[a.pid]
        print('target_utilization 85 -> 10: %s -> %s' % ({k: before[k] for k in ('target_nodes', 'mb_request',
                                                                                  'target_utilization')},
                                                         {k: after[k] for k in ('target_nodes', 'mb_request',
                                                                                'target_utilization')}))
        self.assertEqual(after['target_utilization'], 10)
        self.assertGreaterEqual(after['mb_request'], 8 * before['mb_request'])
        self.assertEqual(after['target_nodes'], '0-1')
        self.assertGreater(self.nodes_of(b.pid, b.spans['data']).get(1, 0), 0.9 * 200 * 256)

    # ---- line 5 ----

    def test_advice_matches_numad(self):
        numad = shutil.which('numad')
        if not numad:
            self.fail('numad is not installed (apt-get install numad on the host: the guest shares its root)')
        agree = 0
        for cpus, mbs in ((1, 100), (1, 1500), (4, 100), (0, 600)):
            ours = str(self.mgr('GetPlacementAdvice', 'ut', dbus.UInt32(cpus), dbus.UInt64(mbs), timeout=30))
            theirs = subprocess.run([numad, '-w', '%d:%d' % (cpus, mbs)], capture_output=True, text=True,
                                    timeout=60).stdout.strip()
            print('%d CPUs %d MB: GetPlacementAdvice %r, numad -w %r' % (cpus, mbs, ours, theirs))
            self.assertEqual(ours, theirs)
            agree += 1
        self.assertGreaterEqual(agree, 3)


class TestNumaVMClearRefs(TestNumaVM):
    """etmemd with ETMEM_TRACKER=clear_refs, a tracker that gives hugetlb pages no verdict."""

    def setUp(self):
        os.environ['ETMEM_TRACKER'] = 'clear_refs'
        self.addCleanup(os.environ.pop, 'ETMEM_TRACKER', None)
        super().setUp()

    def test_cslide_hugetlb_no_verdict(self):
        """Without a verdict, hugetlb memory stays where it is (it used to count as cold and
        move to the slow node, hot pages included), and the Status says so."""
        w = self.huge_hotcold(8, 8)
        tp = self.cslide('nov', w.pid, quota=1024, reserve=1024)
        self.wait_cycles(tp, 3, timeout=180)
        cold, hot = self.nodes_of(w.pid, w.cold), self.nodes_of(w.pid, w.hot)
        p = self.task(tp)
        print('clear_refs: cold pages by node %s, hot pages by node %s; Status %r' % (cold, hot, p['Status']))
        self.assertEqual((cold.get(0, 0), hot.get(0, 0)), (w.cold_pages, w.hot_pages),
                         'hugetlb pages without a verdict were moved')
        self.assertIn('of hugetlb memory left where it is: the clear_refs tracker gives it no access verdict',
                      p['Status'])


if __name__ == '__main__':
    if os.geteuid() != 0:
        skip('needs root')
    main()

