"""Run one measurement in its own process, with a timeout.

Isolation is what makes a suite robust and its numbers independent: a segfault, OOM kill or
hang in one cell cannot take the suite down, and no cell inherits another's warmed caches,
compiled graphs or allocator state. The child gets its own process group so that a timeout
kills it together with anything it spawned (compiler workers, for instance).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from dlarena.process.lifeline import parent_env
from dlarena.process.tempdirs import owned_prefix, remove_orphaned_temp

LOG_TAIL_LINES = 15
# What pins a child process's thread pools before any library starts them: OpenMP, MKL, OpenBLAS,
# and the intra/inter-op pools a framework reads at start-up.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")


def thread_env(threads: int, interop_threads: int = 1) -> dict[str, str]:
    """Environment variables that give a child process ``threads`` intra-op and ``interop_threads`` inter-op threads."""
    return {**{var: str(threads) for var in THREAD_ENV_VARS}, "TF_NUM_INTEROP_THREADS": str(interop_threads)}


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        sig = signal.Signals(-returncode).name
        hint = " (likely killed for running out of memory)" if sig == "SIGKILL" else ""
        return f"process died with {sig}{hint}"
    return f"process exited with code {returncode} without writing a result"


class Cancelled(Exception):
    """The cell's worker was killed because its caller was interrupted."""


def _wait(proc: subprocess.Popen, timeout_s: float, cancel: threading.Event | None) -> None:
    if cancel is None:
        proc.wait(timeout=timeout_s)
        return
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            proc.wait(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
            return
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                raise
        if cancel.is_set():
            raise Cancelled()


def run_isolated(entry: str, payload: dict, timeout_s: float, env: dict[str, str] | None = None,
                 cancel: threading.Event | None = None) -> dict:
    """Returns the worker's result dict, or a ``failed``/``timeout`` result describing what happened.
    ``cancel`` (for a call from a thread other than the main one, which Ctrl-C does not reach): when
    set, the worker is killed and the call raises ``Cancelled``."""
    remove_orphaned_temp()
    with tempfile.TemporaryDirectory(prefix=owned_prefix("cell")) as tmp:
        tmpdir = Path(tmp)
        payload_path, result_path, log_path = tmpdir / "payload.json", tmpdir / "result.json", tmpdir / "log.txt"
        payload_path.write_text(json.dumps(payload))
        child_env = {**os.environ, **(env or {}), **parent_env()}
        started = time.perf_counter()
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dlarena.process.worker", entry, str(payload_path), str(result_path)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=child_env,
                start_new_session=True,
            )
            try:
                _wait(proc, timeout_s, cancel)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return {"status": "timeout", "error": f"cell exceeded its timeout of {timeout_s:g} s and was killed",
                        "log_tail": _tail(log_path), "duration_s": time.perf_counter() - started, "metrics": []}
            except BaseException:  # Ctrl-C in the parent: leave no orphan behind
                _kill_group(proc)
                raise
            _kill_group(proc)  # the worker is done; anything it started (servers, compilers) goes too
        duration = time.perf_counter() - started
        if result_path.exists():
            result = json.loads(result_path.read_text())
            result["duration_s"] = duration
            if result.get("status") != "ok":
                result.setdefault("log_tail", _tail(log_path))
            return result
        tail = _tail(log_path)
        error = _describe_exit(proc.returncode)
        return {"status": "failed", "error": error + (f": {tail.splitlines()[-1]}" if tail else ""),
                "log_tail": tail, "duration_s": duration, "metrics": []}
