"""What a cell starts itself goes with the cell: kill -9 of the suite, or the cell's own end,
leaves no grandchild running (issue 31). The kernel's parent-death signal reaches a direct child
only; the guardian of each cell's process group covers the rest. And what a killed process leaves
in the temp folder goes once it is gone."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from dlarena.process.lifeline import guard_process_group
from dlarena.process.tempdirs import KINDS, owned_prefix, remove_orphaned_temp

GONE_WITHIN_S = 60  # how long the test waits for a process to go; not a bound on how fast


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + GONE_WITHIN_S
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in pids if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def _wait_for_pids(path, count: int) -> list[int]:
    deadline = time.monotonic() + 120
    while not (path.exists() and len(path.read_text().split()) == count) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [int(pid) for pid in path.read_text().split()]


# A group leader that asks for die_with_parent, starts a sleeping child and then ends abruptly.
LEADER = ("import os, subprocess, sys; from dlarena.process.lifeline import die_with_parent; die_with_parent(); "
          "p = subprocess.Popen(['sleep', '600'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
          "print(p.pid, flush=True); os._exit(0)")


def test_a_process_started_by_a_group_leader_goes_when_the_leader_exits():
    leader = subprocess.run([sys.executable, "-c", LEADER], capture_output=True, text=True, timeout=120,
                            start_new_session=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    grandchild = int(leader.stdout.split()[0])
    assert _wait_gone([grandchild]) == [], "the leader's child outlived it"


def test_a_process_not_leading_its_group_gets_no_guardian():
    """The deployment cell's server is in its cell's group: its end must not kill the cell."""
    leader = subprocess.run([sys.executable, "-c", LEADER], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    grandchild = int(leader.stdout.split()[0])
    time.sleep(1)
    assert _alive(grandchild)  # nothing killed it: it is ours to end
    os.kill(grandchild, signal.SIGKILL)


def test_the_guardian_kills_the_group_of_a_leader_killed_with_sigkill():
    code = ("import os, subprocess, time; from dlarena.process.lifeline import guard_process_group; "
            "g = guard_process_group(); p = subprocess.Popen(['sleep', '600']); "
            "print(g, p.pid, flush=True); time.sleep(600)")
    leader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              start_new_session=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    guardian, grandchild = (int(pid) for pid in leader.stdout.readline().split())
    assert _alive(guardian) and _alive(grandchild)
    os.kill(leader.pid, signal.SIGKILL)
    leader.wait()
    assert _wait_gone([guardian, grandchild]) == []


def test_a_grandchild_of_a_cell_dies_with_the_suite_killed_by_sigkill(fault_entries, tmp_path):
    """The cell (helpers.fault_cells:hang) forks a sleeping grandchild; kill -9 of the process that
    started the cell takes the cell (parent-death signal) and the grandchild (guardian) along."""
    pidfile = tmp_path / "pids"
    code = ("from dlarena.process.isolate import run_isolated; "
            f"run_isolated('helpers.fault_cells:hang', {{'pidfile': {str(pidfile)!r}}}, timeout_s=600)")
    suite = subprocess.Popen([sys.executable, "-c", code])
    worker, grandchild = _wait_for_pids(pidfile, 2)
    assert psutil.Process(grandchild).ppid() == worker
    os.kill(suite.pid, signal.SIGKILL)
    suite.wait()
    assert _wait_gone([worker, grandchild]) == []


def test_a_session_worker_that_crashes_is_seen_at_once_despite_its_guardian(fault_entries):
    """The guardian holds none of the worker's files: the reply pipe closes when the worker dies,
    so a crash is a 'failed' result, not a wait for the timeout."""
    from dlarena.runner.session import Session

    session = Session("t", env={})
    try:
        result = session.request({"op": "call", "entry": "helpers.fault_cells:crash", "payload": {}}, timeout_s=600)
    finally:
        session.close()
    assert result["status"] == "failed"
    assert "SIGSEGV" in result["error"]


def test_guard_process_group_returns_the_guardians_pid_in_the_caller():
    code = ("import os, psutil; from dlarena.process.lifeline import guard_process_group; "
            "g = guard_process_group(); print(psutil.Process(g).ppid() == os.getpid(), flush=True)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         start_new_session=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "True", out.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_temp_folders_of_every_kind_name_their_owner_and_go_once_it_is_gone(kind, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)
    mine = Path(tempfile.mkdtemp(prefix=owned_prefix(kind)))
    orphan = tmp_path / mine.name.replace(f"-{os.getpid()}-", f"-{dead}-")
    orphan.mkdir()
    (orphan / "result.json").write_text("{}")
    other = tmp_path / f"dlarena-report-{dead}-x"  # not a kind this module owns
    other.mkdir()
    assert remove_orphaned_temp() == [orphan]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])
