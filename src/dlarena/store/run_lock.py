"""One writer per run: an exclusive ``flock`` on a file beside the database. The kernel lets go of it
when its holder dies (kill -9 included). Unlike filelock's, this lock removes its file on release:
the holder unlinks it while still holding it, and a taker checks that the file it locked is still
the one at the path (else a holder removed it between the taker's open and its lock, and the taker
tries the path again), so two processes never both hold a run."""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: filelock's lock, whose file stays behind
    fcntl = None


class RunLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self._fallback = None

    def acquire(self) -> bool:
        """True when this process now holds the lock; False when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)  # a first run's folder is made here
        if fcntl is None:
            from filelock import FileLock, Timeout

            self._fallback = FileLock(self.path)
            try:
                self._fallback.acquire(timeout=0)
            except Timeout:
                return False
            return True
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            if _same_file(fd, self.path):
                self._fd = fd
                return True
            os.close(fd)  # locked a file its holder had just removed

    def release(self) -> None:
        if self._fallback is not None:
            self._fallback.release()
            self._fallback = None
        if self._fd is not None:
            try:
                self.path.unlink(missing_ok=True)  # while held: no one can lock this file after us
            finally:
                os.close(self._fd)  # and lets go of the lock
                self._fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
