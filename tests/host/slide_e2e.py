# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixture of the end-to-end host tests: the real etmemd on a private dbus-daemon that
runs the real bus policy (tools/private-bus.conf.in + dbus/org.etmem.conf, as
tools/demo.sh does), tiering real hotcold processes into real swap.

Reuses tests/bus/etmem_fixture.py (private bus with the real policy, daemon start/stop,
call helpers, sanitizer checks).  Build paths come from the environment
(tests/host/meson.build): ETMEMD, ETMEMCTL, ENGINES_DIRS, HOTCOLD, and BUS_CONF_IN,
BUS_POLICY (read by etmem_fixture.write_bus_config)."""

import array
import os
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'bus'))
import etmem_fixture  # noqa: E402
# re-exported for the test files: PROJECT_IFACE, main, project_path, task_path
from etmem_fixture import (PROJECT_IFACE, TASK_IFACE, EtmemTestCase, PrivateBus, _track,  # noqa: E402,F401
                           main, project_path, task_path)

HOTCOLD = os.environ.get('HOTCOLD', '')

PM_SWAPPED = 1 << 62
PM_PRESENT = 1 << 63
MiB = 1 << 20
SKIP = 77  # meson's "skipped"


def skip(reason):
    print('SKIP: %s' % reason, flush=True)
    sys.exit(SKIP)


def active_swaps():
    """Device/file names listed in /proc/swaps."""
    with open('/proc/swaps') as f:
        return [line.split()[0] for line in f.readlines()[1:] if line.strip()]


def require_root_and_swap():
    if os.geteuid() != 0:
        skip('needs root (etmemd pages out another process)')
    if not active_swaps():
        skip('no swap is active; run through tests/host/zram-swap.sh run')


# ---- hotcold and /proc ----

class Hotcold:
    """tests/workload/hotcold, started and waited for (its ground truth file says
    'ready' once all cold memory is written).  exe may be a renamed copy (type=name
    tasks); prefix e.g. ['setarch', '-R'] (setarch execs, so the pid is hotcold's)."""

    def __init__(self, tmp, cold_mib, hot_mib, exe=None, prefix=(), timeout=60.0, args=()):
        self.cold_mib, self.hot_mib = cold_mib, hot_mib
        self.out = os.path.join(tmp, 'truth-' + uuid.uuid4().hex[:8])
        self.proc = _track(subprocess.Popen(list(prefix) + [exe or HOTCOLD, '--cold', str(cold_mib), '--hot',
                                                            str(hot_mib), '--out', self.out] + list(args),
                                            stdin=subprocess.DEVNULL))
        self.pid = self.proc.pid
        self.cold, self.hot = [], []
        self.page_size = os.sysconf('SC_PAGE_SIZE')
        self.timeout = timeout

    def wait_ready(self):
        deadline = time.monotonic() + self.timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError('hotcold exited with status %s before it was ready' % self.proc.returncode)
            try:
                with open(self.out) as f:
                    lines = f.read().split('\n')
                if 'ready' in lines:
                    break
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError('hotcold (pid %d) was not ready within %.0f s' % (self.pid, self.timeout))
            time.sleep(0.02)
        for line in lines:
            w = line.split()
            if w and w[0] == 'pid' and int(w[1]) != self.pid:
                raise AssertionError('hotcold reports pid %s, we started %d' % (w[1], self.pid))
            if w and w[0] == 'page_size':
                self.page_size = int(w[1])
            if w and w[0] in ('cold', 'hot'):
                getattr(self, w[0]).append((int(w[1], 16), int(w[2], 16)))
        return self

    @property
    def cold_pages(self):
        return sum(e - s for s, e in self.cold) // self.page_size

    @property
    def hot_pages(self):
        return sum(e - s for s, e in self.hot) // self.page_size

    def pagemap(self, spans):
        """(pages, swapped, present) over spans, from /proc/PID/pagemap."""
        pages = swapped = present = 0
        with open('/proc/%d/pagemap' % self.pid, 'rb') as f:
            for start, end in spans:
                n = (end - start) // self.page_size
                f.seek(start // self.page_size * 8)
                a = array.array('Q')
                a.frombytes(f.read(n * 8))
                pages += n
                swapped += sum(1 for v in a if v & PM_SWAPPED)
                present += sum(1 for v in a if v & PM_PRESENT)
        return pages, swapped, present

    def status_kib(self, key):
        """VmSwap, VmRSS, ... from /proc/PID/status, in KiB."""
        with open('/proc/%d/status' % self.pid) as f:
            text = f.read()
        for line in text.split('\n'):
            if line.startswith(key + ':'):
                return int(line.split()[1])
        # a zombie's status has no Vm* lines
        raise AssertionError('hotcold pid %d has no %s (exited? status %s); its /proc status:\n%s'
                             % (self.pid, key, self.proc.poll(), text))

    def _stat(self):
        """/proc/PID/stat's fields from field 3 (state) on: field N is [N - 3]."""
        with open('/proc/%d/stat' % self.pid) as f:
            return f.read().rsplit(')', 1)[1].split()

    def majflt(self):
        """Major faults of the process so far (/proc/PID/stat field 12): cumulative."""
        return int(self._stat()[12 - 3])

    def cpu_seconds(self):
        """CPU time of the process so far, user + system (fields 14 and 15)."""
        v = self._stat()
        return (int(v[14 - 3]) + int(v[15 - 3])) / os.sysconf('SC_CLK_TCK')

    def stop(self):
        """SIGTERM: hotcold re-reads its cold memory and exits 3 if a page came back wrong."""
        if self.proc.poll() is None:
            self.proc.terminate()
        return self.proc.wait(60)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def start_with_pid(pid, start, attempts=50):
    """Starts a process (start() returns its Hotcold) so that it gets `pid`: the
    kernel gives the next fork ns_last_pid + 1 (root, our pid namespace).  Another
    fork on the machine may come in between; retried.  None if pid could not be had."""
    for _ in range(attempts):
        with open('/proc/sys/kernel/ns_last_pid', 'w') as f:
            f.write(str(pid - 1))
        w = start()
        if w.pid == pid:
            return w
        w.kill()
    return None


def pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


# ---- the test base ----

COUNTERS = ('Cycles', 'PagesScanned', 'PagesHot', 'PagesCold', 'BytesPagedOut')


class SlideTestCase(EtmemTestCase):
    """A fresh etmemd per test on the real-policy private bus; hotcold processes
    started through self.hotcold() are SIGKILLed at cleanup."""

    @classmethod
    def setUpClass(cls):
        etmem_fixture.require_build()
        if not os.access(HOTCOLD, os.X_OK):
            raise RuntimeError('HOTCOLD=%r is not an executable; run through `meson test --suite host`' % HOTCOLD)
        cls.bus = PrivateBus().start()
        with open(os.path.join(cls.bus.dir, 'bus.conf')) as f:
            if 'org.etmem.conf' not in f.read():
                raise RuntimeError('the private bus does not run the real policy (dbus/org.etmem.conf)')

    def setUp(self):
        super().setUp()
        # Every task's PropertiesChanged from here on: the history wait_cycles() reads
        # (a poll of GetAll can miss a cycle when a slow machine stretches it).
        self.signals = self.monitor()

    def hotcold(self, cold_mib, hot_mib, ready=True, **kw):
        w = Hotcold(self.tmp, cold_mib, hot_mib, **kw)
        self.addCleanup(w.kill)
        return w.wait_ready() if ready else w

    def slide_project(self, name, pid_or_name, type_='pid', loop=3, interval=1, sleep=1, task_params=None,
                      **project_opts):
        """Project `name` with engine slide and task t1 (T=1 unless task_params says
        otherwise); returns (project path, task path)."""
        self.create_project(name, loop=loop, interval=interval, sleep=sleep, **project_opts)
        self.add_engine(name, 'slide')
        params = {'T': 1}
        params.update(task_params or {})
        self.add_task(name, 'slide', 't1', type_, pid_or_name, **params)
        return project_path(name), task_path(name, 'slide', 't1')

    def task(self, tp):
        return self.props(tp, TASK_IFACE)

    def wait_task(self, tp, pred, timeout, what, interval=0.05):
        """Polls Task1's properties (one GetAll: a consistent snapshot, the daemon
        publishes all counters of a cycle at once) until pred(props) holds."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.task(tp)
            if pred(p):
                return p
            if time.monotonic() > deadline:
                self.fail('timed out after %.0f s waiting for %s; task: %s\netmemd log:\n%s'
                          % (timeout, what, {k: p[k] for k in COUNTERS + ('Pids', 'Status', 'LastError')},
                             self.daemon.log_tail(30)))
            time.sleep(interval)

    def wait_cycles(self, tp, n, timeout=60.0):
        """Task1's properties as published at the end of cycle n (from the recorded
        PropertiesChanged signals, which carry all of a cycle's figures at once), over
        the constant ones read now; waits up to timeout for cycle n to end."""
        def end_of(m):
            return (m.get('member') == 'PropertiesChanged' and m.get('path') == tp and len(m['args']) >= 2 and
                    m['args'][0] == TASK_IFACE and m['args'][1].get('Cycles') == n)
        try:
            m = self.signals.wait_for(end_of, timeout, 'the end of cycle %d of %s' % (n, tp))
        except AssertionError as e:
            p = self.task(tp)
            self.fail('%s\ntask now: %s\netmemd log:\n%s' % (e, {k: p[k] for k in COUNTERS + ('Pids', 'Status',
                                                                                          'LastError')},
                                                           self.daemon.log_tail(30) if self.daemon else ''))
        p = self.task(tp)
        p.update(m['args'][1])
        return p
