#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""(b) A polkit that never answers holds only the calls waiting for it: other
clients' reads and root's calls are answered at once, the held calls fail with
AccessDenied after ETMEM_POLKIT_TIMEOUT, and a held call resumes (and acts)
when polkit does answer.  etmemd exits cleanly with calls still held."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polkit_fixture import (MANAGER_IFACE, MANAGER_PATH, PROPS_IFACE, NobodyClient,  # noqa: E402
                            PolkitTestCase, as_nobody, call, main, project_path)

TIMEOUT = 3     # ETMEM_POLKIT_TIMEOUT for this test, seconds
OPTIONS = {'loop': 1, 'interval': 1, 'sleep': 1}


class TestHangingPolkit(PolkitTestCase):

    def setUp(self):
        super().setUp()
        self.pk = self.start_mock()
        self.pk.hang(True)
        self.daemon = self.start_daemon(polkit_timeout=TIMEOUT)

    def held_create(self, name):
        c = NobodyClient(self.bus, [call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', name, OPTIONS,
                                         timeout=60)])
        return c

    def wait_hanging(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not self.pk.hanging():
            if time.monotonic() > deadline:
                self.fail('no CheckAuthorization reached the mock polkit within %d s' % timeout)
            time.sleep(0.01)

    def test_hang_times_out_and_holds_only_that_call(self):
        t0 = time.monotonic()
        held = [self.held_create('held1'), self.held_create('held2')]
        self.wait_hanging()
        while len(self.pk.checks()) < 2:
            time.sleep(0.01)

        # root's reads and writes, and nobody's reads, while two calls are held
        worst = 0.0
        for i in range(20):
            s = time.monotonic()
            self.call(MANAGER_PATH, PROPS_IFACE, 'Get', 'ss', MANAGER_IFACE, 'ObjectCount', timeout=5)
            worst = max(worst, time.monotonic() - s)
        self.assertLess(worst, 0.1, 'Properties.Get took %.3f s while a call was held' % worst)
        s = time.monotonic()
        self.create_project('byroot')
        root_write = time.monotonic() - s
        self.assertLess(root_write, 0.5)
        _, reads = as_nobody(self.bus, [call(MANAGER_PATH, PROPS_IFACE, 'GetAll', 's', MANAGER_IFACE, timeout=5)])
        self.assertIn('ok', reads[0], reads[0])
        self.assertLess(reads[0]['seconds'], 0.1, 'nobody\'s GetAll was slowed down by the held call')
        for c in held:
            self.assertIsNone(c.proc.poll(), 'a held call was answered before polkit or the timeout')
        self.assertEqual(self.project_names(), ['byroot'])
        print('while 2 calls were held: worst Properties.Get %.1f ms, root CreateProject %.1f ms, '
              'nobody GetAll %.1f ms' % (worst * 1000, root_write * 1000, reads[0]['seconds'] * 1000))

        for c in held:
            res = c.results(timeout=TIMEOUT + 30)[0]
            self.assertDenied(res, 'a call held past the polkit timeout')
            self.assertIn('polkit did not answer within %d s' % TIMEOUT, res['message'])
            self.assertGreater(res['seconds'], TIMEOUT - 0.5)
            self.assertLess(res['seconds'], TIMEOUT + 5)
            print('held call: %s after %.2f s: %s' % (res['error'], res['seconds'], res['message']))
        self.assertEqual(self.project_names(), ['byroot'], 'a timed-out call acted')
        self.assertLess(time.monotonic() - t0, TIMEOUT + 15)

    def test_held_call_resumes_when_polkit_answers(self):
        self.pk.set_allowed(['org.etmem.manage'])
        c = self.held_create('late')
        self.wait_hanging()
        time.sleep(0.3)
        self.assertIsNone(c.proc.poll(), 'the call was answered before polkit')
        self.assertEqual(self.project_names(), [], 'the project exists before polkit answered')
        self.pk.release()
        res = c.results(timeout=30)[0]
        self.assertEqual(res.get('ok'), project_path('late'), res)
        self.assertGreater(res['seconds'], 0.3)
        self.assertEqual(self.project_names(), ['late'])
        print('held call resumed after polkit answered: %s in %.2f s' % (res['ok'], res['seconds']))

    def test_exit_with_calls_held(self):
        c = self.held_create('never')
        self.wait_hanging()
        self.daemon.stop()          # fails unless the exit status is 0 (ASan/LSan builds: no leak either)
        res = c.results(timeout=30)[0]
        self.assertEqual(res.get('error'), 'org.freedesktop.DBus.Error.NoReply', res)
        self.assertEqual(self.daemon.proc.returncode, 0)
        print('etmemd exited cleanly with a call held; the client got %s' % res['error'])


if __name__ == '__main__':
    main()
