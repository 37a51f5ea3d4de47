#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #11, acceptance 2: `etmemctl metrics` while the slide engine tiers a real
hotcold process into real zram swap (run through tests/host/zram-swap.sh run).  The
output parses with python3-prometheus-client's OpenMetrics parser and holds the
running task's counters: each lies between the GetAll read just before and the one
just after (counters only grow), the cold set shows in PagesCold and BytesPagedOut, and
the project's state gauge says running."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'bus'))
from slide_e2e import MiB, SlideTestCase, main, require_root_and_swap  # noqa: E402
import etmem_fixture  # noqa: E402
import metrics_util  # noqa: E402


class TestMetricsSlide(SlideTestCase):

    def test_running_slide_task(self):
        require_root_and_swap()
        w = self.hotcold(128, 32)
        pp, tp = self.slide_project('tier', w.pid, loop=3, interval=1, sleep=1)
        self.call(pp, etmem_fixture.PROJECT_IFACE, 'Start')
        self.wait_cycles(tp, 2)

        before = metrics_util.expected_task_values(self.task(tp))
        r = subprocess.run([etmem_fixture.ETMEMCTL, '--address', self.bus.address, 'metrics'],
                           capture_output=True, text=True, timeout=30)
        after = metrics_util.expected_task_values(self.task(tp))
        self.assertEqual(r.returncode, 0, 'etmemctl metrics failed: %s' % r.stderr)
        fams = metrics_util.parse(r.stdout)
        got = metrics_util.task_values(fams, 'tier', 'slide', 't1')
        print('metrics of the running slide task: %s\nGetAll before: %s\nGetAll after:  %s'
              % (got, before, after))
        print('hotcold truth: %d cold pages, %d hot pages' % (w.cold_pages, w.hot_pages))

        for k in ('Cycles', 'PagesScanned', 'PagesHot', 'PagesCold', 'BytesPagedOut', 'BytesMigrated'):
            self.assertTrue(before[k] <= got[k] <= after[k],
                            '%s: metrics says %d, GetAll said %d before and %d after' % (k, got[k], before[k],
                                                                                         after[k]))
        self.assertEqual(got['Pids'], 1)
        self.assertGreaterEqual(got['Cycles'], 2)
        # cycle 2 classified the cold set and paged it out (test_slide_daemon checks the pages)
        self.assertGreaterEqual(got['PagesCold'], 0.9 * w.cold_pages, 'PagesCold vs ground-truth cold pages')
        self.assertGreaterEqual(got['BytesPagedOut'], 0.5 * w.cold_pages * w.page_size,
                                'BytesPagedOut: %.1f MiB of %.1f MiB cold'
                                % (got['BytesPagedOut'] / MiB, w.cold_pages * w.page_size / MiB))
        self.assertGreater(got['LastCycleUsec'], 0)
        state = {s.labels['state']: s.value for s in fams['etmem_project_state'].samples
                 if s.labels['project'] == 'tier'}
        self.assertEqual(state, {'running': 1, 'stopped': 0, 'failed': 0})

        self.call(pp, etmem_fixture.PROJECT_IFACE, 'Stop')
        self.assertEqual(w.stop(), 0, 'hotcold found its cold data changed after the page-out')


if __name__ == '__main__':
    main()
