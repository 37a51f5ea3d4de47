#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`etmemctl metrics` (issue #11): the output parses with python3-prometheus-client's
OpenMetrics parser and holds, for every project and task, the values GetAll gives at
the same moment (a stopped project, so nothing moves), the project states and
Manager1.KernelFeatures; --output replaces the file whole, mode 0644; --format
prometheus is read by Debian's prometheus-node-exporter (textfile collector) with the
counters typed as counters.  The counters of a running slide task are checked in the
host suite (tests/host/test_metrics_slide.py)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families as prometheus_text_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import (MANAGER_IFACE, MANAGER_PATH, PROJECT_IFACE, TASK_IFACE,  # noqa: E402
                           EtmemTestCase, _track, main, project_path, spawn_target, task_path)
import metrics_util  # noqa: E402


class TestMetrics(EtmemTestCase):

    def setup_tree(self):
        target = spawn_target(self)
        self.create_project('web', loop=1, interval=1, sleep=1)
        self.add_engine('web', 'sleeper')
        self.add_task('web', 'sleeper', 'a', 'pid', target.pid, busy_ms=1)
        self.add_task('web', 'sleeper', 'b', 'name', 'sleep')
        self.create_project('idle')
        self.call(project_path('web'), PROJECT_IFACE, 'Start')
        self.wait_until(lambda: self.prop(task_path('web', 'sleeper', 'a'), TASK_IFACE, 'Cycles') >= 2, 20,
                        'two cycles of task a')
        # stopped again, so the counters hold still between metrics and GetAll
        self.call(project_path('web'), PROJECT_IFACE, 'Stop')

    def test_parses_and_matches_the_bus(self):
        self.setup_tree()
        out = self.ctl_ok('metrics').stdout
        print(out)
        fams = metrics_util.parse(out)
        self.assertTrue(out.endswith('# EOF\n'), 'the output must end with # EOF')
        for name, fam in fams.items():
            self.assertTrue(fam.documentation, '%s has no HELP text' % name)

        for t in ('a', 'b'):
            got = metrics_util.task_values(fams, 'web', 'sleeper', t)
            want = metrics_util.expected_task_values(self.props(task_path('web', 'sleeper', t), TASK_IFACE))
            self.assertEqual(got, want, 'task %s: metrics (first) vs GetAll (second)' % t)
        self.assertGreaterEqual(metrics_util.task_values(fams, 'web', 'sleeper', 'a')['Cycles'], 2)
        self.assertEqual(fams['etmem_task_paged_out_bytes'].unit, 'bytes')

        cycles = {s.labels['project']: s.value for s in fams['etmem_project_cycles'].samples}
        self.assertEqual(cycles, {p: self.prop(project_path(p), PROJECT_IFACE, 'Cycles') for p in ('web', 'idle')})
        self.assertGreaterEqual(cycles['web'], 2)
        states = {(s.labels['project'], s.labels['state']): s.value for s in fams['etmem_project_state'].samples}
        self.assertEqual(states, {(p, s): 0 for p in ('web', 'idle') for s in ('running', 'failed')} |
                         {('web', 'stopped'): 1, ('idle', 'stopped'): 1})

        # running: the state gauge follows Project1.State
        self.call(project_path('web'), PROJECT_IFACE, 'Start')
        fams = metrics_util.parse(self.ctl_ok('metrics').stdout)
        running = {s.labels['project'] for s in fams['etmem_project_state'].samples
                   if s.labels['state'] == 'running' and s.value == 1}
        self.assertEqual(running, {'web'})

        kf = self.prop(MANAGER_PATH, MANAGER_IFACE, 'KernelFeatures')
        got = {s.labels['feature']: s.labels['value'] for s in fams['etmem_kernel_feature'].samples}
        self.assertTrue(kf, 'KernelFeatures is empty: nothing to compare')
        self.assertEqual(got, kf, 'kernel features: metrics (first) vs Manager1.KernelFeatures (second)')
        self.assertEqual({s.value for s in fams['etmem_kernel_feature'].samples}, {1.0})

    def test_empty(self):
        out = self.ctl_ok('metrics').stdout
        fams = metrics_util.parse(out)
        self.assertEqual([s for f in fams.values() if f.name != 'etmem_kernel_feature' for s in f.samples], [],
                         'no objects, no samples:\n' + out)

    def test_output_file(self):
        self.setup_tree()
        path = os.path.join(self.tmp, 'etmem.prom')
        with open(path, 'w') as f:
            f.write('old\n')
        old_inode = os.stat(path).st_ino
        r = self.ctl_ok('metrics', '--output', path)
        self.assertEqual(r.stdout, '', '--output writes nothing to stdout')
        st = os.stat(path)
        self.assertNotEqual(st.st_ino, old_inode, 'the file must be replaced by a rename, not rewritten')
        self.assertEqual(st.st_mode & 0o777, 0o644)
        with open(path) as f:
            fams = metrics_util.parse(f.read())
        self.assertIn('etmem_task_cycles', fams)
        leftovers = [n for n in os.listdir(self.tmp) if n.startswith('etmem.prom.')]
        self.assertEqual(leftovers, [], 'temporary files left behind')

        r = self.ctl_fails('metrics', '--output', os.path.join(self.tmp, 'nodir', 'x.prom'))
        self.assertIn('nodir', r.stderr)


    def test_node_exporter(self):
        exporter = '/usr/bin/prometheus-node-exporter'
        if not os.access(exporter, os.X_OK):
            self.skipTest('prometheus-node-exporter is not installed (tools/deps.sh installs it)')
        self.setup_tree()
        textdir = os.path.join(self.tmp, 'textfile')
        os.mkdir(textdir)
        prom = os.path.join(textdir, 'etmem.prom')
        self.ctl_ok('metrics', '--format', 'prometheus', '--output', prom)
        with open(prom) as f:
            text = f.read()
        self.assertNotIn('# EOF', text)
        self.assertNotIn('# UNIT', text)
        cycles = {t: self.prop(task_path('web', 'sleeper', t), TASK_IFACE, 'Cycles') for t in ('a', 'b')}

        # python3-prometheus-client's parser of the same (Prometheus) text format
        fams = {f.name: f for f in prometheus_text_families(text)}
        self.assertEqual(fams['etmem_task_cycles'].type, 'counter')
        got = {s.labels['task']: s.value for s in fams['etmem_task_cycles'].samples}
        self.assertEqual(got, cycles, 'prometheus format: parsed cycles (first) vs GetAll (second)')

        # and node_exporter itself, its textfile collector only
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        log = open(os.path.join(self.tmp, 'node-exporter.log'), 'w')
        self.addCleanup(log.close)
        ne = _track(subprocess.Popen([exporter, '--collector.disable-defaults', '--collector.textfile',
                                      '--collector.textfile.directory=' + textdir,
                                      '--web.listen-address=127.0.0.1:%d' % port],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        self.addCleanup(lambda: (ne.kill(), ne.wait(5)))
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port, timeout=5) as r:
                    page = r.read().decode()
                break
            except OSError:
                if ne.poll() is not None or time.monotonic() > deadline:
                    self.fail('node_exporter did not answer (exit %s):\n%s'
                              % (ne.poll(), open(log.name).read()))
                time.sleep(0.1)
        lines = [ln for ln in page.split('\n') if 'etmem_task_cycles' in ln or 'textfile_scrape_error' in ln]
        print('node_exporter /metrics:\n  ' + '\n  '.join(lines))
        self.assertIn('node_textfile_scrape_error 0', page, 'node_exporter could not read the file')
        self.assertIn('# TYPE etmem_task_cycles_total counter', page)
        for t, n in cycles.items():
            m = re.search(r'^etmem_task_cycles_total\{engine="sleeper",project="web",task="%s"\} (\S+)$' % t, page,
                          re.M)
            self.assertIsNotNone(m, 'task %s missing from node_exporter\'s /metrics' % t)
            self.assertEqual(float(m.group(1)), n)


if __name__ == '__main__':
    main()
