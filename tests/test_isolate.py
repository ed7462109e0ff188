import os
import time

import psutil
import pytest

from dlarena.process.isolate import run_isolated


def test_crash_becomes_failed_result(fault_entries):
    result = run_isolated("helpers.fault_cells:crash", {}, timeout_s=60)
    assert result["status"] == "failed"
    assert "SIGSEGV" in result["error"]


def test_exception_becomes_failed_result_with_text(fault_entries):
    result = run_isolated("helpers.fault_cells:raise_error", {}, timeout_s=60)
    assert result["status"] == "failed"
    assert result["error"] == "RuntimeError: deliberate failure inside the cell"
    assert "raise_error" in result["traceback"]


KILL_SLACK_S = 30  # a killed process group is reaped well within this, even on a busy machine


def test_hang_is_killed_with_its_children(fault_entries, tmp_path):
    """The worker and its grandchild are killed at the timeout. The pid file is written once the
    worker runs; on a busy machine its start-up can outlast a short timeout, so the timeout
    doubles until the worker got that far (3 s when the machine is quiet)."""
    pidfile = tmp_path / "pids"
    timeout_s = 3
    while True:
        started = time.perf_counter()
        result = run_isolated("helpers.fault_cells:hang", {"pidfile": str(pidfile)}, timeout_s=timeout_s)
        elapsed = time.perf_counter() - started
        assert result["status"] == "timeout"
        assert f"timeout of {timeout_s} s" in result["error"]
        assert timeout_s <= elapsed  # killed by its timeout (the status and message), not at the hang's end (600 s)
        if (pidfile.exists() and len(pidfile.read_text().split()) == 2) or timeout_s >= 48:
            break
        timeout_s *= 2
    worker, grandchild = (int(pid) for pid in pidfile.read_text().split())
    time.sleep(0.5)
    for pid in (worker, grandchild):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_unknown_entry_is_a_failed_result():
    result = run_isolated("dlarena.no_such_module:fn", {}, timeout_s=60)
    assert result["status"] == "failed"
    assert "No module named 'dlarena.no_such_module'" in result["error"]


def test_a_cell_worker_dies_with_its_parent_killed_by_sigkill(fault_entries, tmp_path):
    """kill -9 of the process that started a cell (the suite, the user-workload check) leaves no
    worker behind: the kernel kills it (PR_SET_PDEATHSIG)."""
    import os
    import signal
    import subprocess
    import sys

    pidfile = tmp_path / "pids"
    code = ("from dlarena.process.isolate import run_isolated; "
            f"run_isolated('helpers.fault_cells:hang', {{'pidfile': {str(pidfile)!r}}}, timeout_s=600)")
    parent = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 120
    while not (pidfile.exists() and len(pidfile.read_text().split()) == 2) and time.monotonic() < deadline:
        time.sleep(0.2)
    worker, grandchild = (int(pid) for pid in pidfile.read_text().split())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + KILL_SLACK_S
    try:
        while psutil.pid_exists(worker) and psutil.Process(worker).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the worker outlived its parent"
            time.sleep(0.2)
    finally:  # a process the cell forked itself is not covered (see the report of issue 31)
        for pid in (worker, grandchild):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


CHILD = ("from dlarena.process.lifeline import die_with_parent_if_asked; import time; "
         "die_with_parent_if_asked(); time.sleep(60)")


@pytest.mark.parametrize("asked, survives", [(True, False), (False, True)])
def test_a_server_dies_with_its_parent_only_when_the_parent_asked(asked, survives):
    """The deployment cell's server (started with parent_env) goes with the cell's worker; a server
    a user starts by hand is never tied to their shell."""
    import subprocess
    import sys

    extra = "{'DLARENA_PARENT_PID': str(os.getpid())}" if asked else "{}"
    code = (f"import os, subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', {CHILD!r}], "
            f"env={{**os.environ, **{extra}}}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            "print(p.pid, flush=True); time.sleep(2); os._exit(0)")
    parent = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    child = int(parent.stdout.split()[0])
    deadline = time.monotonic() + (KILL_SLACK_S if not survives else 3)
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = _alive(child)
    if alive:
        psutil.Process(child).kill()
    assert alive == survives, parent.stderr


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_temp_folders_of_killed_processes_are_removed_by_the_next_cell(fault_entries, tmp_path, monkeypatch):
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f"dlarena-cell-{int(dead.stdout)}-abc"
    mine = tmp_path / f"dlarena-cell-{os.getpid()}-def"  # a cell of a process still running
    for folder in (orphan, mine):
        folder.mkdir()
        (folder / "payload.json").write_text("{}")
    assert run_isolated("helpers.fault_cells:ok", {}, timeout_s=60)["status"] == "ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name]


def test_a_cancelled_cell_is_killed_with_its_children(fault_entries, tmp_path):
    """A cell run from a worker thread (exports side by side) is killed when its caller is
    interrupted: Ctrl-C reaches the main thread only."""
    import threading

    from dlarena.process.isolate import Cancelled

    pidfile, cancel, outcome = tmp_path / "pids", threading.Event(), {}

    def run():
        try:
            outcome["result"] = run_isolated("helpers.fault_cells:hang", {"pidfile": str(pidfile)}, 600, cancel=cancel)
        except Cancelled:
            outcome["cancelled"] = True

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while not (pidfile.exists() and len(pidfile.read_text().split()) == 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    cancel.set()
    thread.join(KILL_SLACK_S)
    assert outcome == {"cancelled": True}
    time.sleep(0.5)
    for pid in (int(p) for p in pidfile.read_text().split()):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
