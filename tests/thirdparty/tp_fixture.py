# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared by the thirdparty tests: the bus fixture (tests/bus/etmem_fixture.py),
a root-owned 0755 directory that etmemd is told to load third-party engines
from (--thirdparty-dir), and the sample engine installed into it (mode 0644)."""

import os
import shutil
import sys
import tempfile

FIXTURE_DIR = os.environ.get('BUS_FIXTURE_DIR',
                             os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bus'))
sys.path.insert(0, FIXTURE_DIR)

import etmem_fixture  # noqa: E402
from etmem_fixture import EtmemTestCase  # noqa: E402

SAMPLE_ENGINE = os.environ.get('SAMPLE_ENGINE', '')
SAMPLE_ENGINE_ABI2 = os.environ.get('SAMPLE_ENGINE_ABI2', '')

SKIP = 77  # meson: skipped


def require_root():
    if os.geteuid() != 0:
        print('skipped: the trust rules need root-owned files and chown (run as root)')
        sys.exit(SKIP)
    for p in (SAMPLE_ENGINE, SAMPLE_ENGINE_ABI2):
        if not p or not os.path.isfile(p):
            raise RuntimeError('sample engine %r is not built; run through `meson test --suite thirdparty`' % p)


def install(src, dest, mode=0o644, uid=0, gid=0):
    """Copies src to dest with the given mode and owner (like install(1))."""
    shutil.copyfile(src, dest)
    os.chown(dest, uid, gid)
    os.chmod(dest, mode)
    return dest


def mkdir(path, mode=0o755, uid=0, gid=0):
    os.mkdir(path)
    os.chown(path, uid, gid)
    os.chmod(path, mode)  # explicitly: the umask must not decide the test
    return path


class ThirdpartyTestCase(EtmemTestCase):
    """A private bus per class; etmemd with --thirdparty-dir ROOT/engines, where
    ROOT/engines/my_engine.so is the sample engine (root:root 0644)."""

    @classmethod
    def setUpClass(cls):
        require_root()
        cls.root = tempfile.mkdtemp(prefix='etmem-tp-')
        etmem_fixture._tmpdirs.append(cls.root)
        os.chmod(cls.root, 0o755)
        cls.allowed = mkdir(os.path.join(cls.root, 'engines'))
        cls.lib = install(SAMPLE_ENGINE, os.path.join(cls.allowed, 'my_engine.so'))
        cls.daemon_args = ('--thirdparty-dir', cls.allowed)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.root, ignore_errors=True)


def thirdparty_config(libname, ops_name='my_engine_ops', project='test', eng_name='my_engine',
                      engine_extra='engine_private_key=engine_private_value\n', task=None,
                      task_extra='task_private_key=task_private_value\n', loop=1):
    """The etmem README's thirdparty example; task = target pid or None for no [task]."""
    text = ('[project]\nname=%s\nloop=%d\ninterval=1\nsleep=1\n\n'
            '[engine]\nname=thirdparty\nproject=%s\neng_name=%s\nlibname=%s\nops_name=%s\n%s'
            % (project, loop, project, eng_name, libname, ops_name, engine_extra))
    if task is not None:
        text += ('\n[task]\nproject=%s\nengine=%s\nname=background_third\ntype=pid\nvalue=%s\n%s'
                 % (project, eng_name, task, task_extra))
    return text


def line_of(text, key):
    """1-based line number of the first `key=` line of an INI text."""
    for no, line in enumerate(text.splitlines(), 1):
        if line.split('=', 1)[0].strip() == key:
            return no
    raise KeyError(key)
