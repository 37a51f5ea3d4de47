#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""(c) A caller that disconnects while its polkit check is pending gets nothing
done, even though polkit then allows it: 1000 times, user nobody opens a
connection, sends CreateProject("pX") expecting no reply, and closes it 0..8 ms
later while the mock polkit takes 20 ms to say yes (the margin is for the bus: etmemd
asks dbus-daemon whether the caller is still there, and a busy dbus-daemon may not have
read the caller's hang-up yet; with 10 ms, a CI run once saw pX created).  Afterwards pX does not
exist.  The test also proves the race was really run: most tries reached polkit
(the caller was still there when etmemd asked) and etmemd logged dropping them."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from polkit_fixture import (MANAGER_IFACE, MANAGER_PATH, NobodyClient, PolkitTestCase, as_nobody, call,  # noqa: E402
                            main, project_path)

TRIES = 1000
POLKIT_DELAY = 0.020
MAX_SLEEP = 0.008
MIN_PERIOD = 0.025  # one try per 25 ms: the mock (which sleeps its delay) keeps up, and fewer checks are pending at once than etmemd allows a user
OPTIONS = {'loop': 1, 'interval': 1, 'sleep': 1}


class TestDisconnect(PolkitTestCase):

    def test_gone_caller_gets_nothing_done(self):
        pk = self.start_mock()
        daemon = self.start_daemon(polkit_timeout=60)
        pk.set_allowed(['org.etmem.manage'])
        pk.set_delay(POLKIT_DELAY)
        t0 = time.monotonic()
        c = NobodyClient(self.bus, {'count': TRIES, 'name': 'pX', 'max_sleep': MAX_SLEEP,
                                       'min_period': MIN_PERIOD}, mode='disconnect')
        self.assertEqual(c.results(timeout=100)[-1], {'sent': TRIES})
        sent = time.monotonic() - t0

        # The mock answers in order and etmemd dispatches in order: once this
        # call (checked after all of the above) returns, every try was decided.
        _, res = as_nobody(self.bus, [call(MANAGER_PATH, MANAGER_IFACE, 'CreateProject', 'sa{sv}', 'sentinel',
                                           OPTIONS, timeout=100)])
        self.assertEqual(res[0].get('ok'), project_path('sentinel'), res[0])
        self.assertEqual(self.project_names(), ['sentinel'], 'a caller that had gone got a project created')

        reached = sum(1 for ch in pk.checks() if ch['details'] == {'project': 'pX'})
        dropped = daemon.log_text().count('left while polkit decided on org.etmem.manage: nothing done')
        print('%d tries sent in %.1f s; %d reached polkit (allowed after %d ms), %d dropped as gone, '
              '0 projects pX; total %.1f s' % (TRIES, sent, reached, POLKIT_DELAY * 1000, dropped,
                                               time.monotonic() - t0))
        # Tries that never reached polkit failed earlier (caller already gone when
        # its uid was asked); the held path must still have been taken most times.
        self.assertGreater(reached, TRIES // 2, 'too few tries reached polkit: the race was not exercised')
        self.assertEqual(dropped, reached, 'every try polkit allowed must have been dropped as gone')


if __name__ == '__main__':
    main()
