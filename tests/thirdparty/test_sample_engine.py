#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #4 line 5, the sample engine works: the etmem README's thirdparty example
(eng_name=my_engine, libname=<dir>/my_engine.so, ops_name=my_engine_ops,
engine_private_key=engine_private_value; a pid task with task_private_key=...)
loaded into the real etmemd, started on a real child process: the library's scan
and act run (Task1 counters and Status, and the engine's own counts), the
private values reach it (Engine1.Command showparams, etmemctl engine), unknown
private keys are refused naming the key, and the config exports and unloads."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tp_fixture import ThirdpartyTestCase, line_of, thirdparty_config  # noqa: E402
from etmem_fixture import (ENGINE_IFACE, PROJECT_IFACE, TASK_IFACE, engine_path, main, project_path,  # noqa: E402
                           spawn_target, task_path)

INVALID = 'org.etmem.Error.InvalidConfig'
TASK = 'background_third'


def vmrss_pages(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) // 4
    raise AssertionError('no VmRSS for %d' % pid)


class TestSampleEngine(ThirdpartyTestCase):

    def command(self, cmd, **args):
        return json.loads(str(self.call(engine_path('test', 'my_engine'), ENGINE_IFACE, 'Command', 'sa{sv}', cmd,
                                        args)))

    def test_runs_end_to_end(self):
        child = spawn_target(self)
        text = thirdparty_config(self.lib, task=child.pid, loop=2)
        objs = self.load_config(text, 'ini', 'thirdparty.conf')
        self.assertEqual(sorted(objs), sorted([project_path('test'), engine_path('test', 'my_engine'),
                                               task_path('test', 'my_engine', TASK)]))
        eng = self.props(engine_path('test', 'my_engine'), ENGINE_IFACE)
        self.assertEqual(eng['Type'], 'thirdparty')
        self.assertEqual(eng['Params'].get('engine_private_key'), 'engine_private_value', eng)
        task = self.props(task_path('test', 'my_engine', TASK), TASK_IFACE)
        self.assertEqual(task['Params'].get('task_private_key'), 'task_private_value', task)
        self.assertEqual(task['Value'], str(child.pid))

        # loaded but not started: the library has the values and has scanned nothing
        self.assertEqual(self.command('showparams'),
                         {'engine': 'my_engine', 'engine_private_key': 'engine_private_value', 'tasks': 1,
                          'scans': 0, 'acts': 0})

        self.call(project_path('test'), PROJECT_IFACE, 'Start')
        tp = task_path('test', 'my_engine', TASK)
        self.wait_until(lambda: self.prop(tp, TASK_IFACE, 'Cycles') >= 2, timeout=20, what='two cycles of my_engine')
        task = self.props(tp, TASK_IFACE)
        print('Task1 after 2 cycles: Cycles=%d PagesScanned=%d PagesHot=%d Status=%r Pids=%s'
              % (task['Cycles'], task['PagesScanned'], task['PagesHot'], task['Status'], task['Pids']))
        self.assertIn(child.pid, task['Pids'])
        self.assertGreater(task['PagesScanned'], 0, 'scan did not count through host->count')
        self.assertGreater(task['PagesHot'], 0, 'act did not count through host->count')
        self.assertIn('my_engine: act', task['Status'], 'act did not set the Status')
        self.assertIn('on pid %d' % child.pid, task['Status'])
        self.assertIn('task_private_key=task_private_value', task['Status'])

        shown = self.command('showparams', task=TASK)
        print('Engine1.Command showparams task=%s: %s' % (TASK, json.dumps(shown, sort_keys=True)))
        self.assertEqual(shown['engine_private_key'], 'engine_private_value')
        self.assertEqual(shown['task_private_key'], 'task_private_value')
        self.assertEqual(shown['task'], TASK)
        self.assertEqual(shown['last_pid'], child.pid, 'scan was called on another process')
        self.assertGreaterEqual(shown['acts'], 2)
        # loop=2: two scan rounds before every act (a third cycle may be under way)
        self.assertIn(shown['scans'] - 2 * shown['acts'], (0, 1, 2), 'loop=2 not honoured: %s' % shown)
        rss = vmrss_pages(child.pid)
        self.assertTrue(rss // 2 <= shown['last_rss_pages'] <= rss * 2,
                        'engine saw %d resident pages, /proc says %d' % (shown['last_rss_pages'], rss))

        # the same through etmemctl, the etmem command line
        r = self.ctl_ok('engine', 'showparams', '-n', 'test', '-e', 'my_engine')
        print('etmemctl engine showparams -n test -e my_engine: %s' % r.stdout.strip())
        out = json.loads(r.stdout)
        self.assertEqual(out['engine_private_key'], 'engine_private_value')
        r = self.ctl_ok('engine', 'showparams', '-n', 'test', '-e', 'my_engine', '-t', TASK)
        print('etmemctl engine showparams -n test -e my_engine -t %s: %s' % (TASK, r.stdout.strip()))
        out = json.loads(r.stdout)
        self.assertEqual(out['task_private_key'], 'task_private_value')
        self.assertEqual(out['last_pid'], child.pid)

        msg = self.assertDBusError('org.etmem.Error.NotSupported', self.command, 'showtaskpages')
        self.assertIn("knows only 'showparams'", msg)
        msg = self.assertDBusError(INVALID, self.command, 'showparams', bogus='1')
        self.assertIn('bogus', msg)

        self.call(project_path('test'), PROJECT_IFACE, 'Stop')
        self.assertEqual(self.prop(project_path('test'), PROJECT_IFACE, 'State'), 'stopped')
        acts = self.command('showparams', task=TASK)['acts']

        exported = str(self.mgr('ExportConfig', 's', 'ini'))
        for line in ('name=thirdparty', 'eng_name=my_engine', 'libname=%s' % self.lib, 'ops_name=my_engine_ops',
                     'engine_private_key=engine_private_value', 'task_private_key=task_private_value'):
            self.assertIn(line + '\n', exported)
        self.unload_config(text, 'ini', 'thirdparty.conf')
        self.assertEqual(self.snapshot(), {})
        # what was exported loads again, into the same library
        self.load_config(exported, 'ini', 'exported.conf')
        self.assertEqual(self.command('showparams')['engine_private_key'], 'engine_private_value')
        self.assertEqual(self.command('showparams', task=TASK)['acts'], 0, 'a new task object starts at 0')
        self.assertGreaterEqual(acts, 2)

    def test_unknown_engine_key_refused(self):
        text = thirdparty_config(self.lib, engine_extra='engine_private_key=v\nengine_secret=1\n')
        before = self.snapshot()
        msg = self.assertDBusError(INVALID, self.load_config, text, 'ini', 'thirdparty.conf')
        print('unknown engine key: %s' % msg)
        self.assertTrue(msg.startswith('thirdparty.conf:%d:' % line_of(text, 'engine_secret')), msg)
        self.assertIn("unknown key 'engine_secret'", msg)
        self.assertIn('engine_private_key', msg, 'the message lists the valid keys')
        self.assertTreeUnchanged(before)

    def test_unknown_task_key_refused(self):
        child = spawn_target(self)
        text = thirdparty_config(self.lib, task=child.pid, task_extra='task_private_key=v\ntask_secret=2\n')
        before = self.snapshot()
        msg = self.assertDBusError(INVALID, self.load_config, text, 'ini', 'thirdparty.conf')
        print('unknown task key: %s' % msg)
        self.assertTrue(msg.startswith('thirdparty.conf:%d:' % line_of(text, 'task_secret')), msg)
        self.assertIn("unknown key 'task_secret'", msg)
        self.assertTreeUnchanged(before)

    def test_bad_private_value_refused(self):
        text = thirdparty_config(self.lib, engine_extra='engine_private_key=a b\n')
        msg = self.assertDBusError(INVALID, self.load_config, text, 'ini', 'thirdparty.conf')
        self.assertTrue(msg.startswith('thirdparty.conf:%d:' % line_of(text, 'engine_private_key')), msg)
        self.assertIn("'a b' may only hold", msg)

    def test_two_engines_from_one_library(self):
        # the README: several third-party engines in one project, told apart by eng_name
        text = thirdparty_config(self.lib)
        text += ('\n[engine]\nname=thirdparty\nproject=test\neng_name=second\nlibname=%s\nops_name=my_engine_ops\n'
                 'engine_private_key=other_value\n' % self.lib)
        self.load_config(text, 'ini', 'two.conf')
        self.assertEqual(self.command('showparams')['engine_private_key'], 'engine_private_value')
        second = json.loads(str(self.call(engine_path('test', 'second'), ENGINE_IFACE, 'Command', 'sa{sv}',
                                          'showparams', {})))
        self.assertEqual(second['engine_private_key'], 'other_value')


if __name__ == '__main__':
    main()
