"""Which cell a worker thread runs next, when cells whose time is not compared run side by side.

Cells form one lane per framework, run in order in that framework's worker (the framework
imported once). Each thread takes a lane of its own; when its lane is empty and fewer cells are
running than there are CPUs, it takes the last cell of the longest lane still holding at least
``SHARE_FROM`` cells, to run in a second worker of that framework: otherwise the longest lane ends
alone on a machine with idle CPUs (the demo's JAX lane ran its last 20 s alone). A lane with a
single cell left keeps it: a second worker pays the framework's import, seconds, for one cell.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from typing import Callable, Generic, TypeVar

T = TypeVar("T")

SHARE_FROM = 2  # a lane gives its last cell to an idle thread only while it holds at least this many


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Lanes(Generic[T]):
    def __init__(self, items: list[T], lane_of: Callable[[T], str], parallel: int, cpus: int):
        self.queues: dict[str, deque[T]] = {}
        for item in items:
            self.queues.setdefault(lane_of(item), deque()).append(item)
        # the longest lanes are taken first
        self.unowned = deque(sorted(self.queues, key=lambda lane: -len(self.queues[lane])))
        self.threads = max(1, min(len(self.queues), parallel))
        self.cpus = cpus
        self.running = 0
        self._owned: dict[int, str] = {}  # thread -> its lane
        self._stopped = False
        self._cond = threading.Condition()

    def take(self, thread: int) -> tuple[str, T] | None:
        """The next (lane, cell) for ``thread``: from its lane, else from a lane no thread has
        taken (then its lane), else shared; waits while a cell may still become free to share;
        None when none is left."""
        with self._cond:
            while not self._stopped:
                picked = self._pick(thread)
                if picked is not None:
                    self.running += 1
                    return picked
                if not any(self.queues.values()):
                    return None
                self._cond.wait(0.5)
            return None

    def _pick(self, thread: int) -> tuple[str, T] | None:
        own = self._owned.get(thread)
        if own is not None and self.queues[own]:
            return own, self.queues[own].popleft()
        while self.unowned:
            lane = self.unowned.popleft()
            if self.queues[lane]:
                self._owned[thread] = lane
                return lane, self.queues[lane].popleft()
        if self.running >= self.cpus:
            return None
        lane = max(self.queues, key=lambda name: len(self.queues[name]))
        if len(self.queues[lane]) < SHARE_FROM:
            return None
        return lane, self.queues[lane].pop()

    def done(self) -> None:
        """A thread finished its cell."""
        with self._cond:
            self.running -= 1
            self._cond.notify_all()

    def stop(self) -> None:
        """No more cells are handed out (Ctrl-C)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
