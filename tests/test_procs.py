"""A child started with `iamd.procs.child_env` that calls `die_with_starter` ends when the
process that started it is killed (prctl(2) PR_SET_PDEATHSIG): a federation exercise's
router and nodes, a campaign's workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

PARENT = """
import subprocess, sys, time
from iamd.procs import child_env
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=child_env())
print(child.pid, flush=True)
time.sleep(120)
"""
CHILD = """
import time
from iamd.procs import die_with_starter
{call}
print("ready", flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:  # a zombie is gone too
        return fh.read().split(") ", 1)[1][0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
@pytest.mark.parametrize(("call", "survives"), [("die_with_starter()", False), ("", True)])
def test_a_child_ends_with_the_process_that_started_it(call: str, survives: bool) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD.format(call=call)], stdout=subprocess.PIPE
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert parent.stdout.readline() == b"ready\n"  # it has asked for the signal (or not)
    try:
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        end = time.monotonic() + 10.0
        while _alive(child) and time.monotonic() < end:
            time.sleep(0.05)
        assert _alive(child) is survives
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)
