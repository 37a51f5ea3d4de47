#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""(e) The real polkitd (/usr/lib/polkit-1/polkitd) on the private bus, with
polkit/org.etmem.policy installed in /usr/share/polkit-1/actions for the test:
- without a rule, org.etmem.manage is auth_admin_keep: user nobody (no session,
  no agent) gets InteractiveAuthorizationRequired for a non-interactive call and
  AccessDenied for an interactive one; root is never asked;
- a rules file in /etc/polkit-1/rules.d granting org.etmem.manage to a test group
  that nobody is put in (and using the "project" detail etmemd sends) lets nobody
  create projects, except the one the rule names as forbidden;
- the rule removed, nobody is refused again (polkitd re-reads rules on change).
Everything installed is removed afterwards: the action file (only if this test
put it there), the rules file, the test group."""

import atexit
import grp
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polkit_fixture import (ACCESS_DENIED, INTERACTIVE_REQUIRED, MANAGER_IFACE, MANAGER_PATH, PK_NAME,  # noqa: E402
                            POLICY_FILE, PolkitTestCase, as_nobody, call, main, nobody_argv, project_path,
                            stop_proc, track)

POLKITD = '/usr/lib/polkit-1/polkitd'
ACTIONS_DIR = '/usr/share/polkit-1/actions'
RULES_DIR = '/etc/polkit-1/rules.d'
GROUP = 'etmempk%d' % os.getpid()
RULES_FILE = os.path.join(RULES_DIR, '49-etmem-test-%d.rules' % os.getpid())
RULE = '''// written by etmem's tests/polkit/test_real_polkitd.py; removed when it ends
polkit.addRule(function(action, subject) {
    if (action.id == "org.etmem.manage" && subject.isInGroup("%s")) {
        if (action.lookup("project") == "forbidden")
            return polkit.Result.NO;
        return polkit.Result.YES;
    }
});
''' % GROUP
OPTIONS = {'loop': 1, 'interval': 1, 'sleep': 1}


def create(name):
    return call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', name, OPTIONS)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _groupdel():
    subprocess.run(['groupdel', GROUP], capture_output=True)


class TestRealPolkitd(PolkitTestCase):

    def setUp(self):
        super().setUp()
        for need in (POLKITD, 'groupadd', 'groupdel', 'gpasswd'):
            if not shutil.which(need) and not os.access(need, os.X_OK):
                self.skipTest('%s is not installed' % need)
        if not os.path.isdir(RULES_DIR) or not os.path.isdir(ACTIONS_DIR):
            self.skipTest('%s or %s is missing' % (RULES_DIR, ACTIONS_DIR))
        self.install_action()
        self.make_group()
        self.polkitd_log = os.path.join(self.tmp, 'polkitd.log')
        with open(self.polkitd_log, 'w') as log:
            self.polkitd = track(subprocess.Popen([POLKITD], env=dict(os.environ,
                                                                      DBUS_SYSTEM_BUS_ADDRESS=self.bus.address),
                                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        self.addCleanup(stop_proc, self.polkitd)
        self.bus.wait_owner(PK_NAME, self.polkitd, 'polkitd', self.polkitd_log)
        self.daemon = self.start_daemon(polkit_timeout=20)

    def install_action(self):
        dest = os.path.join(ACTIONS_DIR, 'org.etmem.policy')
        if os.path.exists(dest):
            with open(dest) as a, open(POLICY_FILE) as b:
                if a.read() != b.read():
                    self.skipTest('%s exists and differs from %s; not overwriting it' % (dest, POLICY_FILE))
            return
        shutil.copyfile(POLICY_FILE, dest)
        os.chmod(dest, 0o644)
        atexit.register(_remove, dest)
        self.addCleanup(_remove, dest)

    def make_group(self):
        r = subprocess.run(['groupadd', '--system', GROUP], capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest('cannot create the test group %s: %s' % (GROUP, r.stderr.strip()))
        atexit.register(_groupdel)
        self.addCleanup(_groupdel)
        r = subprocess.run(['gpasswd', '-a', 'nobody', GROUP], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, 'gpasswd -a nobody %s: %s' % (GROUP, r.stderr))
        self.assertIn('nobody', grp.getgrnam(GROUP).gr_mem)

    def wait_for(self, pred, what, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > deadline:
                self.fail('timed out after %d s waiting until %s; polkitd said:\n%s'
                          % (timeout, what, open(self.polkitd_log, errors='replace').read()[-3000:]))
            time.sleep(0.2)

    def test_rules_file_grants_and_revokes(self):
        # no rule: auth_admin_keep, and nobody has no agent
        _, res = as_nobody(self.bus, [create('p0')])
        self.assertDenied(res[0], 'CreateProject, no rule, non-interactive', INTERACTIVE_REQUIRED)
        print('no rule, non-interactive: %s: %s' % (res[0]['error'], res[0]['message']))
        r = subprocess.run(nobody_argv('busctl', '--address=' + self.bus.address, '--allow-interactive-authorization=yes',
                                       'call', 'org.etmem', MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}',
                                       'p0', '3', 'loop', 'u', '1', 'interval', 'u', '1', 'sleep', 'u', '1'),
                           capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0, 'busctl CreateProject as nobody succeeded without a rule')
        print('no rule, interactive (busctl, no agent): %s' % r.stderr.strip())
        self.assertEqual(self.project_names(), [])
        self.create_project('byroot')       # root: never asks polkit

        # the rule: nobody is in the group now
        with open(RULES_FILE, 'w') as f:
            f.write(RULE)
        os.chmod(RULES_FILE, 0o644)
        atexit.register(_remove, RULES_FILE)
        self.addCleanup(_remove, RULES_FILE)
        res = self.wait_for(lambda: (lambda r: r if 'ok' in r[0] else None)(as_nobody(self.bus, [create('p1')])[1]),
                            'polkitd applies the new rules file')
        self.assertEqual(res[0]['ok'], project_path('p1'))
        _, res = as_nobody(self.bus, [create('forbidden'), create('p2')])
        self.assertDenied(res[0], 'CreateProject("forbidden"), which the rule refuses by its "project" detail')
        self.assertOk(res[1], 'CreateProject("p2") under the rule')
        self.assertEqual(self.project_names(), ['byroot', 'p1', 'p2'])
        print('rule for group %s: p1, p2 created as nobody; "forbidden" refused by the project detail (%s)'
              % (GROUP, res[0]['error']))

        # the rule removed
        os.unlink(RULES_FILE)
        res = self.wait_for(lambda: (lambda r: r if 'error' in r[0] else None)(as_nobody(self.bus, [create('p3')])[1]),
                            'polkitd drops the removed rules file')
        self.assertIn(res[0]['error'], (INTERACTIVE_REQUIRED, ACCESS_DENIED))
        self.assertEqual(self.project_names(), ['byroot', 'p1', 'p2'])
        print('rule removed: nobody refused again (%s)' % res[0]['error'])


if __name__ == '__main__':
    main()
