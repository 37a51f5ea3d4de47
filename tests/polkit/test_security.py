#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Regression tests for the security review (issue #10), with python3-dbusmock's
polkitd on a private bus and user nobody (setpriv) as the caller.

Item 1: LoadConfig chooses its polkit action from the parsed config, not from the raw
text.  A JSON engine type written "third\\u0070arty" parses to thirdparty: it must be
authorized as org.etmem.load-engine (which nobody does not hold), not as
org.etmem.manage (which nobody holds here).  And input that does not parse or validate
is refused with InvalidConfig before polkit is asked at all (parse -> validate ->
authorize -> act): bad input never costs a polkit prompt."""

import os
import pwd
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus  # noqa: E402

from polkit_fixture import (ACCESS_DENIED, ENGINE_IFACE, MANAGER_IFACE, MANAGER_PATH, PROJECT_IFACE,  # noqa: E402
                            PROPS_IFACE, NobodyClient, OM_IFACE, PolkitTestCase, as_nobody, call, engine_path, main, project_path,
                            track, unwrap)

MANAGE, LOAD_ENGINE = 'org.etmem.manage', 'org.etmem.load-engine'
INVALID = 'org.etmem.Error.InvalidConfig'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'

# "third\u0070arty" is JSON for "thirdparty"; the raw text has no "thirdparty" in it
ESCAPED_THIRDPARTY = r'''{"projects": [{"name": "tp", "loop": 1, "interval": 1, "sleep": 1,
  "engines": [{"name": "my_engine", "type": "third\u0070arty",
               "libname": "/opt/engines/my_engine.so", "ops_name": "my_engine_ops"}]}]}'''
PLAIN_PROJECT = '{"projects": [{"name": "plain", "loop": 1, "interval": 1, "sleep": 1}]}'


def load(text, fmt='json'):
    return call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', text, fmt, 'nobody.json')


class TestLoadConfigAction(PolkitTestCase):

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.daemon = self.start_daemon()
        self.pk.set_allowed([MANAGE])   # a delegated group: manage, but not load-engine

    def test_escaped_thirdparty_needs_load_engine(self):
        self.assertIn('third\\u0070arty', ESCAPED_THIRDPARTY)
        self.assertNotIn('thirdparty', ESCAPED_THIRDPARTY)
        before = self.snapshot()
        self.pk.clear()
        _, res = as_nobody(self.bus, [load(ESCAPED_THIRDPARTY), load(PLAIN_PROJECT)])
        actions = [c['action'] for c in self.pk.checks()]
        print('escaped thirdparty: %s; plain project: %s; polkit asked for %s'
              % (res[0].get('error') or 'loaded', res[1].get('error') or 'loaded', actions))
        self.assertDenied(res[0], 'LoadConfig of an escaped thirdparty engine')
        self.assertEqual(actions[0], LOAD_ENGINE, 'the escaped thirdparty config was authorized as %s' % actions[0])
        # the control: with manage, a config without thirdparty engines loads
        self.assertOk(res[1], 'LoadConfig of a plain project')
        self.assertEqual(actions[1], MANAGE)
        after = self.snapshot()
        self.assertNotIn(MANAGER_PATH + '/project/tp', after, 'the refused config left objects behind')
        self.assertEqual(set(after) - set(before), {MANAGER_PATH + '/project/plain'})

    def test_bad_input_is_refused_before_polkit(self):
        self.pk.clear()
        bad = [
            ('a JSON syntax error', load('{"projects": [')),
            ('an INI key out of range', load('[project]\nname=p\nloop=121\ninterval=1\nsleep=1\n', 'ini')),
            ('an engine without its name', load('{"projects": [{"name": "q", "loop": 1, "interval": 1, '
                                                '"sleep": 1, "engines": [{"type": "thirdparty"}]}]}')),
            ('an unknown format', load(PLAIN_PROJECT, 'yaml')),
        ]
        _, res = as_nobody(self.bus, [c for _, c in bad])
        for (what, _), r in zip(bad, res):
            print('%s: %s: %s' % (what, r.get('error'), r.get('message')))
            self.assertIn('error', r, '%s was accepted' % what)
            self.assertNotEqual(r['error'], ACCESS_DENIED, '%s went to polkit before it was validated' % what)
        self.assertEqual(res[0]['error'], INVALID)
        self.assertIn('loop', res[1]['message'])
        self.assertEqual(self.pk.checks(), [], 'polkit was asked about input that does not validate')


NUMA_PROJECT = '{"projects": [{"name": "nu", "loop": 1, "interval": 1, "sleep": 1, "engines": [{"name": "numa", "type": "numa"}]}]}'


class TestCommandSet(PolkitTestCase):
    """Item 7: Engine1.Command("set") is checked as the engine's section of a config file
    would be, all-or-nothing and before polkit: a 5001-digit number (which the plugin
    alone parsed as 5) once made every later ExportConfig and state save fail."""

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.daemon = self.start_daemon()
        self.mgr('LoadConfig', 'sss', NUMA_PROJECT, 'json', 'root')
        self.engine = engine_path('nu', 'numa')

    def params(self):
        return unwrap(self.call(self.engine, PROPS_IFACE, 'Get', 'ss', ENGINE_IFACE, 'Params'))

    def set(self, **kv):
        return self.call(self.engine, ENGINE_IFACE, 'Command', 'sa{sv}', 'set',
                         dbus.Dictionary({k: dbus.String(v) for k, v in kv.items()}, signature='sv'))

    def assertSetRefused(self, what, words, error=INVALID, **kv):
        with self.assertRaises(dbus.exceptions.DBusException, msg='set %s was accepted' % what) as cm:
            self.set(**kv)
        msg = cm.exception.get_dbus_message()
        print('set %s: %s: %s' % (what, cm.exception.get_dbus_name(), msg[:300]))
        self.assertEqual(cm.exception.get_dbus_name(), error)
        self.assertLess(len(msg), 2000, 'the error repeats the whole value')
        for w in words:
            self.assertIn(w, msg, 'the error for %s does not say %r' % (what, w))

    def test_set_is_checked_like_a_config_file(self):
        self.set(cpu_threshold='30')
        before = self.params()
        self.assertEqual(before.get('cpu_threshold'), '30', before)
        self.assertSetRefused('a 5001-digit number', ['cpu_threshold', '4096'], INVALID,
                              cpu_threshold='0' * 5000 + '5')
        self.assertSetRefused('a number out of range', ['cpu_threshold', '0..100000'], cpu_threshold='100001')
        # all-or-nothing: a good key next to a bad one is not taken either
        self.assertSetRefused('a good and a bad key', ['mem_threshold'], cpu_threshold='40', mem_threshold='lots')
        self.assertSetRefused('an unknown key', ['colour'], colour='blue')
        after = self.params()
        self.assertEqual(after, before, 'a refused set changed Params')
        text = str(self.mgr('ExportConfig', 's', 'json'))
        self.assertIn('"cpu_threshold"', text)
        self.assertNotIn('0' * 100, text)
        # the engine itself did not take the refused values either
        shown = str(self.call(self.engine, ENGINE_IFACE, 'Command', 'sa{sv}', 'showplacement', {}))
        self.assertIn('"cpu_threshold":"30"', shown.replace(' ', ''), shown[:300])
        print('after the refused sets: Params %s; ExportConfig %d bytes' % (after, len(text)))

    def test_bad_set_never_reaches_polkit(self):
        self.pk.set_allowed([MANAGE])
        self.pk.clear()
        _, res = as_nobody(self.bus, [call(self.engine, ENGINE_IFACE, 'Command', 'sa{sv}', 'set',
                                           {'cpu_threshold': '0' * 5000 + '5'})])
        print('nobody set a 5001-digit number: %s: %s' % (res[0].get('error'), res[0].get('message', '')[:200]))
        self.assertDenied(res[0], 'set of a 5001-digit number', INVALID)
        self.assertEqual(self.pk.checks(), [], 'polkit was asked about a set that does not validate')


MIB = 1024 * 1024


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS in /proc/%d/status' % pid)


class TestCheckedBeforeHeld(PolkitTestCase):
    """Item 6: sizes and names are checked before a call is held for polkit.  With a
    polkit that never answers, nobody sends calls carrying megabytes (a 3 MiB project
    name, a 3 MiB config, a 3 MiB parameter): each is refused at once, polkit is never
    asked, and etmemd does not keep the messages (its RSS does not grow by their size)."""

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.pk.hang(True)
        self.daemon = self.start_daemon(polkit_timeout=60)
        self.create_project('p')
        self.mgr('LoadConfig', 'sss', NUMA_PROJECT, 'json', 'root')

    def test_big_calls_are_refused_at_once(self):
        big = 'a' * (3 * MIB)
        calls = [
            ('CreateProject, a 3 MiB name', INVALID,
             call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', big, {}, timeout=5)),
            ('RemoveProject, a 3 MiB name', INVALID,
             call(MANAGER_PATH, MANAGER_IFACE, 'RemoveProject', 's', big, timeout=5)),
            ('LoadConfig, 3 MiB of text', INVALID,
             call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', '#' + big, 'ini', 'big', timeout=5)),
            ('AddEngine, a 3 MiB parameter', INVALID,
             call(project_path('p'), PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'numa', {'exclude': big}, timeout=5)),
            ('Command, a 3 MiB argument', INVALID,
             call(engine_path('nu', 'numa'), ENGINE_IFACE, 'Command', 'sa{sv}', 'showplacement', {'x': big},
                  timeout=5)),
        ] * 3
        before = rss_kib(self.daemon.proc.pid)
        self.pk.clear()
        _, res = as_nobody(self.bus, [c for _, _, c in calls])
        after = rss_kib(self.daemon.proc.pid)
        for (what, name, _), r in zip(calls, res):
            print('%s: %s in %.3f s: %s' % (what, r.get('error'), r['seconds'], (r.get('message') or '')[:160]))
        print('etmemd RSS %d KiB before, %d KiB after %d calls of 3 MiB' % (before, after, len(calls)))
        for (what, name, _), r in zip(calls, res):
            self.assertDenied(r, what, name)
            self.assertLess(r['seconds'], 2, '%s was not refused at once' % what)
            self.assertLess(len(r['message']), 1000, '%s: the error repeats the input' % what)
        self.assertEqual(self.pk.checks(), [], 'polkit was asked about calls that do not validate')
        self.assertLess(after - before, 16 * 1024, 'etmemd grew by %d KiB' % (after - before))


TWO_PROJECTS = '{"projects": [{"name": "a1", "loop": 1, "interval": 1, "sleep": 1}, ' \
               '{"name": "b2", "loop": 1, "interval": 1, "sleep": 1}]}'


class TestDetails(PolkitTestCase):
    """Item 8: polkit details are built from validated arguments, bounded, printable, and
    name the target: a pid task's pid, process name and owner; LoadConfig's and
    UnloadConfig's source and projects.  The mock polkitd records what it was shown."""

    OWNER = 4242   # a user of its own, not nobody: the target's uid must be the process's

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.pk.set_allowed([MANAGE])
        self.daemon = self.start_daemon()
        self.create_project('p')
        self.call(project_path('p'), PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'sleeper', {})
        # a process of another user, renamed so that its comm carries a newline
        self.target = track(subprocess.Popen(['setpriv', '--reuid=%d' % self.OWNER, '--regid=%d' % self.OWNER,
                                              '--clear-groups', '/usr/bin/python3', '-c',
                                              'import ctypes,time; ctypes.CDLL(None).prctl(15, b"evil\\nname", 0,0,0); '
                                              'print(1, flush=True); time.sleep(120)'],
                                             stdout=subprocess.PIPE, text=True))
        self.addCleanup(self.target.kill)
        self.assertEqual(self.target.stdout.readline().strip(), '1')

    def test_details_name_the_target(self):
        eng = engine_path('p', 'sleeper')
        pid = self.target.pid
        self.pk.clear()
        _, res = as_nobody(self.bus, [
            call(eng, ENGINE_IFACE, 'AddTask', 'sa{sv}', 't1', {'type': 'pid', 'value': str(pid)}),
            call(eng, ENGINE_IFACE, 'AddTask', 'sa{sv}', 't2', {'type': 'name', 'value': 'redis-server'}),
            call(eng, ENGINE_IFACE, 'RemoveTask', 's', 't1'),
            call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', TWO_PROJECTS, 'json', '/etc/etmem/two.json'),
            call(MANAGER_PATH, MANAGER_IFACE, 'UnloadConfig', 'sss', TWO_PROJECTS, 'json', 'two'),
            call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', TWO_PROJECTS, 'json', 'bad\nsource'),
        ])
        checks = self.pk.checks()
        for r in res:
            print('result: %s' % (r.get('error') or 'ok'))
        for ch in checks:
            print('polkit was shown %s %s' % (ch['action'], ch['details']))
        for r, what in zip(res[:5], ('AddTask pid', 'AddTask name', 'RemoveTask', 'LoadConfig', 'UnloadConfig')):
            self.assertOk(r, what)
        self.assertDenied(res[5], 'LoadConfig with a newline in its source', INVALID_ARGS)
        self.assertEqual(len(checks), 5, 'polkit was asked %d times for 5 valid calls' % len(checks))
        want_pid = {'project': 'p', 'engine': 'sleeper', 'pid': str(pid), 'process': 'evil?name',
                    'uid': str(self.OWNER)}
        self.assertEqual(checks[0]['details'], dict(want_pid, task='t1'))
        self.assertEqual(checks[1]['details'], {'project': 'p', 'engine': 'sleeper', 'task': 't2',
                                                'process': 'redis-server'})
        self.assertEqual(checks[2]['details'], dict(want_pid, task='t1'))
        self.assertEqual(checks[3]['details'], {'source': '/etc/etmem/two.json', 'projects': 'a1,b2'})
        self.assertEqual(checks[4]['details'], {'source': 'two', 'projects': 'a1,b2'})
        for ch in checks:
            for k, v in ch['details'].items():
                self.assertLessEqual(len(v), 1024)
                self.assertFalse(any(ord(c) < 0x20 for c in v), 'detail %s=%r has a control character' % (k, v))


LIMITS = 'org.freedesktop.DBus.Error.LimitsExceeded'
PER_USER = 8     # POLKIT_PENDING_PER_USER in service/polkit.h
OTHER_USER = pwd.getpwnam('games').pw_uid   # dbus-daemon refuses a uid without a passwd entry


class TestPerUserLimit(PolkitTestCase):
    """Item 5: every polkit check is a pending reply on etmemd's one bus connection, and
    the bus allows 128 (Debian's max_replies_per_connection, kept on this bus).  User
    nobody floods 140 checks that polkit never answers, from two connections: only
    PER_USER are held, the rest are refused at once with LimitsExceeded, and another
    user's check still reaches polkit and succeeds; reads never ask polkit.  The held
    calls also bound etmemd's memory: 40 LoadConfig calls of 900 KiB hold at most
    PER_USER messages."""

    debian_limits = True

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.pk.hang(True)
        self.daemon = self.start_daemon(polkit_timeout=60)

    def flood(self, calls, connections):
        c = NobodyClient(self.bus, {'connections': connections, 'calls': calls, 'timeout': 20}, mode='flood')
        deadline = time.monotonic() + 20
        while len(self.pk.checks()) < PER_USER and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # anything more that was going to reach polkit has by now
        return c

    def test_one_user_cannot_use_up_polkit(self):
        flood = self.flood([call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', 'f%d' % i,
                                 {'loop': 1, 'interval': 1, 'sleep': 1}, timeout=60) for i in range(70)], 2)
        held = len(self.pk.checks())
        # reads by nobody while the flood is held: answered, and polkit is not asked
        _, reads = as_nobody(self.bus, [call(MANAGER_PATH, PROPS_IFACE, 'GetAll', 's', MANAGER_IFACE, timeout=5),
                                        call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects', timeout=5),
                                        call(MANAGER_PATH, 'org.freedesktop.DBus.Introspectable', 'Introspect',
                                             timeout=5)])
        for r in reads:
            self.assertOk(r, 'a read during the flood')
        self.assertEqual(len(self.pk.checks()), held, 'a read asked polkit')
        # another user: polkit answers again (the flood stays hung) and allows manage
        self.pk.hang(False)
        self.pk.set_allowed([MANAGE])
        _, other = as_nobody(self.bus, [call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', 'other',
                                             {'loop': 1, 'interval': 1, 'sleep': 1}, timeout=10)], uid=OTHER_USER)
        print('nobody flooded 140 checks: %d reached polkit; uid %d: %s'
              % (held, OTHER_USER, other[0].get('error') or 'created'))
        self.pk.release()
        res = flood.results(timeout=60)
        counts = {}
        for r in res:
            counts[r.get('error', 'ok')] = counts.get(r.get('error', 'ok'), 0) + 1
        limited = [r for r in res if r.get('error') == LIMITS]
        print('the flood\'s 140 calls: %s; refused within %.2f s: %s'
              % (counts, max(r['seconds'] for r in limited) if limited else 0,
                 limited[0]['message'] if limited else '-'))
        self.assertEqual(held, PER_USER, 'checks of one user that reached polkit')
        self.assertOk(other[0], 'CreateProject by uid %d during the flood' % OTHER_USER)
        self.assertEqual(len(limited), 140 - PER_USER)
        self.assertIn('uid %d' % 65534, limited[0]['message'])
        self.assertLess(max(r['seconds'] for r in limited), 5, 'the refusals were not at once')

    def test_held_calls_bound_memory(self):
        padding = ('#' + 'x' * 1000 + '\n') * 900
        text = padding + '[project]\nname=big\nloop=1\ninterval=1\nsleep=1\n'
        before = rss_kib(self.daemon.proc.pid)
        flood = self.flood([call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', text, 'ini', 'big', timeout=60)
                            for _ in range(40)], 1)
        held = len(self.pk.checks())
        after = rss_kib(self.daemon.proc.pid)
        self.pk.release()
        res = flood.results(timeout=60)
        print('40 LoadConfig of %d KiB: %d held, %d refused with LimitsExceeded; etmemd RSS %d -> %d KiB'
              % (len(text) // 1024, held, sum(1 for r in res if r.get('error') == LIMITS), before, after))
        self.assertEqual(held, PER_USER)
        # 40 held would be 35 MiB; malloc keeps some of the refused ones' buffers
        self.assertLess(after - before, (PER_USER + 12) * len(text) // 1024,
                        'etmemd grew by %d KiB with %d calls held' % (after - before, held))


PROBED = 'kernel features probed'


class TestFeaturesNotProbedOnRead(PolkitTestCase):
    """Item 10: the KernelFeatures getter does not run the tracker probes (the DAMON
    probe writes nr_kdamonds): they run at start and on a timer.  etmemd logs each
    probe; nobody's reads of KernelFeatures (Get, GetAll, GetManagedObjects) add none."""

    def test_reads_do_not_probe(self):
        self.start_mock()
        daemon = self.start_daemon()
        at_start = daemon.log_text().count(PROBED)
        reads = [call(MANAGER_PATH, PROPS_IFACE, 'Get', 'ss', MANAGER_IFACE, 'KernelFeatures'),
                 call(MANAGER_PATH, PROPS_IFACE, 'GetAll', 's', MANAGER_IFACE),
                 call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects')] * 4
        _, res = as_nobody(self.bus, reads)
        time.sleep(6)   # past any cache of a few seconds
        _, res2 = as_nobody(self.bus, reads[:1])
        after = daemon.log_text().count(PROBED)
        print('probes logged: %d at start, %d after %d reads by nobody' % (at_start, after, len(reads) + 1))
        for r in res + res2:
            self.assertOk(r, 'reading KernelFeatures')
        self.assertIn('tracker', res[0]['ok'], res[0])
        self.assertIn('tracker', res2[0]['ok'], res2[0])
        self.assertEqual(at_start, 1, 'the features were not probed once at start')
        self.assertEqual(after, at_start, 'reading KernelFeatures ran the probe')


class TestReading(PolkitTestCase):
    """Item 11: reading.  Names and states are for everyone (GetManagedObjects,
    properties); the whole configuration (ExportConfig: every task's pid and process
    name, which hidepid= may hide) needs org.etmem.manage.  Checked as nobody."""

    def test_export_needs_manage(self):
        pk = self.start_mock()
        self.start_daemon()
        self.create_project('p')
        self.call(project_path('p'), PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'sleeper', {})
        self.call(engine_path('p', 'sleeper'), ENGINE_IFACE, 'AddTask', 'sa{sv}', 'secret',
                  {'type': 'pid', 'value': '1'})
        export = call(MANAGER_PATH, MANAGER_IFACE, 'ExportConfig', 's', 'json')
        objects = call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects')
        _, res = as_nobody(self.bus, [export, objects])
        print('nobody without manage: ExportConfig %s; GetManagedObjects %d objects'
              % (res[0].get('error') or 'returned the config', len(res[1].get('ok') or {})))
        self.assertDenied(res[0], 'ExportConfig without org.etmem.manage')
        self.assertOk(res[1], 'GetManagedObjects')
        self.assertIn(engine_path('p', 'sleeper') + '/task/secret', res[1]['ok'])
        pk.set_allowed([MANAGE])
        _, res = as_nobody(self.bus, [export])
        self.assertOk(res[0], 'ExportConfig with org.etmem.manage')
        self.assertIn('"secret"', res[0]['ok'])
        self.assertIn('"1"', res[0]['ok'])


if __name__ == '__main__':
    main()
