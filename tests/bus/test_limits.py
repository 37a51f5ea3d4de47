#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #2, line 9: names over 64 characters or with '/' (or otherwise outside
[A-Za-z0-9_.-]) are refused with org.etmem.Error.InvalidConfig, and objects
beyond --max-objects (5 here) with org.etmem.Error.LimitExceeded; the tree is
unchanged after each refusal."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import (MANAGER_IFACE, MANAGER_PATH, EtmemTestCase, main, project_path,  # noqa: E402
                           task_path)

INVALID = 'org.etmem.Error.InvalidConfig'
LIMIT = 'org.etmem.Error.LimitExceeded'
BAD_NAMES = ['x' * 65, 'a/b', '/abs', '', '.hidden', '-dash', 'sp ace', 'üml', 'a\\b', 'a:b']


class TestNames(EtmemTestCase):

    def test_project_names(self):
        self.create_project('y' * 64)  # the longest valid name
        before = self.snapshot()
        for name in BAD_NAMES:
            with self.subTest(name=name):
                msg = self.assertDBusError(INVALID, self.create_project, name)
                self.assertIn('name', msg)
                self.assertTreeUnchanged(before, 'CreateProject(%r)' % name)
        self.assertIn(project_path('y' * 64), before)

    def test_task_names(self):
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        self.add_task('p', 'sleeper', 'z' * 64)
        before = self.snapshot()
        for name in BAD_NAMES:
            with self.subTest(name=name):
                self.assertDBusError(INVALID, self.add_task, 'p', 'sleeper', name)
                self.assertTreeUnchanged(before, 'AddTask(%r)' % name)
        self.assertIn(task_path('p', 'sleeper', 'z' * 64), before)

    def test_names_in_config_files(self):
        before = self.snapshot()
        for name in ('x' * 65, 'a/b'):
            for section in ('project', 'task'):
                with self.subTest(name=name, section=section):
                    pname, tname = (name, 't') if section == 'project' else ('p', name)
                    text = ('[project]\nname=%s\nloop=1\ninterval=1\nsleep=1\n[engine]\nname=sleeper\nproject=%s\n'
                            '[task]\nproject=%s\nengine=sleeper\nname=%s\ntype=pid\nvalue=1\n'
                            % (pname, pname, pname, tname))
                    msg = self.assertDBusError(INVALID, self.load_config, text, 'ini', 'names.conf')
                    self.assertRegex(msg, r"^names\.conf:\d+: key '(name|project)'")
                    self.assertTreeUnchanged(before)


class TestMaxObjects(EtmemTestCase):
    daemon_args = ('--max-objects', '5')

    def count(self):
        return self.prop(MANAGER_PATH, MANAGER_IFACE, 'ObjectCount')

    def test_limit(self):
        self.assertEqual(self.prop(MANAGER_PATH, MANAGER_IFACE, 'MaxObjects'), 5)
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        self.add_task('p', 'sleeper', 't1')
        self.assertEqual(self.count(), 3)
        # a config that would go to 6 objects is refused as a whole
        before = self.snapshot()
        text = ('[project]\nname=q\nloop=1\ninterval=1\nsleep=1\n[engine]\nname=sleeper\nproject=q\n'
                '[task]\nproject=q\nengine=sleeper\nname=u\ntype=pid\nvalue=1\n')
        msg = self.assertDBusError(LIMIT, self.load_config, text, 'ini', 'three.conf')
        self.assertIn('5', msg, 'the message states the limit: %r' % msg)
        self.assertTreeUnchanged(before)
        self.assertEqual(self.count(), 3)

        self.add_task('p', 'sleeper', 't2')
        self.add_task('p', 'sleeper', 't3')
        self.assertEqual(self.count(), 5)
        before = self.snapshot()
        for what, fn, args in (('AddTask', self.add_task, ('p', 'sleeper', 't4')),
                               ('CreateProject', self.create_project, ('q',)),
                               ('AddEngine', self.add_engine, ('p', 'cslide')),
                               ('LoadConfig', self.load_config, ('[project]\nname=q\nloop=1\ninterval=1\nsleep=1\n',
                                                                 'ini', 'one.conf'))):
            with self.subTest(what):
                msg = self.assertDBusError(LIMIT, fn, *args)
                self.assertIn('5', msg, '%s: the message states the limit: %r' % (what, msg))
                self.assertTreeUnchanged(before, what)
        r = self.ctl_fails('--verbose', 'create-project', 'q')
        self.assertIn(LIMIT, r.stderr)

        # room again after a removal
        self.call('/org/etmem/project/p/engine/sleeper', 'org.etmem.Engine1', 'RemoveTask', 's', 't3')
        self.assertEqual(self.count(), 4)
        self.create_project('q')
        self.assertEqual(self.count(), 5)


if __name__ == '__main__':
    main()
