#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""DESIGN §4 with python3-dbusmock's polkitd on a private system bus:
(a) user nobody is refused every mutating method with AccessDenied and the tree
    does not change; reads work and never ask polkit; polkit is asked with the
    caller's system-bus-name subject, the object names as details, and
    AllowUserInteraction only when the call allows it; once polkit allows
    org.etmem.manage the same calls succeed.
(d) without any polkit on the bus nobody is refused, root is not."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polkit_fixture import (ACCESS_DENIED, ENGINE_IFACE, MANAGER_IFACE, MANAGER_PATH, OM_IFACE,  # noqa: E402
                            PROJECT_IFACE, PROPS_IFACE, PolkitTestCase, as_nobody, call, engine_path, main,
                            nobody_argv, project_options, project_path)

LOAD_TEXT = '[project]\nname=pload\nloop=1\ninterval=1\nsleep=1\n'
UNLOAD_T1 = '[task]\nproject=P\nengine=sleeper\nname=t1\n'
PID = str(os.getpid())
# what polkit is shown of a pid task's target (issue #10 item 8): this test, run by root
with open('/proc/self/comm') as _f:
    TARGET = {'pid': PID, 'process': _f.read().strip(), 'uid': '0'}


def mutating_calls():
    """(what, call, details polkit must be shown) for every mutating method; each
    would succeed for root in the tree set up by build_tree()."""
    P, Q, E = project_path('P'), project_path('Q'), engine_path('P', 'sleeper')
    return [
        ('CreateProject', call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', 'pnew',
                               {'loop': 1, 'interval': 1, 'sleep': 1}), {'project': 'pnew'}),
        ('AddEngine', call(Q, PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'sleeper', {}),
         {'project': 'Q', 'engine': 'sleeper', 'type': 'sleeper'}),
        ('AddTask', call(E, ENGINE_IFACE, 'AddTask', 'sa{sv}', 't2', {'type': 'pid', 'value': PID}),
         dict(TARGET, project='P', engine='sleeper', task='t2')),
        ('Command', call(E, ENGINE_IFACE, 'Command', 'sa{sv}', 'ping', {'task': 't1'}),
         dict(TARGET, project='P', engine='sleeper', task='t1', command='ping')),
        ('Start', call(P, PROJECT_IFACE, 'Start'), {'project': 'P'}),
        ('Stop', call(P, PROJECT_IFACE, 'Stop'), {'project': 'P'}),
        ('RemoveTask', call(E, ENGINE_IFACE, 'RemoveTask', 's', 't1'),
         dict(TARGET, project='P', engine='sleeper', task='t1')),
        ('RemoveEngine', call(P, PROJECT_IFACE, 'RemoveEngine', 's', 'sleeper'),
         {'project': 'P', 'engine': 'sleeper'}),
        ('LoadConfig', call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', LOAD_TEXT, 'ini', 'pload.conf'),
         {'source': 'pload.conf', 'projects': 'pload'}),
        ('UnloadConfig', call(MANAGER_PATH, MANAGER_IFACE, 'UnloadConfig', 'sss', LOAD_TEXT, 'ini', 'pload.conf'),
         {'source': 'pload.conf', 'projects': 'pload'}),
        # not a change, but the whole configuration (issue #10 item 11)
        ('ExportConfig', call(MANAGER_PATH, MANAGER_IFACE, 'ExportConfig', 's', 'json'), {}),
        ('RemoveProject', call(MANAGER_PATH, MANAGER_IFACE, 'RemoveProject', 's', 'P'), {'project': 'P'}),
    ]


def read_calls():
    P = project_path('P')
    return [
        ('GetAll Manager1', call(MANAGER_PATH, PROPS_IFACE, 'GetAll', 's', MANAGER_IFACE)),
        ('Get State', call(P, PROPS_IFACE, 'Get', 'ss', PROJECT_IFACE, 'State')),
        ('GetManagedObjects', call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects')),
        ('Introspect', call(P, 'org.freedesktop.DBus.Introspectable', 'Introspect')),
    ]


class TestMockPolkit(PolkitTestCase):

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.daemon = self.start_daemon()
        self.build_tree()

    def build_tree(self):
        """As root: P with engine sleeper and task t1, and an empty Q."""
        self.create_project('P')
        self.create_project('Q')
        self.call(project_path('P'), PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'sleeper', {})
        self.call(engine_path('P', 'sleeper'), ENGINE_IFACE, 'AddTask', 'sa{sv}', 't1',
                  {'type': 'pid', 'value': PID})

    def test_refused_then_allowed(self):
        calls = mutating_calls()
        before = self.snapshot()
        self.pk.clear()
        name, results = as_nobody(self.bus, [c for _, c, _ in calls])
        for (what, _, _), res in zip(calls, results):
            self.assertDenied(res, what)
            self.assertIn('org.etmem.manage', res['message'])
        self.assertEqual(self.snapshot(), before, 'a refused call changed the object tree')
        print('refused as nobody: %s' % ', '.join(w for w, _, _ in calls))

        checks = self.pk.checks()
        self.assertEqual(len(checks), len(calls), 'polkit was not asked exactly once per call: %r' % checks)
        for (what, _, details), check in zip(calls, checks):
            self.assertEqual(check['action'], 'org.etmem.manage', what)
            self.assertEqual(check['subject'], ['system-bus-name', {'name': name}], what)
            self.assertEqual(check['details'], details, what)
            self.assertEqual(check['flags'], 0, '%s: dbus-python does not allow interactive authorization' % what)

        # reads: answered, never checked
        self.pk.clear()
        _, results = as_nobody(self.bus, [c for _, c in read_calls()])
        for (what, _), res in zip(read_calls(), results):
            self.assertOk(res, what)
        self.assertEqual(self.pk.checks(), [], 'a read asked polkit')

        # allowed: the very same calls go through, in an order where each can succeed
        self.pk.set_allowed(['org.etmem.manage'])
        _, results = as_nobody(self.bus, [c for _, c, _ in calls])
        for (what, _, _), res in zip(calls, results):
            self.assertOk(res, what)
        out = {w: r.get('ok') for (w, _, _), r in zip(calls, results)}
        self.assertEqual(out['Command'], '{"pong":"task"}')
        self.assertEqual(out['LoadConfig'], [project_path('pload')])
        self.assertIn('"Q"', out['ExportConfig'], 'ExportConfig with org.etmem.manage did not return the tree')
        self.assertEqual(sorted(self.snapshot()),
                         sorted([project_path('pnew'), project_path('Q'), engine_path('Q', 'sleeper')]),
                         'the allowed calls did not produce the expected tree')
        print('allowed as nobody after SetAllowed([org.etmem.manage]): all %d calls succeeded' % len(calls))

    def test_root_never_asks_polkit(self):
        self.pk.clear()
        self.create_project('byroot')
        self.mgr('RemoveProject', 's', 'byroot')
        self.assertEqual(self.pk.checks(), [], 'root was checked with polkit')

    def test_interactive_flag_from_busctl(self):
        """busctl allows interactive authorization unless told not to: flags 1, then 0."""
        for opt, flags in (('--allow-interactive-authorization=yes', 1), ('--allow-interactive-authorization=no', 0)):
            self.pk.clear()
            r = subprocess.run(nobody_argv('busctl', '--address=' + self.bus.address, opt, 'call', 'org.etmem',
                                           project_path('P'), PROJECT_IFACE, 'Start'),
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0, 'busctl Start as nobody succeeded')
            self.assertIn('Access denied', r.stderr)
            checks = self.pk.checks()
            self.assertEqual([c['flags'] for c in checks], [flags], '%s: %r' % (opt, checks))

    def test_object_gone_while_held(self):
        """The tree is looked up again on the second pass: a project removed while
        polkit decided is not found, and nothing is recreated."""
        self.pk.set_allowed(['org.etmem.manage'])
        self.pk.hang(True)
        from polkit_fixture import NobodyClient
        c = NobodyClient(self.bus, [call(project_path('P'), PROJECT_IFACE, 'RemoveEngine', 's', 'sleeper'),
                                    call(project_path('Q'), PROJECT_IFACE, 'Start')])
        self.wait_hanging()
        self.mgr('RemoveProject', 's', 'P')     # root, while nobody's call is held
        self.pk.hang(False)
        self.pk.release()
        res = c.results()
        self.assertEqual(res[0]['error'], 'org.freedesktop.DBus.Error.UnknownObject', res[0])
        self.assertOk(res[1], 'Start on Q after the held call')
        self.assertNotIn(project_path('P'), self.snapshot())

    def wait_hanging(self, timeout=10):
        import time
        deadline = time.monotonic() + timeout
        while not self.pk.hanging():
            if time.monotonic() > deadline:
                self.fail('no CheckAuthorization reached the mock polkit')
            time.sleep(0.01)


class TestNoPolkit(PolkitTestCase):
    """(d) nothing owns org.freedesktop.PolicyKit1 (and nothing can be activated)."""

    def test_denied_without_polkit(self):
        self.start_daemon()
        before = self.snapshot()
        name, results = as_nobody(self.bus, [
            call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', 'pn', {'loop': 1, 'interval': 1, 'sleep': 1}),
            call(MANAGER_PATH, PROPS_IFACE, 'Get', 'ss', MANAGER_IFACE, 'ObjectCount'),
        ])
        self.assertDenied(results[0], 'CreateProject without polkit')
        self.assertIn('polkit (org.freedesktop.PolicyKit1) is not running', results[0]['message'])
        self.assertLess(results[0]['seconds'], 5, 'a missing polkit must be noticed at once, not by a timeout')
        self.assertEqual(results[1]['ok'], 0)
        self.assertEqual(self.snapshot(), before)
        print('nobody without polkit: %s: %s' % (results[0]['error'], results[0]['message']))
        # root still works
        self.assertEqual(str(self.mgr('CreateProject', 'sa{sv}', 'pn', project_options())), project_path('pn'))


if __name__ == '__main__':
    main()
