#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #13: the configuration directory (etmemd --config-dir).  Its files are applied
at start; on SIGHUP a changed file is unloaded and applied again, a removed file is
unloaded, a new file applied; a broken file is logged with FILE:LINE and leaves the
other files applied; a restart with the state file keeps the restored objects."""

import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import EtmemTestCase, main  # noqa: E402


def project(name, loop=1, interval=1, sleep=1):
    return '[project]\nname=%s\nloop=%d\ninterval=%d\nsleep=%d\n\n' % (name, loop, interval, sleep)


def engine(proj, name='sleeper'):
    return '[engine]\nname=%s\nproject=%s\n\n' % (name, proj)


def task(proj, name, value=1, eng='sleeper'):
    return '[task]\nproject=%s\nengine=%s\nname=%s\ntype=pid\nvalue=%d\n\n' % (proj, eng, name, value)


class ConfigDir(EtmemTestCase):
    start_daemon_in_setup = False

    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.tmp, 'etc-etmem')
        os.mkdir(self.dir)

    def put(self, name, text):
        with open(os.path.join(self.dir, name), 'w') as f:
            f.write(text)

    def start(self, state_dir=None):
        return self.new_daemon(state_dir=state_dir, args=['--config-dir', self.dir])

    def tree(self):
        """{project: (loop, {engine: sorted task names})} from etmemctl show --json."""
        out = json.loads(self.ctl_ok('show', '--json').stdout)
        return {p['name']: (p['loop'], {e['name']: sorted(t['name'] for t in e.get('tasks', []))
                                         for e in p.get('engines', [])})
                for p in out.get('projects', [])}

    def log(self, d):
        with open(d.log_path) as f:
            return f.read()

    def reload(self, d, expect, what):
        before = self.log(d).count('SIGHUP: reloading')
        os.kill(d.pid, signal.SIGHUP)
        self.wait_until(lambda: self.log(d).count('reloaded ') > before, what='the reload to finish')
        self.assertEqual(self.tree(), expect, what)

    def test_start_reload_broken(self):
        self.put('a.conf', project('pa') + engine('pa') + task('pa', 't1'))
        self.put('b.json', json.dumps({'projects': [{'name': 'pb', 'loop': 2, 'interval': 1, 'sleep': 1}]}))
        self.put('ignored.txt', project('px'))
        d = self.start()
        self.assertEqual(self.tree(), {'pa': (1, {'sleeper': ['t1']}), 'pb': (2, {})},
                         'a.conf and b.json applied at start, ignored.txt not')

        # a changed file: the old version's objects go, the new ones come
        self.put('a.conf', project('pa', loop=3) + engine('pa') + task('pa', 't2'))
        self.reload(d, {'pa': (3, {'sleeper': ['t2']}), 'pb': (2, {})}, 'a.conf changed: loop 3, task t2 not t1')

        # a broken file: logged with file:line:key, the others stay applied
        self.put('c.yaml', project('pc') + '[project]\nname=pd\nloop=121\ninterval=1\nsleep=1\n')
        self.reload(d, {'pa': (3, {'sleeper': ['t2']}), 'pb': (2, {})}, 'c.yaml is broken: nothing of it')
        want = os.path.join(self.dir, 'c.yaml') + ":9: key 'loop'"
        self.assertIn(want, self.log(d), 'the error names the file, line and key')

        # fixed and a file removed: c applied, b's project gone
        self.put('c.yaml', project('pc'))
        os.unlink(os.path.join(self.dir, 'b.json'))
        self.reload(d, {'pa': (3, {'sleeper': ['t2']}), 'pc': (1, {})}, 'c.yaml fixed, b.json removed')

        # an unchanged file is left alone: an object removed by hand is not recreated
        self.ctl_ok('remove-task', 'pa', 'sleeper', 't2')
        self.reload(d, {'pa': (3, {'sleeper': []}), 'pc': (1, {})}, 'nothing changed: nothing applied')

    def test_restart_keeps_restored_objects(self):
        self.put('a.conf', project('pa') + engine('pa') + task('pa', 't1'))
        state = os.path.join(self.tmp, 'state')
        d = self.start(state_dir=state)
        self.ctl_ok('start', 'pa')
        d.stop()
        d.start()
        self.assertIn('restored from the state file', self.log(d))
        out = json.loads(self.ctl_ok('show', '--json').stdout)
        self.assertEqual([(p['name'], p.get('state')) for p in out['projects']], [('pa', 'running')],
                         'the restored running project is kept, not replaced by a stopped one')
        # its file is tracked: removing it unloads the project
        os.unlink(os.path.join(self.dir, 'a.conf'))
        self.reload(d, {}, 'a.conf removed after a restart')


if __name__ == '__main__':
    main()
