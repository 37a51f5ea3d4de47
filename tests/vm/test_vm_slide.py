#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #5, line 2, in the guest: the real etmemd on a private bus runs a slide task
against hotcold with hot and cold pages interleaved page by page in one mapping, with
the tracker forced through ETMEM_TRACKER (docs/kmod.md), and the result is measured
from pagemap after the page-out against hotcold's ground truth:

  precision = cold pages swapped / all pages of the workload swapped
  recall    = cold pages swapped / cold pages

  test_kmod   etmem_scan module: precision >= 0.95 and recall >= 0.90
  test_damon  DAMON vaddr: printed (region sampling cannot separate single pages)
  test_damon_separate  DAMON vaddr with cold and hot in two mappings: precision >= 0.85,
              recall >= 0.50 (the DAMON tracker itself works; sampling, not exact)
  The DAMON tests run hotcold with --flush-tlb (hotcold.c: QEMU's TCG TLB otherwise
  hides the hot set's accesses from DAMON).

Environment as tests/host (ETMEMD, ETMEMCTL, ENGINES_DIRS, HOTCOLD, BUS_CONF_IN,
BUS_POLICY); VM_SLIDE_MIB sets the size of each of the cold and hot sets (default 128,
i.e. a 256 MiB workload).  Needs swap (the guest has zram)."""

import array
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'host'))
from slide_e2e import (COUNTERS, PM_PRESENT, PM_SWAPPED, PROJECT_IFACE, Hotcold, SlideTestCase, main,  # noqa: E402
                       require_root_and_swap)

MIB = int(os.environ.get('VM_SLIDE_MIB', '128'))


class Interleaved(Hotcold):
    """hotcold --pattern interleave:N: one mapping, N cold pages then N hot pages."""

    def __init__(self, tmp, mib, pages, timeout=120.0, args=()):
        Hotcold.__init__(self, tmp, mib, mib, timeout=timeout,
                         args=['--pattern', 'interleave:%d' % pages] + list(args))

    def measure(self):
        """(cold pages, cold swapped, hot pages, hot swapped, hot present), one pagemap read."""
        ps = self.page_size
        lo = min(s for s, _ in self.cold + self.hot)
        hi = max(e for _, e in self.cold + self.hot)
        n = (hi - lo) // ps
        with open('/proc/%d/pagemap' % self.pid, 'rb') as f:
            f.seek(lo // ps * 8)
            pm = array.array('Q')
            pm.frombytes(f.read(n * 8))
        kind = bytearray(n)  # 0: neither (a guard page), 1: cold, 2: hot
        for spans, k in ((self.cold, b'\1'), (self.hot, b'\2')):
            for s, e in spans:
                kind[(s - lo) // ps:(e - lo) // ps] = k * ((e - s) // ps)
        cold, hot = kind.count(1), kind.count(2)
        cold_sw = hot_sw = hot_present = 0
        for i, v in enumerate(pm):
            if kind[i] == 1:
                cold_sw += 1 if v & PM_SWAPPED else 0
            elif kind[i] == 2:
                hot_sw += 1 if v & PM_SWAPPED else 0
                hot_present += 1 if v & PM_PRESENT else 0
        return cold, cold_sw, hot, hot_sw, hot_present


class Separate(Interleaved):
    """hotcold's default pattern: the cold and the hot set in two mappings."""

    def __init__(self, tmp, mib, timeout=120.0, args=()):
        Hotcold.__init__(self, tmp, mib, mib, timeout=timeout, args=args)

    measure = Interleaved.measure


class TestVmSlide(SlideTestCase):
    tracker = None
    # hotcold's options: the DAMON tests add --flush-tlb (hotcold.c says why: under TCG
    # a hot page DAMON marked old stays in QEMU's TLB and is never marked accessed again;
    # seen in CI: the whole hot set paged out in cycle 1, 25287 hot pages in cycle 2)
    workload_args = ()

    def setUp(self):
        require_root_and_swap()
        # etmemd inherits it (the fixture starts the daemon in setUp)
        os.environ['ETMEM_TRACKER'] = self.tracker
        super().setUp()

    def run_slide(self, kind, separate=False):
        a = self.workload_args
        w = Separate(self.tmp, MIB, args=a) if separate else Interleaved(self.tmp, MIB, 1, args=a)
        self.addCleanup(w.kill)
        w.wait_ready()
        print('%s: hotcold pid %d, %d MiB cold + %d MiB hot %s'
              % (kind, w.pid, MIB, MIB, 'in two mappings' if separate else
                 'interleaved page by page (%d spans)' % (len(w.cold) + len(w.hot))))
        pp, tp = self.slide_project('vm' + ''.join(ch for ch in kind if ch.isalnum()), w.pid, loop=3, interval=1,
                                    sleep=1)
        t0 = time.monotonic()
        self.call(pp, PROJECT_IFACE, 'Start')
        # cycle 1 is the warm-up (round 0 sees everything since hotcold started); cycle 2 pages out
        c1 = self.wait_cycles(tp, 1, timeout=180)
        s1 = w.cpu_seconds(), w.majflt()
        c2 = self.wait_cycles(tp, 2, timeout=180)
        s2 = w.cpu_seconds(), w.majflt()
        # separate: one more cycle before the end state is measured, for DAMON to split
        # the cold mapping's regions off the boundary (recall 0.59 after two once)
        last = self.wait_cycles(tp, 3, timeout=180) if separate else c2
        took = time.monotonic() - t0
        self.call(pp, PROJECT_IFACE, 'Stop')
        cold, cold_sw, hot, hot_sw, hot_present = w.measure()
        swapped = cold_sw + hot_sw
        precision = cold_sw / swapped if swapped else None
        recall = cold_sw / cold
        d = {k: c2[k] - c1[k] for k in COUNTERS}
        print('%s: after %d cycles (%.1f s): cold %d pages, %d swapped; hot %d pages, %d swapped, %d present'
              % (kind, last['Cycles'], took, cold, cold_sw, hot, hot_sw, hot_present))
        print('%s: cycle 2 PagesHot %d PagesCold %d BytesPagedOut %.1f MiB'
              % (kind, d['PagesHot'], d['PagesCold'], d['BytesPagedOut'] / (1 << 20)))
        print('%s: Status: %s' % (kind, c2['Status']))
        print('%s: hotcold during cycle 2: %.2f s CPU, %d major faults'
              % (kind, s2[0] - s1[0], s2[1] - s1[1]))
        print('%s: cold precision %s recall %.3f'
              % (kind, '%.3f' % precision if swapped else 'n/a (nothing swapped)', recall))
        self.assertEqual(last['LastError'], '')
        self.assertEqual(w.stop(), 0, 'hotcold found its cold data changed after the page-out')
        c2['cycle2'], c2['cold_pages'] = d, cold
        return c2, precision, recall


class TestKmod(TestVmSlide):
    tracker = 'kmod'

    def test_kmod(self):
        c2, precision, recall = self.run_slide('kmod')
        self.assertIn('kmod', c2['Status'], 'the task did not use the kmod tracker')
        self.assertGreaterEqual(precision, 0.95, 'kmod tracker: cold precision')
        self.assertGreaterEqual(recall, 0.90, 'kmod tracker: cold recall')


class TestDamon(TestVmSlide):
    tracker = 'damon'
    workload_args = ('--flush-tlb',)

    def test_damon(self):
        c2, precision, recall = self.run_slide('damon')
        self.assertIn('DAMON', c2['Status'], 'the task did not use the DAMON tracker')
        # Printed, not asserted: DAMON's regions are never one page wide, so with a
        # page-by-page interleave every region has hot pages and looks hot.

    def test_damon_separate(self):
        """The DAMON tracker works where regions can separate the sets: cold and hot
        in two mappings."""
        c2, precision, recall = self.run_slide('damon, separate', separate=True)
        self.assertIn('DAMON', c2['Status'], 'the task did not use the DAMON tracker')
        self.assertIsNotNone(precision, 'DAMON found nothing cold in a mapping nobody touches')
        # Of the cold set, DAMON's regions at the boundary between the mappings and its
        # sampling leave some behind (recall 0.86 .. 1.0 seen).  Precision is judged on
        # all the pages in swap at the end, cycle 1's (the warm-up) included: a hot page
        # paged out in any cycle harmed the workload.  Without --flush-tlb this failed
        # under TCG (0.543 and 0.564 in CI: DAMON never saw the hot set accessed).  A
        # tracker that mixes the sets up pages out about as much hot as cold: 0.5.
        d = c2['cycle2']
        print('damon, separate: cycle 2 called %d pages cold (cold set %d pages)' % (d['PagesCold'], c2['cold_pages']))
        self.assertGreaterEqual(precision, 0.85, 'DAMON tracker, separate mappings: cold precision')
        self.assertGreaterEqual(recall, 0.50, 'DAMON tracker, separate mappings: cold recall')


if __name__ == '__main__':
    main()
