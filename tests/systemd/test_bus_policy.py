#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #4, line 3: dbus/org.etmem.conf on a private system bus (tools/private-bus.conf.in,
as the polkit suite's fixture writes it), etmemd on it, python3-dbusmock's polkitd.

- User nobody calling what the policy does not list (Properties.Set, an invented member,
  an interface that is not listed, a call without interface) is refused by dbus-daemon
  itself: AccessDenied with its "Rejected send message" text, and polkit is never asked
  (the call never reached etmemd).  That stays so when polkit allows everything.
- Every method of dbus/org.etmem.*.xml does reach etmemd: refused by etmemd's polkit check
  ("... was refused: polkit did not authorize this caller."), or answered; once polkit
  allows org.etmem.manage, nobody's CreateProject creates the project.
- Root is not filtered: the same unlisted calls get etmemd's (sd-bus's) own answers.
- Only root may own org.etmem: nobody's RequestName is refused by the bus.
- The policy file itself: every allow for the default context names send_destination,
  and the methods it lists are exactly those of the interface XML."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'polkit'))
from polkit_fixture import (ACCESS_DENIED, BUS_POLICY, ENGINE_IFACE, MANAGER_IFACE, MANAGER_PATH,  # noqa: E402
                            OM_IFACE, PROJECT_IFACE, PROPS_IFACE, PYTHON, PolkitTestCase, as_nobody, call, engine_path,
                            main, nobody_argv, project_path)

DBUS_XML_DIR = os.environ.get('DBUS_XML_DIR', os.path.join(HERE, '..', '..', 'dbus'))
BUS_REJECTED = 'Rejected send message'      # dbus-daemon's text (bus/bus.c) for a policy refusal
ETMEMD_REFUSED = '%s was refused: polkit did not authorize this caller.'   # % polkit action
PID = str(os.getpid())
OPTIONS = {'loop': 1, 'interval': 1, 'sleep': 1}
LOAD_TEXT = '[project]\nname=pload\nloop=1\ninterval=1\nsleep=1\n'


def unlisted_calls():
    """(what, call) that the policy does not let a non-root caller send."""
    P = project_path('P')
    return [
        ('Properties.Set Manager1.Version', call(MANAGER_PATH, PROPS_IFACE, 'Set', 'ssv', MANAGER_IFACE,
                                                 'Version', '9.9')),
        ('Properties.Set Project1.State', call(P, PROPS_IFACE, 'Set', 'ssv', PROJECT_IFACE, 'State', 'running')),
        ('Manager1.Bogus', call(MANAGER_PATH, MANAGER_IFACE, 'Bogus')),
        ('Project1.Bogus', call(P, PROJECT_IFACE, 'Bogus')),
        ('org.etmem.Secret1.Start (interface not listed)', call(P, 'org.etmem.Secret1', 'Start')),
        ('ObjectManager.Bogus', call(MANAGER_PATH, OM_IFACE, 'Bogus')),
        ('Bogus without an interface', call(MANAGER_PATH, None, 'Bogus')),
    ]


def listed_calls():
    """(interface, method, call, polkit action asked or None) for every method of the
    interface XML, each on an object where it could succeed."""
    P, Q, E = project_path('P'), project_path('Q'), engine_path('P', 'sleeper')
    return [
        (MANAGER_IFACE, 'CreateProject', call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', 'pnew',
                                              OPTIONS), 'org.etmem.manage'),
        (MANAGER_IFACE, 'RemoveProject', call(MANAGER_PATH, MANAGER_IFACE, 'RemoveProject', 's', 'Q'), 'org.etmem.manage'),
        (MANAGER_IFACE, 'LoadConfig', call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', LOAD_TEXT, 'ini',
                                           'pload.conf'), 'org.etmem.manage'),
        (MANAGER_IFACE, 'UnloadConfig', call(MANAGER_PATH, MANAGER_IFACE, 'UnloadConfig', 'sss', LOAD_TEXT, 'ini',
                                             'pload.conf'), 'org.etmem.manage'),
        (MANAGER_IFACE, 'ExportConfig', call(MANAGER_PATH, MANAGER_IFACE, 'ExportConfig', 's', 'json'),
         'org.etmem.manage'),  # the whole configuration (issue #10 item 11)
        (MANAGER_IFACE, 'GetPlacementAdvice', call(MANAGER_PATH, MANAGER_IFACE, 'GetPlacementAdvice', 'ut', 1, 16),
         'org.etmem.inspect'),
        (PROJECT_IFACE, 'Start', call(P, PROJECT_IFACE, 'Start'), 'org.etmem.manage'),
        (PROJECT_IFACE, 'Stop', call(P, PROJECT_IFACE, 'Stop'), 'org.etmem.manage'),
        (PROJECT_IFACE, 'AddEngine', call(Q, PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'sleeper', {}), 'org.etmem.manage'),
        (PROJECT_IFACE, 'RemoveEngine', call(P, PROJECT_IFACE, 'RemoveEngine', 's', 'sleeper'), 'org.etmem.manage'),
        (ENGINE_IFACE, 'AddTask', call(E, ENGINE_IFACE, 'AddTask', 'sa{sv}', 't2', {'type': 'pid', 'value': PID}),
         'org.etmem.manage'),
        (ENGINE_IFACE, 'RemoveTask', call(E, ENGINE_IFACE, 'RemoveTask', 's', 't1'), 'org.etmem.manage'),
        (ENGINE_IFACE, 'Command', call(E, ENGINE_IFACE, 'Command', 'sa{sv}', 'ping', {'task': 't1'}), 'org.etmem.manage'),
    ]


def read_calls():
    P = project_path('P')
    return [
        ('Properties.Get', call(P, PROPS_IFACE, 'Get', 'ss', PROJECT_IFACE, 'State')),
        ('Properties.GetAll', call(MANAGER_PATH, PROPS_IFACE, 'GetAll', 's', MANAGER_IFACE)),
        ('GetManagedObjects', call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects')),
        ('Introspect', call(P, 'org.freedesktop.DBus.Introspectable', 'Introspect')),
        ('Peer.Ping', call(MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping')),
    ]


def xml_methods():
    """{(interface, method)} of dbus/org.etmem.*.xml."""
    out = set()
    for name in sorted(os.listdir(DBUS_XML_DIR)):
        if name.startswith('org.etmem.') and name.endswith('.xml'):
            for iface in ET.parse(os.path.join(DBUS_XML_DIR, name)).getroot().iter('interface'):
                out |= {(iface.get('name'), m.get('name')) for m in iface.iter('method')}
    return out


def brief(msg):
    """dbus-daemon's refusal without the sender's pid and command line."""
    return re.sub(r' sender="[^"]*" \([^)]*\)', '', msg)


OWN_AS_NOBODY = '''
import dbus, sys
conn = dbus.bus.BusConnection(sys.argv[1])
try:
    print('ok', conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                   'RequestName', 'su', ('org.etmem', 6), timeout=10))
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name(), e.get_dbus_message())
'''


class TestBusPolicy(PolkitTestCase):

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.daemon = self.start_daemon()
        self.create_project('P')
        self.create_project('Q')
        self.call(project_path('P'), PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'sleeper', {})
        self.call(engine_path('P', 'sleeper'), ENGINE_IFACE, 'AddTask', 'sa{sv}', 't1', {'type': 'pid', 'value': PID})

    def assertBusRejected(self, res, what):
        self.assertIn('error', res, '%s as nobody got through: %r' % (what, res))
        self.assertEqual(res['error'], ACCESS_DENIED, '%s: %s' % (what, res.get('message')))
        self.assertTrue(res['message'].startswith(BUS_REJECTED),
                        '%s was refused, but not by dbus-daemon: %s' % (what, res['message']))

    def assertReachedEtmemd(self, res, what):
        if 'error' in res:
            self.assertNotIn(BUS_REJECTED, res['message'], '%s: refused by the bus, not by etmemd' % what)

    def test_unlisted_refused_by_the_bus(self):
        calls = unlisted_calls()
        for allowed in ([], ['org.etmem.manage', 'org.etmem.inspect', 'org.etmem.load-engine']):
            self.pk.set_allowed(allowed)
            self.pk.clear()
            before = self.snapshot()
            _, results = as_nobody(self.bus, [c for _, c in calls])
            for (what, _), res in zip(calls, results):
                self.assertBusRejected(res, what)
                print('nobody, polkit allows %s: %s -> %s: %s'
                      % (allowed or 'nothing', what, res['error'], brief(res['message'])))
            self.assertEqual(self.pk.checks(), [], 'a call the bus should have refused reached etmemd')
            self.assertEqual(self.snapshot(), before)

    def test_listed_reach_etmemd(self):
        calls = listed_calls()
        self.assertEqual({(i, m) for i, m, _, _ in calls}, xml_methods(),
                         'the test does not cover exactly the methods of dbus/org.etmem.*.xml')
        self.pk.clear()
        before = self.snapshot()
        _, results = as_nobody(self.bus, [c for _, _, c, _ in calls])
        for (iface, method, _, asks), res in zip(calls, results):
            what = '%s.%s' % (iface, method)
            self.assertReachedEtmemd(res, what)
            if asks:
                self.assertEqual((res.get('error'), res.get('message')), (ACCESS_DENIED, ETMEMD_REFUSED % asks), what)
            else:
                self.assertNotIn('error', res, '%s as nobody: %r' % (what, res))
            print('nobody, polkit denies: %s -> %s' % (what, res.get('message') or 'answered'))
        self.assertEqual(len(self.pk.checks()), sum(1 for c in calls if c[3]),
                         'etmemd did not ask polkit once per mutating call')
        self.assertEqual(self.snapshot(), before)

        _, results = as_nobody(self.bus, [c for _, c in read_calls()])
        for (what, _), res in zip(read_calls(), results):
            self.assertNotIn('error', res, '%s as nobody: %r' % (what, res))

        self.pk.set_allowed(['org.etmem.manage'])
        _, results = as_nobody(self.bus, [calls[0][2]])
        self.assertEqual(results[0].get('ok'), project_path('pnew'), results[0])
        self.assertIn(project_path('pnew'), self.snapshot())
        print('nobody, polkit allows org.etmem.manage: CreateProject -> %s' % results[0]['ok'])

    def test_root_is_not_filtered(self):
        expect = {
            'Properties.Set Manager1.Version': 'org.freedesktop.DBus.Error.PropertyReadOnly',
            'Properties.Set Project1.State': 'org.freedesktop.DBus.Error.PropertyReadOnly',
            'Bogus without an interface': 'org.freedesktop.DBus.Error.UnknownObject',  # sd-bus's answer
        }
        import dbus
        for what, c in unlisted_calls():
            with self.assertRaises(dbus.exceptions.DBusException, msg=what) as cm:
                self.bus.conn.call_blocking('org.etmem', c['path'], c['iface'], c['method'], c['sig'], c['args'],
                                            timeout=10)
            name, msg = cm.exception.get_dbus_name(), cm.exception.get_dbus_message()
            self.assertNotIn(BUS_REJECTED, msg, 'root: %s refused by the bus' % what)
            self.assertEqual(name, expect.get(what, 'org.freedesktop.DBus.Error.UnknownMethod'), '%s: %s' % (what, msg))
            print('root: %s -> %s: %s' % (what, name, msg))
        self.assertEqual(self.pk.checks(), [])

    def test_only_root_owns(self):
        owner = self.bus.dbus_call('GetNameOwner', 's', 'org.etmem')
        # flags 6 = ALLOW_REPLACEMENT | REPLACE_EXISTING: would take the name over if allowed
        r = subprocess.run(nobody_argv(PYTHON, '-c', OWN_AS_NOBODY, self.bus.address),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(ACCESS_DENIED + ' '), 'nobody RequestName(org.etmem): %s' % r.stdout)
        self.assertIn('is not allowed to own the service "org.etmem" due to security policies', r.stdout)
        print('nobody: RequestName org.etmem -> %s' % r.stdout.strip())
        self.assertEqual(self.bus.dbus_call('GetNameOwner', 's', 'org.etmem'), owner)
        # root may: a second root connection is queued/refused for being second, not by policy
        reply = self.bus.dbus_call('RequestName', 'su', 'org.etmem', 4)     # DO_NOT_QUEUE
        self.assertEqual(int(reply), 3, 'root RequestName(org.etmem, DO_NOT_QUEUE) should be EXISTS')
        print('root: RequestName org.etmem (DO_NOT_QUEUE) while etmemd owns it -> 3 (EXISTS)')


class TestPolicyFile(PolkitTestCase):
    """The policy text itself (no daemon needed beyond the base class's bus)."""

    def test_rules(self):
        root = ET.parse(BUS_POLICY).getroot()
        default = [p for p in root.iter('policy') if p.get('context') == 'default']
        self.assertEqual(len(default), 1)
        listed = set()
        for rule in default[0]:
            self.assertEqual(rule.get('send_destination'), 'org.etmem',
                             '%s: a default-context rule without send_destination="org.etmem": %s'
                             % (BUS_POLICY, ET.tostring(rule).decode().strip()))
            self.assertNotIn('own', rule.attrib)
            if rule.tag == 'allow' and re.match(r'org\.etmem\.', rule.get('send_interface', '')):
                listed.add((rule.get('send_interface'), rule.get('send_member')))
        self.assertEqual(default[0][0].tag, 'deny', 'the default context must deny first, then allow')
        self.assertEqual(listed, xml_methods(), 'the methods allowed to everyone differ from the interface XML')
        owners = {(p.get('user'), r.get('own')) for p in root.iter('policy') for r in p if r.get('own')}
        self.assertEqual(owners, {('root', 'org.etmem')})


if __name__ == '__main__':
    main()
