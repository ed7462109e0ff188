"""A child process dies with the process that started it (Linux: PR_SET_PDEATHSIG), kill -9 of the
parent included, so no cell goes on running, holding memory or its temp folder as an orphan."""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1
# The parent's pid, set for one child: a parent that died before the child asked the kernel is
# caught by comparing it with the child's parent now.
PARENT_ENV = "DLARENA_PARENT_PID"


def parent_env() -> dict[str, str]:
    return {PARENT_ENV: str(os.getpid())}


def die_with_parent_if_asked() -> None:
    """``die_with_parent`` for a program that is also run by hand (a server): only when started by a
    dlarena process that asked for it (``parent_env``), never tied to a user's shell."""
    if PARENT_ENV in os.environ:
        die_with_parent()


def die_with_parent() -> None:
    """Called first thing in a child. Elsewhere than Linux: nothing (the parent's process-group
    kill on its way out remains)."""
    expected = os.environ.pop(PARENT_ENV, None)  # not inherited by the child's own children
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if expected and os.getppid() != int(expected):
        os.kill(os.getpid(), signal.SIGKILL)
