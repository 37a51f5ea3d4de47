#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #3, line 5: with no swap active, Project1.Start of a slide project fails with
org.etmem.Error.NotSupported naming the missing swap, and nothing changes: State stays
stopped, no cycle runs, no page of the target is swapped, the object tree is the same.

Runs WITHOUT zram-swap.sh; when some swap is active (not ours to switch off) it skips."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slide_e2e import PROJECT_IFACE, SlideTestCase, active_swaps, main, skip  # noqa: E402


class TestNoSwap(SlideTestCase):

    def test_start_refused_without_swap(self):
        w = self.hotcold(64, 16)
        pp, tp = self.slide_project('noswap', w.pid)
        before = self.snapshot()
        task_before = self.task(tp)

        msg = self.assertDBusError('org.etmem.Error.NotSupported', self.call, pp, PROJECT_IFACE, 'Start')
        print('Start refused: org.etmem.Error.NotSupported: %s' % msg)
        self.assertIn('swap', msg.lower(), 'the message must name the missing swap')

        time.sleep(2.5)  # a started project would have run its first scan rounds by now
        self.assertEqual(self.prop(pp, PROJECT_IFACE, 'State'), 'stopped')
        self.assertTreeUnchanged(before, 'a refused Start')
        task_after = self.task(tp)
        for k in ('Cycles', 'PagesScanned', 'BytesPagedOut', 'Pids', 'Status'):
            self.assertEqual(task_after[k], task_before[k], 'Task1.%s changed after a refused Start' % k)
        pages, swapped, present = w.pagemap(w.cold + w.hot)
        print('after the refused Start: State stopped, Cycles %d, %d of %d pages present, %d swapped'
              % (task_after['Cycles'], present, pages, swapped))
        self.assertEqual(swapped, 0)
        self.assertEqual(present, pages)
        self.assertEqual(w.stop(), 0, 'hotcold found its cold data changed')


if __name__ == '__main__':
    if os.geteuid() != 0:
        skip('needs root')
    swaps = active_swaps()
    if swaps:
        skip('swap is active (%s) and is not ours to switch off; this test needs a machine without swap'
             % ', '.join(swaps))
    main()
