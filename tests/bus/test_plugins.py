#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #2, line 8: an engine plugin built for another ABI major ("badabi") or
without the etmem_engine_ops symbol ("nosym") is refused with
org.etmem.Error.PluginRefused and a message naming the ABI / the symbol, through
LoadConfig, AddEngine and etmemctl, and the tree is unchanged -- also after other
plugins were loaded (glibc's dlopen() of /proc/self/fd/N once returned the
previously loaded library)."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import ENGINES_DIRS, ENGINE_IFACE, EtmemTestCase, engine_path, main, project_path  # noqa: E402

REFUSED = 'org.etmem.Error.PluginRefused'
EXPECT = {'badabi': ('ABI', 'major'), 'nosym': ('etmem_engine_ops',)}


def config_with_engine(project, engine):
    return ('[project]\nname=%s\nloop=1\ninterval=1\nsleep=1\n'
            '[engine]\nname=%s\nproject=%s\n' % (project, engine, project))


class TestPlugins(EtmemTestCase):

    def check_refused(self, engine):
        before = self.snapshot()
        msg = self.assertDBusError(REFUSED, self.load_config, config_with_engine('newp', engine), 'ini',
                                   'plugin.conf')
        self.assertTrue(msg.startswith('plugin.conf:7:'), 'the message names the [engine] name line: %r' % msg)
        for word in EXPECT[engine]:
            self.assertIn(word, msg)
        self.assertIn('etmem-engine-%s.so' % engine, msg, 'the message names the library')
        self.assertTreeUnchanged(before, 'LoadConfig with engine %s' % engine)

        self.create_project('host%s' % engine)
        before = self.snapshot()
        msg = self.assertDBusError(REFUSED, self.call, project_path('host%s' % engine), 'org.etmem.Project1',
                                   'AddEngine', 'sa{sv}', engine, {})
        for word in EXPECT[engine]:
            self.assertIn(word, msg)
        self.assertTreeUnchanged(before, 'AddEngine %s' % engine)

        r = self.ctl_fails('--verbose', 'add-engine', 'host%s' % engine, engine)
        for word in EXPECT[engine]:
            self.assertIn(word, r.stderr)
        self.assertIn(REFUSED, r.stderr)
        self.assertTreeUnchanged(before, 'etmemctl add-engine %s' % engine)

    def test_badabi_refused_in_a_fresh_daemon(self):
        self.check_refused('badabi')

    def test_nosym_refused_in_a_fresh_daemon(self):
        self.check_refused('nosym')

    def test_refused_after_other_plugins_were_loaded(self):
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        self.check_refused('badabi')
        self.check_refused('nosym')
        # the loaded engine is still the sleeper
        self.assertEqual(str(self.call(engine_path('p', 'sleeper'), ENGINE_IFACE, 'Command', 'sa{sv}', 'ping', {})),
                         '{"pong":"engine"}')

    def test_builtin_engine_directories_checked(self):
        """Issue #10, item 10: an in-tree engine is loaded only when every directory above
        it is root's and not writable by group or others (as third-party libraries)."""
        if os.geteuid() != 0:
            self.skipTest('needs root (chown)')
        src = next(os.path.join(d, 'etmem-engine-sleeper.so') for d in ENGINES_DIRS.split(':')
                   if os.path.exists(os.path.join(d, 'etmem-engine-sleeper.so')))
        above = os.path.join(self.tmp, 'above')
        engines = os.path.join(above, 'engines')
        os.makedirs(engines)
        shutil.copy(src, engines)
        os.chmod(os.path.join(engines, 'etmem-engine-sleeper.so'), 0o755)
        os.chmod(above, 0o777)
        self.daemon.stop()
        self.daemon = self.new_daemon(engines_dirs=engines)
        self.create_project('p')
        msg = self.assertDBusError(REFUSED, self.add_engine, 'p', 'sleeper')
        print('group/other-writable parent: %s' % msg)
        self.assertIn('directory %s is writable by group or others' % above, msg)
        os.chmod(above, 0o755)
        os.chown(above, 65534, 65534)
        msg = self.assertDBusError(REFUSED, self.add_engine, 'p', 'sleeper')
        print('parent owned by nobody: %s' % msg)
        self.assertIn('directory %s is owned by uid 65534' % above, msg)
        os.chown(above, 0, 0)
        self.add_engine('p', 'sleeper')  # the same file under trusted directories loads

    def test_each_type_runs_its_own_plugin(self):
        # after the sleeper is loaded, cslide must still be cslide: it checks node_pair,
        # which the sleeper would call an unknown key
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        msg = self.assertDBusError('org.etmem.Error.InvalidConfig', self.add_engine, 'p', 'cslide',
                                   node_pair='7,0', hot_threshold=1, node_mig_quota=1, node_hot_reserve=1)
        self.assertIn('node', msg)
        self.assertNotIn('busy_ms', msg, 'cslide answered with the sleeper\'s key list: %r' % msg)
        # and the other way round
        self.create_project('q')
        self.assertDBusError('org.etmem.Error.InvalidConfig', self.add_engine, 'q', 'cslide', bogus=1)
        self.add_engine('q', 'sleeper')
        self.assertEqual(str(self.call(engine_path('q', 'sleeper'), ENGINE_IFACE, 'Command', 'sa{sv}', 'ping', {})),
                         '{"pong":"engine"}')


if __name__ == '__main__':
    main()
