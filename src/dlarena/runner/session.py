"""The parent's side of a persistent worker process (runner/session_worker.py).

A session pays a framework's start-up (interpreter, import, thread pools) once for many cells
and many windows, yet keeps what isolation is for: every request has a timeout; a crash, hang or
OOM kills only the worker (its whole process group) and becomes the current request's result
with the log's last lines; the next request starts a fresh worker (``process`` counts them), so
the suite goes on.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlarena.process.isolate import _describe_exit, _kill_group, _tail
from dlarena.process.lifeline import parent_env
from dlarena.process.tempdirs import owned_prefix


class Session:
    def __init__(self, name: str, env: dict[str, str], cpus: list[int] | None = None):
        self.name = name
        self.env = env
        self.cpus = cpus
        self.process = 0  # how many worker processes this session has started
        self.proc: subprocess.Popen | None = None
        self._reply_fd: int | None = None
        self._buffer = b""
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{owned_prefix('session')}{name}-")
        self.log_path = Path(self._tmp.name) / "log.txt"
        self.started_s = 0.0  # seconds the latest worker took to start (interpreter only)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.alive else None

    def start(self) -> None:
        self.stop()
        read_fd, write_fd = os.pipe()
        cpus = ",".join(str(c) for c in self.cpus or [])
        started = time.perf_counter()
        with open(self.log_path, "a") as log:
            log.write(f"--- worker process {self.process + 1} ---\n")
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dlarena.runner.session_worker", str(write_fd), cpus],
                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, pass_fds=(write_fd,),
                env={**os.environ, **self.env, **parent_env()}, start_new_session=True)
        os.close(write_fd)
        self._reply_fd, self._buffer = read_fd, b""
        self.process += 1
        self.started_s = time.perf_counter() - started

    def stop(self) -> None:
        """Ends the worker and its whole process group at once: every reply it owed has been
        read, and a framework's interpreter shutdown (seconds for some) would be time lost."""
        if self.proc is not None:
            _kill_group(self.proc)
            for stream in (self.proc.stdin,):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc = None
        if self._reply_fd is not None:
            os.close(self._reply_fd)
            self._reply_fd = None

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def request(self, command: dict, timeout_s: float) -> dict:
        """Sends one command and waits for its reply; a dead or hung worker becomes the result."""
        if not self.alive:
            self.start()
        started = time.perf_counter()
        try:
            self.proc.stdin.write((json.dumps(command) + "\n").encode())
            self.proc.stdin.flush()
            line = self._read_line(started + timeout_s)
        except BrokenPipeError:  # died before reading the command
            line = b""
        except BaseException:  # Ctrl-C in the parent: leave no orphan behind
            self.stop()
            raise
        duration = time.perf_counter() - started
        if not line:
            return self._lost(line is None, timeout_s, duration)
        result = json.loads(line)
        result["duration_s"] = duration
        if result.get("status") not in ("ok", None):
            result.setdefault("log_tail", _tail(self.log_path))
        return result

    def _read_line(self, deadline: float) -> bytes | None:
        """The next reply line; b"" when the worker exited, None when the deadline passed."""
        while b"\n" not in self._buffer:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._reply_fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._reply_fd, 1 << 20)
            if not chunk:  # the worker exited (crash, OOM kill, os._exit)
                return b""
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _lost(self, hung: bool, timeout_s: float, duration: float) -> dict:
        if not hung:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(self.proc)
        returncode = self.proc.returncode
        self.stop()
        tail = _tail(self.log_path)
        if hung:
            return {"status": "timeout", "error": f"cell exceeded its timeout of {timeout_s:g} s and was killed",
                    "log_tail": tail, "duration_s": duration, "metrics": []}
        error = _describe_exit(returncode)
        last = [line for line in tail.splitlines() if not line.startswith("--- worker process")]
        return {"status": "failed", "error": error + (f": {last[-1]}" if last else ""), "log_tail": tail,
                "duration_s": duration, "metrics": []}
