"""Child processes that end with the process that started them.

A campaign's pool workers, a federation exercise's router and national nodes are processes
of their own; when the process that started them is killed (SIGKILL runs no clean-up, and a
time limit or an out-of-memory kill sends it), they must not live on. On Linux the kernel
sends a process a signal when its parent dies if the process asked for it
(``prctl(PR_SET_PDEATHSIG)``, prctl(2)); a parent already gone before that call is caught by
its pid. A child started by ``subprocess`` learns its parent's pid from the environment
(:data:`PARENT_ENV`, set by :func:`child_env`) and calls :func:`die_with_parent` first thing.
"""

from __future__ import annotations

import os
import signal
import sys

PARENT_ENV = "IAMD_PARENT_PID"
"""Environment variable holding the pid of the process a child must not outlive."""


def die_with_parent(parent_pid: int) -> None:
    """End this process (SIGKILL) when process ``parent_pid``, its parent, ends. Elsewhere
    than Linux a no-op."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: nothing more to do here
        return
    if os.getppid() != parent_pid:
        os._exit(1)


def child_env() -> dict[str, str]:
    """This process's environment with :data:`PARENT_ENV` set to its pid, for a child
    started with ``subprocess``."""
    return {**os.environ, PARENT_ENV: str(os.getpid())}


def die_with_starter() -> None:
    """:func:`die_with_parent` for the pid in :data:`PARENT_ENV`, if it is set."""
    pid = os.environ.get(PARENT_ENV, "")
    if pid.isdigit():
        die_with_parent(int(pid))
