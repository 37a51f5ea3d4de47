#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #4, line 4: systemd/etmem.service.in's CapabilityBoundingSet is enough for a real
slide page-out, and each capability in it is needed.

etmemd runs as root the way systemd starts it with that unit: `setpriv --bounding-set=
-all,+<set> --inh-caps=-all --no-new-privs` (for uid 0, exec then grants exactly the
bounding set).  It tiers two hotcold processes into swap at once: one running as root (all
capabilities, so reading its memory needs CAP_SYS_PTRACE even from root: the caller's
capabilities must cover the target's) and one as user nobody (another user: the /proc
files are nobody's).  With the unit's set, both get their cold memory paged out (the
hotcold processes' VmSwap grows, Task1.BytesPagedOut counts it).  With each capability
of the set left out in turn, a target is not paged out; the test prints the task's
LastError, i.e. which operation failed.  The bus is the real-policy private bus.

CAP_SYS_ADMIN is needed by the page_idle tracker (pagemap shows PFNs only with it): on a
kernel without page_idle (KernelFeatures says so) slide uses clear_refs and the test can
only print that it was not exercised.  Some kernels (6.18 here) also let CAP_SYS_ADMIN (or
CAP_PERFMON) stand in for CAP_SYS_PTRACE when opening /proc/PID/smaps; where slide works
without CAP_SYS_PTRACE the test shows that it fails without both.

Run as root with swap active (tests/host/zram-swap.sh run); exit 77 otherwise."""

import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'host'))
from slide_e2e import HOTCOLD, Hotcold, SlideTestCase, active_swaps, main, require_root_and_swap, skip  # noqa: E402

SOURCE_ROOT = os.environ.get('SOURCE_ROOT', os.path.join(HERE, '..', '..'))
UNIT_IN = os.path.join(SOURCE_ROOT, 'systemd', 'etmem.service.in')
NOBODY = 65534
# capability -> KernelFeatures key of the tracker that needs it; only checked where available
NEEDED_ONLY_WITH = {'sys_admin': 'tracker.page_idle'}
# capability -> one in the set that some kernels accept in its place
STANDS_IN = {'sys_ptrace': 'sys_admin'}
COLD_MIB, HOT_MIB = 64, 16
PAGED_OUT_MIN = 0.5   # share of the cold memory that must reach swap for "paged out"


def unit_capabilities(path=UNIT_IN):
    """The unit's CapabilityBoundingSet as setpriv names (sys_ptrace, ...), in order."""
    caps = None
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*CapabilityBoundingSet\s*=\s*(.*)$', line)
            if m:
                if caps is not None:
                    raise AssertionError('%s: CapabilityBoundingSet= is set more than once' % path)
                caps = [c.lower().removeprefix('cap_') for c in m.group(1).split()]
    if not caps:
        raise AssertionError('%s: no CapabilityBoundingSet=' % path)
    return caps


def setpriv_prefix(caps):
    return ['setpriv', '--bounding-set=-all' + ''.join(',+' + c for c in caps), '--inh-caps=-all',
            '--no-new-privs', '--']


def status_field(pid, key):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(key + ':'):
                return line.split(':', 1)[1].strip()
    return ''


class TestCapabilities(SlideTestCase):
    start_daemon_in_setup = False

    @classmethod
    def setUpClass(cls):
        require_root_and_swap()
        if not os.access('/usr/bin/setpriv', os.X_OK):
            skip('setpriv (util-linux) is not installed')
        super().setUpClass()

    def run_slide(self, caps):
        """etmemd bounded to caps, tiering a root and a nobody hotcold; returns
        {'root'|'nobody': (paged out?, VmSwap growth KiB, task properties)}."""
        d = self.new_daemon(start=False)
        base = d.command
        d.command = lambda: setpriv_prefix(caps) + base()
        d.start()
        # the unit's set is what etmemd really runs with (bounding = permitted = effective)
        want = sum(1 << cap_number(c) for c in caps)
        for field in ('CapBnd', 'CapPrm', 'CapEff'):
            self.assertEqual(int(status_field(d.pid, field), 16), want, '%s of etmemd' % field)
        self.assertEqual(status_field(d.pid, 'NoNewPrivs'), '1')

        outdir = tempfile.mkdtemp(prefix='etmem-caps-')     # not under self.tmp (0700): nobody writes here
        self.addCleanup(shutil.rmtree, outdir, True)
        os.chmod(outdir, 0o777)
        # nobody execs a copy: the build tree may sit in a private directory (/root is 0700)
        exe = os.path.join(outdir, 'hotcold')
        shutil.copy(HOTCOLD, exe)
        os.chmod(exe, 0o755)
        targets = {
            'root': Hotcold(outdir, COLD_MIB, HOT_MIB),
            'nobody': Hotcold(outdir, COLD_MIB, HOT_MIB, exe=exe,
                              prefix=['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups']),
        }
        for w in targets.values():
            self.addCleanup(w.kill)
            w.wait_ready()
        swap0 = {who: w.status_kib('VmSwap') for who, w in targets.items()}
        project = 'caps%d' % len(self.daemons)
        self.create_project(project, loop=2, interval=1, sleep=1)
        self.add_engine(project, 'slide')
        paths = {}
        for who, w in targets.items():
            self.add_task(project, 'slide', who, 'pid', w.pid, T=1)
            paths[who] = '/org/etmem/project/%s/engine/slide/task/%s' % (project, who)
        self.call('/org/etmem/project/' + project, 'org.etmem.Project1', 'Start')
        self.features = self.prop('/org/etmem', 'org.etmem.Manager1', 'KernelFeatures')
        results = {}
        deadline = time.monotonic() + 40
        for who, w in targets.items():
            while True:
                p = self.task(paths[who])
                grown = w.status_kib('VmSwap') - swap0[who]
                if p['BytesPagedOut'] and grown >= PAGED_OUT_MIN * COLD_MIB * 1024:
                    break
                if p['Cycles'] >= 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            results[who] = (p['BytesPagedOut'] > 0 and grown >= PAGED_OUT_MIN * COLD_MIB * 1024, grown, p)
        self.call('/org/etmem/project/' + project, 'org.etmem.Project1', 'Stop')
        swaps = active_swaps()
        self.assertTrue(swaps, 'swap went away during the run (another zram-swap.sh teardown?); results void: %s'
                        % self.describe(results))
        for w in targets.values():
            self.assertEqual(w.stop(), 0, 'hotcold found its memory changed after the page-out')
        d.stop()
        return results

    def describe(self, results):
        return '; '.join('%s target: %s (VmSwap +%d KiB, BytesPagedOut %d, Status %r, LastError %r)'
                         % (who, 'paged out' if ok else 'NOT paged out', grown, p['BytesPagedOut'], p['Status'],
                            p['LastError']) for who, (ok, grown, p) in results.items())

    def test_unit_set_works_and_each_is_needed(self):
        caps = unit_capabilities()
        print('CapabilityBoundingSet of %s: %s' % (os.path.basename(UNIT_IN), ' '.join(caps)))
        results = self.run_slide(caps)
        print('with all of them: %s' % self.describe(results))
        for who, (ok, _, _) in results.items():
            self.assertTrue(ok, 'with the unit\'s capabilities the %s target was not paged out: %s'
                            % (who, self.describe(results)))
        features = self.features
        print('tracker: %s' % features.get('tracker'))
        for drop in caps:
            results = self.run_slide([c for c in caps if c != drop])
            print('without %s: %s' % (drop, self.describe(results)))
            needs = NEEDED_ONLY_WITH.get(drop)
            if needs and not features.get(needs, '').startswith('available'):
                print('  CAP_%s is kept for %s, which this kernel lacks (%s): not exercised here'
                      % (drop.upper(), needs, features.get(needs)))
                continue
            other = STANDS_IN.get(drop)
            if other in caps and all(ok for ok, _, _ in results.values()):
                print('  this kernel lets CAP_%s stand in for CAP_%s; without both:' % (other.upper(), drop.upper()))
                drop = '%s and %s' % (drop, other)
                results = self.run_slide([c for c in caps if c not in drop.split(' and ')])
                print('without %s: %s' % (drop, self.describe(results)))
            # needed = a target is not paged out and its task says which operation was refused
            self.assertTrue(any(not ok and p['LastError'] for ok, _, p in results.values()),
                            'CAP_%s is in the unit but slide works without it (or fails without saying why): %s'
                            % (drop.upper(), self.describe(results)))


_CAPS = ['chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
         'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
         'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
         'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control',
         'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon',
         'bpf', 'checkpoint_restore']


def cap_number(name):
    return _CAPS.index(name)


if __name__ == '__main__':
    main()
