"""The measurement engine: interleaved rounds, repetitions spent only on undecided pairs, the
budget, shared workers whose crashes still give a row per cell, and contention seen and flagged.
Timings are synthetic (tests/helpers/fault_speed.py), so the tests assert scheduling, not speed."""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import psutil
import pytest

from dlarena.config import build_config
from dlarena.measure import contention
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore


# These tests check scheduling, not the machine, and run beside other tests (make test: pytest -n):
# no window is judged contended unless a test asks for it.
IGNORE_CONTENTION = {"contended_other_cpu_pct": 100.0, "contended_probe_slowdown": 1e9, "contended_runq_wait_pct": 1e9}


def _run(tmp_path, frameworks=("torch", "tensorflow", "jax"), scenarios=("infer_throughput",), repetitions=None, **kw):
    values = {"workloads": ["mlp"], "frameworks": list(frameworks), "modes": ["eager"], "scenarios": list(scenarios),
              "timing": {"warmup_iters": 0, "warmup_s": 0, "min_iters": 5, "min_s": 0, "max_s": 5},
              "timeout_s": 20,
              "repetitions": {"min_windows": 3, "max_windows": 8, "gap_s": 0, **IGNORE_CONTENTION, **(repetitions or {})}}
    config = build_config(**{**values, **kw})
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", config.model_dump(), {})
    outcome = SuiteRunner(config, store, "r", entries={"parity": "helpers.fault_cells:same_record"}, drivers={"speed": "helpers.fault_speed"}).run()
    return store, outcome


def _windows(store) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in store.repetitions("r"):
        out.setdefault(r["cell_id"].split("/")[1], []).append(r)
    return out


@pytest.fixture
def fault(monkeypatch, fault_entries):
    def set_fault(name: str) -> None:
        monkeypatch.setenv("DLARENA_TEST_FAULT", name)
    set_fault("")
    return set_fault


def test_rounds_interleave_and_only_undecided_pairs_get_more_windows(tmp_path, fault):
    store, outcome = _run(tmp_path)
    assert outcome.counts == {"ok": 6}  # 3 parity + 3 speed cells
    windows = _windows(store)
    # torch vs tensorflow (2x) and jax vs tensorflow are decided within a window or two of the
    # minimum (until their CIs clear a tie firmly: not fragile); torch vs jax (same mean, jax 15%
    # noisy between windows) never is, so those two get every window allowed.
    assert 3 <= len(windows["tensorflow"]) < 8
    assert len(windows["torch"]) == len(windows["jax"]) == 8
    # Interleaved, never blocked: the first round times every framework once before any second window.
    ordered = sorted((r for rs in windows.values() for r in rs), key=lambda r: r["started_at"])
    assert {r["cell_id"].split("/")[1] for r in ordered[:3]} == {"torch", "tensorflow", "jax"}
    assert [r["repetition"] for r in ordered[:9]] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    head = {m["framework"]: m for m in store.measurements("r") if m["metric"] == "throughput_sps"}
    assert head["torch"]["extra"]["windows"] == 8 and len(head["torch"]["bootstrap"]) == 2000
    assert head["torch"]["ci_low"] < head["torch"]["value"] < head["torch"]["ci_high"]


def test_fake_same_seed_same_order_and_the_seed_decides_it():
    # With no shuffle every seed would give the given order: equal orders alone prove nothing.
    def order(seed):
        return _fake_run(lambda key, n: ([0.01] * 5, 0.001), seed=seed, min_windows=6, max_windows=6)[0]

    assert order(1) == order(1)
    assert len({tuple(order(seed)) for seed in range(3)}) == 3


def test_budget_stops_extra_windows(tmp_path, fault):
    store, _ = _run(tmp_path, budget_s=0.001)
    assert {fw: len(rs) for fw, rs in _windows(store).items()} == {"torch": 3, "tensorflow": 3, "jax": 3}


def test_crash_in_shared_worker_fails_one_cell_and_the_rest_go_on(tmp_path, fault):
    fault("crash_train_window")
    store, outcome = _run(tmp_path, frameworks=("torch",), scenarios=("infer_throughput", "train", "infer_latency"))
    cells = {c["scenario"]: c for c in store.cells("r")}
    assert cells["train"]["status"] == "failed" and "SIGSEGV" in cells["train"]["error"]
    assert cells["infer_throughput"]["status"] == cells["infer_latency"]["status"] == "ok"
    processes = {r["process"] for r in store.repetitions("r") if "infer_throughput" in r["cell_id"]}
    assert 2 in processes  # restarted in a fresh worker after the crash
    assert outcome.counts == {"ok": 3, "failed": 1}


def test_hang_is_a_timeout_row_and_crash_at_start_a_failed_row(tmp_path, fault):
    fault("hang_train")
    store, _ = _run(tmp_path, frameworks=("torch",), scenarios=("infer_throughput", "train"), timeout_s=3)
    cells = {c["scenario"]: c for c in store.cells("r")}
    assert cells["train"]["status"] == "timeout" and "timeout of 3 s" in cells["train"]["error"]
    assert cells["infer_throughput"]["status"] == "ok"

    fault("crash_latency_start")
    (tmp_path / "2").mkdir()
    store, _ = _run(tmp_path / "2", frameworks=("torch",), scenarios=("infer_latency", "train"))
    cells = {c["scenario"]: c for c in store.cells("r")}
    assert cells["infer_latency"]["status"] == "failed" and "SIGSEGV" in cells["infer_latency"]["error"]
    assert cells["train"]["status"] == "ok"


def test_a_fragile_winner_gets_windows_like_an_undecided_pair(tmp_path, fault, monkeypatch):
    """torch vs tensorflow (2x) is decided after the minimum; were its CI to only just exclude a
    tie (measure/verdict.fragile), tensorflow's cell would get windows up to the maximum too."""
    from dlarena.runner import engine

    monkeypatch.setattr(engine, "fragile", lambda verdict: verdict.outcome == "faster")
    store, _ = _run(tmp_path)
    assert len(_windows(store)["tensorflow"]) == 8


def test_skipped_at_start_keeps_its_reason(tmp_path, fault):
    fault("skip_latency")
    store, _ = _run(tmp_path, frameworks=("torch",), scenarios=("infer_latency",))
    cell = next(c for c in store.cells("r") if c["scenario"] == "infer_latency")
    assert (cell["status"], cell["error"]) == ("skipped", "no GPU here")


def _spinners():
    """One busy process per CPU: the machine is fully taken by someone else."""
    code = "import time\nend = time.time() + 60\nwhile time.time() < end: pass"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(os.cpu_count() or 1)]


def test_busy_background_process_is_detected_flagged_and_recorded(tmp_path, fault):
    meter = contention.ContentionMeter([])
    spinners = _spinners()
    try:
        time.sleep(0.3)
        before = meter.snapshot()
        time.sleep(0.5)
        seen = meter.between(before, meter.snapshot())
        assert seen["other_cpu_pct"] > contention.OTHER_CPU_PCT
        assert "other processes used" in contention.why_contended(seen, None)
        assert "the machine is busy" in contention.busy_warning(contention.busy_processes(0.5))

        fault("busy_work")
        store, _ = _run(tmp_path, frameworks=("torch",), repetitions={"min_windows": 2, "max_windows": 2, "retries": 1, "gap_s": 0,
                                                                        "contended_other_cpu_pct": contention.OTHER_CPU_PCT})
    finally:
        for s in spinners:
            s.kill()
    rows = store.repetitions("r")
    assert rows and all(not r["included"] and "other processes used" in r["flag"] for r in rows)
    assert all(r["noise"]["other_cpu_pct"] > contention.OTHER_CPU_PCT for r in rows)
    head = next(m for m in store.measurements("r") if m["metric"] == "throughput_sps")
    assert head["extra"]["flagged_windows"] == 3 and head["extra"]["all_windows_contended"] is True
    # no verdict may come from it (issue 25): the note that says why travels with the row
    assert head["extra"]["busy"].startswith("3 of 3 windows contended (other processes used")


def test_quiet_machine_gives_no_busy_warning():
    assert contention.busy_warning({"other_cpu_pct": 3.0, "steal_pct": 0.0}) is None


def test_contention_thresholds_come_from_the_config():
    window = {"other_cpu_pct": 30.0, "wall_s": 1.0, "probe_s": 1.8e-3}
    assert contention.why_contended(window, 1e-3) == ("other processes used 30% of the CPUs; "
                                              "calibration probe 1.80x slower than usual")
    assert contention.why_contended(window, 1e-3, other_cpu_pct=30.0, probe_slowdown=1.8) is None
    reps = build_config(repetitions={"contended_other_cpu_pct": 50, "contended_probe_slowdown": 2}).repetitions
    assert (reps.contended_other_cpu_pct, reps.contended_probe_slowdown) == (50.0, 2.0)
    with pytest.raises(ValueError, match="contended_probe_slowdown"):
        build_config(repetitions={"contended_probe_slowdown": 0.5})


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs a Linux machine with at least 2 CPUs")
def test_threads_pin_the_worker_to_that_many_cpus(fault_entries):
    from dlarena.runner.scheduler import pinned_cpus
    from dlarena.runner.session import Session

    assert pinned_cpus(1) is None  # one thread: each framework's own setting bounds it, unpinned
    assert pinned_cpus(len(os.sched_getaffinity(0))) is None  # all of them: no restriction
    cpus = sorted(os.sched_getaffinity(0))[:1]  # a session pinned to fewer CPUs than threads > 1 would ask
    session = Session("test", {}, cpus)
    try:
        result = session.request({"op": "call", "entry": "helpers.fault_cells:affinity", "payload": {}}, 20)
    finally:
        session.close()
    assert result["status"] == "ok" and result["cpus"] == cpus


def _compile_caches(tmp_path, name):
    runner = SuiteRunner(build_config(workloads=["mlp"], frameworks=["torch"]), ResultStore(tmp_path / f"{name}.duckdb"), name)
    try:
        reply = runner._session("torch").request({"op": "call", "entry": "helpers.fault_cells:compile_caches", "payload": {}}, 120)
        return runner._compile_cache, reply
    finally:
        runner._close_sessions()
        shutil.rmtree(runner._compile_cache, ignore_errors=True)


def test_each_run_gives_jax_an_empty_cache_and_leaves_inductor_its_own(tmp_path, fault_entries, monkeypatch):
    """JAX compiles into a cache private to the run, a folder the user exported instead; torch.compile
    keeps PyTorch's default cache, across runs (frameworks/compile_cache.py)."""
    for variable in ("TORCHINDUCTOR_CACHE_DIR", "JAX_COMPILATION_CACHE_DIR"):
        monkeypatch.delenv(variable, raising=False)
    first, reply = _compile_caches(tmp_path, "a")
    assert reply["jax"] == os.path.join(first, "jax")
    assert not reply["inductor"].startswith(first)
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "mine"))
    second, reply = _compile_caches(tmp_path, "b")
    assert second != first and reply["jax"] == str(tmp_path / "mine")


def test_windows_span_processes_and_workloads(tmp_path, fault):
    """processes=2: each worker is replaced halfway through the minimum; with workloads
    interleaved, one worker per framework serves both workloads and their windows alternate."""
    store, outcome = _run(tmp_path, frameworks=("torch",), workloads=["mlp", "cnn"],
                          repetitions={"min_windows": 4, "max_windows": 4, "processes": 2, "gap_s": 0})
    assert outcome.counts == {"ok": 4}
    rows = sorted(store.repetitions("r"), key=lambda r: r["started_at"])
    assert [r["process"] for r in rows] == [1, 1, 1, 1, 2, 2, 2, 2]
    assert {r["cell_id"].split("/")[0] for r in rows[:2]} == {"mlp", "cnn"}
    pids = {m["value"] for m in store.measurements("r") if m["metric"] == "worker_pid"}
    assert len(pids) == 1  # both workloads' cells finished in the same (second) worker
    runtime = {c["workload"]: c["runtime"] for c in store.cells("r") if c["scenario"] == "infer_throughput"}
    assert all(len(json.loads(r)["restart_s"]) == 1 for r in runtime.values())


def _start_long_run(tmp_path):
    """A real `dlarena run` whose timing window lasts long enough to be interrupted."""
    config = tmp_path / "long.toml"
    config.write_text('[timing]\nmin_s = 60.0\nmax_s = 120.0\nwarmup_iters = 0\nwarmup_s = 0.0\n')
    proc = subprocess.Popen([sys.executable, "-m", "dlarena.cli", "run", "-w", "mlp", "-f", "torch", "-m", "eager",
                             "-s", "infer_latency", "--config", str(config), "--db", str(tmp_path / "r.duckdb")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    parent = psutil.Process(proc.pid)
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until the speed window runs (parity done: the worker is busy)
        workers = [c for c in parent.children(recursive=True) if "session_worker" in " ".join(c.cmdline())]
        if workers and store_has_parity(tmp_path / "r.duckdb"):
            return proc, workers[0]
        time.sleep(0.5)
    proc.kill()
    raise AssertionError("the run never reached its timing window")


def store_has_parity(path) -> bool:
    try:
        runs = ResultStore(path).runs()
        return bool(runs) and runs[0]["cells"] >= 1
    except Exception:  # noqa: BLE001 - the file may be mid-write
        return False


def test_sigterm_stops_cleanly_and_kill_9_leaves_no_orphan(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    proc, worker = _start_long_run(tmp_path / "a")
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted; completed cells are saved" in out, out
    assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE
    assert ResultStore(tmp_path / "a" / "r.duckdb").runs()[0]["status"] == "interrupted"

    proc, worker = _start_long_run(tmp_path / "b")
    proc.kill()
    proc.wait(timeout=10)
    worker.wait(timeout=10)  # killed with its parent (PR_SET_PDEATHSIG), not left running for 60 s


# -- the engine's decisions on fake workers (no process, no framework: fast; `-k fake`, issue 32) --
class _FakeSession:
    """A worker that answers at once: each window's per-call times come from ``windows(cell, n)``
    (n: the cell's window count so far), with the calibration probe ``probe_s``."""

    def __init__(self, windows, log, duration_s=0.01):
        self.windows, self.log, self.count, self.duration_s = windows, log, {}, duration_s
        self.alive, self.process, self.pid = True, 1, os.getpid()
        self.stops: list[int] = []  # windows timed (all sessions) when each stop came

    def request(self, command, timeout):
        key = command["key"]
        if command["op"] == "window":
            n = self.count[key] = self.count.get(key, 0) + 1
            self.log.append(key)
            window = self.windows(key, n)
            if window is None:
                return {"status": "failed", "error": "worker died", "duration_s": 0.0}
            samples, probe = window
            return {"status": "ok", "samples": samples, "probe_s": probe, "started_at": time.time(),
                    "duration_s": self.duration_s}
        return {"status": "ok", "metrics": [], "runtime": {}, "duration_s": 0.0}

    def stop(self):
        self.stops.append(len(self.log))


def _fake_config(frameworks, seed=0, band=None, **repetitions):
    return build_config(workloads=["mlp"], frameworks=list(frameworks), modes=["eager"], scenarios=["infer_throughput"],
                        seed=seed, repetitions={"gap_s": 0, **IGNORE_CONTENTION, **repetitions},
                        **({} if band is None else {"equivalence_band": band}))


def _fake_engine(windows, frameworks=("torch", "tensorflow"), seed=0, deadline=None, own_sessions=False, duration_s=0.01,
                 band=None, **repetitions):
    """The engine run over fake sessions: what it timed (``order``), recorded, said, and the sessions."""
    from types import SimpleNamespace

    from dlarena.config import Cell
    from dlarena.criteria.speed import cells as speed
    from dlarena.runner.engine import SpeedEngine

    log, recorded, said = [], {}, []
    shared = _FakeSession(windows, log, duration_s)
    sessions = {fw: _FakeSession(windows, log, duration_s) if own_sessions else shared for fw in frameworks}
    cells = [(Cell(workload="mlp", framework=fw, mode="eager", scenario="infer_throughput", batch=8), sessions[fw], {})
             for fw in frameworks]
    SpeedEngine(_fake_config(frameworks, seed, band, **repetitions), speed,
                lambda cell, result: recorded.__setitem__(cell.framework, result), status=said.append).run(cells, deadline)
    return SimpleNamespace(order=[key.split("/")[1] for key in log], recorded=recorded, said=said, sessions=sessions)


def _fake_run(windows, frameworks=("torch", "tensorflow", "jax"), seed=0, **repetitions):
    run = _fake_engine(windows, frameworks, seed, **repetitions)
    return run.order, run.recorded


def test_fake_every_round_is_shuffled_not_run_in_the_given_order():
    # 6 rounds of 3 cells (min = max = 6 windows): the seed's order differs between rounds, and over
    # seeds each framework is timed first in some round -- never the given order every round.
    firsts = set()
    for seed in range(3):
        order, _ = _fake_run(lambda key, n: ([0.01] * 5, 0.001), seed=seed, min_windows=6, max_windows=6)
        rounds = [tuple(order[i:i + 3]) for i in range(0, 18, 3)]
        assert len(rounds) == 6 and all(sorted(r) == ["jax", "tensorflow", "torch"] for r in rounds)
        assert len(set(rounds)) > 1, (seed, rounds)
        firsts |= {r[0] for r in rounds}
    assert firsts == {"torch", "tensorflow", "jax"}


def test_fake_contended_windows_do_not_feed_verdicts(monkeypatch):
    # torch and tensorflow run identically in quiet windows (equivalent: decided at the minimum);
    # tensorflow's first window ran 3x slower beside a busy neighbour, flagged and re-measured.
    # Were that window in the verdict, the pair would stay inconclusive and get every window.
    monkeypatch.setattr(contention, "why_contended", lambda noise, *a, **k: "busy" if noise["probe_s"] == 2.0 else None)

    def windows(key, n):
        if "tensorflow" in key and n == 1:
            return [0.03] * 5, 2.0
        return [0.01] * 5, 0.001

    order, recorded = _fake_run(windows, frameworks=("torch", "tensorflow"), min_windows=3, max_windows=8)
    assert order.count("torch") == 3 and order.count("tensorflow") == 4
    head = recorded["tensorflow"]["metrics"][0]
    assert head["extra"]["flagged_windows"] == 1 and head["value"] == pytest.approx(8 / 0.01)


def _live(included: int, flagged: int):
    from dlarena.runner.engine import LiveCell, Window

    windows = [Window([0.01], 1, 0.0, 0.01, {}) for _ in range(included)]
    windows += [Window([0.01], 1, 0.0, 0.01, {}, "busy neighbour") for _ in range(flagged)]
    return LiveCell(None, None, {}, windows=windows)


@pytest.mark.parametrize("included, flagged, note", [
    (2, 0, None), (2, 2, None),  # MIN_QUIET_WINDOWS quiet windows, and as many quiet as contended: decides
    (1, 0, "0 of 1 windows contended (contended)"),  # too few quiet windows
    (2, 3, "3 of 5 windows contended (busy neighbour)"),  # more contended than quiet
])
def test_fake_busy_note_edges(included, flagged, note):
    from dlarena.runner.engine import MIN_QUIET_WINDOWS, busy_note

    assert MIN_QUIET_WINDOWS == 2
    assert busy_note(_live(included, flagged)) == note


@pytest.mark.parametrize("min_windows, processes, rounds", [(6, 3, {2, 4}), (5, 4, {2, 3, 4}), (3, 2, {2}), (4, 1, set())])
def test_fake_replacement_rounds_share_the_minimum_between_processes(min_windows, processes, rounds):
    from dlarena.criteria.speed import cells as speed
    from dlarena.runner.engine import SpeedEngine

    config = _fake_config(["torch"], min_windows=min_windows, max_windows=min_windows, processes=processes)
    assert SpeedEngine(config, speed, lambda *a: None)._replacement_rounds() == rounds


def _same(key, n):
    return [0.01] * 5, 0.001


def test_fake_every_session_is_stopped_once_after_its_first_processs_rounds_and_each_window_is_announced():
    # 4 windows in 2 processes: after round 2 every session (one per cell here) is stopped, so the
    # next window starts a fresh worker
    run = _fake_engine(_same, own_sessions=True, min_windows=4, max_windows=4, processes=2)
    assert [s.stops for s in run.sessions.values()] == [[4], [4]]
    windows = sorted(re.sub(r" mlp/.*", "", s) for s in run.said if "round" in s)
    assert windows == sorted(f"mlp: round {r}, window {i}/2" for r in range(1, 5) for i in (1, 2))


def test_fake_a_failed_window_ends_that_cell_and_the_others_go_on():
    run = _fake_engine(lambda key, n: None if "tensorflow" in key and n == 2 else _same(key, n), min_windows=3, max_windows=3)
    assert run.recorded["tensorflow"]["status"] == "failed" and run.recorded["tensorflow"]["error"] == "worker died"
    assert run.recorded["torch"]["status"] == "ok" and run.order.count("torch") == 3


def _undecided(key, n):
    # windows alternating 1x and 2x, in opposite phase for the two frameworks: a wide ratio CI across 1
    fast = (n % 2 == 0) == ("torch" in key)
    return [0.01 if fast else 0.02] * 5, 0.001


@pytest.mark.parametrize("deadline_in, duration_s, windows, retries", [
    (None, 0.01, 6, 0),  # no budget: an undecided pair gets windows up to the maximum
    (None, 0.01, 6, 2),  # retries replace contended windows only: no window here was, so the maximum still
    (10_000, 600, 6, 0),  # the next round (2 x 600 s) fits the budget
    (1_000, 600, 3, 0),  # it does not: the minimum only
    (-1, 0.01, 3, 0),  # the budget is spent
])
def test_fake_an_undecided_pair_gets_windows_while_the_budget_lasts(deadline_in, duration_s, windows, retries):
    deadline = None if deadline_in is None else time.monotonic() + deadline_in
    run = _fake_engine(_undecided, deadline=deadline, duration_s=duration_s, min_windows=3, max_windows=6, retries=retries)
    assert run.order.count("torch") == run.order.count("tensorflow") == windows


@pytest.mark.parametrize("deadline_in, windows", [(None, 5), (-1, 3)])
def test_fake_contended_windows_are_replaced_only_while_retries_and_the_budget_last(monkeypatch, deadline_in, windows):
    # tensorflow's windows are all contended: it gets min_windows + retries windows, or with the
    # budget spent the minimum only
    monkeypatch.setattr(contention, "why_contended", lambda noise, *a, **k: "busy" if noise["probe_s"] == 2.0 else None)
    deadline = None if deadline_in is None else time.monotonic() + deadline_in
    run = _fake_engine(lambda key, n: ([0.01] * 5, 2.0 if "tensorflow" in key else 0.001), deadline=deadline,
                       min_windows=3, max_windows=8, retries=2)
    assert run.order.count("tensorflow") == windows and run.order.count("torch") == 3


def _settles(key, n):
    # the first two windows of each side disagree (1x and 2x, in opposite phase); every later one is 1x
    if n <= 2:
        return _undecided(key, n)
    return [0.01] * 5, 0.001


@pytest.mark.parametrize("band, windows", [(0.5, 7), (0.2, 11), (0.05, 20)])
def test_fake_a_pair_stops_when_its_verdict_settles_within_the_runs_band(band, windows):
    # each new window updates the estimate (none is kept from an earlier count of windows), and the
    # run's equivalence band decides when the pair is settled: the wider, the sooner
    run = _fake_engine(_settles, band=band, min_windows=2, max_windows=20, retries=0)
    assert run.order.count("torch") == run.order.count("tensorflow") == windows


def test_fake_pairs_of_exactly_two_quiet_windows_are_judged():
    run = _fake_engine(_undecided, min_windows=2, max_windows=6, retries=0)
    assert run.order.count("torch") == run.order.count("tensorflow") == 6


def test_fake_verdicts_use_the_runs_seed_each_cells_id_and_its_replicates(monkeypatch):
    from dlarena.criteria.speed import cells as speed
    from dlarena.runner import engine

    seeds, compared = [], []
    real_estimate, real_compare = speed.estimate, engine.compare
    monkeypatch.setattr(speed, "estimate", lambda cell, windows, seed=0: seeds.append(seed) or real_estimate(cell, windows, seed))
    monkeypatch.setattr(engine, "compare", lambda a, b, *args: compared.append((a, b)) or real_compare(a, b, *args))
    _fake_engine(_undecided, seed=7, min_windows=2, max_windows=3, retries=0)
    assert seeds and set(seeds) == {7}
    a, b = compared[0]
    assert {a.label, b.label} == {"mlp/torch/eager/infer_throughput/b8", "mlp/tensorflow/eager/infer_throughput/b8"}
    assert len(a.replicates) == len(b.replicates) == 2000


class _FinishingSession(_FakeSession):
    """Answers "start" with a first-call metric, "finish" with a metric of its own ("metrics"), none
    ("bare") or a failure ("failed"), and starts a new process on stop."""

    def __init__(self, windows, log, finish="metrics"):
        super().__init__(windows, log)
        self.finish = finish

    def request(self, command, timeout):
        if command["op"] == "start":
            return {"status": "ok", "metrics": [{"metric": "first_call_ms", "unit": "ms", "value": 9.0}], "runtime": {},
                    "duration_s": 0.5}
        if command["op"] == "finish":
            if self.finish == "failed":
                return {"status": "failed", "error": "gone", "metrics": [{"metric": "never", "value": 1.0}]}
            if self.finish == "bare":
                return {"status": "ok", "duration_s": 0.0}
            return {"status": "ok", "metrics": [{"metric": "final_metric", "unit": "x", "value": 3.0}], "duration_s": 0.0}
        return super().request(command, timeout)

    def stop(self):
        super().stop()
        self.process += 1


@pytest.mark.parametrize("finish, extra", [("metrics", ["final_metric"]), ("bare", []), ("failed", [])])
def test_fake_a_cells_record_holds_its_windows_processes_and_finish_metrics(finish, extra):
    from dlarena.config import Cell
    from dlarena.criteria.speed import cells as speed
    from dlarena.runner.engine import SpeedEngine

    recorded = {}
    session = _FinishingSession(_same, [], finish)
    cell = Cell(workload="mlp", framework="torch", mode="eager", scenario="infer_throughput", batch=8)
    config = _fake_config(["torch"], min_windows=4, max_windows=4, processes=2)
    SpeedEngine(config, speed, lambda c, result: recorded.__setitem__(c.framework, result)).run([(cell, session, {})], None)
    record = recorded["torch"]
    head = record["metrics"][0]["extra"]
    assert (head["windows"], head["flagged_windows"], head["processes"]) == (4, 0, 2)
    assert "all_windows_contended" not in head and "busy" not in head
    quality = record["runtime"]["repetitions"]
    assert (quality["windows"], quality["flagged_windows"], quality["processes"]) == (4, 0, 2)
    assert record["runtime"]["restart_s"] == [0.5]  # started again in the second process
    assert record["duration_s"] == pytest.approx(4 * 0.01) and len(record["repetitions"]) == 4
    names = [m["metric"] for m in record["metrics"]]
    assert names.count("first_call_ms") == 1  # from the first process only
    assert [n for n in names if n in ("final_metric", "never")] == extra


def test_fake_a_cell_whose_windows_were_all_contended_keeps_them_and_says_so(monkeypatch):
    monkeypatch.setattr(contention, "why_contended", lambda noise, *a, **k: "busy" if noise["probe_s"] == 2.0 else None)
    run = _fake_engine(lambda key, n: ([0.01] * 5, 2.0 if "tensorflow" in key else 0.001), min_windows=3, max_windows=3,
                       retries=0)
    head = run.recorded["tensorflow"]["metrics"][0]
    assert head["extra"]["all_windows_contended"] is True and head["extra"]["flagged_windows"] == 3
    assert head["extra"]["busy"] == "3 of 3 windows contended (busy)"
    assert run.recorded["tensorflow"]["runtime"]["repetitions"]["busy"] == "3 of 3 windows contended (busy)"
    assert head["value"] == pytest.approx(8 / 0.01)


@pytest.mark.parametrize("sigma", [None, 0.05])
def test_fake_the_between_run_allowance_widens_the_headline_ci_and_keeps_the_within_run_one(sigma):
    from dlarena.config import Cell
    from dlarena.criteria.speed import cells as speed
    from dlarena.measure import drift
    from dlarena.runner.engine import SpeedEngine

    recorded = {}
    windows = [[0.01 * (1 + 0.02 * n)] * 5 for n in range(3)]
    session = _FakeSession(lambda key, n: (windows[n - 1], 0.001), [])
    cell = Cell(workload="mlp", framework="torch", mode="eager", scenario="infer_throughput", batch=8)
    allowance = None if sigma is None else drift.BetweenRun(sigma, 2, 0.04, (1.01, 0.99))
    SpeedEngine(_fake_config(["torch"], min_windows=3, max_windows=3), speed,
                lambda c, result: recorded.__setitem__(c.framework, result), between_run=allowance).run([(cell, session, {})], None)
    head = recorded["torch"]["metrics"][0]
    within = speed.rows_from_windows(cell, windows, 0)[0]
    if sigma is None:
        assert (head["ci_low"], head["ci_high"]) == (within["ci_low"], within["ci_high"]) and "ci_within_run" not in head["extra"]
        return
    assert (head["ci_low"], head["ci_high"]) == drift.widen(within["value"], within["ci_low"], within["ci_high"], sigma)
    assert head["extra"]["ci_within_run"] == [within["ci_low"], within["ci_high"]]
    assert head["extra"]["between_run"] == allowance.as_dict()


def test_fake_two_modes_of_one_framework_are_not_a_pair_but_each_is_paired_with_the_others():
    # torch eager and torch compiled come first in the group: skipped as a pair, the loop goes on to
    # each of them against tensorflow (undecided: every cell gets windows up to the maximum)
    from dlarena.config import Cell
    from dlarena.criteria.speed import cells as speed
    from dlarena.runner.engine import SpeedEngine

    log, recorded = [], {}
    session = _FakeSession(lambda key, n: _undecided(key.replace("compiled", "eager"), n), log)
    cells = [(Cell(workload="mlp", framework=fw, mode=mode, scenario="infer_throughput", batch=8), session, {})
             for fw, mode in (("torch", "eager"), ("torch", "compiled"), ("tensorflow", "eager"))]
    SpeedEngine(_fake_config(["torch", "tensorflow"], min_windows=3, max_windows=6, retries=0), speed,
                lambda cell, result: recorded.__setitem__(cell.id, result)).run(cells, None)
    assert sorted(log.count(c.id) for c, _, _ in cells) == [6, 6, 6]
