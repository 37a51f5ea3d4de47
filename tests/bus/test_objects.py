#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #2, line 2: `busctl tree` / `busctl introspect` show the manager with its
ObjectManager, and every object created or removed (CreateProject, AddEngine,
AddTask, LoadConfig, UnloadConfig, RemoveTask/Engine/Project) is announced with
InterfacesAdded / InterfacesRemoved carrying the right path and interfaces."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus  # noqa: E402
import dbus.lowlevel  # noqa: E402
from etmem_fixture import (ENGINE_IFACE, MANAGER_IFACE, MANAGER_PATH, OM_IFACE, PROJECT_IFACE, TASK_IFACE,  # noqa: E402
                           EtmemTestCase, engine_path, main, project_path, task_path, unwrap)


class TestObjects(EtmemTestCase):

    def busctl(self, *args):
        r = subprocess.run(['busctl', '--timeout=10', '--address=' + self.bus.address] + list(args), capture_output=True, text=True,
                           timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, 'busctl %s failed: %s' % (' '.join(args), r.stderr))
        return r.stdout

    def introspected_interfaces(self, path):
        """{interface: [members]} from `busctl introspect`."""
        out = {}
        cur = None
        for line in self.busctl('introspect', '--no-legend', 'org.etmem', path).splitlines():
            f = line.split()
            if len(f) >= 2 and f[1] == 'interface':
                cur = out.setdefault(f[0], [])
            elif len(f) >= 2 and cur is not None and f[0].startswith('.'):
                cur.append(f[0][1:])
        return out

    def test_tree_and_introspect(self):
        tree = self.busctl('tree', 'org.etmem')
        self.assertIn(MANAGER_PATH, tree)
        self.assertNotIn('/org/etmem/project/', tree, 'a fresh etmemd has no projects')

        ifaces = self.introspected_interfaces(MANAGER_PATH)
        self.assertIn(MANAGER_IFACE, ifaces, 'busctl introspect /org/etmem')
        self.assertIn(OM_IFACE, ifaces, 'busctl introspect /org/etmem')
        for m in ('CreateProject', 'RemoveProject', 'LoadConfig', 'UnloadConfig', 'ExportConfig',
                  'Version', 'EngineTypes', 'KernelFeatures', 'MaxObjects', 'ObjectCount'):
            self.assertIn(m, ifaces[MANAGER_IFACE])
        for m in ('GetManagedObjects', 'InterfacesAdded', 'InterfacesRemoved'):
            self.assertIn(m, ifaces[OM_IFACE])

        self.create_project('p')
        self.add_engine('p', 'sleeper')
        self.add_task('p', 'sleeper', 't')
        tree = re.findall(r'/\S*', self.busctl('tree', 'org.etmem'))
        for path in (project_path('p'), engine_path('p', 'sleeper'), task_path('p', 'sleeper', 't')):
            self.assertIn(path, tree, 'busctl tree org.etmem')
        self.assertIn(PROJECT_IFACE, self.introspected_interfaces(project_path('p')))
        self.assertIn(ENGINE_IFACE, self.introspected_interfaces(engine_path('p', 'sleeper')))
        self.assertIn(TASK_IFACE, self.introspected_interfaces(task_path('p', 'sleeper', 't')))

    def test_paths_are_escaped_like_sd_bus(self):
        for name, expected in (('a.b-c_d', 'a_2eb_2dc_5fd'), ('9lives', '_39lives'), ('Plain0', 'Plain0')):
            path = self.create_project(name)
            self.assertEqual(path, '/org/etmem/project/' + expected, 'object path of project %r' % name)
            self.assertEqual(self.prop(path, PROJECT_IFACE, 'Name'), name)

    def test_signals_for_single_objects(self):
        mon = self.monitor()
        me = self.bus.owner()
        pp, ep, tp = project_path('sig'), engine_path('sig', 'sleeper'), task_path('sig', 'sleeper', 't1')

        self.assertEqual(self.create_project('sig', loop=2), pp)
        self.assertEqual(self.add_engine('sig', 'sleeper'), ep)
        self.assertEqual(self.add_task('sig', 'sleeper', 't1', busy_ms=5), tp)
        mon.sync()
        added = mon.object_events(me)
        self.assertEqual([(e[0], e[1]) for e in added], [('added', pp), ('added', ep), ('added', tp)],
                         mon.describe())
        self.assertIn(PROJECT_IFACE, added[0][2])
        self.assertIn(ENGINE_IFACE, added[1][2])
        self.assertIn(TASK_IFACE, added[2][2])
        # the signals come from the ObjectManager and carry the new object's properties
        sigs = mon.signals(sender=me, member='InterfacesAdded')
        self.assertTrue(all(s['path'] == MANAGER_PATH for s in sigs), 'InterfacesAdded not sent from /org/etmem')
        self.assertEqual(sigs[0]['args'][1][PROJECT_IFACE]['Name'], 'sig')
        self.assertEqual(sigs[0]['args'][1][PROJECT_IFACE]['Loop'], 2)
        self.assertEqual(sigs[2]['args'][1][TASK_IFACE]['Params'], {'busy_ms': '5'})

        mon.clear()
        self.call(ep, ENGINE_IFACE, 'RemoveTask', 's', 't1')
        mon.sync()
        ev = mon.object_events(me)
        self.assertEqual([(e[0], e[1]) for e in ev], [('removed', tp)], mon.describe())
        self.assertIn(TASK_IFACE, ev[0][2])

        self.add_task('sig', 'sleeper', 't1')
        mon.clear()
        self.call(pp, PROJECT_IFACE, 'RemoveEngine', 's', 'sleeper')
        mon.sync()
        ev = mon.object_events(me)
        self.assertEqual(sorted(e[1] for e in ev if e[0] == 'removed'), sorted([tp, ep]), mon.describe())
        self.assertFalse([e for e in ev if e[0] == 'added'])

        self.add_engine('sig', 'sleeper')
        self.add_task('sig', 'sleeper', 't1')
        mon.clear()
        self.mgr('RemoveProject', 's', 'sig')
        mon.sync()
        ev = mon.object_events(me)
        self.assertEqual(sorted(e[1] for e in ev), sorted([pp, ep, tp]), mon.describe())
        self.assertTrue(all(e[0] == 'removed' for e in ev))
        removed = {e[1]: e[2] for e in ev}
        self.assertIn(PROJECT_IFACE, removed[pp])
        self.assertIn(ENGINE_IFACE, removed[ep])
        self.assertIn(TASK_IFACE, removed[tp])
        self.assertEqual(self.snapshot(), {}, 'the tree is empty after RemoveProject')

    def test_signals_for_config_load_and_unload(self):
        mon = self.monitor()
        me = self.bus.owner()
        text = ('[project]\nname=cfg\nloop=1\ninterval=1\nsleep=1\n'
                '[engine]\nname=sleeper\nproject=cfg\n'
                '[task]\nproject=cfg\nengine=sleeper\nname=a\ntype=pid\nvalue=1\n'
                '[task]\nproject=cfg\nengine=sleeper\nname=b\ntype=name\nvalue=sleep\n')
        paths = self.load_config(text, 'ini', 'cfg.conf')
        expect = [project_path('cfg'), engine_path('cfg', 'sleeper'), task_path('cfg', 'sleeper', 'a'),
                  task_path('cfg', 'sleeper', 'b')]
        self.assertEqual(sorted(paths), sorted(expect), 'LoadConfig returns the created objects')
        mon.sync()
        ev = mon.object_events(me)
        self.assertEqual(sorted(e[1] for e in ev if e[0] == 'added'), sorted(expect), mon.describe())
        self.assertEqual(len(ev), 4, 'one InterfacesAdded per object: ' + mon.describe())
        self.assertEqual(sorted(self.snapshot()), sorted(expect))

        mon.clear()
        removed = self.unload_config('[task]\nproject=cfg\nengine=sleeper\nname=b\n', 'ini', 'b.conf')
        self.assertEqual(removed, [task_path('cfg', 'sleeper', 'b')])
        mon.sync()
        ev = mon.object_events(me)
        self.assertEqual([(e[0], e[1]) for e in ev], [('removed', task_path('cfg', 'sleeper', 'b'))], mon.describe())
        self.assertIn(TASK_IFACE, ev[0][2])
        self.assertEqual(sorted(self.snapshot()), sorted(expect[:3]))

    def test_managed_objects_match_get_all(self):
        """GetManagedObjects (served from the tree in one walk, service/bus-managed-objects.c)
        holds exactly the objects `busctl tree` finds, each with its org.etmem interface and
        what Properties.GetAll returns for it; InterfacesAdded carries the same."""
        mon = self.monitor()
        me = self.bus.owner()
        self.load_config('[project]\nname=a.b-c\nloop=2\ninterval=3\nsleep=4\nsysmem_threshold=50\n'
                         '[engine]\nname=sleeper\nproject=a.b-c\n'
                         '[task]\nproject=a.b-c\nengine=sleeper\nname=t1\ntype=pid\nvalue=1\nbusy_ms=7\n'
                         '[task]\nproject=a.b-c\nengine=sleeper\nname=9\ntype=name\nvalue=sleep\n'
                         '[project]\nname=q\nloop=1\ninterval=1\nsleep=1\n', 'ini', 'm.conf')
        kinds = {'project': PROJECT_IFACE, 'engine': ENGINE_IFACE, 'task': TASK_IFACE}
        tree = [p for p in re.findall(r'/\S*', self.busctl('tree', 'org.etmem'))
                if re.match(r'/org/etmem/project/[^/]+(/engine/[^/]+(/task/[^/]+)?)?$', p)]
        expect = {}
        for path in tree:
            iface = kinds[path.split('/')[-2] if path.count('/') > 3 else 'project']
            expect[path] = {iface: self.props(path, iface)}
        self.assertEqual(len(expect), 5, 'busctl tree: %s' % tree)
        got = unwrap(self.call(MANAGER_PATH, OM_IFACE, 'GetManagedObjects'))
        self.assertEqual(got, expect, 'GetManagedObjects differs from GetAll on each object')
        # the same reply when the call names no interface (allowed by the D-Bus spec)
        msg = dbus.lowlevel.MethodCallMessage('org.etmem', MANAGER_PATH, None, 'GetManagedObjects')
        reply = self.bus.conn.send_message_with_reply_and_block(msg, 10)
        self.assertEqual(unwrap(reply.get_args_list()[0]), expect)
        # and a call with arguments is refused by sd-bus as before
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.call, MANAGER_PATH, OM_IFACE,
                             'GetManagedObjects', 's', 'x')
        mon.sync()
        added = {s['args'][0]: s['args'][1] for s in mon.signals(sender=me, member='InterfacesAdded')}
        self.assertEqual(unwrap(added), expect, 'InterfacesAdded differs from GetAll')

    def test_refused_config_emits_nothing(self):
        self.create_project('keep')
        mon = self.monitor()
        me = self.bus.owner()
        before = self.snapshot()
        bad = ('[project]\nname=new\nloop=1\ninterval=1\nsleep=1\n'
               '[engine]\nname=sleeper\nproject=new\n'
               '[task]\nproject=new\nengine=nosuch\nname=a\ntype=pid\nvalue=1\n')
        self.assertDBusError('org.etmem.Error.NoSuchObject', self.load_config, bad, 'ini', 'bad.conf')
        mon.sync()
        self.assertEqual(mon.object_events(me), [], 'a refused LoadConfig must not announce objects: '
                         + mon.describe())
        self.assertTreeUnchanged(before)


if __name__ == '__main__':
    main()
