#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #10, item 2: what a name task may touch (docs/security.md).  An unprivileged
user names a process like the task and gives it a non-dumpable child and a setuid-root
child: the task takes the parent only, and LastError says why the children were left
alone.  The uid key restricts the name to one user's processes; it is validated like
every other key (file, line, key)."""

import os
import sys
import uuid

import dbus

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import PROJECT_IFACE, TASK_IFACE, EtmemTestCase, main, project_path, task_path  # noqa: E402
from scope_family import NOBODY, Family, can_run  # noqa: E402


def recorded_pids(path):
    try:
        with open(path) as f:
            return {int(line.split()[1]) for line in f if line.startswith('scan ')}
    except FileNotFoundError:
        return set()


class TestTaskScope(EtmemTestCase):

    def setUp(self):
        if not can_run():
            self.skipTest('needs root and setpriv (an unprivileged user runs the processes)')
        super().setUp()

    def family(self):
        name = 'fam' + uuid.uuid4().hex[:8]
        return name, Family(self, name, '/usr/bin/sleep', ['600'])

    def test_descendants_of_other_creds_left_alone(self):
        name, fam = self.family()
        rec = os.path.join(self.tmp, 'record')
        self.create_project('scope', loop=1, interval=1, sleep=1)
        self.add_engine('scope', 'sleeper')
        self.add_task('scope', 'sleeper', 't', 'name', name, busy_ms=1, record=rec)
        tp = task_path('scope', 'sleeper', 't')
        self.call(project_path('scope'), PROJECT_IFACE, 'Start')
        p = self.wait_until(lambda: (lambda p: p['Pids'] and p)(self.props(tp, TASK_IFACE)), 10, 'a cycle')
        self.wait_until(lambda: self.prop(tp, TASK_IFACE, 'Cycles') >= 2, 10, 'two cycles')
        p = self.props(tp, TASK_IFACE)
        print('family: parent %d (uid %d, comm %s), non-dumpable child %d, setuid-root child %d'
              % (fam.parent, NOBODY, name, fam.nondumpable, fam.setuid))
        print('Pids %s; LastError: %s' % (list(p['Pids']), p['LastError']))
        print('pids the engine was called for: %s' % sorted(recorded_pids(rec)))
        self.assertEqual(list(p['Pids']), [fam.parent], 'only the process matched by name (want [%d])' % fam.parent)
        self.assertEqual(recorded_pids(rec), {fam.parent}, 'the engine saw only the parent')
        self.assertIn('left alone', p['LastError'])
        self.assertTrue('pid %d ' % fam.nondumpable in p['LastError'] or 'pid %d ' % fam.setuid in p['LastError'],
                        'LastError names a child')
        self.assertIn('left alone', self.daemon.log_tail(200), 'the log says it too')

    def test_pid_task_takes_a_non_dumpable_process(self):
        # named by pid: the admin chose that process, dumpable or not
        _, fam = self.family()
        self.create_project('bypid', loop=1, interval=1, sleep=1)
        self.add_engine('bypid', 'sleeper')
        self.add_task('bypid', 'sleeper', 't', 'pid', fam.nondumpable, busy_ms=1)
        tp = task_path('bypid', 'sleeper', 't')
        self.call(project_path('bypid'), PROJECT_IFACE, 'Start')
        p = self.wait_until(lambda: (lambda p: p['Pids'] and p)(self.props(tp, TASK_IFACE)), 10, 'a cycle')
        self.assertEqual(list(p['Pids']), [fam.nondumpable])

    def test_uid_key(self):
        name, fam = self.family()
        self.create_project('u', loop=1, interval=1, sleep=1)
        self.add_engine('u', 'sleeper')
        self.add_task('u', 'sleeper', 'mine', 'name', name, uid=NOBODY, busy_ms=1)
        self.add_task('u', 'sleeper', 'roots', 'name', name, uid=0, busy_ms=1)
        self.call(project_path('u'), PROJECT_IFACE, 'Start')
        mine, roots = task_path('u', 'sleeper', 'mine'), task_path('u', 'sleeper', 'roots')
        self.wait_until(lambda: self.prop(roots, TASK_IFACE, 'Cycles') >= 1 and
                        self.prop(mine, TASK_IFACE, 'Cycles') >= 1, 10, 'a cycle of both tasks')
        self.assertEqual(list(self.prop(mine, TASK_IFACE, 'Pids')), [fam.parent], 'uid=%d takes its process' % NOBODY)
        self.assertEqual(list(self.prop(roots, TASK_IFACE, 'Pids')), [], 'uid=0 takes no process of uid %d' % NOBODY)
        self.assertIn('no process matches', self.prop(roots, TASK_IFACE, 'Status'))
        # the key is exported, so a restart keeps it
        self.assertIn('uid=%d' % NOBODY, self.export_ini())

    def export_ini(self):
        return str(self.mgr('ExportConfig', 's', 'ini'))

    def test_uid_key_validated(self):
        self.create_project('v')
        self.add_engine('v', 'sleeper')
        base = '[task]\nproject=v\nengine=sleeper\nname=t\n'
        for body, want in [('type=pid\nvalue=1\nuid=0\n', "u.ini:7: key 'uid': only a type=name task takes uid"),
                           ('type=name\nvalue=x\nuid=root\n', "u.ini:7: key 'uid': 'root' is not a decimal number"),
                           ('type=name\nvalue=x\nuid=4294967295\n', "u.ini:7: key 'uid': 4294967295 is out of range")]:
            with self.assertRaises(dbus.exceptions.DBusException) as cm:
                self.load_config(base + body, 'ini', 'u.ini')
            self.assertIn(want, str(cm.exception))


if __name__ == '__main__':
    main()
