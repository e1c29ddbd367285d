"""Test-suite settings: Hypothesis runs derandomized so that CI is reproducible; a folder
nobody may write into (`read_only_folder`).

Explore with fresh random examples locally with ``pytest --hypothesis-profile=explore``.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile("deterministic")


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """An empty folder nobody may write into, root included.

    Mode 0555 stops an ordinary user; root writes through modes, so as root the folder is
    made immutable (``chattr +i``: the kernel refuses every write into it, ``access(2)``
    says so). Skipped where neither works (root on a file system without the attribute).
    """
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
        yield ro
        ro.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    done = (
        chattr is not None
        and subprocess.run([chattr, "+i", str(ro)], capture_output=True, check=False).returncode
        == 0
    )
    if not done or os.access(ro, os.W_OK):
        pytest.skip("root, and this file system has no immutable attribute (chattr +i)")
    try:
        yield ro
    finally:
        subprocess.run([str(chattr), "-i", str(ro)], capture_output=True, check=False)
