# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared fixture of the bus suite: a private dbus-daemon, the real etmemd on it,
etmemctl, D-Bus call helpers, object tree snapshots and a signal monitor.

Build paths come from the environment (set by tests/bus/meson.build):
  ETMEMD, ETMEMCTL, ENGINES_DIRS, SLIDE_ENGINE (path the slide plugin would have),
  DBUS_XML_DIR (source dbus/ directory), BUS_DATA_DIR (tests/bus/data).
Every process started here is killed at exit even if a test crashes."""

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

import dbus
import dbus.lowlevel

HERE = os.path.dirname(os.path.abspath(__file__))
ETMEMD = os.environ.get('ETMEMD', '')
ETMEMCTL = os.environ.get('ETMEMCTL', '')
ENGINES_DIRS = os.environ.get('ENGINES_DIRS', '')
SLIDE_ENGINE = os.environ.get('SLIDE_ENGINE', '')
DBUS_XML_DIR = os.environ.get('DBUS_XML_DIR', os.path.join(HERE, '..', '..', 'dbus'))
DATA_DIR = os.environ.get('BUS_DATA_DIR', os.path.join(HERE, 'data'))

BUS_NAME = 'org.etmem'
MANAGER_PATH = '/org/etmem'
MANAGER_IFACE = 'org.etmem.Manager1'
PROJECT_IFACE = 'org.etmem.Project1'
ENGINE_IFACE = 'org.etmem.Engine1'
TASK_IFACE = 'org.etmem.Task1'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'

ERR_PREFIX = 'org.etmem.Error.'

# Properties that change while tasks run: left out when trees are compared.
VOLATILE = frozenset({'Cycles', 'LastError', 'Pids', 'Status', 'PagesScanned', 'PagesHot', 'PagesCold',
                      'BytesPagedOut', 'BytesMigrated', 'LastCycleUsec'})

CALL_TIMEOUT = 10.0      # seconds, any single D-Bus call
START_TIMEOUT = 10.0     # seconds until org.etmem has an owner
STOP_TIMEOUT = 10.0      # seconds for etmemd to exit on SIGTERM

_live = []               # every Popen started here, killed at exit
_tmpdirs = []            # removed on SIGTERM too
_live_lock = threading.Lock()


def _track(proc):
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


def _on_sigterm(signo, frame):
    # meson's timeout sends SIGTERM: take our daemons along instead of leaving them behind
    _kill_all()
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)
    os._exit(128 + signo)


signal.signal(signal.SIGTERM, _on_sigterm)


def require_build():
    """Fails loudly when run outside meson (the paths would be missing)."""
    missing = [n for n, v in (('ETMEMD', ETMEMD), ('ETMEMCTL', ETMEMCTL), ('ENGINES_DIRS', ENGINES_DIRS)) if not v]
    if missing:
        raise RuntimeError('environment variables %s are not set; run through `meson test --suite bus`'
                           % ', '.join(missing))
    for p in (ETMEMD, ETMEMCTL):
        if not os.access(p, os.X_OK):
            raise RuntimeError('%s is not an executable; build first' % p)


# ---- names and paths ----

def path_encode(name):
    """sd_bus_path_encode()'s label escaping: everything but [A-Za-z0-9] (and a
    leading digit) becomes _XX; the empty string becomes '_'."""
    if not name:
        return '_'
    out = []
    for i, ch in enumerate(name.encode()):
        c = chr(ch)
        if c.isascii() and (c.isalpha() or (i > 0 and c.isdigit())):
            out.append(c)
        else:
            out.append('_%02x' % ch)
    return ''.join(out)


def project_path(p):
    return '%s/project/%s' % (MANAGER_PATH, path_encode(p))


def engine_path(p, e):
    return '%s/engine/%s' % (project_path(p), path_encode(e))


def task_path(p, e, t):
    return '%s/task/%s' % (engine_path(p, e), path_encode(t))


# ---- D-Bus values ----

def unwrap(v):
    """dbus-python values to plain Python ones, recursively."""
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(v)
    if isinstance(v, dbus.Double):
        return float(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, (dict, dbus.Dictionary)):
        return {unwrap(k): unwrap(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, dbus.Array, dbus.Struct)):
        return [unwrap(x) for x in v]
    return v


def unwrap_busctl(v):
    """busctl --json=short variant encoding ({"type":..,"data":..}) to plain values."""
    if isinstance(v, dict) and set(v) == {'type', 'data'} and isinstance(v['type'], str):
        return unwrap_busctl(v['data'])
    if isinstance(v, dict):
        return {k: unwrap_busctl(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unwrap_busctl(x) for x in v]
    return v


# ---- the private bus ----

BUS_CONF_IN = os.environ.get('BUS_CONF_IN', os.path.join(HERE, '..', '..', 'tools', 'private-bus.conf.in'))
BUS_POLICY = os.environ.get('BUS_POLICY', os.path.join(DBUS_XML_DIR, 'org.etmem.conf'))


def write_bus_config(directory, socket_path):
    """The one place the bus configuration is written: tools/private-bus.conf.in
    (Debian's system-bus defaults) with @SOCKET@ and @POLICY@ filled in, so the
    suite runs under the real dbus/org.etmem.conf, as tools/demo.sh does."""
    with open(BUS_CONF_IN) as f:
        text = f.read()
    text = text.replace('@SOCKET@', socket_path).replace('@POLICY@', os.path.abspath(BUS_POLICY))
    if os.geteuid() != 0:
        # Run by a normal user, etmemd and the tests run as that user: it stands in for
        # root, with root's rights from org.etmem.conf and private-bus.conf.in, nothing more.
        text = text.replace('</busconfig>', '''  <policy user="%d">
    <allow own="org.etmem"/>
    <allow send_destination="org.etmem"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
</busconfig>''' % os.geteuid())
    conf = os.path.join(directory, 'bus.conf')
    with open(conf, 'w') as f:
        f.write(text)
    return conf


class PrivateBus:
    """A dbus-daemon of type system listening on a socket in its own temp dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='etmem-bus-')
        _tmpdirs.append(self.dir)
        self.socket = os.path.join(self.dir, 'sock')
        self.address = 'unix:path=' + self.socket
        self.proc = None
        self.conn = None

    def start(self, timeout=START_TIMEOUT):
        conf = write_bus_config(self.dir, self.socket)
        self.proc = _track(subprocess.Popen(
            ['dbus-daemon', '--config-file=' + conf, '--nofork', '--print-address=1'],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode(errors='replace').strip() if ready else ''
        if not line.startswith('unix:'):
            self.stop()
            raise RuntimeError('dbus-daemon did not start within %.0f s (printed %r)' % (timeout, line))
        self.conn = dbus.bus.BusConnection(self.address)
        return self

    def connect(self):
        return dbus.bus.BusConnection(self.address)

    def dbus_call(self, method, sig, *args):
        return self.conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                       method, sig, args, timeout=CALL_TIMEOUT)

    def owner_pid(self, name=BUS_NAME):
        """PID of the owner of name, or None."""
        try:
            owner = self.dbus_call('GetNameOwner', 's', name)
            return int(self.dbus_call('GetConnectionUnixProcessID', 's', owner))
        except dbus.exceptions.DBusException:
            return None

    def owner(self, name=BUS_NAME):
        try:
            return str(self.dbus_call('GetNameOwner', 's', name))
        except dbus.exceptions.DBusException:
            return None

    def stop(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- etmemd ----

class Daemon:
    """One etmemd process; start() may be called again after it exited (restart)."""

    def __init__(self, bus, workdir, state_dir=None, args=(), engines_dirs=None):
        self.bus = bus
        self.state_dir = state_dir or os.path.join(workdir, 'state')
        self.args = list(args)
        self.engines_dirs = engines_dirs or ENGINES_DIRS
        self.log_path = os.path.join(workdir, 'etmemd.log')
        self.config_dir = os.path.join(workdir, 'etc')  # never the host's /etc/etmem
        self.proc = None
        self.starts = 0

    def command(self):
        cmd = [ETMEMD, '--address', self.bus.address, '--engines-dir', self.engines_dirs, '-l', '0']
        if '--no-state' not in self.args:
            cmd += ['--state-dir', self.state_dir]
        if not any(a.startswith('--config-dir') for a in self.args):
            cmd += ['--config-dir', self.config_dir]
        return cmd + self.args

    def start(self, timeout=START_TIMEOUT):
        assert self.proc is None or self.proc.poll() is not None, 'etmemd is already running'
        self.starts += 1
        with open(self.log_path, 'a') as log:
            log.write('==== start #%d: %s\n' % (self.starts, ' '.join(self.command())))
            log.flush()
            self.proc = _track(subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError('etmemd exited with status %s before owning %s:\n%s'
                                     % (self.proc.returncode, BUS_NAME, self.log_tail()))
            if self.bus.owner_pid() == self.proc.pid:
                return self
            time.sleep(0.02)
        self.kill()
        raise AssertionError('etmemd did not own %s within %.0f s:\n%s' % (BUS_NAME, timeout, self.log_tail()))

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM; returns the exit status.  Kills and fails after timeout."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError('etmemd did not exit within %.0f s of SIGTERM:\n%s' % (timeout, self.log_tail()))

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait(10)
        # the bus drops the name when the socket closes; wait for that so a restart is not confused
        deadline = time.monotonic() + START_TIMEOUT
        while self.proc is not None and self.bus.owner_pid() == self.proc.pid and time.monotonic() < deadline:
            time.sleep(0.01)

    def log_tail(self, n=60):
        try:
            with open(self.log_path, errors='replace') as f:
                return ''.join(f.readlines()[-n:])
        except OSError:
            return '(no log)'

    @property
    def state_file(self):
        return os.path.join(self.state_dir, 'state.json')


# ---- signals ----

class SignalMonitor:
    """Records every signal on the bus through `busctl monitor` (a bus monitor:
    no GLib main loop needed).  sync() proves the monitor is attached."""

    def __init__(self, bus):
        self.bus = bus
        # stdbuf: busctl's stdout to a pipe is block-buffered; we need each message as it comes
        self.proc = _track(subprocess.Popen(['stdbuf', '-oL', 'busctl', '--address=' + bus.address, 'monitor',
                                             '--json=short'],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL))
        self.messages = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.sync()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if msg.get('type') != 'signal':
                continue
            msg['args'] = unwrap_busctl(msg.get('payload', {}).get('data', []))
            with self.cond:
                self.messages.append(msg)
                self.cond.notify_all()

    def sync(self, timeout=10.0):
        """Sends marker signals until the monitor reports one: every signal sent
        before sync() returns has then been seen, since the bus keeps order.
        (Resent because markers sent before the monitor attached are lost.)"""
        token = uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        while True:
            msg = dbus.lowlevel.SignalMessage('/org/etmem/test/marker', 'org.etmem.Test', 'Marker')
            msg.append(token, signature='s')
            self.bus.conn.send_message(msg)
            self.bus.conn.flush()
            try:
                self.wait_for(lambda m: m.get('member') == 'Marker' and m['args'] == [token],
                              min(0.25, max(0.01, deadline - time.monotonic())), 'marker')
                return
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise AssertionError('the bus monitor (busctl monitor) did not report its marker signal '
                                         'within %.0f s' % timeout)

    def wait_for(self, pred, timeout=10.0, what='signal'):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError('timed out after %.1f s waiting for %s; saw %s'
                                         % (timeout, what, self.describe()))
                self.cond.wait(left)

    def clear(self):
        """Forgets everything seen so far, including signals still on their way."""
        self.sync()
        with self.cond:
            self.messages.clear()

    def signals(self, sender=None, interface=None, member=None, path=None):
        with self.cond:
            return [m for m in self.messages
                    if (sender is None or m.get('sender') == sender)
                    and (interface is None or m.get('interface') == interface)
                    and (member is None or m.get('member') == member)
                    and (path is None or m.get('path') == path)]

    def describe(self):
        with self.cond:
            return '\n  '.join([''] + ['%s %s.%s %s' % (m.get('path'), m.get('interface'), m.get('member'),
                                                       json.dumps(m['args'])[:300]) for m in self.messages
                                      if m.get('member') != 'NameOwnerChanged'])

    def object_events(self, sender):
        """[('added'|'removed', path, sorted interfaces)] of ObjectManager signals, in order."""
        out = []
        for m in self.signals(sender=sender, interface=OM_IFACE):
            if m['member'] == 'InterfacesAdded':
                out.append(('added', m['args'][0], sorted(m['args'][1].keys())))
            elif m['member'] == 'InterfacesRemoved':
                out.append(('removed', m['args'][0], sorted(m['args'][1])))
        return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.thread.join(5)
        self.proc.stdout.close()


# ---- simple INI reader (etmem files repeat section names; configparser cannot) ----

def read_ini_sections(path):
    """[(section, {key: value}, {key: line})] in file order."""
    sections = []
    with open(path) as f:
        for no, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith('#') or s.startswith(';'):
                continue
            if s.startswith('[') and s.endswith(']'):
                sections.append((s[1:-1].strip(), {}, {}))
                continue
            k, _, v = s.partition('=')
            sections[-1][1][k.strip()] = v.strip()
            sections[-1][2][k.strip()] = no
    return sections


# ---- the test base class ----

class EtmemTestCase(unittest.TestCase):
    """One private bus per class, a fresh etmemd (own state dir) per test."""

    daemon_args = ()
    start_daemon_in_setup = True
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        require_build()
        cls.bus = PrivateBus().start()

    @classmethod
    def tearDownClass(cls):
        cls.bus.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='etmem-test-')
        _tmpdirs.append(self.tmp)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.daemons = []
        self.daemon = self.new_daemon(args=self.daemon_args) if self.start_daemon_in_setup else None

    def new_daemon(self, state_dir=None, args=(), start=True, workdir=None, engines_dirs=None):
        workdir = workdir or tempfile.mkdtemp(prefix='d', dir=self.tmp)
        d = Daemon(self.bus, workdir, state_dir=state_dir, args=args, engines_dirs=engines_dirs)
        self.daemons.append(d)
        self.addCleanup(self._reap, d)
        if start:
            d.start()
        return d

    def _reap(self, d):
        """Stops d; fails the test if it died by itself (crash), logged a sanitizer
        report, or does not exit 0 on SIGTERM.  Our own SIGKILLs are fine."""
        if d.proc is None:
            return
        died = d.proc.poll()
        status = d.stop() if died is None else died
        if d.alive():
            d.kill()
        try:
            with open(d.log_path, errors='replace') as f:
                log = f.read()
        except OSError:
            log = ''
        for marker in ('runtime error:', 'ERROR: AddressSanitizer', 'ERROR: LeakSanitizer'):
            if marker in log:
                self.fail('etmemd reported a sanitizer error (%r):\n%s' % (marker, d.log_tail(80)))
        if status not in (0, -signal.SIGKILL):
            self.fail('etmemd %s with status %s:\n%s' % ('exited during the test' if died is not None
                                                          else 'did not exit cleanly on SIGTERM', status,
                                                          d.log_tail()))

    def monitor(self):
        m = SignalMonitor(self.bus)
        self.addCleanup(m.close)
        return m

    # -- calls --

    def call(self, path, iface, method, sig='', *args, timeout=CALL_TIMEOUT):
        return self.bus.conn.call_blocking(BUS_NAME, path, iface, method, sig, args, timeout=timeout)

    def mgr(self, method, sig='', *args, **kw):
        return self.call(MANAGER_PATH, MANAGER_IFACE, method, sig, *args, **kw)

    def prop(self, path, iface, name):
        return unwrap(self.call(path, PROPS_IFACE, 'Get', 'ss', iface, name))

    def props(self, path, iface):
        return unwrap(self.call(path, PROPS_IFACE, 'GetAll', 's', iface))

    def assertDBusError(self, name, fn, *args, **kw):
        """Runs fn, expects a D-Bus error named name; returns its message."""
        try:
            fn(*args, **kw)
        except dbus.exceptions.DBusException as e:
            self.assertEqual(e.get_dbus_name(), name, 'wrong error; message: %s' % e.get_dbus_message())
            return e.get_dbus_message() or ''
        self.fail('%s did not fail (expected %s)' % (getattr(fn, '__name__', fn), name))

    def create_project(self, name, loop=1, interval=1, sleep=1, **opts):
        o = dict(loop=dbus.UInt32(loop), interval=dbus.UInt32(interval), sleep=dbus.UInt32(sleep))
        o.update(opts)
        return str(self.mgr('CreateProject', 'sa{sv}', name, o))

    def add_engine(self, project, type_, **params):
        return str(self.call(project_path(project), PROJECT_IFACE, 'AddEngine', 'sa{sv}', type_,
                             {k: str(v) for k, v in params.items()}))

    def add_task(self, project, engine, name, type_='pid', value=None, **params):
        p = {'type': type_, 'value': str(value if value is not None else os.getpid())}
        p.update({k: str(v) for k, v in params.items()})
        return str(self.call(engine_path(project, engine), ENGINE_IFACE, 'AddTask', 'sa{sv}', name, p))

    def load_config(self, text, fmt='', source='test.conf'):
        return [str(p) for p in self.mgr('LoadConfig', 'sss', text, fmt, source)]

    def unload_config(self, text, fmt='', source='test.conf'):
        return [str(p) for p in self.mgr('UnloadConfig', 'sss', text, fmt, source)]

    # -- snapshots --

    def snapshot(self, drop=VOLATILE, drop_state=False):
        """GetManagedObjects as plain data: {path: {iface: {prop: value}}}, without
        the standard org.freedesktop.DBus.* interfaces and the volatile properties."""
        objs = unwrap(self.call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects'))
        out = {}
        for path, ifaces in objs.items():
            out[path] = {}
            for iface, props in ifaces.items():
                if iface.startswith('org.freedesktop.DBus.'):
                    continue
                out[path][iface] = {k: v for k, v in props.items()
                                    if k not in drop and not (drop_state and k == 'State')}
        return out

    def assertTreeUnchanged(self, before, msg=''):
        after = self.snapshot()
        self.assertEqual(after, before, 'the object tree changed%s' % (': ' + msg if msg else ''))

    # -- etmemctl --

    def ctl(self, *args, stdin_text=None, timeout=30):
        return subprocess.run([ETMEMCTL, '--address', self.bus.address] + [str(a) for a in args],
                              input=stdin_text, stdin=None if stdin_text is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    def ctl_ok(self, *args, **kw):
        r = self.ctl(*args, **kw)
        self.assertEqual(r.returncode, 0, 'etmemctl %s failed (%d): %s' % (' '.join(map(str, args)),
                                                                           r.returncode, r.stderr))
        return r

    def ctl_fails(self, *args, **kw):
        r = self.ctl(*args, **kw)
        self.assertEqual(r.returncode, 1, 'etmemctl %s: expected exit status 1, got %d; stdout %r stderr %r'
                         % (' '.join(map(str, args)), r.returncode, r.stdout, r.stderr))
        self.assertTrue(r.stderr.strip(), 'etmemctl %s failed without a message' % ' '.join(map(str, args)))
        return r

    def write(self, name, text, mode='w'):
        path = os.path.join(self.tmp, name)
        with open(path, mode) as f:
            f.write(text)
        return path

    def wait_until(self, pred, timeout=10.0, what='condition', interval=0.05):
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > deadline:
                self.fail('timed out after %.1f s waiting for %s' % (timeout, what))
            time.sleep(interval)


def spawn_target(test):
    """A long-lived process (comm "sleep") for tasks to point at; killed at cleanup."""
    p = _track(subprocess.Popen(['sleep', '600'], stdin=subprocess.DEVNULL))
    test.addCleanup(lambda: (p.kill(), p.wait(5)))
    return p


def main():
    unittest.main(verbosity=2)
