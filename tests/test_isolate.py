import time

import psutil

from dlarena.runner.isolate import run_isolated


def test_crash_becomes_failed_result(fault_entries):
    result = run_isolated("fault_cells:crash", {}, timeout_s=60)
    assert result["status"] == "failed"
    assert "SIGSEGV" in result["error"]


def test_exception_becomes_failed_result_with_text(fault_entries):
    result = run_isolated("fault_cells:raise_error", {}, timeout_s=60)
    assert result["status"] == "failed"
    assert result["error"] == "RuntimeError: deliberate failure inside the cell"
    assert "raise_error" in result["traceback"]


def test_hang_is_killed_with_its_children(fault_entries, tmp_path):
    started = time.perf_counter()
    pidfile = tmp_path / "pids"
    result = run_isolated("fault_cells:hang", {"pidfile": str(pidfile)}, timeout_s=3)
    elapsed = time.perf_counter() - started
    assert result["status"] == "timeout"
    assert "timeout of 3 s" in result["error"]
    assert elapsed < 30
    worker, grandchild = (int(pid) for pid in pidfile.read_text().split())
    time.sleep(0.5)
    for pid in (worker, grandchild):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_unknown_entry_is_a_failed_result():
    result = run_isolated("dlarena.no_such_module:fn", {}, timeout_s=60)
    assert result["status"] == "failed"
    assert "No module named 'dlarena.no_such_module'" in result["error"]
