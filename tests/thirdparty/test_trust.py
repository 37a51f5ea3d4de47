#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #4 line 5, the daemon path: a `[engine] name=thirdparty` config whose
libname= is owned by another user, mode 0666, in a group-writable or foreign-owned
directory, a symlink (or under a symlinked directory), outside --thirdparty-dir,
contains '..', names a missing ops symbol or a library for another ABI major is
refused by the real etmemd over D-Bus (LoadConfig, AddEngine, etmemctl apply) with
org.etmem.Error.PluginRefused (a missing or relative path: InvalidConfig), a
message naming the config line and the reason, and an unchanged object tree.
The same config naming the correctly installed sample engine loads (the control)."""

import os
import sys

import dbus

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tp_fixture import (SAMPLE_ENGINE, SAMPLE_ENGINE_ABI2, ThirdpartyTestCase, install, line_of,  # noqa: E402
                        mkdir, thirdparty_config)
from etmem_fixture import ENGINE_IFACE, PROJECT_IFACE, engine_path, main, project_path  # noqa: E402

REFUSED = 'org.etmem.Error.PluginRefused'
INVALID = 'org.etmem.Error.InvalidConfig'
NOBODY = 65534


class TestTrust(ThirdpartyTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a, r = cls.allowed, cls.root
        # one file per case, so no case is answered from the loaded-plugin cache
        cls.cases = {}

        def case(name, libname, error, key, *reasons, ops_name='my_engine_ops'):
            cls.cases[name] = (libname, ops_name, error, key, reasons)

        p = install(SAMPLE_ENGINE, os.path.join(a, 'foreign.so'), uid=NOBODY, gid=NOBODY)
        case('wrong owner', p, REFUSED, 'libname', p, 'owned by uid %d, not root' % NOBODY)

        p = install(SAMPLE_ENGINE, os.path.join(a, 'world.so'), mode=0o666)
        case('mode 0666', p, REFUSED, 'libname', p, 'writable by group or others (mode 0666)')

        p = install(SAMPLE_ENGINE, os.path.join(a, 'groupw.so'), mode=0o664)
        case('mode 0664', p, REFUSED, 'libname', p, 'writable by group or others (mode 0664)')

        d = mkdir(os.path.join(a, 'gw'), mode=0o775)
        p = install(SAMPLE_ENGINE, os.path.join(d, 'my_engine.so'))
        case('group-writable parent', p, REFUSED, 'libname', 'directory %s is writable by group or others (mode 0775)' % d)

        d = mkdir(os.path.join(a, 'foreigndir'), uid=NOBODY, gid=NOBODY)
        p = install(SAMPLE_ENGINE, os.path.join(d, 'my_engine.so'))
        case('foreign-owned parent', p, REFUSED, 'libname', 'directory %s is owned by uid %d, not root' % (d, NOBODY))

        p = os.path.join(a, 'link.so')
        os.symlink(cls.lib, p)
        case('symlink', p, REFUSED, 'libname', p, 'is a symbolic link')

        outside = mkdir(os.path.join(r, 'outside'))
        install(SAMPLE_ENGINE, os.path.join(outside, 'my_engine.so'))
        p = os.path.join(outside, 'my_engine.so')
        case('outside the allowed directory', p, REFUSED, 'libname', p,
             'outside the directory third-party engines may be loaded from (%s)' % a)

        d = os.path.join(a, 'escape')
        os.symlink(outside, d)
        p = os.path.join(d, 'my_engine.so')
        case('symlinked parent directory', p, REFUSED, 'libname', '%s is not a directory' % d)

        mkdir(os.path.join(a, 'sub'))
        p = os.path.join(a, 'sub', '..', 'my_engine.so')
        case('dotdot', p, REFUSED, 'libname', p, "must not contain '..'")

        case('missing ops symbol', cls.lib, REFUSED, 'ops_name', cls.lib,
             "does not export the engine symbol 'no_such_ops'", ops_name='no_such_ops')

        p = install(SAMPLE_ENGINE_ABI2, os.path.join(a, 'my_engine_abi2.so'))
        case('another ABI major', p, REFUSED, 'ops_name', p, 'plugin ABI major 2 is not supported',
             'ABI %s' % '1.')

        d = mkdir(os.path.join(a, 'notafile.so'))
        case('a directory', d, REFUSED, 'libname', d, 'is not a regular file')

        p = os.path.join(a, 'missing.so')
        case('missing file', p, INVALID, 'libname', 'library %s does not exist' % p)

        case('relative path', 'engines/my_engine.so', INVALID, 'libname', "'engines/my_engine.so'", 'absolute')

    def load_refused(self, name):
        libname, ops_name, error, key, reasons = self.cases[name]
        text = thirdparty_config(libname, ops_name)
        before = self.snapshot()
        try:
            self.load_config(text, 'ini', 'thirdparty.conf')
        except dbus.exceptions.DBusException as e:
            self.assertEqual(e.get_dbus_name(), error, '%s: wrong error; message: %s' % (name, e.get_dbus_message()))
            msg = e.get_dbus_message() or ''
        else:
            accepted = self.props(engine_path('test', 'my_engine'), ENGINE_IFACE)
            self.unload_config(text, 'ini', 'thirdparty.conf')  # so later cases start from the same tree
            self.fail('%s: etmemd ACCEPTED libname=%s ops_name=%s (engine %s)' % (name, libname, ops_name, accepted))
        self.assertTrue(msg.startswith('thirdparty.conf:%d:' % line_of(text, key)),
                        '%s: the message does not name the %s= line (%d): %r' % (name, key, line_of(text, key), msg))
        for reason in reasons:
            self.assertIn(reason, msg, '%s: the message lacks the reason' % name)
        self.assertTreeUnchanged(before, 'LoadConfig with %s' % name)
        print('%-30s %s: %s' % (name, error.rsplit('.', 1)[1], msg))
        return msg

    def test_control_the_installed_sample_loads(self):
        # Without this the refusals below could be refusals of anything.
        text = thirdparty_config(self.lib)
        objs = self.load_config(text, 'ini', 'thirdparty.conf')
        self.assertIn(engine_path('test', 'my_engine'), objs)
        self.unload_config(text, 'ini', 'thirdparty.conf')
        self.assertEqual(self.snapshot(), {})

    def test_each_hostile_library_is_refused(self):
        for name in self.cases:
            with self.subTest(case=name):
                self.load_refused(name)

    def test_refused_after_the_good_library_was_loaded(self):
        # A loaded library must not make another path acceptable (cache keyed by path).
        self.load_config(thirdparty_config(self.lib, project='good'), 'ini', 'good.conf')
        for name in self.cases:
            with self.subTest(case=name):
                self.load_refused(name)

    def test_refusal_does_not_poison_later_loads(self):
        # glibc dlopen() matches an already loaded object by file identity and then
        # remembers the new name ("/proc/self/fd/M") as an alias of it.  A refused
        # load of the loaded library (here: a missing ops symbol) must not make the
        # next library checked through the same fd number load as that library.
        self.load_config(thirdparty_config(self.lib, project='good'), 'ini', 'good.conf')
        self.load_refused('missing ops symbol')
        self.load_refused('another ABI major')

    def test_add_engine_refuses_too(self):
        self.create_project('host')
        for name in ('wrong owner', 'mode 0666', 'symlink', 'dotdot', 'another ABI major', 'missing ops symbol'):
            libname, ops_name, error, key, reasons = self.cases[name]
            with self.subTest(case=name):
                before = self.snapshot()
                msg = self.assertDBusError(error, self.call, project_path('host'), PROJECT_IFACE, 'AddEngine',
                                           'sa{sv}', 'thirdparty',
                                           {'eng_name': 'my_engine', 'libname': libname, 'ops_name': ops_name})
                for reason in reasons:
                    self.assertIn(reason, msg)
                self.assertTreeUnchanged(before, 'AddEngine with %s' % name)

    def test_etmemctl_apply_refuses_too(self):
        for name in ('mode 0666', 'outside the allowed directory'):
            libname, ops_name, error, key, reasons = self.cases[name]
            with self.subTest(case=name):
                conf = self.write('tp.conf', thirdparty_config(libname, ops_name))
                before = self.snapshot()
                r = self.ctl_fails('--verbose', 'apply', '-f', conf)
                self.assertIn(error, r.stderr)
                for reason in reasons:
                    self.assertIn(reason, r.stderr)
                self.assertTreeUnchanged(before, 'etmemctl apply with %s' % name)

    def test_thirdparty_dir_must_be_absolute(self):
        # issue #10 item 9: an empty --thirdparty-dir matched every absolute path
        import subprocess
        from etmem_fixture import ETMEMD
        for value in ('', 'engines', './engines'):
            with self.subTest(value=value):
                r = subprocess.run([ETMEMD, '--no-state', '--thirdparty-dir=' + value], stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=30)
                print('etmemd --thirdparty-dir=%r: exit %d: %s' % (value, r.returncode, r.stderr.strip()))
                self.assertNotEqual(r.returncode, 0, 'etmemd started with --thirdparty-dir=%r' % value)
                self.assertIn('--thirdparty-dir', r.stderr)
                self.assertIn('not an absolute directory', r.stderr)


if __name__ == '__main__':
    main()
