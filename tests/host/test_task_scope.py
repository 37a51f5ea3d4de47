#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #10, item 2, with real page-out: a slide task of type=name on a process that an
unprivileged user (setpriv) named like the task, whose children are non-dumpable and
setuid-root (a copy of hotcold).  The parent's cold memory goes to swap; not one page
of either child's own memory does (pagemap), and LastError says why."""

import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slide_e2e import HOTCOLD, PROJECT_IFACE, Hotcold, SlideTestCase, main, pct, require_root_and_swap  # noqa: E402
from scope_family import Family, can_run  # noqa: E402


class Region(Hotcold):
    """pagemap() of any process (Hotcold's reader, without starting one)."""

    def __init__(self, pid):  # noqa: super().__init__ starts a hotcold: not wanted here
        self.pid = pid
        self.page_size = os.sysconf('SC_PAGE_SIZE')


class TestTaskScope(SlideTestCase):

    def test_children_not_paged_out(self):
        if not can_run():
            self.skipTest('needs setpriv')
        name = 'fam' + uuid.uuid4().hex[:8]
        out = os.path.join(self.tmp, 'suid-truth')
        fam = Family(self, name, HOTCOLD, ['--cold', '32', '--hot', '1', '--out', out])
        deadline = time.monotonic() + 30
        while not (os.path.exists(out) and 'ready' in open(out).read().split('\n')):
            self.assertLess(time.monotonic(), deadline, 'the setuid hotcold was not ready')
            time.sleep(0.05)
        suid_cold = [(int(w[1], 16), int(w[2], 16)) for w in (line.split() for line in open(out)) if w and w[0] == 'cold']

        pp, tp = self.slide_project('scope', name, type_='name', loop=3, interval=1, sleep=1)
        self.call(pp, PROJECT_IFACE, 'Start')
        parent = Region(fam.parent)
        span = [fam.info['parent'][1:]]
        p = self.wait_task(tp, lambda p: parent.pagemap(span)[1] >= 0.9 * parent.pagemap(span)[0], 90,
                           'the parent\'s cold memory to be paged out')
        self.wait_cycles(tp, p['Cycles'] + 1)
        p = self.task(tp)
        got = {}
        for what, pid, spans in [('parent', fam.parent, span),
                                 ('non-dumpable child', fam.nondumpable, [fam.info['nondumpable'][1:]]),
                                 ('setuid-root child', fam.setuid, suid_cold)]:
            pages, swapped, present = Region(pid).pagemap(spans)
            got[what] = swapped
            print('%s pid %d: %d of %d own pages swapped (%.1f %%), %d present'
                  % (what, pid, swapped, pages, pct(swapped, pages), present))
        print('Pids %s, Cycles %d, LastError: %s' % (list(p['Pids']), p['Cycles'], p['LastError']))
        self.assertEqual(got['non-dumpable child'], 0, 'the non-dumpable child was paged out')
        self.assertEqual(got['setuid-root child'], 0, 'the setuid-root child was paged out')
        self.assertEqual(list(p['Pids']), [fam.parent])
        self.assertIn('left alone', p['LastError'])


if __name__ == '__main__':
    require_root_and_swap()
    main()
