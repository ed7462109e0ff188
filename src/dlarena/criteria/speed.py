"""Execution speed: inference latency (batch 1), inference throughput, training throughput,
time to first step. A cell is started once in a worker process (``start``: build, first call,
warm-up), then timed in several windows spread over the suite (``window``), interleaved with
other cells by runner/engine.py; the parent turns the windows into metrics (``rows_from_windows``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dlarena import frameworks, workloads
from dlarena.config import Cell, SuiteConfig
from dlarena.criteria.common import Skipped, metric, prepare, split_mode, with_precision
from dlarena.measure import stats
from dlarena.measure.memory import current_rss_mb, peak_rss_mb
from dlarena.measure.timer import TimingConfig, warm_up
from dlarena.measure.timer import window as timed_window

ENTRY = "dlarena.criteria.speed:run_cell"
NEEDS_PARITY = True


def plan(config: SuiteConfig, workload: str) -> list[Cell]:
    spec = workloads.get(workload)
    return [
        Cell(workload=workload, framework=fw, mode=with_precision(mode, precision), scenario=scenario,
             batch=spec.batch_for(scenario))
        for precision in config.precisions
        for fw in config.frameworks
        for mode in frameworks.info(fw).modes
        if mode in config.modes and f"{fw}:{mode}" not in config.skip_speed_modes
        for scenario in config.scenarios
    ]


def _flops_rows(workload, cell: Cell, median_s: float) -> list[dict]:
    """Analytical FLOPs of one call and the FLOP/s achieved (MFU = this / the measured peak)."""
    flops = workload.step_flops(cell.scenario, cell.batch)
    if not flops:
        return []
    precision = split_mode(cell.mode)[1]
    return [metric("flops_per_step", "FLOP", flops, precision=precision,
                   convention="2 per multiply-add of matmuls and convolutions; training = 3 x forward"),
            metric("achieved_gflops_per_s", "GFLOP/s", flops / median_s / 1e9)]


@dataclass
class Timed:
    """A built, compiled and warmed-up cell held by a worker process between its windows."""

    call: Callable[[], object]
    sync: Callable[[], None]
    adapter: object
    runtime: dict


def start(payload: dict) -> tuple[Timed, list[dict]]:
    """Builds the cell's model, makes the first call (tracing/compilation included: a real cost
    users pay, recorded on its own) and warms up. Returns the handle and its one-off metrics."""
    prep = prepare(payload)
    cell, adapter, workload = prep.cell, prep.adapter, prep.workload
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)
    mode, precision = split_mode(cell.mode)
    unsupported = adapter.precision_unsupported(precision)
    if unsupported:
        raise Skipped(unsupported)
    adapter.set_precision(precision)  # before build: Keras' dtype policy applies to new layers

    rss_before, cache_before = current_rss_mb(), adapter.compile_cache_counts()
    started = time.perf_counter()
    model = adapter.build(workload, workload.make_params(payload["seed"]))
    xt, yt = adapter.inputs(workload, x, y)
    if cell.scenario == "train":
        step = adapter.trainer(model, mode, workload.learning_rate)
        call = lambda: step(xt, yt)  # noqa: E731
    else:
        predict = adapter.predictor(model, mode)
        call = lambda: predict(xt)  # noqa: E731
    build_s = time.perf_counter() - started
    t0 = time.perf_counter()
    call()
    adapter.sync()
    first_call_s = time.perf_counter() - t0
    cache = {f"compile_cache_{k}": n - cache_before[k] for k, n in adapter.compile_cache_counts().items()}
    warm_iters, warm_s = warm_up(call, adapter.sync, TimingConfig(**payload["timing"]))
    rows = [
        metric("first_call_s", "s", first_call_s),
        metric("time_to_first_step_s", "s", build_s + first_call_s, build_s=build_s,
               **payload.get("process_context", {}), **cache),
        metric("rss_growth_mb", "MB", current_rss_mb() - rss_before,
               note="resident memory added by building, compiling and warming up this cell"),
        metric("peak_rss_mb", "MB", peak_rss_mb(),
               note="peak of the worker process, which holds this workload's cells of this framework"),
    ]
    prep.runtime["warmup"] = {"iters": warm_iters, "s": warm_s}
    return Timed(call, adapter.sync, adapter, prep.runtime), rows


def window(handle: Timed, timing: dict) -> list[float]:
    """One repetition of the timed call: seconds per call."""
    return timed_window(handle.call, handle.sync, TimingConfig(**timing))


def finish(handle: Timed) -> list[dict]:
    return [metric(name, "MB", value) for name, value in handle.adapter.device_memory().items()]


HEADLINE = {"infer_latency": "latency_ms", "infer_throughput": "throughput_sps", "train": "train_throughput_sps"}
HIGHER_IS_BETTER = {"infer_latency": False, "infer_throughput": True, "train": True}
TIMED_IN_WINDOWS = True  # the scheduler measures this criterion's cells through runner/engine.py


def to_unit(cell: Cell, seconds: np.ndarray) -> np.ndarray:
    """Per-call seconds in the headline metric's unit: ms per call, or samples per second."""
    return seconds * 1e3 if cell.scenario == "infer_latency" else cell.batch / seconds


def estimate(cell: Cell, windows_s: list[list[float]], seed: int = 0) -> stats.CellEstimate:
    """The headline estimate of a cell's windows (per-call seconds), in the headline's unit."""
    return stats.estimate([to_unit(cell, np.asarray(w, dtype=np.float64)) for w in windows_s], seed=seed)


def rows_from_windows(cell: Cell, windows_s: list[list[float]], seed: int = 0) -> list[dict]:
    """The cell's metrics from its included windows (per-call seconds): the headline with a
    two-level bootstrap CI (windows, then calls) and its replicates, plus derived figures."""
    est = estimate(cell, windows_s, seed)
    pooled = to_unit(cell, np.concatenate([np.asarray(w, dtype=np.float64) for w in windows_s]))
    q1, q3, p90, p99 = np.percentile(pooled, [25, 75, 90, 99])
    head = metric(HEADLINE[cell.scenario], "ms" if cell.scenario == "infer_latency" else "samples/s", est.value,
                  samples=pooled, windows=est.n_windows, ci_method="two-level bootstrap: windows, then calls")
    head.update(ci_low=est.ci_low, ci_high=est.ci_high, n=est.n_samples, bootstrap=est.replicates_list(),
                q1=float(q1), q3=float(q3))
    step_s = float(np.mean([np.median(w) for w in windows_s]))
    rows = [head]
    if cell.scenario == "infer_latency":
        rows += [metric("latency_p90_ms", "ms", p90), metric("latency_p99_ms", "ms", p99)]
    else:
        rows.append(metric("step_time_ms", "ms", step_s * 1e3))
    try:
        rows += _flops_rows(workloads.get(cell.workload), cell, step_s)
    except (KeyError, ValueError, TypeError):
        pass  # a workload no longer registered (a moved user file): the timing stands without FLOPs
    return rows


def run_cell(payload: dict) -> dict:
    """The whole cell in one process (a few windows back to back): for single-cell use such as
    the tests; suites measure through runner/engine.py, which spreads windows over time."""
    handle, rows = start(payload)
    timing = payload["timing"]
    windows = [window(handle, timing) for _ in range(max(1, payload.get("windows", 3)))]
    cell = Cell(**payload["cell"])
    return {"status": "ok", "metrics": rows_from_windows(cell, windows, payload.get("seed", 0)) + rows + finish(handle),
            "runtime": handle.runtime}


def scores(cells: list[dict], rows: list[dict], band: float | None = None) -> dict[str, dict]:
    """Per framework: the share of (workload, scenario) comparisons it wins, each framework in its
    fastest mode, by the one verdict rule (``dlarena.measure.verdict``; ``band``: the run's
    equivalence band); equivalent and inconclusive count as ties, a tie counts half. Evidence: the
    best-mode cells compared."""
    from itertools import combinations

    from dlarena.measure.verdict import DEFAULT_BAND, compare
    from dlarena.criteria.speed_views import best_entry, build

    tally: dict[str, dict[str, int]] = {}
    evidence: dict[str, list[str]] = {}
    for view in build(cells, rows, band or DEFAULT_BAND):
        if not view.comparable:
            continue
        for s in view.scenarios:
            best = {}
            for fw in dict.fromkeys(e.framework for e in s.entries):
                entry = best_entry([e for e in s.entries if e.framework == fw], s.higher_is_better, need_ci=True)
                if entry is not None:
                    best[fw] = entry
            for a, b in combinations(best, 2):
                verdict = compare(best[a].estimate(), best[b].estimate(), s.higher_is_better, s.band)
                for fw, other in ((a, b), (b, a)):
                    t = tally.setdefault(fw, {"wins": 0, "ties": 0, "losses": 0})
                    if verdict.winner is None:
                        t["ties"] += 1
                    else:
                        t["wins" if verdict.winner == best[fw].label else "losses"] += 1
                    e = best[fw]
                    evidence.setdefault(fw, []).append(f"{view.name}/{fw}/{e.mode}/{s.scenario}/b{e.batch}")
    out = {}
    for fw, t in tally.items():
        n = sum(t.values())
        out[fw] = {"score": (t["wins"] + 0.5 * t["ties"]) / n,
                   "line": f"faster in {t['wins']} of {n} comparisons, {t['ties']} ties, slower in {t['losses']} "
                           f"(each framework's best mode)",
                   "evidence": list(dict.fromkeys(evidence[fw])), **t}
    return out


def mlp_call(framework: str, threads: int):
    """The fixed workload of ``dlarena bench-harness``: the quick suite's MLP on ``framework``, inference at
    batch 1, eager (a callable and the adapter's sync)."""
    adapter = frameworks.load_adapter(framework)
    adapter.setup(threads, 1, 0)
    spec = workloads.get("mlp")
    model = adapter.build(spec, spec.make_params(0))
    x, y = adapter.inputs(spec, *spec.make_batch(1))
    predict = adapter.predictor(model, "eager")
    return (lambda: predict(x)), adapter.sync
