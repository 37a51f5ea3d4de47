# SPDX-License-Identifier: GPL-2.0-or-later
"""A process family for the name-task rule (issue #10, item 2; docs/security.md, "What a
task may touch"): an unprivileged user (setpriv, uid/gid 65534) runs a python process
that names itself NAME with prctl(PR_SET_NAME), as anyone can, and has two children:

  - a non-dumpable one (prctl(PR_SET_DUMPABLE, 0)), same uid;
  - one that execs a setuid-root copy of a program (euid 0, uid 65534).

Each python process writes 32 MiB of its own once (then leaves it idle: cold), after
the forks, so no page is shared.  family.info holds pid and [start, end) of each."""

import os
import shutil
import stat
import subprocess
import time

from etmem_fixture import _track

NOBODY = 65534

SCRIPT = r'''
import ctypes, mmap, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
name, out, suid = sys.argv[1], sys.argv[2], sys.argv[3:]
PAGE = os.sysconf('SC_PAGE_SIZE')


def cold(mib):
    m = mmap.mmap(-1, mib << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # not shmem
    for off in range(0, len(m), PAGE):
        m[off:off + 8] = (off // PAGE + 1).to_bytes(8, 'little')
    a = ctypes.addressof(ctypes.c_char.from_buffer(m))
    return m, a, a + len(m)


r, w = os.pipe()
if os.fork() == 0:
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
        os._exit(1)
    m, s, e = cold(32)
    os.write(w, b'nondumpable %d %x %x\n' % (os.getpid(), s, e))
    while True:
        time.sleep(1)
kid = os.fork()
if kid == 0:
    os.execv(suid[0], suid)
libc.prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME, after the forks: the children keep python3
m, s, e = cold(32)
line = os.read(r, 200).decode()
with open(out + '.tmp', 'w') as f:
    f.write('parent %d %x %x\n%ssetuid %d 0 0\n' % (os.getpid(), s, e, line, kid))
os.rename(out + '.tmp', out)
while True:
    time.sleep(1)
'''


def can_run():
    return os.geteuid() == 0 and shutil.which('setpriv') is not None


class Family:
    def __init__(self, test, name, suid_program, suid_args=()):
        d = os.path.join(test.tmp, 'family')
        os.makedirs(d, exist_ok=True)
        os.chmod(test.tmp, 0o755)
        os.chown(d, NOBODY, NOBODY)
        script = os.path.join(test.tmp, 'family.py')
        with open(script, 'w') as f:
            f.write(SCRIPT)
        os.chmod(script, 0o644)
        self.suid = os.path.join(test.tmp, 'suid-' + os.path.basename(suid_program))
        shutil.copy(suid_program, self.suid)
        os.chown(self.suid, 0, 0)
        os.chmod(self.suid, stat.S_ISUID | 0o755)
        self.out = os.path.join(d, 'info')
        self.proc = _track(subprocess.Popen(
            ['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups',
             '/usr/bin/python3', script, name, self.out, self.suid] + list(suid_args),
            stdin=subprocess.DEVNULL))
        test.addCleanup(self.kill)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.out):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError('the family did not start (status %s)' % self.proc.poll())
            time.sleep(0.05)
        self.info = {}
        with open(self.out) as f:
            for line in f:
                w = line.split()
                self.info[w[0]] = (int(w[1]), int(w[2], 16), int(w[3], 16))
        self.parent = self.info['parent'][0]
        self.nondumpable = self.info['nondumpable'][0]
        self.setuid = self.info['setuid'][0]
        assert self.parent == self.proc.pid, 'setpriv exec()s: the parent is its pid'

    def kill(self):
        for pid in (self.info.get('nondumpable', (0,))[0], self.info.get('setuid', (0,))[0]) \
                if hasattr(self, 'info') else ():
            try:
                os.kill(pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
