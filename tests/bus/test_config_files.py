#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #2, line 3: the etmem README's example files (tests/bus/data/) through
`etmemctl obj add -f` / `obj del -f`.  The slide example loads with properties equal
to the file's values (proven with the sleeper engine too, in case the slide plugin
is not built); obj del removes exactly those objects; the cslide example is refused
only for its NUMA nodes, the thirdparty one only for its missing library, and the
combined example is refused as a whole."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import (DATA_DIR, ENGINE_IFACE, PROJECT_IFACE, SLIDE_ENGINE, TASK_IFACE,  # noqa: E402
                           EtmemTestCase, engine_path, main, project_path, read_ini_sections, task_path)

THIRDPARTY_DIR = '/usr/lib/etmem_fetch'
PROJECT_KEYS = {'loop': 'Loop', 'interval': 'Interval', 'sleep': 'Sleep', 'sysmem_threshold': 'SysmemThreshold',
                'swapcache_high_wmark': 'SwapcacheHighWmark', 'swapcache_low_wmark': 'SwapcacheLowWmark'}


def data(name):
    return os.path.join(DATA_DIR, name)


def expected_objects(path):
    """{object path: (interface, {property: value})} that loading the INI file must create."""
    out = {}
    for sec, kv, _ in read_ini_sections(path):
        if sec == 'project':
            props = {'Name': kv['name']}
            for k, prop in PROJECT_KEYS.items():
                props[prop] = int(kv[k]) if k in kv else -1
            out[project_path(kv['name'])] = (PROJECT_IFACE, props)
        elif sec == 'engine':
            name = kv.get('eng_name', kv['name'])
            params = {k: v for k, v in kv.items() if k not in ('name', 'project')}
            out[engine_path(kv['project'], name)] = (ENGINE_IFACE, {'Name': name, 'Type': kv['name'],
                                                                    'Project': kv['project'], 'Params': params})
        elif sec == 'task':
            params = {k: v for k, v in kv.items() if k not in ('project', 'engine', 'name', 'type', 'value')}
            out[task_path(kv['project'], kv['engine'], kv['name'])] = (TASK_IFACE, {
                'Name': kv['name'], 'Project': kv['project'], 'Engine': kv['engine'], 'Type': kv['type'],
                'Value': kv['value'], 'Params': params})
    return out


def line_of(path, section_index, key):
    return read_ini_sections(path)[section_index][2][key]


class TestConfigFiles(EtmemTestCase):
    daemon_args = ('--thirdparty-dir', THIRDPARTY_DIR)

    def load_keep(self):
        """Another project that must survive everything the examples do."""
        self.ctl_ok('obj', 'add', '-f', data('keep_conf.ini'))
        snap = self.snapshot()
        self.assertEqual(len(snap), 3, 'keep_conf.ini creates a project, an engine and a task')
        return snap

    def check_example_loads(self, fname):
        keep = self.load_keep()
        r = self.ctl_ok('obj', 'add', '-f', data(fname))
        self.assertEqual(r.stdout, '', 'obj add is quiet on success, like etmem')
        expect = expected_objects(data(fname))
        snap = self.snapshot()
        self.assertEqual(sorted(snap), sorted(list(keep) + list(expect)), 'objects after obj add -f %s' % fname)
        for path, (iface, props) in expect.items():
            got = snap[path][iface]
            for k, v in props.items():
                self.assertEqual(got.get(k), v, '%s %s.%s (from %s)' % (path, iface, k, fname))
            if iface == PROJECT_IFACE:
                self.assertEqual(got['State'], 'stopped', 'obj add does not start a project')

        # obj del -f removes exactly what the file names; "keep" stays as it was
        r = self.ctl_ok('obj', 'del', '-f', data(fname))
        self.assertEqual(r.stdout, '')
        self.assertEqual(self.snapshot(), keep, 'obj del -f %s must remove exactly its objects' % fname)

    @unittest.skipUnless(os.path.exists(SLIDE_ENGINE), 'the slide engine plugin is not built (%s)' % SLIDE_ENGINE)
    def test_slide_example_loads_and_unloads(self):
        self.check_example_loads('slide_conf.ini')

    def test_sleeper_example_loads_and_unloads(self):
        self.check_example_loads('sleeper_conf.ini')

    def test_obj_del_of_a_task_section_removes_only_that_task(self):
        keep = self.load_keep()
        self.ctl_ok('obj', 'add', '-f', data('sleeper_conf.ini'))
        extra = self.write('extra.ini', '[task]\nproject=test\nengine=sleeper\nname=second\ntype=pid\nvalue=1\n')
        self.ctl_ok('obj', 'add', '-f', extra)
        before = self.snapshot()
        self.assertIn(task_path('test', 'sleeper', 'second'), before)
        self.ctl_ok('obj', 'del', '-f', extra)
        after = self.snapshot()
        del before[task_path('test', 'sleeper', 'second')]
        self.assertEqual(after, before, 'deleting a [task] file removes that task only')
        self.ctl_ok('obj', 'del', '-f', data('sleeper_conf.ini'))
        self.assertEqual(self.snapshot(), keep)

    @unittest.skipIf(os.path.exists('/sys/devices/system/node/node2'),
                     'this machine has NUMA node 2; the cslide example would not be refused for its nodes')
    def test_cslide_example_refused_for_missing_nodes(self):
        before = self.load_keep()
        f = data('cslide_conf.ini')
        r = self.ctl_fails('--verbose', 'obj', 'add', '-f', f)
        self.assertIn('cslide_conf.ini:%d:' % line_of(f, 1, 'node_pair'), r.stderr)
        self.assertIn("'node_pair'", r.stderr)
        self.assertRegex(r.stderr, r'node [23]\b')
        self.assertIn('does not exist on this machine', r.stderr)
        self.assertIn('org.etmem.Error.InvalidConfig', r.stderr)
        self.assertTreeUnchanged(before)

    @unittest.skipIf(os.path.exists(THIRDPARTY_DIR + '/my_engine.so'), 'my_engine.so exists on this machine')
    def test_thirdparty_example_refused_for_missing_library(self):
        before = self.load_keep()
        f = data('thirdparty_conf.ini')
        r = self.ctl_fails('--verbose', 'obj', 'add', '-f', f)
        self.assertIn("thirdparty_conf.ini:%d: key 'libname'" % line_of(f, 1, 'libname'), r.stderr)
        self.assertIn('/usr/lib/etmem_fetch/my_engine.so', r.stderr)
        self.assertIn('does not exist', r.stderr)
        self.assertNotIn('outside the directory', r.stderr, 'refused for the directory rule, not the library')
        self.assertTreeUnchanged(before)

    def test_combined_example_refused_as_a_whole(self):
        before = self.load_keep()
        r = self.ctl_fails('obj', 'add', '-f', data('combined_conf.ini'))
        self.assertRegex(r.stderr, r'combined_conf\.ini:\d+: ', 'the error names file:line')
        self.assertTreeUnchanged(before, 'combined example')
        self.assertNotIn(project_path('test'), self.snapshot())


if __name__ == '__main__':
    main()
