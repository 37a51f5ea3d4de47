#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Side-by-side tiering benchmark on a real service: Debian's redis-server holding
KEYS values of VALUE bytes, of which HOT % are read (GETs from redis-benchmark on
keys that were loaded in random order, so the hot ones lie scattered through redis's
heap, as in any cache).  Each arm is what a user could pick to shrink redis:

  none            no tiering (the reference of every ratio)
  slide-TRACKER   etmemd's slide engine on redis's pid, with each tracker this kernel
                  offers (ETMEM_TRACKER forces it: kmod, damon, page_idle, clear_refs)
  memcg-reclaim   cgroup v2: a loop writing memory.reclaim (a share of the usage each
                  period) while memory.pressure stays low -- the kernel's LRU decides
  memcg-pulse     cgroup v1 (no memory.reclaim): memory.limit_in_bytes stepped down to a
                  share of the usage for a moment, then released (a reclaim pulse)
  etmem-psi       etmemd's psi engine on redis's cgroup: a share of the usage reclaimed
                  each period while memory pressure stays low (PSI feedback)
  damon-reclaim   the kernel's DAMON_RECLAIM recipe: a DAMOS pageout scheme on paddr
                  (min age 5 s), where DAMON sysfs is free

Every round runs every arm once, on a fresh redis, in a rotated order (A/B rounds
interleaved); each arm: load, warm the hot set, TIER seconds of tiering while the hot
set is read, then MEASURE: N hot GETs with tiering still running.  Reported per arm
(median over rounds): RSS saved vs none of the same round, throughput and p99 latency
as ratios to none of the same round, major faults of redis during the measured GETs,
and etmemd's CPU seconds per GiB of redis RSS.

  bench/redis_tiering.py [--keys N] [--value B] [--hot PCT] [--rounds R] [--tier S]
                         [--gets N] [--arms a,b,...] [--json FILE]
  bench/redis_tiering.py --workload kvm --kvm-vmm PATH [--kvm-cold MIB] [--kvm-hot MIB] ...

With --workload kvm the workload is tests/workload/kvm-vmm instead: a real KVM guest
(/dev/kvm) whose guest-physical memory has a known cold part (written once) and hot part
(read every pass, through KVM's secondary MMU); "throughput" is the guest's hot passes
per second over --kvm-measure seconds, and the major faults are the VMM's then.

Needs root, swap (run under tests/host/zram-swap.sh run, as `meson test --benchmark
redis` does), redis-server and redis-tools, and a build tree (ETMEMD, ETMEMCTL,
ENGINES_DIRS as for the host suite)."""

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'bus'))
import dbus  # noqa: E402

from etmem_fixture import (ENGINE_IFACE, MANAGER_IFACE, MANAGER_PATH, PROJECT_IFACE, TASK_IFACE,  # noqa: E402
                           Daemon, PrivateBus, engine_path, project_path, task_path, unwrap)

MiB = 1 << 20
CG1 = '/sys/fs/cgroup/memory'
CG2 = '/sys/fs/cgroup'
DAMON = '/sys/kernel/mm/damon/admin'


def log(msg):
    print('redis-bench: %s' % msg, file=sys.stderr, flush=True)


def read(path):
    with open(path) as f:
        return f.read()


def write(path, value):
    with open(path, 'w') as f:
        f.write(str(value))


def status_kib(pid, field):
    for line in read('/proc/%d/status' % pid).splitlines():
        if line.startswith(field + ':'):
            return int(line.split()[1])
    return 0


def stat_fields(pid):
    s = read('/proc/%d/stat' % pid)
    return s[s.rindex(')') + 2:].split()


def majflt(pid):
    return int(stat_fields(pid)[9])


def cpu_seconds(pid):
    f = stat_fields(pid)
    return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')


def cgroup_mode():
    if os.path.exists(os.path.join(CG2, 'cgroup.controllers')) and 'memory' in read(
            os.path.join(CG2, 'cgroup.controllers')).split():
        return 2
    if os.path.isdir(CG1) and os.path.exists(os.path.join(CG1, 'memory.limit_in_bytes')):
        return 1
    return 0


def damon_free():
    try:
        return os.access(os.path.join(DAMON, 'kdamonds', 'nr_kdamonds'), os.W_OK) and \
            read(os.path.join(DAMON, 'kdamonds', 'nr_kdamonds')).strip() == '0'
    except OSError:
        return False


def trackers():
    """The trackers this kernel offers (what etmemd's KernelFeatures would list)."""
    out = []
    if os.path.exists('/dev/etmem_scan'):
        out.append('kmod')
    if damon_free():
        out.append('damon')
    if os.path.exists('/sys/kernel/mm/page_idle/bitmap'):
        out.append('page_idle')
    out.append('clear_refs')
    return out


class Cgroup:
    """A memory cgroup that redis starts inside (on v1 a process moved in later keeps
    its old charges outside, DESIGN §9)."""

    def __init__(self, name):
        self.mode = cgroup_mode()
        base = CG2 if self.mode == 2 else CG1
        self.path = os.path.join(base, name)
        if os.path.isdir(self.path):
            self.remove()
        os.mkdir(self.path)

    def usage(self):
        f = 'memory.current' if self.mode == 2 else 'memory.usage_in_bytes'
        return int(read(os.path.join(self.path, f)))

    def remove(self):
        try:
            for pid in read(os.path.join(self.path, 'cgroup.procs')).split():
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
        for _ in range(100):
            try:
                os.rmdir(self.path)
                return
            except OSError:
                time.sleep(0.05)


def spawn_in(cgroup, cmd):
    """cmd started inside cgroup (it joins before exec: on v1 a process moved in later
    keeps its old charges outside), its output discarded."""
    def enter():
        if cgroup:
            write(os.path.join(cgroup.path, 'cgroup.procs'), os.getpid())
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=enter)


class Redis:
    def __init__(self, tmp, port, cgroup=None):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix='redis-', dir=tmp)
        cmd = ['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
               '--dir', self.dir, '--daemonize', 'no', '--maxmemory', '0', '--protected-mode', 'no']

        self.proc = spawn_in(cgroup, cmd)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 30
        while self.cli('PING') != 'PONG':
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError('redis-server did not start on port %d' % port)
            time.sleep(0.1)

    def cli(self, *args):
        r = subprocess.run(['redis-cli', '-p', str(self.port)] + list(args), capture_output=True, text=True,
                           timeout=60)
        return r.stdout.strip()

    def load(self, keys, value_size, seed):
        """SET key:%012d for every key, in a random order."""
        order = list(range(keys))
        random.Random(seed).shuffle(order)
        value = 'v' * value_size
        chunks = []
        for i in order:
            k = 'key:%012d' % i
            chunks.append('*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n' % (len(k), k, value_size, value))
        r = subprocess.run(['redis-cli', '-p', str(self.port), '--pipe'], input=''.join(chunks).encode(),
                           capture_output=True, timeout=1200)
        if r.returncode != 0 or int(self.cli('DBSIZE')) != keys:
            raise RuntimeError('loading redis failed: %s %s' % (r.stdout[-300:], r.stderr[-300:]))

    def gets(self, hot_keys, n, clients=4):
        """n GETs on the hot keys (key:000000000000 .. hot_keys-1); returns (rps, p99 ms)."""
        r = subprocess.run(['redis-benchmark', '-p', str(self.port), '-t', 'get', '-n', str(n), '-r',
                            str(hot_keys), '-c', str(clients), '-P', '1', '--csv', '-q'],
                           capture_output=True, text=True, timeout=600)
        for line in r.stdout.splitlines():
            cells = [c.strip('"') for c in line.split(',')]
            if cells and cells[0] == 'GET':
                # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",...
                return float(cells[1]), float(cells[6])
        raise RuntimeError('redis-benchmark printed no GET line: %r %r' % (r.stdout[-300:], r.stderr[-300:]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, True)


class KvmVmm:
    """tests/workload/kvm-vmm as the workload: started (inside the cgroup, if any), ready
    once its guest wrote all its memory; its hot passes per second are the throughput."""
    port = None

    def __init__(self, tmp, args, cgroup=None):
        self.args = args
        self.out = os.path.join(tempfile.mkdtemp(prefix='vmm-', dir=tmp), 'truth')
        cmd = [args.kvm_vmm, '--cold', str(args.kvm_cold), '--hot', str(args.kvm_hot), '--period-ms', '10',
               '--out', self.out]

        self.proc = spawn_in(cgroup, cmd)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 120
        while not (os.path.exists(self.out) and 'ready' in read(self.out)):
            if self.proc.poll() is not None:
                raise RuntimeError('kvm-vmm exited with %s (77: /dev/kvm cannot run a guest)' % self.proc.returncode)
            if time.monotonic() > deadline:
                raise RuntimeError('kvm-vmm not ready within 120 s')
            time.sleep(0.1)

    def load(self, keys, value_size, seed):
        pass  # the guest wrote all of its memory before "ready"

    def passes(self):
        try:
            return int(read(self.out + '.passes').split()[-1])
        except (OSError, ValueError, IndexError):
            return 0

    def gets(self, hot_keys, n, clients=4):
        """The guest's hot passes per second over --kvm-measure seconds (no latency: 0)."""
        p0, t0 = self.passes(), time.monotonic()
        time.sleep(self.args.kvm_measure)
        return (self.passes() - p0) / (time.monotonic() - t0), 0.0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(os.path.dirname(self.out), True)


class Background:
    """Hot GETs in a loop while tiering runs (the workload does not pause for it)."""

    def __init__(self, redis, hot_keys):
        self.proc = subprocess.Popen(['sh', '-c', 'while :; do redis-benchmark -p %d -t get -n 20000 -r %d -c 2 -q '
                                      '>/dev/null 2>&1; done' % (redis.port, hot_keys)],
                                     start_new_session=True)

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()


# ---- arms ----

class Arm:
    name = 'none'
    cgroup = False

    def start(self, ctx, redis):
        pass

    def stop(self):
        pass

    def cpu(self):
        return 0.0


class SlideArm(Arm):
    def __init__(self, tracker, args):
        self.tracker = tracker
        self.name = 'slide-' + tracker
        self.args = args

    def start(self, ctx, redis):
        os.environ['ETMEM_TRACKER'] = self.tracker
        self.daemon = Daemon(ctx.bus, tempfile.mkdtemp(prefix='d', dir=ctx.tmp), args=('--no-state',)).start()
        c = ctx.bus.conn

        def call(path, iface, method, sig='', *a):
            return c.call_blocking('org.etmem', path, iface, method, sig, a, timeout=30)
        call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', 'redis',
             {'loop': dbus.UInt32(self.args.loop), 'interval': dbus.UInt32(self.args.interval),
              'sleep': dbus.UInt32(self.args.sleep)})
        call(project_path('redis'), PROJECT_IFACE, 'AddEngine', 'sa{sv}', 'slide', {})
        call(engine_path('redis', 'slide'), ENGINE_IFACE, 'AddTask', 'sa{sv}', 't1',
             {'type': 'pid', 'value': str(redis.pid), 'T': str(self.args.T)})
        call(project_path('redis'), PROJECT_IFACE, 'Start')
        self.call = call
        self.cpu0 = cpu_seconds(self.daemon.pid)

    def task(self):
        return unwrap(self.call(task_path('redis', 'slide', 't1'), 'org.freedesktop.DBus.Properties', 'GetAll', 's',
                                TASK_IFACE))

    def cpu(self):
        return cpu_seconds(self.daemon.pid) - self.cpu0

    def stop(self):
        t = self.task()
        self.status = t.get('Status', '') + (' / LastError: ' + t['LastError'] if t.get('LastError') else '')
        self.daemon.stop()
        os.environ.pop('ETMEM_TRACKER', None)


class PsiArm(Arm):
    """etmemd's psi engine on redis's cgroup (upstream etmem's scan_type=psi): reclaim a
    share of the usage each period while memory pressure stays low."""
    cgroup = True
    name = 'etmem-psi'

    def __init__(self, args):
        self.args = args

    def start(self, ctx, redis):
        self.daemon = Daemon(ctx.bus, tempfile.mkdtemp(prefix='d', dir=ctx.tmp), args=('--no-state',)).start()
        c = ctx.bus.conn
        conf = ('[project]\nname=redis\nscan_type=psi\ninterval=%d\n\n[engine]\nname=psi\nproject=redis\n\n'
                '[task]\nproject=redis\nengine=psi\nname=t1\ntype=name\nvalue=cgroup_v1\ncg_dir=%s\n'
                'pressure=%g\nreclaim_rate=%g\nreclaim_rate_max=0.5\nlimit_min_ratio=%g\n'
                % (self.args.psi_interval, os.path.basename(redis.cgroup.path), self.args.psi_pressure,
                   self.args.psi_rate, self.args.psi_floor))

        def call(path, iface, method, sig='', *a):
            return c.call_blocking('org.etmem', path, iface, method, sig, a, timeout=30)
        call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', conf, 'ini', 'psi.conf')
        call(project_path('redis'), PROJECT_IFACE, 'Start')
        self.call = call
        self.cpu0 = cpu_seconds(self.daemon.pid)

    def cpu(self):
        return cpu_seconds(self.daemon.pid) - self.cpu0

    def stop(self):
        self.status = unwrap(self.call(task_path('redis', 'psi', 't1'), 'org.freedesktop.DBus.Properties', 'GetAll',
                                       's', TASK_IFACE)).get('Status', '')
        self.daemon.stop()


class PulseTimeout(Exception):
    pass


class PulseArm(Arm):
    """What an admin scripts without etmem: reclaim a share of the cgroup's usage every
    period, through memory.reclaim (v2) or a limit pulse (v1)."""
    cgroup = True

    def __init__(self, args):
        self.args = args
        self.name = 'memcg-reclaim' if cgroup_mode() == 2 else 'memcg-pulse'

    def start(self, ctx, redis):
        self.cg = redis.cgroup
        self.child = os.fork()
        if self.child == 0:
            try:
                self.loop()
            finally:
                os._exit(0)

    def loop(self):
        def alarm(*_):
            raise PulseTimeout()
        signal.signal(signal.SIGALRM, alarm)
        share = self.args.reclaim_share
        while True:
            usage = self.cg.usage()
            if self.cg.mode == 2:
                try:
                    write(os.path.join(self.cg.path, 'memory.reclaim'), int(usage * share))
                except OSError:
                    pass
            else:
                # A v1 limit write below the usage reclaims until the usage fits, for as long
                # as reclaim makes progress: with the workload allocating, that can be
                # minutes of throttling.  So the pulse is bounded: SIGALRM ends the write
                # after 0.5 s, and the limit is released at once.
                lim = os.path.join(self.cg.path, 'memory.limit_in_bytes')
                try:
                    signal.setitimer(signal.ITIMER_REAL, 0.5)
                    write(lim, int(usage * (1 - share)))
                except (PulseTimeout, OSError):
                    pass
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                write(lim, -1)
            time.sleep(self.args.interval * self.args.loop + self.args.sleep)

    def stop(self):
        os.kill(self.child, signal.SIGKILL)
        os.waitpid(self.child, 0)
        if self.cg.mode == 1:
            write(os.path.join(self.cg.path, 'memory.limit_in_bytes'), -1)


class DamonReclaimArm(Arm):
    """DAMON_RECLAIM's recipe through DAMON sysfs: paddr monitoring, one DAMOS scheme
    paging out regions not accessed for min_age (5 s), quota 1 GiB/s."""
    name = 'damon-reclaim'

    def start(self, ctx, redis):
        k = os.path.join(DAMON, 'kdamonds')
        write(os.path.join(k, 'nr_kdamonds'), 1)
        d = os.path.join(k, '0')
        write(os.path.join(d, 'contexts', 'nr_contexts'), 1)
        c = os.path.join(d, 'contexts', '0')
        write(os.path.join(c, 'operations'), 'paddr')
        write(os.path.join(c, 'targets', 'nr_targets'), 1)
        write(os.path.join(c, 'schemes', 'nr_schemes'), 1)
        s = os.path.join(c, 'schemes', '0')
        write(os.path.join(s, 'action'), 'pageout')
        a = os.path.join(s, 'access_pattern')
        write(os.path.join(a, 'sz', 'min'), 4096)
        write(os.path.join(a, 'sz', 'max'), 1 << 50)
        write(os.path.join(a, 'nr_accesses', 'min'), 0)
        write(os.path.join(a, 'nr_accesses', 'max'), 0)
        # ages are in aggregation intervals (100 ms by default): 5 s
        write(os.path.join(a, 'age', 'min'), 50)
        write(os.path.join(a, 'age', 'max'), 1 << 32)
        write(os.path.join(s, 'quotas', 'bytes'), 1 << 30)
        write(os.path.join(s, 'quotas', 'reset_interval_ms'), 1000)
        write(os.path.join(d, 'state'), 'on')
        self.dir = d

    def stop(self):
        write(os.path.join(self.dir, 'state'), 'off')
        write(os.path.join(DAMON, 'kdamonds', 'nr_kdamonds'), 0)


class Ctx:
    pass


def run_arm(ctx, arm, rnd):
    cg = Cgroup('etmem-bench-redis') if arm.cgroup else None
    kvm = ctx.args.workload == 'kvm'
    redis = KvmVmm(ctx.tmp, ctx.args, cg) if kvm else Redis(ctx.tmp, ctx.args.port, cg)
    redis.cgroup = cg
    bg = None
    try:
        log('round %d %s: loading %d keys' % (rnd, arm.name, ctx.args.keys))
        redis.load(ctx.args.keys, ctx.args.value, seed=rnd)
        if not kvm:
            redis.gets(ctx.hot_keys, ctx.args.gets // 2)      # warm the hot set
        rss0 = status_kib(redis.pid, 'VmRSS')
        log('round %d %s: tiering for %g s while the hot set is read' % (rnd, arm.name, ctx.args.tier))
        arm.start(ctx, redis)
        bg = None if kvm else Background(redis, ctx.hot_keys)   # the guest reads its hot part all along
        time.sleep(ctx.args.tier)
        if bg:
            bg.stop()
        bg = None
        log('round %d %s: measuring %s' % (rnd, arm.name, '%g s of guest passes' % ctx.args.kvm_measure if kvm
                                            else '%d hot GETs' % ctx.args.gets))
        f0 = majflt(redis.pid)
        rps, p99 = redis.gets(ctx.hot_keys, ctx.args.gets)
        faults = majflt(redis.pid) - f0
        rss = status_kib(redis.pid, 'VmRSS')
        swap = status_kib(redis.pid, 'VmSwap')
        cpu = arm.cpu()
        arm.stop()
        extra = getattr(arm, 'status', '')
        return {'arm': arm.name, 'round': rnd, 'rss_before_kib': rss0, 'rss_kib': rss, 'swap_kib': swap,
                'rps': rps, 'p99_ms': p99, 'hot_majflt': faults, 'daemon_cpu_s': cpu, 'status': extra}
    finally:
        if bg:
            bg.stop()
        redis.stop()
        if cg:
            cg.remove()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--keys', type=int, default=300000)
    ap.add_argument('--value', type=int, default=1024)
    ap.add_argument('--hot', type=float, default=10.0, help='percent of the keys read')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--tier', type=float, default=20.0, help='seconds of tiering before the measurement')
    ap.add_argument('--gets', type=int, default=100000)
    ap.add_argument('--loop', type=int, default=3)
    ap.add_argument('--interval', type=int, default=1)
    ap.add_argument('--sleep', type=int, default=1)
    ap.add_argument('--T', type=int, default=1)
    ap.add_argument('--reclaim-share', type=float, default=0.45)
    ap.add_argument('--psi-interval', type=int, default=2, help='etmem-psi: seconds per cycle')
    ap.add_argument('--psi-pressure', type=float, default=0.1, help='etmem-psi: %% of stall that stops reclaim')
    ap.add_argument('--psi-rate', type=float, default=0.2, help='etmem-psi: reclaim_rate to start with')
    ap.add_argument('--psi-floor', type=float, default=0.1, help='etmem-psi: limit_min_ratio')
    ap.add_argument('--port', type=int, default=6390)
    ap.add_argument('--arms', default='', help='comma-separated; default: every arm this machine can run')
    ap.add_argument('--json', default='')
    ap.add_argument('--workload', choices=('redis', 'kvm'), default='redis')
    ap.add_argument('--kvm-vmm', default=os.environ.get('KVM_VMM', ''), help='tests/workload/kvm-vmm binary')
    ap.add_argument('--kvm-cold', type=int, default=448, help='MiB of cold guest memory')
    ap.add_argument('--kvm-hot', type=int, default=64, help='MiB of hot guest memory')
    ap.add_argument('--kvm-measure', type=float, default=10.0, help='seconds of guest passes measured')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('redis-bench: needs root', file=sys.stderr)
        return 77
    if args.workload == 'kvm' and not os.access(args.kvm_vmm or '/nonexistent', os.X_OK):
        print('redis-bench: --kvm-vmm (or KVM_VMM) must name the kvm-vmm binary', file=sys.stderr)
        return 1
    for exe in ('redis-server', 'redis-cli', 'redis-benchmark') if args.workload == 'redis' else ():
        if not shutil.which(exe):
            print('redis-bench: %s is missing (apt-get install redis-server redis-tools)' % exe, file=sys.stderr)
            return 1
    if not [ln for ln in read('/proc/swaps').splitlines()[1:] if ln.strip()]:
        print('redis-bench: no swap is active (run under tests/host/zram-swap.sh run)', file=sys.stderr)
        return 1

    arms = [Arm()] + [SlideArm(t, args) for t in trackers()]
    if cgroup_mode():
        arms.append(PulseArm(args))
        arms.append(PsiArm(args))
    if damon_free():
        arms.append(DamonReclaimArm())
    if args.arms:
        want = args.arms.split(',')
        arms = [a for a in arms if a.name in want or a.name == 'none']

    ctx = Ctx()
    ctx.args = args
    ctx.hot_keys = max(1, int(args.keys * args.hot / 100))
    ctx.tmp = tempfile.mkdtemp(prefix='etmem-redis-bench-')
    os.chmod(ctx.tmp, 0o755)
    ctx.bus = PrivateBus().start() if any(isinstance(a, (SlideArm, PsiArm)) for a in arms) else None
    rows = []
    try:
        for rnd in range(args.rounds):
            order = arms[rnd % len(arms):] + arms[:rnd % len(arms)]   # rotated: no arm always first
            for arm in order:
                r = run_arm(ctx, arm, rnd)
                log('round %d %-18s rss %6.1f MiB (was %6.1f) swap %6.1f MiB  %8.0f ops/s  p99 %.2f ms  '
                    'hot majflt %5d  cpu %.2f s %s' % (rnd, r['arm'], r['rss_kib'] / 1024, r['rss_before_kib'] / 1024,
                                                       r['swap_kib'] / 1024, r['rps'], r['p99_ms'], r['hot_majflt'],
                                                       r['daemon_cpu_s'], r['status'][:300]))
                rows.append(r)
    finally:
        if ctx.bus:
            ctx.bus.stop()
        shutil.rmtree(ctx.tmp, True)

    # ratios against none of the same round, then medians
    base = {r['round']: r for r in rows if r['arm'] == 'none'}
    table = []
    for arm in arms:
        mine = [r for r in rows if r['arm'] == arm.name]
        saved = [1 - r['rss_kib'] / base[r['round']]['rss_kib'] for r in mine]
        tput = [r['rps'] / base[r['round']]['rps'] for r in mine]
        p99 = [r['p99_ms'] / base[r['round']]['p99_ms'] if base[r['round']]['p99_ms'] else 1.0 for r in mine]
        gib = [max(r['rss_before_kib'], 1) / (1 << 20) for r in mine]
        cpu = [r['daemon_cpu_s'] / g for r, g in zip(mine, gib)]
        table.append({'arm': arm.name, 'rss_saved_pct': 100 * statistics.median(saved),
                      'throughput_ratio': statistics.median(tput), 'p99_ratio': statistics.median(p99),
                      'hot_majflt': statistics.median(r['hot_majflt'] for r in mine),
                      'cpu_s_per_gib': statistics.median(cpu), 'rounds': len(mine)})
    machine = '%s, kernel %s, %d CPUs, cgroup v%d' % (os.uname().nodename, os.uname().release, os.cpu_count(),
                                                      cgroup_mode())
    if args.workload == 'kvm':
        what = ('kvm-vmm: a KVM guest with %d MiB cold and %d MiB hot guest memory, %g s of hot passes measured '
                'after %g s of tiering' % (args.kvm_cold, args.kvm_hot, args.kvm_measure, args.tier))
    else:
        what = ('redis %d keys x %d B, %g %% hot (%d keys), %d GETs measured after %g s of tiering'
                % (args.keys, args.value, args.hot, ctx.hot_keys, args.gets, args.tier))
    print('%s; loop=%d interval=%d sleep=%d T=%d; %d rounds interleaved; %s'
          % (what, args.loop, args.interval, args.sleep, args.T, args.rounds, machine))
    print('| arm | RSS saved | throughput | p99 latency | hot-set major faults | daemon CPU s/GiB |')
    print('|---|---|---|---|---|---|')
    for t in table:
        print('| %s | %.1f %% | ×%.2f | ×%.2f | %d | %.2f |' % (t['arm'], t['rss_saved_pct'], t['throughput_ratio'],
                                                              t['p99_ratio'], t['hot_majflt'], t['cpu_s_per_gib']))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'machine': machine, 'args': vars(args), 'rows': rows, 'table': table}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
