#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #4 line 6: 10 000 calls with random arguments to every method of Manager1,
Project1, Engine1 and Task1 (and the standard Properties / Introspectable / Peer /
ObjectManager interfaces on every object) leave etmemd running: it still answers
Ping and GetManagedObjects, logged no sanitizer report, and exits 0 on SIGTERM.

Arguments are random a{sv} (every variant type, nested containers, huge strings,
odd characters), random names (often the names of live objects, so real work
happens: Start, Stop, Remove...), random config texts, random object paths and
wrong signatures.  A few objects with the sleeper engine (tests/plugins) on a real
child exist first and are recreated every 250 calls.  Most calls are sent with
NO_REPLY_EXPECTED in pipelined batches; every 4th waits for its reply, which must
be a return or a well-formed error of the org.etmem.Error / org.freedesktop.DBus.Error
families within the call timeout.  RANDOM_CALLS_SEED picks the sequence (default 4)."""

import os
import random
import sys
import time

import dbus
import dbus.lowlevel

FIXTURE_DIR = os.environ.get('BUS_FIXTURE_DIR',
                             os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bus'))
sys.path.insert(0, FIXTURE_DIR)
from etmem_fixture import (BUS_NAME, ENGINE_IFACE, MANAGER_IFACE, MANAGER_PATH, OM_IFACE,  # noqa: E402
                           PROJECT_IFACE, PROPS_IFACE, TASK_IFACE, EtmemTestCase, engine_path, main,
                           project_path, spawn_target, task_path)

CALLS = 10000
REPLY_EVERY = 4        # every 4th call waits for its reply
SYNC_EVERY = 500       # a blocking Ping bounds the daemon's queue
SETUP_EVERY = 250      # recreate the fixed objects
BUDGET = 80.0          # seconds for the 10 000 calls (the meson timeout is 120)
SEED = int(os.environ.get('RANDOM_CALLS_SEED', '4'))

LIVE_PROJECTS = ['p0', 'p1']
LIVE_ENGINE = 'sleeper'
LIVE_TASKS = ['t0', 't1']
KEYS = ['loop', 'interval', 'sleep', 'sysmem_threshold', 'swapcache_high_wmark', 'swapcache_low_wmark',
        'type', 'value', 'name', 'T', 'max_threads', 'busy_ms', 'honour_cancel', 'refuse_start', 'task',
        'eng_name', 'libname', 'ops_name', 'project', 'engine', 'state', 'vm_flags', 'anon_only']
ODD = ['', ' ', '\t', '\n', '=', '[', ']', '{', '}', '"', '\\', '/', '..', '%s', '%n', '\u00e9', '\u2603',
       '\u202e', '\U0001f600', '\x01', '\x7f', '\ufeff', '\uffff', '0', '-1', '18446744073709551616', 'yes', 'no']
ENGINE_TYPES = ['sleeper', 'thirdparty', 'nosuch', 'badabi', 'nosym', '', '../sleeper', 'SLEEPER']
METHODS = {
    MANAGER_IFACE: {'CreateProject': 'sa{sv}', 'RemoveProject': 's', 'LoadConfig': 'sss',
                    'UnloadConfig': 'sss', 'ExportConfig': 's'},
    PROJECT_IFACE: {'Start': '', 'Stop': '', 'AddEngine': 'sa{sv}', 'RemoveEngine': 's'},
    ENGINE_IFACE: {'AddTask': 'sa{sv}', 'RemoveTask': 's', 'Command': 'sa{sv}'},
    TASK_IFACE: {},  # properties only: reached through Properties below
}
STANDARD = {
    PROPS_IFACE: {'Get': 'ss', 'GetAll': 's', 'Set': 'ssv'},
    'org.freedesktop.DBus.Introspectable': {'Introspect': ''},
    'org.freedesktop.DBus.Peer': {'Ping': '', 'GetMachineId': ''},
    OM_IFACE: {'GetManagedObjects': ''},
}
PROPERTIES = ['Name', 'State', 'Loop', 'Interval', 'Sleep', 'Cycles', 'LastError', 'Params', 'Pids', 'Status',
              'Type', 'Value', 'Project', 'Engine', 'PagesScanned', 'Version', 'EngineTypes', 'MaxObjects',
              'ObjectCount', 'KernelFeatures', 'Bogus', '']
ERROR_FAMILIES = ('org.etmem.Error.', 'org.freedesktop.DBus.Error.')


class Gen:
    """Random D-Bus values, names, texts and paths from one seeded generator."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def text(self, maxlen=40):
        r = self.r
        n = r.choice([0, 1, 2, 5, 10, maxlen])
        if r.random() < 0.01:
            n = r.choice([65536, 300000, 1 << 20])  # huge
            return r.choice('ab\u2603') * n
        out = []
        for _ in range(n):
            k = r.random()
            if k < 0.6:
                out.append(chr(r.randint(0x20, 0x7e)))
            elif k < 0.8:
                out.append(r.choice(ODD))
            else:
                c = r.randint(1, 0x10ffff)
                if 0xd800 <= c <= 0xdfff:  # surrogates are not valid UTF-8
                    c = 0x41
                out.append(chr(c))
        return ''.join(out)

    def name(self):
        r = self.r
        k = r.random()
        if k < 0.35:
            return r.choice(LIVE_PROJECTS + [LIVE_ENGINE] + LIVE_TASKS)
        if k < 0.5:
            return r.choice(['x', 'p%d' % r.randint(0, 50), 'a' * 64, 'a' * 65, 'a.b-c_d', '-', '.', '..'])
        return self.text(70)

    def number(self):
        r = self.r
        return r.choice([0, 1, 2, 10, 11, 100, 1200, 1201, -1, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 63 - 1,
                         r.randint(-2 ** 20, 2 ** 20)])

    def value(self, depth=0):
        """A Python value with an explicit dbus type, any type, maybe nested."""
        r = self.r
        kinds = 14 if depth < 3 else 10
        k = r.randrange(kinds)
        n = self.number()
        if k == 0:
            return dbus.String(self.text())
        if k == 1:
            return dbus.Boolean(r.random() < 0.5)
        if k == 2:
            return dbus.Byte(n & 0xff)
        if k == 3:
            return dbus.Int16(max(-32768, min(32767, n)))
        if k == 4:
            return dbus.UInt16(n & 0xffff)
        if k == 5:
            return dbus.Int32(max(-2 ** 31, min(2 ** 31 - 1, n)))
        if k == 6:
            return dbus.UInt32(n & 0xffffffff)
        if k == 7:
            return dbus.Int64(max(-2 ** 63, min(2 ** 63 - 1, n)))
        if k == 8:
            return dbus.UInt64(n & (2 ** 64 - 1))
        if k == 9:
            return dbus.Double(r.choice([0.0, -1.5, 1e308, float('inf'), float('nan')]))
        if k == 10:
            return dbus.Array([dbus.String(self.text(10)) for _ in range(r.randrange(4))], signature='s')
        if k == 11:
            return self.params(depth + 1)
        if k == 12:
            return dbus.Struct((dbus.String(self.text(10)), self.value(depth + 1)), signature='sv')
        return dbus.Array([self.value(depth + 1) for _ in range(r.randrange(3))], signature='v')

    def params(self, depth=0):
        r = self.r
        d = {}
        for _ in range(r.choice([0, 1, 2, 3, 5, 8, 300 if r.random() < 0.02 else 4])):
            key = r.choice(KEYS) if r.random() < 0.6 else self.text(20)
            d[key] = self.value(depth) if r.random() < 0.5 else dbus.String(self.plausible(key))
        return dbus.Dictionary(d, signature='sv')

    def plausible(self, key):
        r = self.r
        if key == 'type':
            return r.choice(['pid', 'name', 'x'])
        if key == 'value':
            return r.choice([str(os.getpid()), '1', 'sleep', '0', self.text(10)])
        if key == 'libname':
            return r.choice(['/etc/passwd', '/nonexistent.so', 'relative.so', '/proc/self/exe', '/'])
        return str(self.number()) if r.random() < 0.7 else self.text(10)

    def config(self):
        r = self.r
        if r.random() < 0.3:
            return r.choice(['{', '{"projects":', '{"projects":[{"name":"%s","loop":1,"interval":1,"sleep":1,'
                             '"engines":[{"name":"sleeper","type":"sleeper","params":{},"tasks":[]}]}]}'
                             % self.name(), '[]', 'null', '{"projects":[{}]}', self.text(200)])
        lines = []
        for _ in range(r.randrange(6)):
            lines.append('[%s]' % r.choice(['project', 'engine', 'task', 'bogus', self.text(8)]))
            for _ in range(r.randrange(7)):
                key = r.choice(KEYS) if r.random() < 0.8 else self.text(10)
                if key == 'name' and r.random() < 0.5:
                    val = r.choice(ENGINE_TYPES + LIVE_PROJECTS)
                else:
                    val = self.plausible(key)
                lines.append('%s=%s' % (key, val))
        return '\n'.join(lines) + r.choice(['', '\n', '\r\n'])

    def path(self):
        r = self.r
        k = r.random()
        p = r.choice(LIVE_PROJECTS) if r.random() < 0.85 else 'x'
        t = r.choice(LIVE_TASKS) if r.random() < 0.85 else 'y'
        if k < 0.15:
            return MANAGER_PATH
        if k < 0.4:
            return project_path(p)
        if k < 0.65:
            return engine_path(p, LIVE_ENGINE if r.random() < 0.85 else 'z')
        if k < 0.85:
            return task_path(p, LIVE_ENGINE, t)
        segs = [''.join(r.choice('abcXYZ019_') for _ in range(r.randint(1, 12))) for _ in range(r.randint(0, 8))]
        return '/' + '/'.join(segs) if segs else '/'

    def args(self, sig):
        """Arguments for sig; sometimes deliberately wrong ones."""
        r = self.r
        if r.random() < 0.05:
            sig = r.choice(['', 's', 'i', 'ss', 'a{ss}', 'sa{sv}s', 'v', 'as'])
        out = []
        for code in self.split(sig):
            if code == 's':
                out.append(self.name() if r.random() < 0.7 else
                           r.choice(['ini', 'json', '', 'yaml', 'test.conf', 'showtaskpages', 'ping',
                                     self.text()]))
            elif code == 'a{sv}':
                out.append(self.params())
            elif code == 'i':
                out.append(dbus.Int32(self.number() & 0x7fffffff))
            elif code == 'a{ss}':
                out.append(dbus.Dictionary({self.text(5): self.text(5)}, signature='ss'))
            elif code == 'as':
                out.append(dbus.Array([self.text(5)], signature='s'))
            elif code == 'v':
                out.append(self.value())
        return sig, out

    @staticmethod
    def split(sig):
        out, i = [], 0
        while i < len(sig):
            if sig.startswith('a{', i):
                j = sig.index('}', i) + 1
                out.append(sig[i:j])
                i = j
            elif sig.startswith('as', i):
                out.append('as')
                i += 2
            else:
                out.append(sig[i])
                i += 1
        return out


class TestRandomCalls(EtmemTestCase):

    def setup_objects(self, child):
        """The fixed objects, (re)created; failures (they exist, a random call broke
        something) are fine: this is not what the test checks."""
        for i, p in enumerate(LIVE_PROJECTS):
            for fn in (lambda: self.create_project(p),
                       lambda: self.add_engine(p, 'sleeper'),
                       lambda: self.add_task(p, LIVE_ENGINE, LIVE_TASKS[i], value=child.pid, busy_ms=0),
                       lambda: self.call(project_path(p), PROJECT_IFACE, 'Start') if i == 0 else None):
                try:
                    fn()
                except dbus.exceptions.DBusException as e:
                    if os.environ.get('RANDOM_CALLS_DEBUG'):
                        print('setup: %s' % e)

    def message(self, gen):
        r = gen.r
        table = METHODS if r.random() < 0.75 else STANDARD
        iface = r.choice(list(table))
        if not table[iface]:  # Task1: its properties
            iface = PROPS_IFACE
        methods = dict((METHODS.get(iface) or STANDARD.get(iface)))
        method = r.choice(list(methods))
        if r.random() < 0.03:
            method = 'M' + ''.join(r.choice('abcXYZ019_') for _ in range(r.randint(0, 30)))
        path = MANAGER_PATH if iface == MANAGER_IFACE and r.random() < 0.8 else gen.path()
        sig = methods.get(method, '')
        if method in ('LoadConfig', 'UnloadConfig') and r.random() < 0.8:
            args = [gen.config(), r.choice(['ini', 'json', '', 'x']), r.choice(['fuzz.conf', '', gen.text(10)])]
        elif method in ('Get', 'Set', 'GetAll'):
            ifaces = [MANAGER_IFACE, PROJECT_IFACE, ENGINE_IFACE, TASK_IFACE, 'org.nope', '']
            args = [r.choice(ifaces)]
            if method != 'GetAll':
                args.append(r.choice(PROPERTIES))
            if method == 'Set':
                args.append(gen.value())
        else:
            sig, args = gen.args(sig)
        msg = dbus.lowlevel.MethodCallMessage(BUS_NAME, path, iface, method)
        if args:
            msg.append(signature=sig, *args)
        return msg, '%s %s.%s(%s)' % (path, iface, method, sig)

    def test_10000_random_calls(self):
        child = spawn_target(self)
        gen = Gen(SEED)
        conn = self.bus.connect()
        self.addCleanup(conn.close)
        self.setup_objects(child)
        start = time.monotonic()
        errors, returns, sent = {}, 0, 0
        for i in range(CALLS):
            if i % SETUP_EVERY == 0 and i:
                self.setup_objects(child)
            msg, what = self.message(gen)
            if i % REPLY_EVERY == 0:
                try:
                    conn.send_message_with_reply_and_block(msg, 10000)
                    returns += 1
                except dbus.exceptions.DBusException as e:
                    name = e.get_dbus_name() or ''
                    self.assertTrue(name.startswith(ERROR_FAMILIES), 'call %d %s: odd error %s: %s'
                                    % (i, what, name, e.get_dbus_message()))
                    self.assertNotEqual(name, 'org.freedesktop.DBus.Error.NoReply',
                                        'call %d %s got no reply' % (i, what))
                    self.assertNotEqual(name, 'org.freedesktop.DBus.Error.ServiceUnknown',
                                        'etmemd is gone after call %d %s' % (i, what))
                    errors[name] = errors.get(name, 0) + 1
            else:
                msg.set_no_reply(True)
                conn.send_message(msg)
            sent += 1
            if i % SYNC_EVERY == SYNC_EVERY - 1:
                self.assertTrue(self.daemon.alive(), 'etmemd died after call %d (%s):\n%s'
                                % (i, what, self.daemon.log_tail()))
                conn.call_blocking(BUS_NAME, MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping', '', (),
                                   timeout=30)
            self.assertLess(time.monotonic() - start, BUDGET, 'only %d calls in %.0f s' % (i, BUDGET))
        elapsed = time.monotonic() - start
        print('%d calls in %.1f s (seed %d): %d waited-for returns, errors %s'
              % (sent, elapsed, SEED, returns, ', '.join('%s x%d' % (k, v) for k, v in sorted(errors.items()))))

        # still alive and answering
        self.assertTrue(self.daemon.alive(), self.daemon.log_tail())
        self.call(MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping')
        objs = self.call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects')
        if os.environ.get('RANDOM_CALLS_DEBUG'):
            print(sorted(str(p) for p in objs))
        print('after: etmemd answers Ping; GetManagedObjects lists %d objects; ObjectCount=%d'
              % (len(objs), self.prop(MANAGER_PATH, MANAGER_IFACE, 'ObjectCount')))
        # and still does its job: the fixed objects can be made again and run
        self.setup_objects(child)
        tp = task_path('p0', LIVE_ENGINE, 't0')
        cycles = self.prop(tp, TASK_IFACE, 'Cycles')
        self.wait_until(lambda: self.prop(tp, TASK_IFACE, 'Cycles') > cycles,
                        timeout=15, what='a cycle of p0/t0 after the random calls')
        status = self.daemon.stop()
        self.assertEqual(status, 0, 'etmemd exit status on SIGTERM:\n%s' % self.daemon.log_tail())
        print('etmemd exited %d on SIGTERM' % status)


if __name__ == '__main__':
    main()
