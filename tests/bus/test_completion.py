#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue #13: bash completion (shell-completion/etmemctl.bash) completes etmemctl's
verbs, and project, engine and task names asked from a running etmemd on the private
bus (through --address on the completed command line)."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etmem_fixture import ETMEMCTL, EtmemTestCase, main  # noqa: E402

SCRIPT = os.environ.get('COMPLETION_SCRIPT', '')

CONF = """[project]
name=alpha
loop=1
interval=1
sleep=1

[engine]
name=sleeper
project=alpha

[task]
project=alpha
engine=sleeper
name=t_one
type=pid
value=1
"""


class Completion(EtmemTestCase):
    def complete(self, *words):
        """COMPREPLY for the command line WORDS (the last one being completed)."""
        words = [ETMEMCTL, '--address', self.bus.address] + list(words)
        arr = ' '.join("'%s'" % w for w in words)
        script = ('source "$1"; COMP_WORDS=(%s); COMP_CWORD=%d; _etmemctl; '
                  'printf "%%s\\n" "${COMPREPLY[@]}"' % (arr, len(words) - 1))
        r = subprocess.run(['bash', '-c', script, 'bash', SCRIPT], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(x for x in r.stdout.split('\n') if x)

    def test_verbs(self):
        self.assertEqual(self.complete('st'), ['start', 'status', 'stop'])
        self.assertEqual(self.complete('remove-'), ['remove-engine', 'remove-project', 'remove-task'])
        self.assertIn('--json', self.complete('--j'))

    def test_object_names(self):
        self.assertEqual(self.complete('start', ''), [], 'no projects yet, nothing to offer')
        self.load_config(CONF)
        self.ctl_ok('create-project', 'beta')
        self.assertEqual(self.complete('start', ''), ['alpha', 'beta'])
        self.assertEqual(self.complete('status', 'al'), ['alpha'])
        self.assertEqual(self.complete('remove-engine', 'alpha', ''), ['sleeper'])
        self.assertEqual(self.complete('remove-task', 'alpha', 'sleeper', ''), ['t_one'])
        self.assertEqual(self.complete('remove-task', 'beta', 'sleeper', ''), [])
        self.assertEqual(self.complete('project', 'start', '-n', 'b'), ['beta'])


if __name__ == '__main__':
    if not SCRIPT:
        print('SKIP: COMPLETION_SCRIPT not set')
        sys.exit(77)
    main()
