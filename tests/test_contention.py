"""A busy neighbour (issue 25): threads fitted to the free cores, windows judged against the CPUs
the run leaves free, no verdict from cells that stayed contended, and thread pools that stall
under contention named as a finding. Rules at their edges; the engine's side is in test_engine."""

import json
import os
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from dlarena.cli import app
from dlarena.measure import cores
from dlarena.measure import contention
from dlarena.measure.verdict import Estimate, compare
from dlarena.runner.engine import LiveCell, Window, busy_note
from dlarena.runner.scheduler import pinned_cpus

runner = CliRunner()


@pytest.mark.parametrize("busy,threads,free,prefer", [
    ({0: 3.0, 1: 2.0}, 2, 2, [1, 0]),          # quiet: every core
    ({0: 100.0, 1: 3.0}, 1, 1, [1, 0]),        # a spinning process on CPU 0
    ({0: 2.0, 1: 99.0}, 1, 1, [0, 1]),
    ({0: 50.0, 1: 50.0}, 1, 0, [0, 1]),        # one busy core spread over two CPUs: at least 1 thread
    ({0: 24.9, 1: 0.0}, 2, 2, [1, 0]),         # just under the free threshold
    ({0: 25.0, 1: 0.0}, 1, 1, [1, 0]),         # at it: not free
    ({0: 100.0, 1: 100.0}, 1, 0, [0, 1]),      # nothing free: still one thread
])
def test_auto_fits_the_free_cores(busy, threads, free, prefer):
    fit = cores.fit("auto", physical=2, busy=busy)
    assert (fit.threads, fit.free_cores, fit.prefer, fit.warning) == (threads, free, prefer, None)


def test_auto_is_capped_by_the_physical_cores():
    assert cores.fit("auto", physical=2, busy={c: 0.0 for c in range(4)}).threads == 2


def test_an_explicit_count_is_honoured_with_a_warning_when_more_than_the_free_cores():
    loaded = {0: 100.0, 1: 1.0}
    fit = cores.fit(2, physical=2, busy=loaded)
    assert fit.threads == 2 and fit.requested == "2"
    assert fit.warning.startswith("--threads 2 is more than the 1 free core of this machine")
    assert cores.fit(1, physical=2, busy=loaded).warning is None  # exactly the free cores: fine
    assert cores.fit(2, physical=2, busy={0: 1.0, 1: 1.0}).warning is None


@pytest.mark.parametrize("threads,cpus,limit", [(2, 2, 20.0), (1, 2, 70.0), (4, 2, 20.0), (1, 4, 95.0), (1, 1, 20.0)])
def test_other_processes_may_use_the_cpus_the_run_leaves_free(threads, cpus, limit):
    assert cores.other_cpu_limit(threads, cpus, 20.0) == pytest.approx(limit)


def test_a_window_beside_one_spinning_core_is_not_contended_with_threads_fitted():
    window = {"other_cpu_pct": 52.0, "wall_s": 1.0}
    assert contention.why_contended(window, None, cores.other_cpu_limit(1, 2, 20.0)) is None
    assert "other processes used 52%" in contention.why_contended(window, None, cores.other_cpu_limit(2, 2, 20.0))


def _live(flags):
    lc = LiveCell(cell=None, session=None, payload={})
    lc.windows = [Window([1e-3], 1, 0.0, 0.1, {}, flag) for flag in flags]
    return lc


def test_a_cell_whose_windows_were_mostly_contended_is_busy():
    flag = "other processes used 60% of the CPUs"
    assert busy_note(_live([None, None, None, flag])) is None  # one contended window, left out: no harm
    assert busy_note(_live([None, None, flag, flag])) is None  # as many quiet as contended
    assert busy_note(_live([None, None, flag, flag, flag])) == \
        "3 of 5 windows contended (other processes used 60% of the CPUs)"
    assert busy_note(_live([None, flag])) == "1 of 2 windows contended (other processes used 60% of the CPUs)"
    assert busy_note(_live([None])) == "0 of 1 windows contended (contended)"  # one window: no CI
    assert busy_note(_live([None, None])) is None


def _estimate(label, value, busy=None):
    return Estimate(label, value, value * 0.99, value * 1.01, busy=busy)


def test_no_winner_from_a_busy_cell():
    quiet = compare(_estimate("A", 10.0), _estimate("B", 1.0), higher_is_better=True)
    assert quiet.winner == "A" and quiet.outcome == "faster"
    busy = compare(_estimate("A", 10.0), _estimate("B", 1.0, busy="3 of 3 windows contended (x)"), higher_is_better=True)
    assert busy.winner is None and busy.outcome == "busy"
    assert busy.text.startswith("undecided: machine busy during B: 3 of 3 windows contended (x)")
    row = {"value": 1.0, "ci_low": 0.9, "ci_high": 1.1, "extra": {"busy": "why"}}
    assert Estimate.from_row("B", row).busy == "why"
    assert Estimate.from_row("B", {**row, "extra": {}}).busy is None


def _windows(quiet_s, loud_s, probe_quiet, probe_loud):
    return ([Window([quiet_s] * 5, 1, 0, 0.1, {"probe_s": probe_quiet}) for _ in range(3)]
            + [Window([loud_s] * 5, 1, 0, 0.1, {"probe_s": probe_loud}, "other processes used 50% of the CPUs")
               for _ in range(2)])


def test_stall_evidence_compares_contended_with_quiet_windows():
    assert contention.stall_evidence(_windows(1e-3, 0.27, 1e-3, 1.1e-3)) == {"contended_slowdown": 270.0,
                                                                       "contended_probe_ratio": 1.1}
    assert contention.stall_evidence(_windows(1e-3, 1e-3, 1e-3, 1e-3)[:3]) == {}  # no contended window: nothing to say


@pytest.mark.parametrize("slowdown,probe,stall", [
    (3.0, 1.0, False), (3.01, 1.0, True), (270.0, 1.19, True), (270.0, 1.2, False), (3.5, None, True), (None, 1.0, False),
])
def test_stall_rule_at_its_edges(slowdown, probe, stall):
    assert contention.stalls(slowdown, probe) is stall


def test_stall_findings_name_the_framework_not_a_verdict():
    rows = [{"framework": "torch", "cell_id": "cnn/torch/eager/infer_latency/b1",
             "extra": {"contended_slowdown": 270.0, "contended_probe_ratio": 1.1}},
            {"framework": "tensorflow", "cell_id": "cnn/tensorflow/eager/infer_latency/b1",
             "extra": {"contended_slowdown": 1.3, "contended_probe_ratio": 1.1}}]
    assert contention.stall_findings(rows, {"torch": "PyTorch"}.get, threads=2) == [
        "PyTorch's thread pool stalls under contention with 2 threads: 1 cell ran up to 270.0x slower in contended "
        "windows while the calibration probe slowed 1.10x (e.g. cnn/torch/eager/infer_latency/b1); a finding, not a "
        "speed verdict"]
    assert contention.stall_findings(rows, {"torch": "PyTorch"}.get, threads=1) == []  # no pool to stall


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs a Linux machine with at least 2 CPUs")
def test_workers_are_pinned_to_the_idlest_cpus_first():
    available = sorted(os.sched_getaffinity(0))
    assert pinned_cpus(1, prefer=[available[-1]]) is None  # one thread: wherever a CPU is free
    assert pinned_cpus(len(available), prefer=[available[-1]]) is None
    if len(available) >= 3:
        assert pinned_cpus(2, prefer=[available[-1]]) == sorted([available[-1], available[0]])
    # A framework whose own setting does not hold it to one core (XLA) gets the idlest CPU instead.
    assert pinned_cpus(1, prefer=[available[-1]], bounds_one_thread=False) == [available[-1]]
    assert pinned_cpus(0, prefer=[available[-1]], bounds_one_thread=False) == [available[-1]]
    assert pinned_cpus(len(available), prefer=[available[-1]], bounds_one_thread=False) is None


def test_only_frameworks_that_cannot_bound_one_thread_are_pinned_at_one_thread():
    from dlarena import frameworks
    bounded = {name: frameworks.info(name).bounds_one_thread
               for name in ("torch", "tensorflow", "jax", "keras-torch", "keras-tensorflow", "keras-jax")}
    assert bounded == {"torch": True, "tensorflow": True, "jax": False,
                       "keras-torch": True, "keras-tensorflow": True, "keras-jax": False}


def test_sampled_busy_share_sees_a_spinning_process():
    spinner = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 20\nwhile time.time() < end: pass"])
    try:
        time.sleep(0.3)
        busy = cores.sample_busy(0.5)
    finally:
        spinner.kill()
        spinner.wait()
    assert set(busy) == set(cores.usable_cpus())
    assert sum(busy.values()) > 60  # one core's worth, give or take the neighbours


def test_threads_option_rejects_bad_values_in_one_line(tmp_path):
    result = runner.invoke(app, ["run", "--suite", "smoke", "--threads", "many", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 2
    assert "--threads must be auto or a whole number from 1 to 1024, got 'many'" in result.output
    assert not (tmp_path / "r.duckdb").exists()


def test_fit_is_recorded_in_the_config(monkeypatch):
    from dlarena import cli

    monkeypatch.setattr(cores, "sample_busy", lambda seconds=0.5: {0: 100.0, 1: 0.0})
    values = {"threads": None}
    cli._fit_threads(values)
    assert values["threads"] == 1
    assert json.loads(json.dumps(values["threads_fit"]))["prefer"] == [1, 0]
    values = {"threads": "2"}
    cli._fit_threads(values)
    assert values["threads"] == 2 and values["threads_fit"]["warning"].startswith("--threads 2 is more than")


def _busy_store(tmp_path, busy="3 of 3 windows contended (other processes used 60% of the CPUs)"):
    from dlarena.config import Cell, build_config
    from dlarena.measure.env import fingerprint
    from dlarena.store.db import ResultStore

    store = ResultStore(tmp_path / "r.duckdb")
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"], threads=2,
                          threads_fit=cores.fit("auto", 2, {0: 100.0, 1: 0.0}).as_dict()).model_dump()
    store.start_run("r", "custom", config, fingerprint(2, 1))
    for fw, ms, busy in (("torch", 0.05, busy), ("tensorflow", 0.40, None)):
        store.record_cell("r", Cell(workload="mlp", framework=fw, mode="eager", scenario="parity", batch=16),
                          {"status": "ok", "metrics": []})
        extra = {"busy": busy} if busy else {}
        store.record_cell("r", Cell(workload="mlp", framework=fw, mode="eager", scenario="infer_latency", batch=1),
                          {"status": "ok", "metrics": [{"metric": "latency_ms", "unit": "ms", "value": ms,
                                                        "ci_low": ms * 0.98, "ci_high": ms * 1.02, "extra": extra}]})
    store.finish_run("r")
    return store


def test_the_end_of_a_run_and_the_report_say_what_was_withheld_and_how_threads_were_chosen(tmp_path):
    from dlarena.criteria.speed import cells as speed
    from dlarena.report.contention import contention_lines, threads_line

    store = _busy_store(tmp_path)
    run = store.run("r")
    assert contention_lines(store, run) == [
        "1 of 1 verdicts withheld (\"undecided: machine busy\"): the windows of 1 cell stayed contended after "
        "re-measurement (e.g. mlp/torch/eager/infer_latency/b1); the summary and recommendation do not count them. "
        "Rerun on a quieter machine, or with --threads auto"]
    # flagged by the calibration probe alone (no process busy): the host was slow, and the advice says so
    probe = "3 of 3 windows contended (calibration probe 1.60x slower than usual)"
    probe_store = _busy_store(tmp_path / "probe", probe)
    assert contention_lines(probe_store, probe_store.run("r"))[0].endswith(
        "Every one was flagged by the calibration probe alone, with no other process busy: the host itself ran slower "
        "(e.g. another virtual machine on it); rerun later")
    for other in ("other processes used 30% of the CPUs", "CPU steal 12%", "the worker's threads waited 40% of the window for a CPU"):
        both = _busy_store(tmp_path / other[:5], f"3 of 3 windows contended ({other}; calibration probe 1.60x slower than usual)")
        assert contention_lines(both, both.run("r"))[0].endswith("Rerun on a quieter machine, or with --threads auto")
    assert threads_line(run).startswith("2 intra-op threads for every framework, fitted to the free cores "
                                        "(--threads auto): 1 of 2 CPUs free at the start (CPU busy shares 100%, 0%)")
    summary = speed.scores(store.cells("r"), store.measurements("r"))
    assert (summary["torch"]["wins"], summary["torch"]["undecided"]) == (0, 1)
    assert summary["tensorflow"]["comparisons"][0]["outcome"] == "busy"


@pytest.mark.parametrize("wait,flagged", [(15.0, False), (15.1, True), (0.0, False)])
def test_run_queue_wait_flags_a_window_only_when_a_threshold_is_set(wait, flagged):
    window = {"other_cpu_pct": 50.0, "wall_s": 1.0, "runq_wait_pct": wait}
    limit = cores.other_cpu_limit(1, 2, 20.0)
    assert contention.why_contended(window, None, limit) is None  # recorded, not judged by default
    reason = contention.why_contended(window, None, limit, runq_wait_pct=15.0)
    assert (reason is not None) is flagged
    if flagged:
        assert reason == "the worker's threads waited 15% of the window for a CPU"
    assert contention.why_contended({**window, "wall_s": 0.05}, None, 70.0, runq_wait_pct=15.0) is None  # too short


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="Linux /proc only")
def test_run_queue_wait_is_read_per_worker_and_grows_beside_a_spinner():
    code = "import time\nend = time.time() + 20\nwhile time.time() < end: pass"
    worker = subprocess.Popen([sys.executable, "-c", code])
    spinners = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.2)
        meter = contention.ContentionMeter([worker.pid])
        before = meter.snapshot()
        time.sleep(0.6)
        seen = meter.between(before, meter.snapshot())
    finally:
        for p in [worker, *spinners]:
            p.kill()
            p.wait()
    if contention.runq_wait_s(os.getpid()) is None:
        pytest.skip("this kernel keeps no schedstat")
    # more runnable processes than CPUs: the worker waits for a CPU a good share of the time
    assert seen["runq_wait_pct"] > 15.0
