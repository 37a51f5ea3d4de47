#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #12, acceptance line 1: every config file openEuler's etmem ships (etmem/conf of
master and of the 1.1 release) and its own test configs (etmem/test/conf), held unchanged
in tests/bus/data/upstream (README.md there names each one's upstream path and commit), go
through `etmem obj add -f` (etmemctl invoked as etmem) against etmemd.  A file may be
refused only for what this machine lacks -- a NUMA node, a library, the damon engine --
and then the message must say exactly that; any other refusal fails.  The cslide test set
split over three files is added one by one.  Line 5: max_threads=10 (conf_slide) loads
with a warning in etmemd's log and runs with 2 * CPUs + 1 threads (Task1.MaxThreads)."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import (DATA_DIR, ENGINE_IFACE, ETMEMCTL, PROJECT_IFACE, TASK_IFACE,  # noqa: E402
                           EtmemTestCase, engine_path, main, project_path, read_ini_sections, task_path)

UPSTREAM = os.path.join(DATA_DIR, 'upstream')
THIRDPARTY_DIR = '/usr/lib/etmem_fetch'
NODE_DIR = '/sys/devices/system/node'
NCPUS = os.cpu_count()

# What each refusal for a missing part of the machine must say (and nothing else may refuse).
LACKS = {
    'numa': re.compile(r"key 'node_pair': NUMA node (\d+) does not exist on this machine \(its nodes: [0-9, ]+\)"),
    'library': re.compile(r"key 'libname': .*/usr/lib/etmem_fetch/my_engine\.so.*does not exist"),
    'damon': re.compile(r"key 'scan_type': scan_type=region \(the damon engine\) is not supported by this etmemd"),
    'engine': re.compile(r"key 'engine': project '\w+' has no engine '\w+'"),
}


def up(rel):
    return os.path.join(UPSTREAM, rel)


def read(path):
    with open(path) as f:
        return f.read()


def node_exists(n):
    return os.path.isdir(os.path.join(NODE_DIR, 'node%d' % n))


def nodes_of(path):
    """The NUMA nodes a cslide file's node_pair names."""
    for sec, kv, _ in read_ini_sections(path):
        if sec == 'engine' and 'node_pair' in kv:
            return sorted({int(x) for pair in kv['node_pair'].split(';') for x in pair.split(',')})
    return []


def expected_refusal(rel):
    """None when rel must load on this machine, else the LACKS class it must be refused for."""
    path = up(rel)
    text = read(path)
    if 'scan_type=region' in text:
        return 'damon'
    if 'libname=' in text and not os.path.exists(THIRDPARTY_DIR + '/my_engine.so'):
        return 'library'
    if any(not node_exists(n) for n in nodes_of(path)):
        return 'numa'
    return None


# every copy in tests/bus/data/upstream, each with the test that feeds it
WHOLE_FILES = ['master/conf/slide_conf.yaml', 'master/conf/pmu_conf.yaml', 'master/conf/psi_conf.yaml',
               'master/conf/cslide_conf.yaml', 'master/conf/thirdparty_conf.yaml', 'master/conf/damon_conf.yaml',
               '1.1/conf/cslide_conf.yaml', 'master/test/conf/conf_slide/config_file']
CSLIDE_SET = ['master/test/conf/conf_cslide/proj.config', 'master/test/conf/conf_cslide/eng.config',
              'master/test/conf/conf_cslide/task.config']


# installed in /usr/share/etmem/examples by meson.build: the shipped files that load anywhere as they are
# (pmu_conf.yaml loads too but can never start; cslide needs nodes 0-3, thirdparty a library, damon the engine)
EXAMPLES = ['master/conf/slide_conf.yaml', 'master/conf/psi_conf.yaml']
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def objects_of(path):
    """The object paths an INI file names, parents first."""
    out = []
    for sec, kv, _ in read_ini_sections(path):
        if sec == 'project':
            out.append(project_path(kv['name']))
        elif sec == 'engine':
            out.append(engine_path(kv['project'], kv.get('eng_name', kv['name'])))
        elif sec == 'task':
            out.append(task_path(kv['project'], kv['engine'], kv['name']))
    return out


class TestUpstreamConfigs(EtmemTestCase):
    daemon_args = ('--thirdparty-dir', THIRDPARTY_DIR)

    def etmem(self, *args):
        """build/cli/etmemctl run under the name etmem, as upstream's users type it."""
        return subprocess.run(['etmem'] + [str(a) for a in args], executable=ETMEMCTL,
                              env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)

    def add(self, rel):
        """obj add -f rel; asserts it loads or is refused exactly for what the machine lacks."""
        path = up(rel)
        before = self.snapshot()
        r = self.etmem('obj', 'add', '-f', path)
        want = expected_refusal(rel)
        seen = 'exit %d, stdout %r, stderr %r' % (r.returncode, r.stdout, r.stderr)
        print('\n  etmem obj add -f %s: %s' % (rel, 'loaded' if r.returncode == 0 else r.stderr.strip()), flush=True)
        if want is None:
            self.assertEqual(r.returncode, 0, 'etmem obj add -f %s must load on this machine; saw %s' % (rel, seen))
            snap = self.snapshot()
            for p in objects_of(path):
                self.assertIn(p, snap, '%s after obj add -f %s; saw %s' % (p, rel, sorted(snap)))
            return r
        self.assertEqual(r.returncode, 1, '%s must be refused (%s); saw %s' % (rel, want, seen))
        self.assertRegex(r.stderr, LACKS[want], '%s: expected a refusal for a missing %s; saw %s' % (rel, want, seen))
        self.assertIn(os.path.basename(rel) + ':', r.stderr, 'the message names the file; saw ' + seen)
        for other, rx in LACKS.items():
            if other != want:
                self.assertNotRegex(r.stderr, rx, rel)
        self.assertTreeUnchanged(before, 'a refused file adds nothing (%s)' % rel)
        return r

    def test_every_copy_is_fed(self):
        """A copy added to tests/bus/data/upstream without a test here fails."""
        held = sorted(os.path.relpath(os.path.join(d, f), UPSTREAM)
                      for d, _, fs in os.walk(UPSTREAM) for f in fs if f != 'README.md')
        self.assertEqual(held, sorted(WHOLE_FILES + CSLIDE_SET))
        readme = read(up('README.md'))
        for rel in held:
            self.assertIn(rel, readme, 'README.md names where %s came from' % rel)

    def test_installed_examples_load(self):
        """meson.build installs exactly EXAMPLES, and each of them loads here as it is."""
        build = read(os.path.join(SOURCE_ROOT, 'meson.build'))
        m = re.search(r"install_data\(((?:'[^']*',\s*)+)install_dir : datadir / 'etmem' / 'examples'\)", build)
        self.assertIsNotNone(m, "meson.build has no install_data(... install_dir : datadir / 'etmem' / 'examples')")
        installed = sorted(re.findall(r"'tests/bus/data/upstream/([^']+)'", m.group(1)))
        self.assertEqual(installed, sorted(EXAMPLES))
        for rel in EXAMPLES:
            self.assertIsNone(expected_refusal(rel), rel)
            r = self.etmem('obj', 'add', '-f', up(rel))
            self.assertEqual(r.returncode, 0, 'example %s: %s' % (rel, r.stderr))
            self.assertEqual(self.etmem('obj', 'del', '-f', up(rel)).returncode, 0)
        self.assertEqual(self.snapshot(), {})

    def test_whole_files(self):
        for rel in WHOLE_FILES:
            with self.subTest(file=rel):
                r = self.add(rel)
                if r.returncode == 0:
                    self.assertEqual(r.stdout, '', 'obj add is quiet on success, as etmem')
                    # obj del -f of the same file removes what it added
                    d = self.etmem('obj', 'del', '-f', up(rel))
                    self.assertEqual(d.returncode, 0, 'obj del -f %s: %s' % (rel, d.stderr))
                    self.assertEqual(self.snapshot(), {}, 'obj del -f %s leaves nothing' % rel)

    def test_cslide_set_one_by_one(self):
        """proj.config, then eng.config (nodes 2,0;3,1), then task.config (pid 1)."""
        refused = None
        for rel in CSLIDE_SET:
            if refused:
                # the engine file was refused for its nodes, so the task names an engine that is not there
                r = self.etmem('obj', 'add', '-f', up(rel))
                print('\n  etmem obj add -f %s: %s' % (rel, r.stderr.strip()), flush=True)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("task.config:3: key 'engine': project 'test' has no engine 'cslide'", r.stderr,
                              'the task is refused for the engine its nodes kept out; saw %r' % r.stderr)
                continue
            r = self.add(rel)
            if r.returncode != 0:
                refused = rel
        snap = self.snapshot()
        self.assertIn(project_path('test'), snap)
        if not refused:
            t = snap[task_path('test', 'cslide', 'background1')][TASK_IFACE]
            self.assertEqual((t['Type'], t['Value'], t['Params']),
                             ('pid', '1', {'vm_flags': 'ht', 'anon_only': 'no', 'ign_host': 'yes'}))

    def with_fake_nodes(self, nodes):
        """A fresh etmemd whose cslide engine sees NUMA nodes `nodes` (ETMEM_SYSFS_NODE_DIR)."""
        d = os.path.join(self.tmp, 'nodes')
        for n in nodes:
            os.makedirs(os.path.join(d, 'node%d' % n), exist_ok=True)
        self.daemon.stop()
        old = os.environ.get('ETMEM_SYSFS_NODE_DIR')
        os.environ['ETMEM_SYSFS_NODE_DIR'] = d
        try:
            self.daemon = self.new_daemon(args=self.daemon_args)
        finally:
            if old is None:
                del os.environ['ETMEM_SYSFS_NODE_DIR']
            else:
                os.environ['ETMEM_SYSFS_NODE_DIR'] = old

    def test_cslide_files_load_where_the_nodes_exist(self):
        """With nodes 0-3 present, the cslide files load as they are: the set one by one,
        master's cslide_conf.yaml with its PMU keys, which Start answers with NotSupported."""
        self.with_fake_nodes([0, 1, 2, 3])
        for rel in CSLIDE_SET:
            r = self.etmem('obj', 'add', '-f', up(rel))
            self.assertEqual(r.returncode, 0, '%s with nodes 0-3: %s' % (rel, r.stderr))
        self.assertEqual(self.prop(engine_path('test', 'cslide'), ENGINE_IFACE, 'Params'),
                         {'node_pair': '2,0;3,1', 'hot_threshold': '1', 'node_mig_quota': '256',
                          'node_hot_reserve': '119600'})
        self.assertIn(task_path('test', 'cslide', 'background1'), self.snapshot())
        for rel in CSLIDE_SET[::-1]:
            r = self.etmem('obj', 'del', '-f', up(rel))
            self.assertEqual(r.returncode, 0, 'obj del -f %s: %s' % (rel, r.stderr))
        self.assertEqual(self.snapshot(), {})

        for rel in ('1.1/conf/cslide_conf.yaml', 'master/conf/cslide_conf.yaml'):
            r = self.etmem('obj', 'add', '-f', up(rel))
            self.assertEqual(r.returncode, 0, '%s with nodes 0-3: %s' % (rel, r.stderr))
            if rel.startswith('master'):
                r = self.etmem('project', 'start', '-n', 'test')
                self.assertEqual(r.returncode, 1, 'start of a PMU cslide engine: %r %r' % (r.stdout, r.stderr))
                self.assertIn("'sample_period' selects upstream etmem's PMU sampling", r.stderr)
                self.assertIn('NotSupported', self.ctl('--verbose', 'project', 'start', '-n', 'test').stderr)
                self.assertEqual(self.prop(project_path('test'), PROJECT_IFACE, 'State'), 'stopped')
            r = self.etmem('obj', 'del', '-f', up(rel))
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_pmu_slide_loads_and_start_says_not_supported(self):
        self.add('master/conf/pmu_conf.yaml')
        t = self.props(task_path('test', 'slide', 'background_slide'), TASK_IFACE)
        self.assertEqual(t['Params']['sample_period'], '5000')
        r = self.ctl('--verbose', 'project', 'start', '-n', 'test')
        self.assertEqual(r.returncode, 1, 'start: %r %r' % (r.stdout, r.stderr))
        self.assertIn('org.etmem.Error.NotSupported', r.stderr)
        self.assertIn("'sample_period' selects upstream etmem's PMU sampling (its libpfm4 build)", r.stderr)
        self.assertEqual(self.prop(project_path('test'), PROJECT_IFACE, 'State'), 'stopped')

    def test_max_threads_10_is_clamped_with_a_warning(self):
        """Upstream's conf_slide/config_file has max_threads=10: clamped to 2 * CPUs + 1."""
        rel = 'master/test/conf/conf_slide/config_file'
        self.add(rel)
        tp = task_path('test', 'slide', 'background1')
        effective = min(10, 2 * NCPUS + 1)
        self.assertEqual(self.prop(tp, TASK_IFACE, 'MaxThreads'), effective,
                         'MaxThreads on %d CPUs' % NCPUS)
        self.assertEqual(self.prop(tp, TASK_IFACE, 'Params')['max_threads'], '10', 'Params keep the file\'s value')
        log = read(self.daemon.log_path)
        warning = ('project test, task background1: max_threads=10 is outside 1..%d (2 * CPUs + 1); using %d'
                   % (2 * NCPUS + 1, effective))
        if effective < 10:
            self.assertIn(warning, log, 'etmemd log:\n' + self.daemon.log_tail())
        else:
            self.assertNotIn('max_threads=10 is outside', log)
        self.assertEqual(self.prop(project_path('test'), PROJECT_IFACE, 'Loop'), 1)

    def test_loop_20_loads(self):
        text = read(up('master/test/conf/conf_slide/config_file')).replace('loop=1\n', 'loop=20\n')
        f = self.write('loop20.config', text)
        r = self.etmem('obj', 'add', '-f', f)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.prop(project_path('test'), PROJECT_IFACE, 'Loop'), 20)
        f = self.write('loop121.config', text.replace('loop=20\n', 'loop=121\n'))
        self.etmem('obj', 'del', '-f', f)
        r = self.etmem('obj', 'add', '-f', f)
        self.assertEqual(r.returncode, 1)
        self.assertIn("loop121.config:4: key 'loop': 121 is out of range 1..120", r.stderr)

    def test_unknown_keys_name_file_line_and_key(self):
        text = read(up('master/conf/slide_conf.yaml'))
        for section_key, line_after in (('scan_typo=page', 'name=test\n'), ('Tx=1', 'T=1\n')):
            with self.subTest(key=section_key):
                f = self.write('unknown.yaml', text.replace(line_after, line_after + section_key + '\n'))
                lineno = text[:text.index(line_after)].count('\n') + 2
                r = self.etmem('obj', 'add', '-f', f)
                self.assertEqual(r.returncode, 1, r.stderr)
                key = section_key.split('=')[0]
                self.assertIn("unknown.yaml:%d: key '%s': unknown key" % (lineno, key), r.stderr)
                self.assertEqual(self.snapshot(), {})


if __name__ == '__main__':
    main()
