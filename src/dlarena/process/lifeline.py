"""A child process dies with the process that started it (Linux: PR_SET_PDEATHSIG), kill -9 of the
parent included, so no cell goes on running, holding memory or its temp folder as an orphan; and
what the child starts itself dies with the child (a guardian kills its process group)."""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1
# The parent's pid, set for one child: a parent that died before the child asked the kernel is
# caught by comparing it with the child's parent now.
PARENT_ENV = "DLARENA_PARENT_PID"
# What the kernel sends the group's guardian when the process it guards dies: blocked and waited
# for, never delivered to a handler.
GUARD_SIGNAL = signal.SIGUSR1


def parent_env() -> dict[str, str]:
    return {PARENT_ENV: str(os.getpid())}


def die_with_parent_if_asked() -> None:
    """``die_with_parent`` for a program that is also run by hand (a server): only when started by a
    dlarena process that asked for it (``parent_env``), never tied to a user's shell."""
    if PARENT_ENV in os.environ:
        die_with_parent()


def die_with_parent() -> None:
    """Called first thing in a child, before it starts threads or processes. A child that leads its
    own process group (cells and session workers start in a new session) also gets a guardian, so
    that what it starts goes when it goes. Elsewhere than Linux: nothing (the parent's
    process-group kill on its way out remains)."""
    expected = os.environ.pop(PARENT_ENV, None)  # not inherited by the child's own children
    if not sys.platform.startswith("linux"):
        return
    _parent_death_signal(signal.SIGKILL)
    if expected and os.getppid() != int(expected):
        os.kill(os.getpid(), signal.SIGKILL)
    if os.getpgrp() == os.getpid():
        guard_process_group()


def _parent_death_signal(sig: int) -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)


def guard_process_group() -> int:
    """Forks a guardian that kills this process's group once this process is gone, however it went
    (its own parent's death included). The kernel's parent-death signal reaches a direct child
    only: a process a cell forks (a helper, a compiler pool) would otherwise outlive a kill -9 of
    the suite. The guardian holds no file of ours (a reply pipe kept open would hide the worker's
    death from its parent). Returns the guardian's pid (in the caller)."""
    leader = os.getpid()
    guardian = os.fork()
    if guardian:
        return guardian
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {GUARD_SIGNAL})
        _parent_death_signal(GUARD_SIGNAL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        if os.getppid() == leader:  # else the leader died before the kernel was asked
            signal.sigwait({GUARD_SIGNAL})
        os.killpg(leader, signal.SIGKILL)  # this guardian too
    finally:
        os._exit(0)
