#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #11, acceptance 1: the Cockpit page in a real browser.  etmemd runs on a private
system bus; a real cockpit-ws (--no-tls --local-session=cockpit-bridge: no login) on a
private port serves the page from this checkout's cockpit/ (XDG_DATA_DIRS), and its
cockpit-bridge sees the private bus as the system bus (DBUS_SYSTEM_BUS_ADDRESS).
cockpit_driver.mjs drives Debian's chromium through puppeteer-core: a project loaded
over D-Bus is shown, Start on the page runs it and the page shows "running" (from
PropertiesChanged), Stop, a config loaded through the page and one it refuses (the
message shown, nothing added), a change made with etmemctl, the kernel features.  The screenshot is kept: build/meson-logs/cockpit-etmem.png."""

import os
import pwd
import shutil
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'bus'))
from etmem_fixture import (ETMEMCTL, PROJECT_IFACE, EtmemTestCase, _track, main,  # noqa: E402
                           project_path, spawn_target)

COCKPIT_WS = os.environ.get('COCKPIT_WS', '/usr/lib/cockpit/cockpit-ws')
COCKPIT_DIR = os.environ.get('COCKPIT_DIR', os.path.join(HERE, '..', '..', 'cockpit'))
CHROMIUM = '/usr/bin/chromium'
SCREENSHOT = os.environ.get('SCREENSHOT', '')
DRIVER = os.path.join(HERE, 'cockpit_driver.mjs')

CONFIG = '''[project]
name={name}
loop=1
interval=1
sleep=1

[engine]
name=sleeper
project={name}

[task]
project={name}
engine=sleeper
name=t1
type=pid
value={pid}
'''


def missing_tools():
    out = []
    for path, what in ((COCKPIT_WS, 'cockpit-ws'), (CHROMIUM, 'chromium'),
                       (os.path.join(HERE, 'node_modules', 'puppeteer-core', 'package.json'),
                        'puppeteer-core (npm ci in tests/frontend)')):
        if not os.path.exists(path):
            out.append(what)
    for prog in ('cockpit-bridge', 'node'):
        if not any(os.access(os.path.join(d, prog), os.X_OK) for d in os.environ.get('PATH', '').split(':')):
            out.append(prog)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        raise AssertionError('%s is not a PNG' % path)
    return struct.unpack('>II', head[16:24])


class TestCockpit(EtmemTestCase):

    def start_cockpit_ws(self, prefix=()):
        share = os.path.join(self.tmp, 'share')
        os.makedirs(os.path.join(share, 'cockpit'))
        # a copy, not a link: user nobody may not read the checkout (/root is 0700 on Debian)
        shutil.copytree(COCKPIT_DIR, os.path.join(share, 'cockpit', 'etmem'))
        port = free_port()
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address,
                   XDG_DATA_DIRS=share + ':/usr/share', XDG_DATA_HOME=os.path.join(self.tmp, 'data-home'),
                   XDG_CONFIG_DIRS=os.path.join(self.tmp, 'etc'), LANG='C.UTF-8')
        self.ws_log = os.path.join(self.tmp, 'cockpit-ws.log')
        with open(self.ws_log, 'w') as log:
            ws = _track(subprocess.Popen(list(prefix) + [COCKPIT_WS, '--no-tls', '--local-session=cockpit-bridge',
                                          '--address', '127.0.0.1', '--port', str(port)],
                                         env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        self.addCleanup(lambda: (ws.kill(), ws.wait(5)))
        deadline = time.monotonic() + 15
        while True:
            if ws.poll() is not None:
                self.fail('cockpit-ws exited with status %s:\n%s' % (ws.returncode, open(self.ws_log).read()))
            try:
                socket.create_connection(('127.0.0.1', port), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.fail('cockpit-ws did not listen on port %d within 15 s' % port)
                time.sleep(0.05)
        return 'http://127.0.0.1:%d/cockpit/@localhost/etmem/index.html' % port

    def setUp(self):
        missing = missing_tools()
        if missing:  # a CI machine has them (tools/deps.sh): never pass silently without them
            self.fail('missing %s (tools/deps.sh installs them)' % ', '.join(missing))
        self.assertTrue(SCREENSHOT, 'SCREENSHOT is not set; run through meson test --suite frontend')
        super().setUp()
        self.target = spawn_target(self)
        self.configs = {name: self.write(name + '.conf', CONFIG.format(name=name, pid=self.target.pid))
                        for name in ('web', 'db')}

    def drive(self, url, screenshot, **extra):
        if os.path.exists(screenshot):
            os.unlink(screenshot)
        env = dict(os.environ, URL=url, ETMEMCTL=ETMEMCTL, BUS_ADDRESS=self.bus.address,
                   CONFIG_WEB=self.configs['web'], CONFIG_DB=self.configs['db'], SCREENSHOT=screenshot,
                   PROFILE=os.path.join(self.tmp, 'chromium-profile'), **extra)
        r = subprocess.run(['node', DRIVER], env=env, cwd=HERE, capture_output=True, text=True, timeout=150)
        print(r.stdout)
        if r.returncode != 0:
            self.fail('the browser test failed (exit %d):\n%s\n%s\ncockpit-ws log:\n%s\netmemd log:\n%s'
                      % (r.returncode, r.stdout[-4000:], r.stderr[-3000:], open(self.ws_log).read()[-3000:],
                         self.daemon.log_tail(30)))

    def test_page(self):
        self.drive(self.start_cockpit_ws(), SCREENSHOT)

        # what the clicks did, read back over D-Bus
        self.assertEqual(self.prop(project_path('web'), PROJECT_IFACE, 'State'), 'stopped')
        self.assertGreaterEqual(self.prop(project_path('web'), PROJECT_IFACE, 'Cycles'), 2)
        self.assertEqual(self.prop(project_path('db'), PROJECT_IFACE, 'State'), 'stopped')
        w, h = png_size(SCREENSHOT)
        print('screenshot %s: %dx%d PNG, %d bytes' % (SCREENSHOT, w, h, os.path.getsize(SCREENSHOT)))
        self.assertGreaterEqual((w, h), (1280, 600))

    def test_denied_as_nobody(self):
        """cockpit-ws and its bridge as user nobody: the page reads the tree (anyone may),
        but Start goes to polkit, which is absent on this bus (etmemd: denied); the page
        shows the refusal and the project stays stopped."""
        if os.geteuid() != 0:
            self.skipTest('needs root to run cockpit-ws as user nobody')
        self.ctl_ok('apply', '-f', self.configs['web'])
        # nobody must reach the bus socket and read the package directory
        for d in (self.bus.dir, self.tmp):
            os.chmod(d, 0o755)
        nobody = pwd.getpwnam('nobody')
        url = self.start_cockpit_ws(prefix=['setpriv', '--reuid=%d' % nobody.pw_uid, '--regid=%d' % nobody.pw_gid,
                                            '--clear-groups'])
        self.drive(url, SCREENSHOT.replace('.png', '-denied.png'), SCENARIO='denied')
        self.assertEqual(self.prop(project_path('web'), PROJECT_IFACE, 'State'), 'stopped')
        self.assertEqual(self.prop(project_path('web'), PROJECT_IFACE, 'Cycles'), 0)


if __name__ == '__main__':
    main()
