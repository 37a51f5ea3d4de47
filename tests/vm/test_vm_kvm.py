#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #15, line 4, in the guest with nested KVM (run-in-guest.sh ETMEM_VM_KVM=1): slide
with T=1, loop=3, interval=1, sleep=1 on a real KVM VMM (tests/workload/kvm-vmm.c), whose
guest reads 32 MiB of its memory every 10 ms and never touches 96 MiB after writing it.

The guest's reads go through KVM's secondary MMU (NPT here) and never set the accessed
bits of the VMM's own page tables.  So for each tracker etmemd would use:

  test_damon       DAMON vaddr asks the mmu notifiers: the cold guest memory is paged out
                   (>= 50 % of it) and the VMM takes <= 40 major faults over 25 s;
  test_auto        no tracker forced: etmemd skips the trackers that cannot see the guest
                   (the kmod, clear_refs) and takes DAMON;
  test_kmod, test_clear_refs
                   forced, they are refused for this process: LastError names the pid, the
                   tracker and why, nothing of the guest is paged out, no major faults.

The guest's NUMA balancing is turned off for these tests: its hinting faults unmap the
VMM's pages now and then, and KVM's refault through the VMM's page tables would make a
host-side tracker see a guest access once a scan period, which a one-node host (and
this one's guest memory, faulted in once) never shows.  Measured: with it off, a page the
guest reads every 10 ms stays 'Referenced: 0' in smaps after clear_refs.

Environment as tests/vm/test_vm_slide.py, plus KVM_VMM (the kvm-vmm binary)."""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'host'))
from slide_e2e import COUNTERS, PROJECT_IFACE, Hotcold, SlideTestCase, main, require_root_and_swap  # noqa: E402

KVM_VMM = os.environ.get('KVM_VMM', '')
COLD_MIB, HOT_MIB = 96, 32
SETTLE = 60.0          # seconds more, at most, for the cold part to reach swap
WINDOW = 25.0          # seconds of tiering over which the VMM's major faults are counted
MAX_MAJFLT = 40


def numa_balancing(value=None):
    path = '/proc/sys/kernel/numa_balancing'
    if not os.path.exists(path):
        return None
    with open(path) as f:
        old = f.read().strip()
    if value is not None:
        with open(path, 'w') as f:
            f.write(value)
    return old


class TestVmKvm(SlideTestCase):
    tracker = None

    @classmethod
    def setUpClass(cls):
        if not os.access('/dev/kvm', os.R_OK | os.W_OK):
            raise RuntimeError('no /dev/kvm in the guest: run through run-in-guest.sh with ETMEM_VM_KVM=1')
        if not os.access(KVM_VMM, os.X_OK):
            raise RuntimeError('KVM_VMM=%r is not an executable; run through `meson test --suite vm`' % KVM_VMM)
        super().setUpClass()

    def setUp(self):
        require_root_and_swap()
        if self.tracker:
            os.environ['ETMEM_TRACKER'] = self.tracker
        else:
            os.environ.pop('ETMEM_TRACKER', None)
        old = numa_balancing('0')
        if old is not None:
            self.addCleanup(numa_balancing, old)
        super().setUp()

    def vmm(self):
        w = Hotcold(self.tmp, COLD_MIB, HOT_MIB, exe=KVM_VMM, args=['--period-ms', '10'], timeout=120)
        self.addCleanup(w.kill)
        w.wait_ready()
        return w

    def passes(self, w):
        with open(w.out + '.passes') as f:
            return int(f.read())

    def run_slide(self, name, want_cold=0.0):
        """Slide on the VMM for WINDOW seconds: (task at the end, VMM, its major faults in
        the window, cold (pages, swapped), hot (pages, swapped, present)).  With want_cold,
        tiering goes on after the window, for up to SETTLE s, until that share of the cold
        part is in swap: DAMON's regions split more slowly on a loaded TCG guest.  The
        swapped count only grows (the guest never touches its cold part), so checking
        it now and then cannot miss the moment."""
        w = self.vmm()
        pp, tp = self.slide_project(name, w.pid, loop=3, interval=1, sleep=1)
        f0, p0, t0 = w.majflt(), self.passes(w), time.monotonic()
        self.call(pp, PROJECT_IFACE, 'Start')
        c1 = self.wait_cycles(tp, 1, timeout=120)
        time.sleep(max(0.0, WINDOW - (time.monotonic() - t0)))
        faults, passes = w.majflt() - f0, self.passes(w) - p0
        took = time.monotonic() - t0
        f1, settle_end = w.majflt(), time.monotonic() + SETTLE
        while want_cold and time.monotonic() < settle_end:
            pages, swapped = w.pagemap(w.cold)[:2]
            if swapped >= want_cold * pages:
                break
            time.sleep(1.0)
        if want_cold:
            print('%s: %.1f s after the window until %.0f %% of the cold part was in swap; %d major faults then'
                  % (name, time.monotonic() - t0 - took, 100 * want_cold, w.majflt() - f1))
        t = self.task(tp)
        self.call(pp, PROJECT_IFACE, 'Stop')
        cold, hot = w.pagemap(w.cold), w.pagemap(w.hot)
        print('%s: %d cycles in %.1f s; VMM pid %d: %d major faults, %d guest passes over the hot set'
              % (name, t['Cycles'], took, w.pid, faults, passes))
        print('%s: cold %d pages, %d swapped; hot %d pages, %d swapped, %d present'
              % ((name,) + cold[:2] + hot))
        print('%s: totals %s' % (name, {k: t[k] for k in COUNTERS}))
        print('%s: Status: %s' % (name, t['Status']))
        print('%s: LastError: %s' % (name, t['LastError'] or '(none)'))
        self.assertGreater(c1['Cycles'], 0)
        self.assertGreater(passes, 0, 'the guest made no pass over its hot memory: the test saw nothing')
        self.assertEqual(w.stop(), 0, 'kvm-vmm found guest memory changed after the page-out')
        return t, faults, cold, hot

    def check_sees_guest(self, name, want):
        t, faults, cold, hot = self.run_slide(name, want_cold=0.5)
        self.assertEqual(t['LastError'], '', 'the task failed')
        self.assertIn(want, t['Status'], 'the task did not use the %s tracker' % want)
        self.assertGreaterEqual(cold[1], cold[0] // 2,
                                'cold guest memory paged out: %d of %d pages (want >= 50 %%)' % (cold[1], cold[0]))
        self.assertLessEqual(faults, MAX_MAJFLT,
                             'VMM major faults over %.0f s: %d (hot pages swapped now: %d of %d)'
                             % (WINDOW, faults, hot[1], hot[0]))

    def check_refused(self, name, tracker):
        t, faults, cold, hot = self.run_slide(name)
        err = t['LastError']
        for what in ('pid %d' % t['Pids'][0] if t['Pids'] else 'pid', 'KVM guest', 'the %s tracker' % tracker,
                     'EPT/NPT'):
            self.assertIn(what, err, 'LastError does not say why %s was refused' % tracker)
        self.assertEqual(cold[1] + hot[1], 0, 'guest memory was paged out by a refused tracker')
        self.assertEqual(t['BytesPagedOut'], 0)
        self.assertLessEqual(faults, MAX_MAJFLT)


class TestDamon(TestVmKvm):
    tracker = 'damon'

    def test_damon(self):
        self.check_sees_guest('kvmdamon', 'DAMON')


class TestAuto(TestVmKvm):
    tracker = None

    def test_auto(self):
        self.check_sees_guest('kvmauto', 'DAMON')


class TestKmod(TestVmKvm):
    tracker = 'kmod'

    def test_kmod(self):
        self.assertTrue(os.path.exists('/dev/etmem_scan'), 'etmem_scan.ko is not loaded in the guest')
        self.check_refused('kvmkmod', 'kmod')


class TestClearRefs(TestVmKvm):
    tracker = 'clear_refs'

    def test_clear_refs(self):
        self.check_refused('kvmclearrefs', 'clear_refs')


if __name__ == '__main__':
    main()
