#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #2, line 7: restarting etmemd (SIGTERM, start with the same state dir)
restores the same tree, and a running project runs again.  SIGKILL at random
moments during 200 state writes never leaves a state file that does not parse:
after every kill state.json is valid JSON, the restarted etmemd loads exactly
what it says, and no state.json.broken-* / .unrestored-* file appears."""

import glob
import json
import os
import random
import sys
import threading
import time

import dbus

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import (PROJECT_IFACE, TASK_IFACE, EtmemTestCase, main, project_path,  # noqa: E402
                           spawn_target, task_path)
from test_scheduler import read_record  # noqa: E402

WRITES = 200


class TestRestart(EtmemTestCase):

    def set_aside_files(self, d):
        return sorted(glob.glob(os.path.join(d.state_dir, 'state.json.*')))

    def test_restart_restores_tree_and_running_state(self):
        target = spawn_target(self)
        rec = os.path.join(self.tmp, 'record')
        self.create_project('run', loop=1, interval=1, sleep=1, sysmem_threshold=30)
        self.add_engine('run', 'sleeper')
        self.add_task('run', 'sleeper', 't', 'pid', target.pid, busy_ms=1, record=rec)
        self.create_project('idle', loop=4, interval=5, sleep=6, swapcache_high_wmark=20, swapcache_low_wmark=10)
        self.add_engine('idle', 'sleeper')
        self.add_task('idle', 'sleeper', 'n', 'name', 'sleep', busy_ms=2)
        self.call(project_path('run'), PROJECT_IFACE, 'Start')
        before = self.snapshot()
        self.assertEqual(before[project_path('run')][PROJECT_IFACE]['State'], 'running')
        self.wait_until(lambda: read_record(rec), 10, 'the running project to scan')

        self.assertEqual(self.daemon.stop(), 0, 'etmemd exits 0 on SIGTERM:\n' + self.daemon.log_tail())
        stopped_at = time.monotonic()
        with open(self.daemon.state_file) as f:
            saved = json.load(f)
        self.assertEqual({p['name']: p.get('state') for p in saved['projects']}, {'run': 'running', 'idle': 'stopped'})

        self.daemon.start()
        self.assertEqual(self.snapshot(), before, 'the restarted etmemd has the same tree')
        self.assertEqual(self.prop(project_path('run'), PROJECT_IFACE, 'State'), 'running')
        self.wait_until(lambda: [e for e in read_record(rec) if e[2] > stopped_at], 10,
                        'the restored running project to scan again')
        self.assertEqual(self.set_aside_files(self.daemon), [])

        # and a project stopped before the restart stays stopped
        self.call(project_path('run'), PROJECT_IFACE, 'Stop')
        before = self.snapshot()
        self.assertEqual(self.daemon.stop(), 0)
        self.daemon.start()
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(self.prop(project_path('run'), PROJECT_IFACE, 'State'), 'stopped')

    def saved_task(self, name):
        with open(self.daemon.state_file) as f:
            saved = json.load(f)
        for p in saved['projects']:
            for e in p.get('engines', []):
                for t in e.get('tasks', []):
                    if t['name'] == name:
                        return saved, t
        self.fail('no task %s in the state file: %s' % (name, saved))

    def test_pid_binding_survives_restart(self):
        """Issue #10, item 4: a pid task's binding (its process's start time) is in the
        state file; a restored task whose pid now names another process says so in
        Status and calls its engine for nothing."""
        target = spawn_target(self)
        with open('/proc/%d/stat' % target.pid) as f:
            start = int(f.read().rsplit(')', 1)[1].split()[19])
        with open('/proc/sys/kernel/random/boot_id') as f:
            boot = f.read().strip()
        rec = os.path.join(self.tmp, 'record')
        tp = task_path('bind', 'sleeper', 't')
        self.create_project('bind', loop=1, interval=1, sleep=1)
        self.add_engine('bind', 'sleeper')
        self.add_task('bind', 'sleeper', 't', 'pid', target.pid, busy_ms=1, record=rec)
        self.call(project_path('bind'), PROJECT_IFACE, 'Start')
        self.wait_until(lambda: read_record(rec), 10, 'the task to scan its process')
        self.wait_until(lambda: 'binding' in self.saved_task('t')[1].get('params', {}), 10,
                        'the binding in the state file')
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log_tail())
        saved, t = self.saved_task('t')
        self.assertEqual(t['params']['binding'], '%d@%s' % (start, boot),
                         'the binding is the start time of pid %d in this boot' % target.pid)

        def restart_with(binding):
            t['params']['binding'] = binding
            with open(self.daemon.state_file, 'w') as f:
                json.dump(saved, f)
            if os.path.exists(rec):
                os.unlink(rec)
            self.daemon.start()

        # the same process: the restored task goes on with it
        restart_with('%d@%s' % (start, boot))
        self.wait_until(lambda: read_record(rec), 10, 'the restored task to scan the process it was bound to')
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log_tail())

        # the pid now holds a process started at another time (what pid reuse looks like)
        restart_with('%d@%s' % (start - 1, boot))
        status = self.wait_until(lambda: 'now belongs to' in self.prop(tp, TASK_IFACE, 'Status') and
                                 self.prop(tp, TASK_IFACE, 'Status'), 10, 'Status to explain the refusal')
        print('Status after a restart with another process at the pid: %s' % status)
        self.assertIn('pid %d' % target.pid, status)
        self.assertEqual(self.prop(project_path('bind'), PROJECT_IFACE, 'State'), 'running')
        time.sleep(2.5)  # two more cycles
        self.assertEqual(read_record(rec), [], 'the engine was called for a process the task is not bound to')
        _, again = self.saved_task('t')
        self.assertEqual(again['params']['binding'], '%d@%s' % (start - 1, boot),
                         'the mismatched binding is kept, not replaced by the new process')
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log_tail())

        # a binding from another boot: no process of this boot is it
        restart_with('%d@%s' % (start, '0' * 8 + boot[8:]))
        status = self.wait_until(lambda: 'earlier boot' in self.prop(tp, TASK_IFACE, 'Status') and
                                 self.prop(tp, TASK_IFACE, 'Status'), 10, 'Status to name the earlier boot')
        time.sleep(2.5)
        self.assertEqual(read_record(rec), [], 'the engine was called for a binding of another boot')

    def test_binding_is_not_an_ini_key(self):
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            self.load_config('[task]\nproject=p\nengine=sleeper\nname=t\ntype=pid\nvalue=1\nbinding=5@x\n',
                             'ini', 'b.ini')
        self.assertIn('b.ini:7: key \'binding\'', str(cm.exception))

    def test_sigkill_during_state_writes(self):
        d = self.daemon
        seed = int.from_bytes(os.urandom(4), 'little')
        rnd = random.Random(seed)
        why = 'seed %d' % seed
        # a tree of some size, so that writes take a while and kills land inside them
        for i in range(25):
            self.load_config('[project]\nname=base%d\nloop=2\ninterval=3\nsleep=4\n'
                             '[engine]\nname=sleeper\nproject=base%d\n'
                             '[task]\nproject=base%d\nengine=sleeper\nname=t\ntype=name\nvalue=proc%d\n'
                             'busy_ms=%d\n' % (i, i, i, i, i), 'ini', 'base.ini')
        writes = kills = 0
        serial = 0
        created = set()

        def arm():
            proc = d.proc
            timer = threading.Timer(rnd.uniform(0.0, 0.02), lambda: proc.poll() is None and proc.kill())
            timer.daemon = True
            timer.start()
            return timer

        timer = arm()
        self.addCleanup(lambda: timer.cancel())
        deadline = time.monotonic() + 100
        while writes < WRITES:
            self.assertLess(time.monotonic(), deadline, 'too slow: %d writes, %d kills (%s)' % (writes, kills, why))
            try:
                if created and (len(created) > 3 or rnd.random() < 0.5):
                    name = created.pop()
                    self.mgr('RemoveProject', 's', name, timeout=5)
                else:
                    serial += 1
                    name = 'churn%d' % serial
                    self.create_project(name, loop=rnd.randint(1, 10), interval=rnd.randint(1, 1200),
                                        sleep=rnd.randint(1, 1200))
                    created.add(name)
                writes += 1
                continue
            except dbus.exceptions.DBusException as e:
                if d.alive() and d.proc.poll() is None:
                    time.sleep(0.05)
                    if d.alive():
                        self.fail('a call failed while etmemd lives (%s): %s' % (why, e))
            # etmemd is gone: it must have been our SIGKILL
            rc = d.proc.wait(10)
            self.assertEqual(rc, -9, 'etmemd died by itself (status %s, %s):\n%s' % (rc, why, d.log_tail()))
            kills += 1
            d.kill()  # waits until the bus dropped the name
            with open(d.state_file) as f:
                try:
                    saved = json.load(f)
                except ValueError as e:
                    self.fail('state.json does not parse after kill %d (%s): %s' % (kills, why, e))
            names = sorted(p['name'] for p in saved['projects'])
            d.start()
            self.assertEqual(self.set_aside_files(d), [], 'the restarted etmemd set the state aside (%s):\n%s'
                             % (why, d.log_tail()))
            got = sorted(ifs[PROJECT_IFACE]['Name'] for ifs in self.snapshot().values() if PROJECT_IFACE in ifs)
            self.assertEqual(got, names, 'the restarted etmemd loaded what state.json says (%s)' % why)
            created = {n for n in got if n.startswith('churn')}
            timer = arm()
        timer.cancel()
        self.assertGreaterEqual(kills, 5, 'the killer should have struck several times (%s)' % why)
        leftovers = glob.glob(os.path.join(d.state_dir, '.state.json.*'))
        print('%d state writes, %d SIGKILLs, %d temporary files left by killed writes (%s)'
              % (writes, kills, len(leftovers), why))


if __name__ == '__main__':
    main()
