#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #6 on a single-node machine (HOST suite): the cslide and numa engines start,
say in Task1.Status that there is nothing to move, and move nothing (move_pages node
query, pagemap and thread affinities unchanged; BytesMigrated 0).  Also: cslide's
showtaskpages agrees with numa_maps, numa's `set` changes Engine1.Params on a running
engine, and Manager1.GetPlacementAdvice / `etmemctl advise` answer what Debian's
`numad -w` answers on this machine.

A node pair cannot exist on one node, so etmemd's cslide config check is pointed at a
made-up node directory (ETMEM_SYSFS_NODE_DIR); the memory layer still sees the real,
single node."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from slide_e2e import PROJECT_IFACE, TASK_IFACE, SlideTestCase, main, skip  # noqa: E402
from etmem_fixture import ENGINE_IFACE, engine_path, task_path  # noqa: E402
import numa_util  # noqa: E402

FAKE = tempfile.mkdtemp(prefix='etmem-nodes-')


class TestSingleNode(SlideTestCase):

    @classmethod
    def setUpClass(cls):
        os.environ['ETMEM_SYSFS_NODE_DIR'] = numa_util.fake_node_dir(FAKE, [0, 1])
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(FAKE, True)

    def command(self, project, engine, cmd, **args):
        return json.loads(str(self.call(engine_path(project, engine), ENGINE_IFACE, 'Command', 'sa{sv}', cmd,
                                        {k: str(v) for k, v in args.items()})))

    def facts(self, w):
        spans = w.cold + w.hot
        return (numa_util.node_histogram(w.pid, spans, w.page_size), w.pagemap(spans),
                numa_util.thread_affinities(w.pid))

    def run_engine(self, name, engine, engine_params, task_params, cycles=2):
        w = self.hotcold(64, 16)
        before = self.facts(w)
        self.create_project(name, loop=2, interval=1, sleep=1)
        self.add_engine(name, engine, **engine_params)
        self.add_task(name, engine, 't1', 'pid', w.pid, **task_params)
        tp = task_path(name, engine, 't1')
        self.call('/org/etmem/project/' + name, PROJECT_IFACE, 'Start')
        p = self.wait_cycles(tp, cycles)
        after = self.facts(w)
        print('%s: Status %r, BytesMigrated %d, Cycles %d' % (engine, p['Status'], p['BytesMigrated'], p['Cycles']))
        print('  nodes of its pages before %s after %s; pagemap (pages, swapped, present) before %s after %s'
              % (before[0], after[0], before[1], after[1]))
        self.assertIn('nothing to move', p['Status'])
        self.assertEqual(p['BytesMigrated'], 0)
        self.assertEqual(p['LastError'], '')
        self.assertEqual(after[0], before[0], 'move_pages node query changed')
        self.assertEqual(after[1], before[1], 'pagemap changed')
        self.assertEqual(after[2], before[2], 'thread affinities changed')
        return w, p

    def test_cslide_nothing_to_move(self):
        w, p = self.run_engine('cs', 'cslide', dict(node_pair='0,1', hot_threshold=1, node_mig_quota=1024,
                                                    node_hot_reserve=1024),
                               dict(vm_flags='ht', anon_only='no', ign_host='no'))
        self.assertIn('node 1', p['Status'])
        # showtaskpages: per-node pages of the whole process, against the kernel's numa_maps
        rep = self.command('cs', 'cslide', 'showtaskpages', task='t1')
        pids = rep['tasks'][0]['pids']
        self.assertEqual([x['pid'] for x in pids], [w.pid])
        ours = {n['node']: n['pages'] * pids[0]['page_size'] for n in pids[0]['nodes']}
        theirs, _ = numa_util.numa_maps_pages(w.pid)
        print('showtaskpages bytes per node %s; numa_maps %s' % (ours, theirs))
        self.assertEqual(set(ours), set(theirs))
        skipped = pids[0]['skipped_bytes']  # sparse giant mappings (a sanitizer's shadow) are not walked
        for node, b in theirs.items():
            self.assertLessEqual(abs(ours[node] - b), max(b // 50, 256 << 10) + skipped,
                                 'node %d: showtaskpages %d bytes, numa_maps %d' % (node, ours[node], b))
        r = self.ctl_ok('engine', 'showtaskpages', '-n', 'cs', '-e', 'cslide', '-t', 't1')
        print(r.stdout)
        self.assertIn('TASK', r.stdout.splitlines()[0])
        self.assertIn(str(w.pid), r.stdout)
        host = self.command('cs', 'cslide', 'showhostpages')
        self.assertEqual([n['node'] for n in host['nodes']], numa_util.online_nodes())
        r = self.ctl_ok('engine', 'showhostpages', '-n', 'cs', '-e', 'cslide')
        print(r.stdout)
        self.assertIn('HUGEPAGE_KB', r.stdout.splitlines()[0])
        self.assertEqual(w.stop(), 0)

    def test_numa_nothing_to_move(self):
        self.run_engine('nu', 'numa', dict(cpu_threshold=0, mem_threshold=0), {})

    def test_numa_set_changes_params(self):
        self.create_project('ns', loop=1, interval=1, sleep=1)
        ep = self.add_engine('ns', 'numa', target_utilization=85)
        mon = self.monitor()
        out = self.command('ns', 'numa', 'set', target_utilization=60, exclude='1,2')
        self.assertEqual(out['params']['target_utilization'], '60')
        params = self.prop(ep, ENGINE_IFACE, 'Params')
        print('Params after set: %s' % params)
        self.assertEqual(params['target_utilization'], '60')
        self.assertEqual(params['exclude'], '1,2')
        mon.wait_for(lambda m: m.get('member') == 'PropertiesChanged' and m.get('path') == ep and 'Params' in str(m['args']),
                     what='PropertiesChanged on Params')
        msg = self.assertDBusError('org.etmem.Error.InvalidConfig', self.command, 'ns', 'numa', 'set',
                                   target_utilization=5)
        print('refused: %s' % msg)
        self.assertIn('target_utilization', msg)
        self.assertIn('10..130', msg)
        self.assertEqual(self.prop(ep, ENGINE_IFACE, 'Params')['target_utilization'], '60')
        exported = str(self.mgr('ExportConfig', 's', 'ini'))
        self.assertIn('target_utilization=60', exported)

    def test_placement_advice_matches_numad(self):
        numad = shutil.which('numad')
        if not numad:
            self.skipTest('numad is not installed (apt-get install numad)')
        for cpus, mbs in ((1, 100), (2, 1024), (4, 100000), (0, 0)):
            ours = str(self.mgr('GetPlacementAdvice', 'ut', dbus.UInt32(cpus), dbus.UInt64(mbs), timeout=30))
            theirs = subprocess.run([numad, '-w', '%d:%d' % (cpus, mbs)], capture_output=True, text=True,
                                    timeout=30).stdout.strip()
            ctl = self.ctl_ok('advise', '--cpus', cpus, '--mem', mbs).stdout.strip()
            print('request %d CPUs %d MB: GetPlacementAdvice %r, etmemctl advise %r, numad -w %r'
                  % (cpus, mbs, ours, ctl, theirs))
            self.assertEqual(ours, theirs)
            self.assertEqual(ctl, theirs)
        r = self.ctl('advise', '--mem', '10')
        self.assertEqual(r.returncode, 2, 'a missing --cpus is a usage error: %r' % r.stderr)
        self.assertIn('--cpus', r.stderr)


if __name__ == '__main__':
    if os.geteuid() != 0:
        skip('needs root (moves pages of another process)')
    if len(numa_util.online_nodes()) != 1:
        skip('this test is for single-node machines (tests/vm covers several nodes)')
    main()
