#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #2, line 4: every bad configuration is refused with FILE:LINE and the key
in the message, and the object tree (GetManagedObjects) is exactly as before:
unknown keys, each project number out of range, missing required keys, tasks
naming a missing project or engine, duplicate projects, a 2 MiB file, random
bytes, and files whose last section is bad (all or nothing)."""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import EtmemTestCase, main, project_path  # noqa: E402


def project(name='bad', **keys):
    """A [project] section; keys=None drops a default, other values replace it."""
    kv = {'name': name, 'loop': 1, 'interval': 1, 'sleep': 1}
    kv.update(keys)
    return ['[project]'] + ['%s=%s' % (k, v) for k, v in kv.items() if v is not None]


def engine(project_name='bad', name='sleeper'):
    return ['[engine]', 'name=' + name, 'project=' + project_name]


def task(project_name='bad', engine_name='sleeper', name='t', *extra):
    return ['[task]', 'project=' + project_name, 'engine=' + engine_name, 'name=' + name, 'type=pid',
            'value=1'] + list(extra)


def located(lines, key_line):
    """1-based line number of the first line equal to key_line."""
    return lines.index(key_line) + 1


def last_located(lines, key_line):
    return len(lines) - lines[::-1].index(key_line)


# (label, lines, line of the error (callable or int), key)
def cases():
    out = []
    p = project() + ['foo=1']
    out.append(('unknown key in [project]', p, located(p, 'foo=1'), 'foo'))
    p = project() + engine() + task('bad', 'sleeper', 't', 'bogus=1')
    out.append(('unknown key in a sleeper [task]', p, located(p, 'bogus=1'), 'bogus'))
    for key, value in (('loop', 0), ('loop', 121), ('interval', 0), ('interval', 1201), ('sleep', 0),
                       ('sleep', 1201), ('sysmem_threshold', 101), ('sysmem_threshold', -1),
                       ('swapcache_high_wmark', 0), ('swapcache_high_wmark', 101), ('swapcache_low_wmark', 0),
                       ('loop', 'x'), ('loop', '1.5')):
        p = project(**{key: value})
        out.append(('%s=%s' % (key, value), p, located(p, '%s=%s' % (key, value)), key))
    for low, high in ((5, 5), (6, 5)):
        p = project(swapcache_high_wmark=high, swapcache_low_wmark=low)
        out.append(('swapcache_low_wmark=%d >= high %d' % (low, high), p,
                    located(p, 'swapcache_low_wmark=%d' % low), 'swapcache_low_wmark'))
    p = project(sleep=None)
    out.append(('missing sleep', p, 1, 'sleep'))
    p = project() + engine() + ['[task]', 'project=bad', 'engine=sleeper', 'name=t', 'type=pid']
    out.append(('missing task value', p, located(p, '[task]'), 'value'))
    p = task('nosuch', 'sleeper', 't')
    out.append(('task in a missing project', p, located(p, 'project=nosuch'), 'project'))
    p = project() + engine() + task('bad', 'nosuch', 't')
    out.append(('task of a missing engine', p, located(p, 'engine=nosuch'), 'engine'))
    p = project() + project()
    out.append(('duplicate project in the file', p, last_located(p, 'name=bad'), 'name'))
    p = project('existing')
    out.append(('project that already exists', p, located(p, 'name=existing'), 'name'))
    p = project('a/b')
    out.append(('project name with /', p, located(p, 'name=a/b'), 'name'))
    p = project('x' * 65)
    out.append(('project name of 65 characters', p, 2, 'name'))
    p = project() + engine('bad', 'nosuchtype')
    out.append(('unknown engine type', p, located(p, 'name=nosuchtype'), 'name'))
    p = project() + engine() + engine()
    out.append(('duplicate engine', p, last_located(p, 'name=sleeper'), 'name'))
    p = project() + engine() + task() + task()
    out.append(('duplicate task', p, last_located(p, 'name=t'), 'name'))
    return out


def only_blank_or_comments(text):
    """True when etmem's INI parser would see no line at all in text (blank or # ; comments)."""
    for line in text.split('\n'):
        s = line.strip(' \t\r\v\f')
        if s and s[0] not in '#;':
            return False
    return True


class TestBadConfigs(EtmemTestCase):

    def setUp(self):
        super().setUp()
        self.load_config('\n'.join(project('existing', loop=2) + engine('existing') +
                                   task('existing', 'sleeper', 'et', 'busy_ms=1')) + '\n', 'ini', 'existing.ini')
        self.before = self.snapshot()
        self.assertEqual(len(self.before), 3)

    def test_each_bad_ini_is_refused_with_file_line_key(self):
        for label, lines, line, key in cases():
            with self.subTest(label):
                path = self.write('bad.ini', '\n'.join(lines) + '\n')
                r = self.ctl_fails('apply', '-f', path)
                where = '%s:%d:' % (path, line)
                self.assertIn(where, r.stderr, '%s: the message must name %s' % (label, where))
                self.assertIn("'%s'" % key, r.stderr, '%s: the message must name the key %s' % (label, key))
                self.assertTreeUnchanged(self.before, label)

    def test_same_through_obj_add_and_dbus(self):
        # the etmem verb and the raw call say the same thing
        lines = project(loop=121)
        path = self.write('slide.conf', '\n'.join(lines) + '\n')
        r = self.ctl_fails('obj', 'add', '-f', path)
        self.assertIn("%s:3: key 'loop': 121 is out of range 1..120" % path, r.stderr)
        msg = self.assertDBusError('org.etmem.Error.InvalidConfig', self.load_config, '\n'.join(lines), 'ini',
                                   'slide.conf')
        self.assertEqual(msg, "slide.conf:3: key 'loop': 121 is out of range 1..120")
        self.assertTreeUnchanged(self.before)

    def test_bad_json(self):
        path = self.write('bad.json', '{"projects":[{"name":"j","loop":121,"interval":1,"sleep":1}]}')
        r = self.ctl_fails('apply', '-f', path)
        self.assertIn(path, r.stderr)
        self.assertIn('loop', r.stderr)
        self.assertIn('1..120', r.stderr)
        path = self.write('bad2.json', '{"projects":[{"name":"j","loop":1,"interval":1,"sleep":1,"bogus":2}]}')
        r = self.ctl_fails('apply', '-f', path)
        self.assertIn('bogus', r.stderr)
        path = self.write('bad3.json', '{"projects":[')
        self.ctl_fails('apply', '-f', path)
        self.assertTreeUnchanged(self.before)

    def test_two_mib_file(self):
        line = '# ' + 'x' * 1021 + '\n'
        text = '[project]\nname=big\nloop=1\ninterval=1\nsleep=1\n' + line * (2 * 1024)
        self.assertGreaterEqual(len(text), 2 * 1024 * 1024)
        path = self.write('big.ini', text)
        r = self.ctl_fails('--verbose', 'apply', '-f', path)
        self.assertIn(path, r.stderr)
        self.assertIn('1048576', r.stderr, 'the message states the limit')
        self.assertIn('org.etmem.Error.InvalidConfig', r.stderr)
        self.assertTreeUnchanged(self.before)

    def test_random_bytes(self):
        seed = int.from_bytes(os.urandom(4), 'little')
        rnd = random.Random(seed)
        # as a file through etmemctl (NUL bytes / invalid UTF-8 are refused before sending, others by etmemd)
        for i in range(5):
            path = self.write('random%d.bin' % i, os.urandom(rnd.randint(1, 8192)), mode='wb')
            r = self.ctl_fails('apply', '-f', path)
            self.assertIn(path, r.stderr, 'seed %d' % seed)
        # straight to LoadConfig as text, so the daemon's parser sees it
        for i in range(30):
            raw = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 4096)))
            text = raw.decode('latin-1').replace('\0', '')
            if only_blank_or_comments(text):
                text += '\nnot a key'  # an empty file is a valid (empty) config: keep it invalid
            if i % 2:
                text = '[project]\n' + text
            msg = self.assertDBusError('org.etmem.Error.InvalidConfig', self.load_config, text, '', 'random.conf')
            self.assertTrue(msg.startswith('random.conf'), 'seed %d: %r' % (seed, msg))
        self.assertTreeUnchanged(self.before, 'seed %d' % seed)

    def test_bad_last_section_leaves_nothing(self):
        good = (project('a', loop=2) + engine('a') + task('a', 'sleeper', 't1') + task('a', 'sleeper', 't2') +
                project('b') + engine('b'))
        lasts = [
            ('project out of range', project('c', loop=121), "'loop'"),
            ('task of a missing engine', task('b', 'nosuch', 't'), "'engine'"),
            ('task with a bad key', task('b', 'sleeper', 't', 'busy_ms=-1'), "'busy_ms'"),
            ('task duplicating an existing one', task('existing', 'sleeper', 'et'), "'name'"),
        ]
        for label, last, key in lasts:
            with self.subTest(label):
                lines = good + last
                path = self.write('partial.ini', '\n'.join(lines) + '\n')
                r = self.ctl_fails('apply', '-f', path)
                self.assertRegex(r.stderr, r'partial\.ini:(\d+):')
                line = int(r.stderr.split('partial.ini:')[1].split(':')[0])
                self.assertGreater(line, len(good), '%s: the error is in the last section' % label)
                self.assertIn(key, r.stderr)
                snap = self.snapshot()
                self.assertNotIn(project_path('a'), snap, label)
                self.assertNotIn(project_path('b'), snap, label)
                self.assertTreeUnchanged(self.before, label)
        # and the good part alone loads, so it was the last section that refused the file
        path = self.write('good.ini', '\n'.join(good) + '\n')
        self.ctl_ok('apply', '-f', path)
        self.assertIn(project_path('a'), self.snapshot())


if __name__ == '__main__':
    main()
