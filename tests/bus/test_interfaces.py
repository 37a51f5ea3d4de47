#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What etmemd introspects for org.etmem.Manager1, Project1, Engine1 and Task1
equals the interface files dbus/org.etmem.*.xml: the same methods with the same
argument names, types and directions, the same signals, the same properties with
type, access and EmitsChangedSignal."""

import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import (DBUS_XML_DIR, MANAGER_PATH, EtmemTestCase, engine_path, main, project_path,  # noqa: E402
                           task_path)

EMITS = 'org.freedesktop.DBus.Property.EmitsChangedSignal'


def describe(iface):
    """A comparable summary of one <interface> element."""
    def args(el):
        return [(a.get('direction', 'in' if el.tag == 'method' else 'out'), a.get('type'), a.get('name'))
                for a in el.findall('arg')]
    out = {'methods': {}, 'signals': {}, 'properties': {}}
    for m in iface.findall('method'):
        out['methods'][m.get('name')] = args(m)
    for s in iface.findall('signal'):
        out['signals'][s.get('name')] = [(t, n) for _, t, n in args(s)]
    for p in iface.findall('property'):
        emits = 'true'
        for a in p.findall('annotation'):
            if a.get('name') == EMITS:
                emits = a.get('value')
        out['properties'][p.get('name')] = (p.get('type'), p.get('access'), emits)
    return out


class TestInterfaces(EtmemTestCase):

    def introspect(self, path, name):
        xml = str(self.call(path, 'org.freedesktop.DBus.Introspectable', 'Introspect'))
        for iface in ET.fromstring(xml).findall('interface'):
            if iface.get('name') == name:
                return iface
        self.fail('%s does not offer %s' % (path, name))

    def check(self, name, path):
        f = os.path.join(DBUS_XML_DIR, name + '.xml')
        if not os.path.exists(f):
            raise unittest.SkipTest('%s does not exist (the interface file is not written yet)' % f)
        spec = [i for i in ET.parse(f).getroot().iter('interface') if i.get('name') == name]
        self.assertEqual(len(spec), 1, '%s declares %s once' % (f, name))
        want, got = describe(spec[0]), describe(self.introspect(path, name))
        for part in ('methods', 'signals', 'properties'):
            self.assertEqual(got[part], want[part], '%s %s: etmemd (first) vs %s (second)' % (name, part, f))

    def setUp(self):
        super().setUp()
        self.create_project('p')
        self.add_engine('p', 'sleeper')
        self.add_task('p', 'sleeper', 't')

    def test_manager(self):
        self.check('org.etmem.Manager1', MANAGER_PATH)

    def test_project(self):
        self.check('org.etmem.Project1', project_path('p'))

    def test_engine(self):
        self.check('org.etmem.Engine1', engine_path('p', 'sleeper'))

    def test_task(self):
        self.check('org.etmem.Task1', task_path('p', 'sleeper', 't'))


if __name__ == '__main__':
    main()
