#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The psi engine end to end (issue #12's psi engine, issue #15 line 3's mechanism):
the real etmemd on a private bus, hotcold in a real cgroup-v1 memory cgroup, real
zram swap (run through tests/host/zram-swap.sh run).  The project is written as
upstream etmem writes them: scan_type=psi, interval only, and a task with a dummy target
(psi_conf.yaml; test_pressure) or none at all (its README's example; test_reclaim).

  test_reclaim    the cgroup's usage comes down by most of the cold part; never below
                  the floor (limit_min_bytes); the hot part stays resident; the
                  cgroup's limit is what it was after every cycle; BytesPagedOut adds up
                  to what the cgroup lost; hotcold's data is intact (it checks on exit)
  test_burst      a process in the cgroup allocates, writes and checks 160 MiB again and
                  again while the engine steps the limit down under it: no OOM kill
                  in the cgroup (memory.oom_control), every burst's data intact, and
                  reclaim still happened (BytesPagedOut)
  test_pressure   while another cgroup thrashes (a hot set 4x its limit: real memory
                  stalls in /proc/pressure/memory), the task reclaims nothing and says
                  why; once the thrashing stops it reclaims again

Figures are read after a known cycle (the recorded PropertiesChanged history), and
cumulative ones (BytesPagedOut, the cgroup's usage) are compared, not moments."""

import os
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slide_e2e import MiB, PROJECT_IFACE, SlideTestCase, main, require_root_and_swap, skip  # noqa: E402
from etmem_fixture import project_path, task_path  # noqa: E402

CG1 = '/sys/fs/cgroup/memory'


def cg_read(cg, name):
    with open(os.path.join(CG1, cg, name)) as f:
        return int(f.read().split()[0])


def cg_write(cg, name, value):
    with open(os.path.join(CG1, cg, name), 'w') as f:
        f.write(str(value))


def psi_config(project, cg, dummy_target=True, **task):
    """As upstream's psi_conf.yaml (a dummy type=name value=cgroup_v1), or, with
    dummy_target=False, as its README's example (no type, no value)."""
    keys = dict(cg_dir=cg)
    keys.update(task)
    return ('[project]\nname=%s\nscan_type=psi\ninterval=1\n\n'
            '[engine]\nname=psi\nproject=%s\n\n'
            '[task]\nproject=%s\nengine=psi\nname=background_psi\n%s%s'
            % (project, project, project, 'type=name\nvalue=cgroup_v1\n' if dummy_target else '',
               ''.join('%s=%s\n' % kv for kv in keys.items())))


class TestPsiEngine(SlideTestCase):

    def setUp(self):
        if os.path.exists('/sys/fs/cgroup/cgroup.controllers') or not os.path.exists(os.path.join(CG1, 'tasks')):
            skip('this test is for a cgroup v1 memory controller at %s' % CG1)
        super().setUp()

    def cgroup(self, limit=None):
        name = 'etmem-test-psi-' + uuid.uuid4().hex[:8]
        os.mkdir(os.path.join(CG1, name))
        self.addCleanup(self.remove_cgroup, name)
        if limit:
            cg_write(name, 'memory.limit_in_bytes', limit)
        return name

    def remove_cgroup(self, name):
        path = os.path.join(CG1, name)
        with open(os.path.join(path, 'cgroup.procs')) as f:
            for pid in f.read().split():
                with open(os.path.join(CG1, 'cgroup.procs'), 'w') as g:
                    g.write(pid)
        os.rmdir(path)

    def hotcold_in(self, cg, cold_mib, hot_mib, **kw):
        """hotcold started inside cgroup cg (it joins before exec, so all its memory is charged there)."""
        join = ['sh', '-c', 'echo $$ > %s/%s/cgroup.procs && exec "$@"' % (CG1, cg), 'sh']
        return self.hotcold(cold_mib, hot_mib, prefix=join, **kw)

    def start_psi(self, project, cg, dummy_target=True, **task):
        self.load_config(psi_config(project, cg, dummy_target, **task), 'ini', '%s.conf' % project)
        pp, tp = project_path(project), task_path(project, 'psi', 'background_psi')
        self.call(pp, PROJECT_IFACE, 'Start')
        return pp, tp

    def test_reclaim(self):
        cold_mib, hot_mib, floor_mib = 160, 16, 96
        cg = self.cgroup()
        w = self.hotcold_in(cg, cold_mib, hot_mib)
        limit0 = cg_read(cg, 'memory.limit_in_bytes')
        usage0 = cg_read(cg, 'memory.usage_in_bytes')
        self.assertGreater(usage0, (cold_mib + hot_mib) * MiB * 0.9, 'hotcold is not charged to its cgroup')
        # pressure=50: reclaim unless half of the time stalls (a busy CI machine must not stop it)
        pp, tp = self.start_psi('psi', cg, dummy_target=False, pressure=50, reclaim_rate=0.25, reclaim_rate_max=0.5,
                                limit_min_bytes=floor_mib * MiB, limit_min_ratio=0.1)
        limits, usages = [], []
        for n in range(1, 9):
            p = self.wait_cycles(tp, n, timeout=60)
            limits.append(cg_read(cg, 'memory.limit_in_bytes'))
            usages.append(cg_read(cg, 'memory.usage_in_bytes'))
        status = p['Status']
        print('usage %.1f MiB -> %s MiB; BytesPagedOut %.1f MiB; status: %s' % (
            usage0 / MiB, ' '.join('%.0f' % (u / MiB) for u in usages), p['BytesPagedOut'] / MiB, status))
        pages, swapped, _ = w.pagemap(w.cold)
        hpages, _, hpresent = w.pagemap(w.hot)
        print('cold part: %d of %d pages swapped; hot part: %d of %d present; VmSwap %d KiB' % (
            swapped, pages, hpresent, hpages, w.status_kib('VmSwap')))
        self.assertEqual(p['LastError'], '', 'the task failed: %s' % p['LastError'])
        self.assertIn('memory.limit_in_bytes steps', status, 'this kernel has no memory.reclaim in v1')
        # came down to the floor, not below it
        self.assertLess(usages[-1], usage0 - 0.5 * (usage0 - floor_mib * MiB),
                        'usage %.1f MiB -> %.1f MiB: less than half of the way to the %d MiB floor' % (
                            usage0 / MiB, usages[-1] / MiB, floor_mib))
        self.assertGreaterEqual(min(usages), (floor_mib - 4) * MiB, 'usage went below the floor: %s' % usages)
        self.assertGreater(swapped, 0.3 * pages, 'only %d of %d cold pages are in swap' % (swapped, pages))
        self.assertGreaterEqual(hpresent, 0.9 * hpages, 'the hot part left memory: %d of %d present' % (
            hpresent, hpages))
        self.assertEqual(set(limits), {limit0}, 'the limit after a cycle differs from the original %d: %s' % (
            limit0, limits))
        lost = usage0 - usages[-1]
        self.assertGreater(p['BytesPagedOut'], 0.8 * lost, 'BytesPagedOut %d, the cgroup lost %d' % (
            p['BytesPagedOut'], lost))
        self.call(pp, PROJECT_IFACE, 'Stop')
        w.stop()
        self.assertEqual(w.proc.wait(30), 0, 'hotcold found its memory changed (exit %s)' % w.proc.returncode)

    def test_burst(self):
        cg = self.cgroup()
        w = self.hotcold_in(cg, 128, 8)
        burster = ('import sys, time\n'
                   'end = time.monotonic() + float(sys.argv[1]); n = 0\n'
                   'while time.monotonic() < end:\n'
                   '    b = bytearray(160 << 20)\n'
                   '    for off in range(0, len(b), 4096): b[off] = (off >> 12) & 255 or 1\n'
                   '    bad = [off for off in range(0, len(b), 4096) if b[off] != ((off >> 12) & 255 or 1)]\n'
                   '    if bad: print("burst %d: %d pages changed" % (n, len(bad))); sys.exit(1)\n'
                   '    del b; n += 1\n'
                   'print("%d bursts of 160 MiB, all intact" % n)\n')
        pp, tp = self.start_psi('psi', cg, dummy_target=False, pressure=50, reclaim_rate=0.5, reclaim_rate_max=0.5,
                                limit_min_ratio=0.1)
        self.wait_cycles(tp, 2, timeout=60)  # reclaiming from cycle 2 on
        join = 'echo $$ > %s/%s/cgroup.procs && exec "$@"' % (CG1, cg)
        b = subprocess.run(['sh', '-c', join, 'sh', sys.executable, '-c', burster, '12'], capture_output=True,
                           text=True, timeout=300)
        p = self.wait_cycles(tp, self.task(tp)['Cycles'] + 1, timeout=60)
        with open(os.path.join(CG1, cg, 'memory.oom_control')) as f:
            oom = dict(line.split() for line in f.read().splitlines())
        print('burster: exit %d, %s; cgroup oom_control %s; BytesPagedOut %.1f MiB after %d cycles; status: %s' % (
            b.returncode, (b.stdout + b.stderr).strip(), oom, p['BytesPagedOut'] / MiB, p['Cycles'], p['Status']))
        self.assertEqual(oom.get('oom_kill'), '0', 'the OOM killer ran in the cgroup')
        self.assertEqual(b.returncode, 0, 'the burster failed: %s' % (b.stdout + b.stderr))
        self.assertRegex(b.stdout, r'^([3-9]|\d{2,}) bursts', 'fewer than 3 bursts ran')
        self.assertIsNone(w.proc.poll(), 'hotcold died')
        self.assertGreater(p['BytesPagedOut'], 32 * MiB, 'the engine hardly reclaimed during the bursts')
        self.call(pp, PROJECT_IFACE, 'Stop')
        w.stop()
        self.assertEqual(w.proc.wait(30), 0, 'hotcold found its memory changed (exit %s)' % w.proc.returncode)

    def test_pressure(self):
        cg = self.cgroup()
        self.hotcold_in(cg, 128, 8)
        # the thrasher: a hot set of 128 MiB read in a loop under a 32 MiB limit
        thrash_cg = self.cgroup(limit=32 * MiB)
        thrash = self.hotcold_in(thrash_cg, 0, 128, ready=False, timeout=120)
        self.addCleanup(thrash.kill)
        pp, tp = self.start_psi('psi', cg, pressure=1, reclaim_rate=0.1)
        p = self.wait_cycles(tp, 4, timeout=90)
        print('under thrashing, cycle 4: BytesPagedOut %.1f MiB; status: %s' % (p['BytesPagedOut'] / MiB,
                                                                              p['Status']))
        before = p['BytesPagedOut']
        p = self.wait_cycles(tp, 8, timeout=90)
        print('under thrashing, cycle 8: BytesPagedOut %.1f MiB; status: %s' % (p['BytesPagedOut'] / MiB,
                                                                              p['Status']))
        self.assertIn('not reclaiming', p['Status'], 'the thrashing did not register as pressure')
        self.assertEqual(p['BytesPagedOut'], before, 'reclaimed under pressure between cycles 4 and 8')
        thrash.kill()
        p = self.wait_cycles(tp, 14, timeout=120)
        print('without thrashing, cycle 14: BytesPagedOut %.1f MiB; status: %s' % (p['BytesPagedOut'] / MiB,
                                                                                 p['Status']))
        self.assertGreater(p['BytesPagedOut'], before + 8 * MiB, 'no reclaim once the pressure was gone')
        self.call(pp, PROJECT_IFACE, 'Stop')


if __name__ == '__main__':
    require_root_and_swap()
    main()
