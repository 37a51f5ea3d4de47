#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Regression tests for the security review (issue #10), with python3-dbusmock's
polkitd on a private bus and user nobody (setpriv) as the caller.

Item 1: LoadConfig chooses its polkit action from the parsed config, not from the raw
text.  A JSON engine type written "third\\u0070arty" parses to thirdparty: it must be
authorized as org.etmem.load-engine (which nobody does not hold), not as
org.etmem.manage (which nobody holds here).  And input that does not parse or validate
is refused with InvalidConfig before polkit is asked at all (parse -> validate ->
authorize -> act): bad input never costs a polkit prompt."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polkit_fixture import (ACCESS_DENIED, MANAGER_IFACE, MANAGER_PATH, PolkitTestCase, as_nobody, call,  # noqa: E402
                            main)

MANAGE, LOAD_ENGINE = 'org.etmem.manage', 'org.etmem.load-engine'
INVALID = 'org.etmem.Error.InvalidConfig'

# "third\u0070arty" is JSON for "thirdparty"; the raw text has no "thirdparty" in it
ESCAPED_THIRDPARTY = r'''{"projects": [{"name": "tp", "loop": 1, "interval": 1, "sleep": 1,
  "engines": [{"name": "my_engine", "type": "third\u0070arty",
               "libname": "/opt/engines/my_engine.so", "ops_name": "my_engine_ops"}]}]}'''
PLAIN_PROJECT = '{"projects": [{"name": "plain", "loop": 1, "interval": 1, "sleep": 1}]}'


def load(text, fmt='json'):
    return call(MANAGER_PATH, MANAGER_IFACE, 'LoadConfig', 'sss', text, fmt, 'nobody.json')


class TestLoadConfigAction(PolkitTestCase):

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.daemon = self.start_daemon()
        self.pk.set_allowed([MANAGE])   # a delegated group: manage, but not load-engine

    def test_escaped_thirdparty_needs_load_engine(self):
        self.assertIn('third\\u0070arty', ESCAPED_THIRDPARTY)
        self.assertNotIn('thirdparty', ESCAPED_THIRDPARTY)
        before = self.snapshot()
        self.pk.clear()
        _, res = as_nobody(self.bus, [load(ESCAPED_THIRDPARTY), load(PLAIN_PROJECT)])
        actions = [c['action'] for c in self.pk.checks()]
        print('escaped thirdparty: %s; plain project: %s; polkit asked for %s'
              % (res[0].get('error') or 'loaded', res[1].get('error') or 'loaded', actions))
        self.assertDenied(res[0], 'LoadConfig of an escaped thirdparty engine')
        self.assertEqual(actions[0], LOAD_ENGINE, 'the escaped thirdparty config was authorized as %s' % actions[0])
        # the control: with manage, a config without thirdparty engines loads
        self.assertOk(res[1], 'LoadConfig of a plain project')
        self.assertEqual(actions[1], MANAGE)
        after = self.snapshot()
        self.assertNotIn(MANAGER_PATH + '/project/tp', after, 'the refused config left objects behind')
        self.assertEqual(set(after) - set(before), {MANAGER_PATH + '/project/plain'})

    def test_bad_input_is_refused_before_polkit(self):
        self.pk.clear()
        bad = [
            ('a JSON syntax error', load('{"projects": [')),
            ('an INI key out of range', load('[project]\nname=p\nloop=121\ninterval=1\nsleep=1\n', 'ini')),
            ('an engine without its name', load('{"projects": [{"name": "q", "loop": 1, "interval": 1, '
                                                '"sleep": 1, "engines": [{"type": "thirdparty"}]}]}')),
            ('an unknown format', load(PLAIN_PROJECT, 'yaml')),
        ]
        _, res = as_nobody(self.bus, [c for _, c in bad])
        for (what, _), r in zip(bad, res):
            print('%s: %s: %s' % (what, r.get('error'), r.get('message')))
            self.assertIn('error', r, '%s was accepted' % what)
            self.assertNotEqual(r['error'], ACCESS_DENIED, '%s went to polkit before it was validated' % what)
        self.assertEqual(res[0]['error'], INVALID)
        self.assertIn('loop', res[1]['message'])
        self.assertEqual(self.pk.checks(), [], 'polkit was asked about input that does not validate')


if __name__ == '__main__':
    main()
