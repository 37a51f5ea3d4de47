#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""etmemctl against the real etmemd: every modern verb (create-project, add-engine,
add-task, start, stop, status, show, command, features, apply, delete, remove-*)
and etmem's own (obj add|del, project start|stop|show, engine CMD), each checked by
its effect on the object tree; failures exit 1 with the daemon's message."""

import json
import os
import sys

import dbus

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import (ENGINE_IFACE, MANAGER_IFACE, MANAGER_PATH, PROJECT_IFACE, TASK_IFACE,  # noqa: E402
                           EtmemTestCase, engine_path, main, project_path, spawn_target, task_path)


class TestModernVerbs(EtmemTestCase):

    def test_object_verbs(self):
        target = spawn_target(self)
        pp, ep = project_path('web'), engine_path('web', 'sleeper')
        r = self.ctl_ok('create-project', 'web', '--loop', '3', '--interval', '2', '--sleep', '7',
                        '--sysmem-threshold', '40', '--swapcache-high-wmark', '9', '--swapcache-low-wmark', '4')
        self.assertEqual(r.stdout.strip(), pp)
        props = self.props(pp, PROJECT_IFACE)
        self.assertEqual((props['Loop'], props['Interval'], props['Sleep'], props['SysmemThreshold'],
                          props['SwapcacheHighWmark'], props['SwapcacheLowWmark'], props['State']),
                         (3, 2, 7, 40, 9, 4, 'stopped'))

        r = self.ctl_ok('add-engine', 'web', 'sleeper')
        self.assertEqual(r.stdout.strip(), ep)
        self.assertEqual(self.prop(ep, ENGINE_IFACE, 'Type'), 'sleeper')

        r = self.ctl_ok('add-task', 'web', 'sleeper', 'bypid', '--pid', target.pid, 'busy_ms=3', 'max_threads=2')
        self.assertEqual(r.stdout.strip(), task_path('web', 'sleeper', 'bypid'))
        t = self.props(task_path('web', 'sleeper', 'bypid'), TASK_IFACE)
        self.assertEqual((t['Type'], t['Value'], t['Params']), ('pid', str(target.pid),
                                                               {'busy_ms': '3', 'max_threads': '2'}))
        self.ctl_ok('add-task', 'web', 'sleeper', 'byname', '--name', 'sleep')
        t = self.props(task_path('web', 'sleeper', 'byname'), TASK_IFACE)
        self.assertEqual((t['Type'], t['Value'], t['Params']), ('name', 'sleep', {}))

        r = self.ctl_ok('show')
        for word in ('web', 'sleeper', 'bypid', 'byname', 'busy_ms=3'):
            self.assertIn(word, r.stdout)
        self.create_project('other')
        r = self.ctl_ok('show', 'web')
        self.assertIn('web', r.stdout)
        self.assertNotIn('other', r.stdout)
        r = self.ctl_fails('show', 'nosuch')
        self.assertIn("'nosuch'", r.stderr)
        self.mgr('RemoveProject', 's', 'other')

        self.ctl_ok('start', 'web')
        self.assertEqual(self.prop(pp, PROJECT_IFACE, 'State'), 'running')
        self.wait_until(lambda: self.prop(task_path('web', 'sleeper', 'bypid'), TASK_IFACE, 'Cycles') >= 1, 10,
                        'a cycle of the started task')
        r = self.ctl_ok('status')
        self.assertIn('running', r.stdout)
        st = json.loads(self.ctl_ok('status', '--json').stdout)
        self.assertEqual([(p['name'], p['state']) for p in st['projects']], [('web', 'running')])
        bypid = [x for x in st['tasks'] if x['name'] == 'bypid'][0]
        self.assertEqual(bypid['pids'], [target.pid])
        self.assertGreaterEqual(bypid['cycles'], 1)
        self.assertGreaterEqual(bypid['pages_scanned'], 1)

        self.ctl_ok('stop', 'web')
        self.assertEqual(self.prop(pp, PROJECT_IFACE, 'State'), 'stopped')

        self.ctl_ok('remove-task', 'web', 'sleeper', 'byname')
        self.assertNotIn(task_path('web', 'sleeper', 'byname'), self.snapshot())
        self.ctl_ok('remove-engine', 'web', 'sleeper')
        self.assertEqual(sorted(self.snapshot()), [pp])
        self.ctl_ok('remove-project', 'web')
        self.assertEqual(self.snapshot(), {})
        self.assertEqual(self.ctl_ok('show').stdout.strip(), 'No projects.')

    def test_command_and_features(self):
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        self.add_task('p', 'sleeper', 't')
        self.assertEqual(json.loads(self.ctl_ok('command', 'p', 'sleeper', 'ping').stdout), {'pong': 'engine'})
        self.assertEqual(json.loads(self.ctl_ok('command', 'p', 'sleeper', 'ping', '-t', 't').stdout),
                         {'pong': 'task'})
        r = self.ctl_fails('--verbose', 'command', 'p', 'sleeper', 'nosuchcmd')
        self.assertIn('NotSupported', r.stderr)

        r = self.ctl_ok('features')
        self.assertIn(self.prop(MANAGER_PATH, MANAGER_IFACE, 'Version'), r.stdout)
        self.assertIn('sleeper', r.stdout)
        f = json.loads(self.ctl_ok('features', '--json').stdout)
        self.assertEqual(f['version'], self.prop(MANAGER_PATH, MANAGER_IFACE, 'Version'))
        self.assertEqual(sorted(f['engine_types']), sorted(self.prop(MANAGER_PATH, MANAGER_IFACE, 'EngineTypes')))

    def test_apply_and_delete(self):
        path = self.write('a.ini', '[project]\nname=a\nloop=1\ninterval=1\nsleep=1\n'
                                   '[engine]\nname=sleeper\nproject=a\n'
                                   '[task]\nproject=a\nengine=sleeper\nname=t\ntype=pid\nvalue=1\n')
        r = self.ctl_ok('apply', '-f', path)
        expect = sorted([project_path('a'), engine_path('a', 'sleeper'), task_path('a', 'sleeper', 't')])
        self.assertEqual(sorted(r.stdout.split()), expect)
        self.assertEqual(sorted(self.snapshot()), expect)
        r = self.ctl_ok('apply', '--json', '-f', self.write('b.ini', '[project]\nname=b\nloop=1\ninterval=1\n'
                                                                     'sleep=1\n'))
        self.assertEqual(json.loads(r.stdout), [project_path('b')])
        # -f - reads standard input
        r = self.ctl_ok('delete', '-f', '-', stdin_text='[task]\nproject=a\nengine=sleeper\nname=t\n')
        self.assertEqual(r.stdout.split(), [task_path('a', 'sleeper', 't')])
        # unloading is all or nothing too: the task named by a.ini is gone already
        r = self.ctl_fails('delete', '-f', path)
        self.assertIn("no task 't'", r.stderr)
        self.assertEqual(sorted(self.snapshot()), expect[:2] + [project_path('b')])
        r = self.ctl_ok('delete', '-f', self.write('a-project.ini', '[project]\nname=a\n'))
        self.assertEqual(r.stdout.split(), [project_path('a')])
        self.assertEqual(sorted(self.snapshot()), [project_path('b')])

    def test_errors_exit_1_with_the_daemons_message(self):
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        self.add_task('p', 'sleeper', 't', refuse_start='yes')
        for args, call in (
                (('remove-project', 'nosuch'), lambda: self.mgr('RemoveProject', 's', 'nosuch')),
                (('create-project', 'p'), lambda: self.create_project('p')),
                (('start', 'p'), lambda: self.call(project_path('p'), PROJECT_IFACE, 'Start')),
                (('add-engine', 'p', 'sleeper'), lambda: self.add_engine('p', 'sleeper')),
                (('remove-task', 'p', 'sleeper', 'nosuch'),
                 lambda: self.call(engine_path('p', 'sleeper'), ENGINE_IFACE, 'RemoveTask', 's', 'nosuch')),
                (('add-task', 'p', 'sleeper', 'u', '--pid', '1', 'busy_ms=x'),
                 lambda: self.add_task('p', 'sleeper', 'u', 'pid', 1, busy_ms='x'))):
            with self.subTest(' '.join(args)):
                before = self.snapshot()
                try:
                    call()
                    self.fail('%s succeeded over D-Bus' % ' '.join(args))
                except dbus.exceptions.DBusException as e:
                    daemon_msg = e.get_dbus_message()
                r = self.ctl_fails(*args)
                self.assertIn(daemon_msg, r.stderr, 'etmemctl passes the daemon\'s message on')
                self.assertTrue(r.stderr.startswith('etmemctl: '), r.stderr)
                self.assertTreeUnchanged(before)
        self.assertIn('refuse', self.ctl_fails('start', 'p').stderr)
        self.assertEqual(self.prop(project_path('p'), PROJECT_IFACE, 'State'), 'stopped')


class TestEtmemVerbs(EtmemTestCase):

    def test_obj_project_engine(self):
        target = spawn_target(self)
        path = self.write('slide.conf', '[project]\nname=test\nloop=1\ninterval=1\nsleep=1\n'
                                        '[engine]\nname=sleeper\nproject=test\n'
                                        '[task]\nproject=test\nengine=sleeper\nname=bg\ntype=pid\nvalue=%d\n'
                                        'busy_ms=1\n' % target.pid)
        r = self.ctl_ok('obj', 'add', '-f', path, '-s', 'etmemd_socket')
        self.assertEqual(r.stdout, '')
        self.assertIn('-s SOCKET is ignored', r.stderr, 'etmem\'s -s is accepted with a note')
        self.assertEqual(len(self.snapshot()), 3)

        self.ctl_ok('project', 'start', '-n', 'test', '-s', 'etmemd_socket')
        self.assertEqual(self.prop(project_path('test'), PROJECT_IFACE, 'State'), 'running')
        r = self.ctl_ok('project', 'show', '-n', 'test')
        self.assertIn('test', r.stdout)
        self.assertIn('running', r.stdout)
        self.assertIn('bg', r.stdout)
        self.assertEqual(json.loads(self.ctl_ok('engine', 'ping', '-n', 'test', '-e', 'sleeper').stdout),
                         {'pong': 'engine'})
        self.assertEqual(json.loads(self.ctl_ok('engine', 'ping', '-n', 'test', '-e', 'sleeper', '-t', 'bg').stdout),
                         {'pong': 'task'})
        self.ctl_ok('project', 'stop', '-n', 'test')
        self.assertEqual(self.prop(project_path('test'), PROJECT_IFACE, 'State'), 'stopped')

        r = self.ctl_fails('project', 'start', '-n', 'nosuch')
        self.assertIn('nosuch', r.stderr)
        r = self.ctl_fails('engine', 'showtaskpages', '-n', 'test', '-e', 'nosuch')
        self.assertIn('nosuch', r.stderr)

        self.ctl_ok('obj', 'del', '-f', path)
        self.assertEqual(self.snapshot(), {})

    def test_obj_add_error(self):
        path = self.write('bad.conf', '[project]\nname=test\nloop=121\ninterval=1\nsleep=1\n')
        r = self.ctl_fails('obj', 'add', '-f', path)
        self.assertEqual(r.stderr.strip(), "etmemctl: %s:3: key 'loop': 121 is out of range 1..120" % path)
        self.assertEqual(self.snapshot(), {})


if __name__ == '__main__':
    main()
