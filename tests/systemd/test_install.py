#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #4, line 4: `meson install --destdir` of a build configured with --prefix=/usr puts
every file where dbus-daemon, polkitd and systemd look, the unit and the activation file
agree, and the installed unit passes `systemd-analyze verify` with an exposure of at most
MAX_EXPOSURE by `systemd-analyze security --offline=true`.

The build dir (INSTALL_BUILD_DIR, kept between runs so ninja only rebuilds what changed)
is configured from SOURCE_ROOT by the test itself; the destdir is a fresh temp dir."""

import configparser
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get('SOURCE_ROOT', os.path.join(HERE, '..', '..'))
BUILD_DIR = os.environ.get('INSTALL_BUILD_DIR', '')
MAX_EXPOSURE = 4.0


def run(argv, timeout=300, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise AssertionError('%s failed (%d):\n%s%s' % (' '.join(argv), r.returncode, r.stdout[-3000:],
                                                        r.stderr[-3000:]))
    return r


def read_unit(path):
    """systemd unit / D-Bus .service files as {section: {key: value}} (last value wins)."""
    p = configparser.ConfigParser(strict=False, interpolation=None, delimiters=('=',), comment_prefixes=('#', ';'))
    p.optionxform = str
    with open(path) as f:
        p.read_file(f)
    return {s: dict(p[s]) for s in p.sections()}


class TestInstall(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not BUILD_DIR:
            raise RuntimeError('INSTALL_BUILD_DIR is not set; run through `meson test --suite unit`')
        if not os.path.exists(os.path.join(BUILD_DIR, 'build.ninja')):
            shutil.rmtree(BUILD_DIR, ignore_errors=True)
            run(['meson', 'setup', '--prefix=/usr', BUILD_DIR, SOURCE_ROOT])
        cls.dest = tempfile.mkdtemp(prefix='etmem-destdir-')
        run(['meson', 'install', '-C', BUILD_DIR, '--destdir', cls.dest, '--quiet'], timeout=600)
        opts = {o['name']: o['value'] for o in json.loads(run(['meson', 'introspect', '--buildoptions',
                                                                BUILD_DIR]).stdout)}
        if opts['prefix'] != '/usr':
            raise AssertionError('%s is configured with prefix %s, not /usr' % (BUILD_DIR, opts['prefix']))
        cls.libdir = opts['libdir']

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)

    def path(self, p):
        return os.path.join(self.dest, p.lstrip('/'))

    def assertInstalled(self, p, exe=False):
        full = self.path(p)
        self.assertTrue(os.path.isfile(full), '%s was not installed (DESTDIR %s)' % (p, self.dest))
        if exe:
            self.assertTrue(os.access(full, os.X_OK), '%s is not executable' % p)
        print('installed: %s' % p)
        return full

    def unit_path(self):
        # systemd.pc on Debian 12 has systemd_system_unit_dir=${rootprefix}/lib/systemd/system and
        # meson defines rootprefix as the prefix: /usr/lib/systemd/system (= /lib/... on merged /usr)
        return '/usr/lib/systemd/system/etmem.service'

    def test_layout(self):
        self.assertInstalled('/usr/share/dbus-1/system.d/org.etmem.conf')
        self.assertInstalled('/usr/share/dbus-1/system-services/org.etmem.service')
        self.assertInstalled('/usr/share/polkit-1/actions/org.etmem.policy')
        self.assertInstalled(self.unit_path())
        self.assertInstalled('/usr/%s/etmem/engines/etmem-engine-slide.so' % self.libdir)
        etmemd = self.assertInstalled('/usr/sbin/etmemd', exe=True)
        ctl = self.assertInstalled('/usr/bin/etmemctl', exe=True)
        link = self.path('/usr/bin/etmem')
        self.assertTrue(os.path.islink(link), '/usr/bin/etmem is not a symlink')
        self.assertEqual(os.path.realpath(link), os.path.realpath(ctl), '/usr/bin/etmem does not point at etmemctl')
        print('installed: /usr/bin/etmem -> %s' % os.readlink(link))
        for name in ('org.etmem.conf', 'org.etmem.service'):
            sub = 'system.d' if name.endswith('.conf') else 'system-services'
            with open(os.path.join(SOURCE_ROOT, 'dbus', name)) as a, \
                    open(self.path('/usr/share/dbus-1/%s/%s' % (sub, name))) as b:
                self.assertEqual(b.read(), a.read(), '%s differs from the source' % name)
        # the installed etmemd looks for engines and keeps state where they are installed / the unit says
        r = run([etmemd, '--help'])
        m = re.search(r'--engines-dir=\S+\s+Where engine plugins are found \(default (\S+?),?\s', r.stdout)
        self.assertIsNotNone(m, 'etmemd --help does not show the default engines dir:\n' + r.stdout)
        self.assertEqual(m.group(1), '/usr/%s/etmem/engines' % self.libdir)
        self.assertIn('(default /var/lib/etmem)', r.stdout)
        self.assertIn('(default /etc/etmem;', r.stdout, 'the config directory is /etc/etmem')
        print('etmemd defaults: engines %s, state /var/lib/etmem' % m.group(1))

    def test_unit_and_activation_agree(self):
        unit = read_unit(self.path(self.unit_path()))
        act = read_unit(self.path('/usr/share/dbus-1/system-services/org.etmem.service'))['D-BUS Service']
        svc = unit['Service']
        self.assertEqual(svc['ExecStart'].split()[0], '/usr/sbin/etmemd')
        self.assertEqual(svc['Type'], 'dbus')
        self.assertEqual(svc['BusName'], act['Name'])
        self.assertEqual(act['Name'], 'org.etmem')
        self.assertEqual(act['User'], 'root')
        self.assertEqual(act['SystemdService'], unit['Install']['Alias'],
                         'the activation file starts a unit name the unit does not alias')
        self.assertEqual(svc['StateDirectory'], 'etmem', 'etmemd keeps state in /var/lib/etmem')
        self.assertEqual(svc['ExecReload'], '/bin/kill -HUP $MAINPID', 'reload re-reads the config directory')
        self.assertEqual(svc['ConfigurationDirectory'], 'etmem', 'etmemd reads /etc/etmem')
        print('unit: ExecStart=%s BusName=%s Alias=%s; activation: Name=%s SystemdService=%s'
              % (svc['ExecStart'], svc['BusName'], unit['Install']['Alias'], act['Name'], act['SystemdService']))

    def host_unit(self):
        """The installed unit with ExecStart pointing into DESTDIR (verify needs the binary to
        exist; --root would also need /bin/kill and dbus.socket inside DESTDIR)."""
        d = tempfile.mkdtemp(prefix='etmem-unit-')
        self.addCleanup(shutil.rmtree, d, True)
        with open(self.path(self.unit_path())) as f:
            text = f.read()
        self.assertIn('ExecStart=/usr/sbin/etmemd', text)
        out = os.path.join(d, 'etmem.service')
        with open(out, 'w') as f:
            f.write(text.replace('ExecStart=/usr/sbin/etmemd', 'ExecStart=' + self.path('/usr/sbin/etmemd')))
        return out

    def test_verify(self):
        if not shutil.which('systemd-analyze'):
            self.skipTest('systemd-analyze is not installed')
        unit = self.host_unit()
        r = subprocess.run(['systemd-analyze', 'verify', unit], capture_output=True, text=True, timeout=120,
                           cwd=os.path.dirname(unit))
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ''), 'systemd-analyze verify found problems')
        print('systemd-analyze verify: exit 0, no output')

    def test_sandbox(self):
        """Issue #10, item 10: devices closed but /dev/etmem_scan, /proc/sys and /sys
        read-only but for exactly the files etmemd writes (each named in the sources)."""
        with open(self.path(self.unit_path())) as f:
            lines = [line.strip() for line in f if '=' in line and not line.lstrip().startswith('#')]
        values = {}
        for line in lines:
            k, v = line.split('=', 1)
            values.setdefault(k, []).append(v)
        print('DevicePolicy=%s DeviceAllow=%s ProtectKernelTunables=%s ReadWritePaths=%s'
              % (values.get('DevicePolicy'), values.get('DeviceAllow'), values.get('ProtectKernelTunables'),
                 values.get('ReadWritePaths')))
        self.assertEqual(values.get('DevicePolicy'), ['closed'])
        self.assertEqual(values.get('DeviceAllow'), ['/dev/etmem_scan rw'])
        self.assertEqual(values.get('ProtectKernelTunables'), ['yes'])
        rw = sorted(p for v in values.get('ReadWritePaths', []) for p in v.split())
        want = {'-/sys/kernel/mm/damon/admin': ('service/mem/sysfs-util.h', '"/sys/kernel/mm/damon/admin"'),
                '-/sys/kernel/mm/page_idle/bitmap': ('service/mem/sysfs-util.h', '"/sys/kernel/mm/page_idle/bitmap"'),
                '-/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs':
                    ('plugins/numa/numa.c', 'khugepaged/scan_sleep_millisecs"'),
                '-/sys/fs/cgroup': ('plugins/psi/psi-cgroup.c', '"/sys/fs/cgroup"')}
        self.assertEqual(rw, sorted(want), 'ReadWritePaths are exactly the sysfs files etmemd writes')
        for path, (src, needle) in want.items():
            with open(os.path.join(SOURCE_ROOT, src)) as f:
                self.assertIn(needle, f.read(), '%s: the source that writes %s' % (src, path))

    def test_security(self):
        if not shutil.which('systemd-analyze'):
            self.skipTest('systemd-analyze is not installed')
        unit = self.host_unit()
        r = subprocess.run(['systemd-analyze', 'security', '--offline=true', '--no-pager', unit],
                           capture_output=True, text=True, timeout=120, cwd=os.path.dirname(unit))
        m = re.search(r'Overall exposure level for \S+: (\d+\.\d+) (\S+)', r.stdout)
        self.assertIsNotNone(m, 'no "Overall exposure level" in:\n%s%s' % (r.stdout[-2000:], r.stderr))
        exposure = float(m.group(1))
        print('systemd-analyze security --offline=true: %s' % m.group(0))
        for line in r.stdout.splitlines():
            if line.startswith('✗'):
                print('  ' + re.sub(r'\s{2,}', '  ', line).strip())
        self.assertLessEqual(exposure, MAX_EXPOSURE)


    def test_metrics_timer(self):
        """Issue #11: the example etmem-metrics.service + .timer are installed, pass
        verify, and the service (it runs as root) is sandboxed to the collector's directory."""
        unit_dir = os.path.dirname(self.unit_path())
        svc_path = self.assertInstalled(unit_dir + '/etmem-metrics.service')
        self.assertInstalled(unit_dir + '/etmem-metrics.timer')
        svc = read_unit(svc_path)['Service']
        out = '/var/lib/prometheus/node-exporter/etmem.prom'
        self.assertEqual(svc['ExecStart'].split(), ['/usr/bin/etmemctl', '--no-ask-password', 'metrics', '--format',
                                                    'prometheus', '--output', out])
        self.assertEqual(svc['ReadWritePaths'], os.path.dirname(out))
        if not shutil.which('systemd-analyze'):
            self.skipTest('systemd-analyze is not installed')
        d = tempfile.mkdtemp(prefix='etmem-unit-')
        self.addCleanup(shutil.rmtree, d, True)
        with open(svc_path) as f:
            text = f.read().replace('ExecStart=/usr/bin/etmemctl', 'ExecStart=' + self.path('/usr/bin/etmemctl'))
        with open(os.path.join(d, 'etmem-metrics.service'), 'w') as f:
            f.write(text)
        shutil.copy(self.path(unit_dir + '/etmem-metrics.timer'), d)
        r = subprocess.run(['systemd-analyze', 'verify', 'etmem-metrics.service', 'etmem-metrics.timer'],
                           capture_output=True, text=True, timeout=120, cwd=d)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ''), 'systemd-analyze verify found problems')
        r = subprocess.run(['systemd-analyze', 'security', '--offline=true', '--no-pager', 'etmem-metrics.service'],
                           capture_output=True, text=True, timeout=120, cwd=d)
        m = re.search(r'Overall exposure level for \S+: (\d+\.\d+)', r.stdout)
        self.assertIsNotNone(m, 'no "Overall exposure level" in:\n%s%s' % (r.stdout[-2000:], r.stderr))
        print('etmem-metrics.service: verify clean; %s' % m.group(0))
        self.assertLessEqual(float(m.group(1)), 2.0)

if __name__ == '__main__':
    unittest.main(verbosity=2)
