# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared fixture of the polkit suite: a private system-type dbus-daemon that an
unprivileged user may reach, a polkit on it (python3-dbusmock's polkitd template,
or the real /usr/lib/polkit-1/polkitd), the real etmemd, and a client that runs
as user nobody (tests/polkit/client.py through setpriv).

Build paths come from the environment (set by tests/polkit/meson.build):
  ETMEMD, ENGINES_DIRS, POLICY_FILE (source polkit/org.etmem.policy).
Every process started here is killed at exit even if a test crashes."""

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
ETMEMD = os.environ.get('ETMEMD', '')
ENGINES_DIRS = os.environ.get('ENGINES_DIRS', '')
POLICY_FILE = os.environ.get('POLICY_FILE', os.path.join(HERE, '..', '..', 'polkit', 'org.etmem.policy'))
PYTHON = '/usr/bin/python3'
CLIENT = os.path.join(HERE, 'client.py')
NOBODY = 65534

BUS_NAME = 'org.etmem'
MANAGER_PATH = '/org/etmem'
MANAGER_IFACE = 'org.etmem.Manager1'
PROJECT_IFACE = 'org.etmem.Project1'
ENGINE_IFACE = 'org.etmem.Engine1'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
PK_NAME = 'org.freedesktop.PolicyKit1'
PK_PATH = '/org/freedesktop/PolicyKit1/Authority'
MOCK_IFACE = 'org.freedesktop.DBus.Mock'

ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
INTERACTIVE_REQUIRED = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'

VOLATILE = frozenset({'Cycles', 'LastError', 'Pids', 'Status', 'PagesScanned', 'PagesHot', 'PagesCold',
                      'BytesPagedOut', 'BytesMigrated', 'LastCycleUsec'})

CALL_TIMEOUT = 30.0
START_TIMEOUT = 10.0

_live = []
_live_lock = threading.Lock()


def track(proc):
    with _live_lock:
        _live.append(proc)
    return proc


def _kill_all():
    with _live_lock:
        procs = list(_live)
    for p in procs:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass


atexit.register(_kill_all)


def require_build():
    missing = [n for n, v in (('ETMEMD', ETMEMD), ('ENGINES_DIRS', ENGINES_DIRS)) if not v]
    if missing:
        raise RuntimeError('environment variables %s are not set; run through `meson test --suite polkit`'
                           % ', '.join(missing))
    if not os.access(ETMEMD, os.X_OK):
        raise RuntimeError('%s is not an executable; build first' % ETMEMD)
    if os.geteuid() != 0:
        raise unittest.SkipTest('the polkit suite runs clients as another user and needs root')


def unwrap(v):
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, (dict, dbus.Dictionary)):
        return {unwrap(k): unwrap(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, dbus.Array, dbus.Struct)):
        return [unwrap(x) for x in v]
    return v


def path_encode(name):
    """sd_bus_path_encode()'s escaping (names here are plain, but be exact)."""
    out = []
    for i, ch in enumerate(name.encode()):
        c = chr(ch)
        out.append(c if c.isascii() and (c.isalpha() or (i > 0 and c.isdigit())) else '_%02x' % ch)
    return ''.join(out) or '_'


def project_path(p):
    return '%s/project/%s' % (MANAGER_PATH, path_encode(p))


def engine_path(p, e):
    return '%s/engine/%s' % (project_path(p), path_encode(e))


BUS_CONF_IN = os.environ.get('BUS_CONF_IN', os.path.join(HERE, '..', '..', 'tools', 'private-bus.conf.in'))
BUS_POLICY = os.environ.get('BUS_POLICY', os.path.join(HERE, '..', '..', 'dbus', 'org.etmem.conf'))

# Test-only additions, outside org.etmem's rules: the mock polkitd (run as root here)
# owns org.freedesktop.PolicyKit1; the real polkitd (which switches to user polkitd)
# gets polkit's own bus policy, which also lets anyone call it.  The limits are raised
# because the disconnect test keeps hundreds of checks in flight from etmemd's one
# connection, from many client connections.
TEST_POLICY = """  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
  <include ignore_missing="yes">/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>
  <policy context="default">
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_connections_per_user">50000</limit>
  <limit name="max_completed_connections">50000</limit>
  <limit name="max_incomplete_connections">1000</limit>
</busconfig>"""


def write_bus_config(directory, socket_path, debian_limits=False):
    """The one place the bus configuration is written: tools/private-bus.conf.in
    (Debian's system-bus defaults) with @SOCKET@ and @POLICY@ (dbus/org.etmem.conf)
    filled in, plus TEST_POLICY.  So polkit decides only what the bus lets through."""
    with open(BUS_CONF_IN) as f:
        text = f.read()
    text = text.replace('@SOCKET@', socket_path).replace('@POLICY@', os.path.abspath(BUS_POLICY))
    if text.count('</busconfig>') != 1:
        raise RuntimeError('%s: expected one </busconfig>' % BUS_CONF_IN)
    conf = os.path.join(directory, 'bus.conf')
    policy = TEST_POLICY
    if debian_limits:   # Debian's own limits (max_replies_per_connection 128, ...)
        policy = ''.join(line + '\n' for line in TEST_POLICY.splitlines() if '<limit ' not in line)
    with open(conf, 'w') as f:
        f.write(text.replace('</busconfig>', policy))
    return conf


class PrivateBus:
    """A system-type dbus-daemon on a socket user nobody can reach, running the
    real bus policy (see write_bus_config)."""

    def __init__(self, debian_limits=False):
        self.debian_limits = debian_limits
        self.dir = tempfile.mkdtemp(prefix='etmem-pkbus-')
        os.chmod(self.dir, 0o755)
        self.socket = os.path.join(self.dir, 'sock')
        self.address = 'unix:path=' + self.socket
        self.proc = None
        self.conn = None

    def start(self):
        conf = write_bus_config(self.dir, self.socket, self.debian_limits)
        self.proc = track(subprocess.Popen(['dbus-daemon', '--config-file=' + conf, '--nofork', '--print-address=1'],
                                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL))
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline().decode(errors='replace').strip() if ready else ''
        if not line.startswith('unix:'):
            self.stop()
            raise RuntimeError('dbus-daemon did not start within %.0f s (printed %r)' % (START_TIMEOUT, line))
        self.conn = dbus.bus.BusConnection(self.address)
        return self

    def dbus_call(self, method, sig, *args):
        return self.conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                       method, sig, args, timeout=CALL_TIMEOUT)

    def owner_pid(self, name):
        try:
            return int(self.dbus_call('GetConnectionUnixProcessID', 's', self.dbus_call('GetNameOwner', 's', name)))
        except dbus.exceptions.DBusException:
            return None

    def wait_owner(self, name, proc, what, log=None):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError('%s exited with status %s before owning %s%s'
                                     % (what, proc.returncode, name, ':\n' + read_tail(log) if log else ''))
            if self.owner_pid(name) is not None:
                return
            time.sleep(0.02)
        raise AssertionError('%s did not own %s within %.0f s%s'
                             % (what, name, START_TIMEOUT, ':\n' + read_tail(log) if log else ''))

    def stop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        stop_proc(self.proc)
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def stop_proc(proc, sig=signal.SIGTERM, timeout=10):
    """Stops proc; returns its exit status."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            raise AssertionError('pid %d did not exit within %d s of signal %d' % (proc.pid, timeout, sig))
    return proc.returncode


def read_tail(path, n=40):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except (OSError, TypeError):
        return '(no log)'


class MockPolkit:
    """python3-dbusmock's polkitd template: denies everything until set_allowed()."""

    def __init__(self, bus, workdir):
        self.bus = bus
        self.log = os.path.join(workdir, 'mock-polkitd.log')
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address)
        with open(self.log, 'w') as log:
            self.proc = track(subprocess.Popen([PYTHON, '-m', 'dbusmock', '--system', '--template', 'polkitd'],
                                               env=env, stdin=subprocess.DEVNULL, stdout=log,
                                               stderr=subprocess.STDOUT))
        bus.wait_owner(PK_NAME, self.proc, 'the mock polkitd', self.log)

    def _call(self, method, sig='', *args):
        return self.bus.conn.call_blocking(PK_NAME, PK_PATH, MOCK_IFACE, method, sig, args, timeout=CALL_TIMEOUT)

    def set_allowed(self, actions):
        self._call('SetAllowed', 'as', dbus.Array(actions, signature='s'))

    def set_delay(self, seconds):
        self._call('SetDelay', 'd', float(seconds))

    def hang(self, on=True):
        self._call('SimulateHang', 'b', on)

    def release(self):
        self._call('ReleaseHangingCalls')

    def hanging(self):
        return bool(self._call('HaveHangingCalls'))

    def checks(self):
        """[{'subject': .., 'action': .., 'details': .., 'flags': ..}] in call order."""
        out = []
        for _, args in self._call('GetMethodCalls', 's', 'CheckAuthorization'):
            subject, action, details, flags, _ = unwrap(args)
            out.append({'subject': subject, 'action': action, 'details': details, 'flags': flags})
        return out

    def clear(self):
        self._call('ClearCalls')

    def stop(self):
        stop_proc(self.proc)


class Daemon:
    def __init__(self, bus, workdir, polkit_timeout=None):
        self.bus = bus
        self.log = os.path.join(workdir, 'etmemd.log')
        env = dict(os.environ)
        env.pop('ETMEM_POLKIT_TIMEOUT', None)
        if polkit_timeout is not None:
            env['ETMEM_POLKIT_TIMEOUT'] = str(polkit_timeout)
        with open(self.log, 'w') as log:
            self.proc = track(subprocess.Popen([ETMEMD, '--address', bus.address, '--no-state', '--engines-dir',
                                                ENGINES_DIRS, '-l', '0'], env=env, stdin=subprocess.DEVNULL,
                                               stdout=log, stderr=subprocess.STDOUT))
        bus.wait_owner(BUS_NAME, self.proc, 'etmemd', self.log)

    def stop(self):
        """SIGTERM; fails if etmemd crashed or does not exit cleanly (ASan, held calls)."""
        status = stop_proc(self.proc)
        if status != 0:
            raise AssertionError('etmemd exited with status %s:\n%s' % (status, read_tail(self.log)))

    def log_text(self):
        return read_tail(self.log, 100000)


def client_argv(*args):
    """python3 running client.py's text with `python3 -c`: user nobody cannot read the
    file itself when the checkout sits in a private directory (/root is 0700 on Debian)."""
    with open(CLIENT) as f:
        return [PYTHON, '-c', f.read()] + list(args)


def nobody_argv(*argv):
    return ['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups'] + list(argv)


class NobodyClient:
    """client.py as user nobody: one connection, calls from stdin, one JSON line
    out per call (see client.py).  start() returns at once; the first line out is
    the client's unique bus name."""

    def __init__(self, bus, calls, mode='calls', groups=None, uid=NOBODY):
        argv = nobody_argv(*client_argv(bus.address, mode))
        if groups or uid != NOBODY:
            argv = ['setpriv', '--reuid=%d' % uid, '--regid=%d' % uid,
                    '--groups=' + ','.join(str(g) for g in groups) if groups else '--clear-groups'] + argv[4:]
        self.proc = track(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True,
                                           env=dict(os.environ, PYTHONDONTWRITEBYTECODE='1')))
        self.proc.stdin.write(json.dumps(calls))
        self.proc.stdin.close()
        self.proc.stdin = None   # communicate() must not flush it again
        first = self.proc.stdout.readline()
        if not first:
            raise AssertionError('client.py as nobody printed nothing: %s' % self.proc.stderr.read())
        first = json.loads(first)
        self.unique_name = first.get('unique_name', first.get('unique_names'))

    def results(self, timeout=120):
        # Not communicate(): it reads the raw pipes and would miss lines that the
        # readline() in __init__ already pulled into stdout's buffer.
        timer = threading.Timer(timeout, self.proc.kill)
        timer.start()
        try:
            out = self.proc.stdout.read()
            err = self.proc.stderr.read()
            self.proc.wait()
        finally:
            timer.cancel()
        if self.proc.returncode == -signal.SIGKILL:
            raise AssertionError('client.py as nobody did not finish within %d s' % timeout)
        if self.proc.returncode != 0:
            raise AssertionError('client.py as nobody failed (%d): %s' % (self.proc.returncode, err))
        results = [json.loads(line) for line in out.splitlines() if line.strip()]
        if not results:
            raise AssertionError('client.py as nobody printed no results (stderr: %r)' % err)
        return results


def call(path, iface, method, sig='', *args, timeout=CALL_TIMEOUT):
    """A call description for client.py."""
    return {'path': path, 'iface': iface, 'method': method, 'sig': sig, 'args': list(args), 'timeout': timeout}


def as_nobody(bus, calls, uid=NOBODY):
    c = NobodyClient(bus, calls, uid=uid)
    return c.unique_name, c.results()


class PolkitTestCase(unittest.TestCase):
    """A private bus per test, etmemd on it; subclasses add the polkit they need."""

    maxDiff = None
    polkit_timeout = None
    debian_limits = False   # True: the bus keeps Debian's limits (see write_bus_config)

    def setUp(self):
        require_build()
        self.tmp = tempfile.mkdtemp(prefix='etmem-pktest-')
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.bus = PrivateBus(self.debian_limits).start()
        self.addCleanup(self.bus.stop)

    def start_daemon(self, polkit_timeout=None):
        d = Daemon(self.bus, self.tmp, polkit_timeout=polkit_timeout)
        self.addCleanup(self._reap, d)
        return d

    def _reap(self, d):
        if d.proc.poll() is None:
            d.stop()
        elif d.proc.returncode != 0:
            self.fail('etmemd exited with status %s during the test:\n%s' % (d.proc.returncode, d.log_text()))

    def start_mock(self):
        m = MockPolkit(self.bus, self.tmp)
        self.addCleanup(m.stop)
        return m

    # root's calls go through the test's own connection
    def call(self, path, iface, method, sig='', *args, timeout=CALL_TIMEOUT):
        return self.bus.conn.call_blocking(BUS_NAME, path, iface, method, sig, args, timeout=timeout)

    def mgr(self, method, sig='', *args, **kw):
        return self.call(MANAGER_PATH, MANAGER_IFACE, method, sig, *args, **kw)

    def project_names(self):
        return sorted(path.rsplit('/', 1)[1] for path in self.snapshot() if '/engine/' not in path
                      and path.startswith(MANAGER_PATH + '/project/'))

    def snapshot(self):
        objs = unwrap(self.call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects'))
        return {path: {iface: {k: v for k, v in props.items() if k not in VOLATILE}
                       for iface, props in ifaces.items() if not iface.startswith('org.freedesktop.DBus.')}
                for path, ifaces in objs.items()}

    def create_project(self, name):
        return str(self.mgr('CreateProject', 'sa{sv}', name, project_options()))

    def assertDenied(self, result, what, name=ACCESS_DENIED):
        self.assertIn('error', result, '%s as nobody succeeded but should have been refused: %r' % (what, result))
        self.assertEqual(result['error'], name, '%s as nobody: wrong error (%s)' % (what, result.get('message')))
        self.assertTrue(result.get('message'), '%s: %s without a message' % (what, name))

    def assertOk(self, result, what):
        self.assertNotIn('error', result, '%s as nobody failed: %s: %s' % (what, result.get('error'),
                                                                          result.get('message')))


def project_options():
    return {'loop': dbus.UInt32(1), 'interval': dbus.UInt32(1), 'sleep': dbus.UInt32(1)}


def main():
    unittest.main(verbosity=2, testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
