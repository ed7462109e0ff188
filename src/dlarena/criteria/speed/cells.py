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
from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.common import Skipped, metric, prepare, runtime_of, split_mode, with_precision
from dlarena.criteria.speed.headlines import BY_SCENARIO, METRIC_OF
from dlarena.measure import stats
from dlarena.measure.memory import current_rss_mb, peak_rss_mb
from dlarena.measure.timer import TimingConfig, warm_up
from dlarena.measure.timer import window as timed_window

ENTRY = "dlarena.criteria.speed.cells:run_cell"


def plan(selection: Selection, options: NoOptions, workload: str) -> list[Cell]:
    spec = workloads.get(workload)
    return [
        Cell(workload=workload, framework=fw, mode=with_precision(mode, precision), scenario=scenario,
             batch=spec.batch_for(scenario))
        for precision in selection.precisions
        for fw in selection.frameworks
        for mode in frameworks.info(fw).modes
        if mode in selection.modes and f"{fw}:{mode}" not in selection.skip_speed_modes
        for scenario in selection.scenarios
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


# scenario -> headline metric, and scenario -> higher is better (the engine's view of headlines.py)
HEADLINE = METRIC_OF
HIGHER_IS_BETTER = {scenario: h.higher_is_better for scenario, h in BY_SCENARIO.items()}


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


PER_CALL_PARAMS = 1_000_000  # a batch-1 latency on a model below this measures per-call overhead
UNDECIDED_WHY = {"busy": "machine busy"}  # verdict outcomes without a winner, other than inconclusive


def _param_count(cell: dict | None) -> int | None:
    """The model's parameter count as the cell recorded it (``runtime.workload``), never re-derived."""
    value = (runtime_of(cell or {}).get("workload") or {}).get("parameter_count")
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def per_call_overhead(scenario: str, batch: int, params: int | None) -> bool:
    """A batch-1 latency on a model under ``PER_CALL_PARAMS`` parameters: what it compares is
    mostly the framework's per-call overhead (dispatch, Python), not its compute."""
    return scenario == "infer_latency" and batch == 1 and params is not None and params < PER_CALL_PARAMS


def _count(n: int) -> str:
    """85k, 1.4M, 512: a parameter count in a few characters."""
    if n >= 1_000_000:
        return f"{n / 1e6:.2g}M" if n < 10_000_000 else f"{n / 1e6:.0f}M"
    if n >= 1_000:
        return f"{n / 1e3:.3g}k"
    return str(n)


def size_range(params: list[int]) -> str:
    """"models of 85k–1.4M parameters" (one size: "a model of 85k parameters")."""
    if not params:
        return "model sizes not recorded"
    low, high = min(params), max(params)
    return f"a model of {_count(low)} parameters" if low == high else f"models of {_count(low)}–{_count(high)} parameters"


def _device(runtime: dict) -> str | None:
    device = str(runtime.get("device") or "").split(":")[0].lower()
    return {"cuda": "gpu"}.get(device, device) or None


def speed_scope(cells: list[dict], rows: list[dict], compared: set[str] | None = None) -> dict:
    """What the speed verdicts rest on, from the stored cells and rows only: device(s), thread
    counts and model size range (parameters) of the cells compared (``compared``: their ids; default
    every speed cell), and the share of the run's speed timing windows flagged as contended."""
    speed_cells = [c for c in cells if c.get("scenario") in HEADLINE and c.get("status") == "ok"
                   and (compared is None or c.get("cell_id") in compared)]
    devices = sorted({d for c in speed_cells if (d := _device(runtime_of(c)))})
    threads = sorted({int(t) for c in speed_cells
                      if isinstance(t := runtime_of(c).get("intra_op_threads"), (int, float)) and t > 0})
    params = sorted({p for c in speed_cells if (p := _param_count(c))})
    ids = {c.get("cell_id") for c in cells if c.get("scenario") in HEADLINE}  # the run's machine, all windows
    windows = flagged = 0
    for r in rows:
        if r.get("cell_id") in ids and r.get("metric") == HEADLINE.get(r.get("scenario")):
            extra = r.get("extra") or {}
            windows += int(extra.get("windows") or 0) + int(extra.get("flagged_windows") or 0)
            flagged += int(extra.get("flagged_windows") or 0)
    parts = ["/".join(devices) or "device not recorded"]
    if threads:
        parts[0] += f", {threads[0] if len(threads) == 1 else f'{threads[0]}–{threads[-1]}'} " \
                    f"thread{'s' if threads[-1] > 1 else ''}"
    parts.append(size_range(params))
    if windows:
        parts.append(f"{flagged} of {windows} timing windows ({flagged / windows:.0%}) flagged as contended")
    else:
        parts.append("contended windows not recorded")
    return {"devices": devices, "threads": threads, "params": params, "windows": windows,
            "flagged_windows": flagged, "machine": parts[0], "text": ", ".join(parts)}


def scores(cells: list[dict], rows: list[dict], band: float | None = None) -> dict[str, dict]:
    """Per framework: its (workload, scenario) comparisons, each framework in its fastest mode, by
    the one verdict rule (``dlarena.measure.verdict``; ``band``: the run's equivalence band). A win
    counts 1, an *equivalent* verdict half; any other verdict without a winner (inconclusive, or a
    verdict withheld, e.g. on a busy machine) is *undecided* and left out of the denominator (a
    framework with no decided comparison gets no score: "no decided comparison"). Every line states its scope (device,
    threads, model sizes, contended windows) and labels batch-1 latency on models under
    ``PER_CALL_PARAMS`` parameters as per-call overhead. Evidence: the best-mode cells compared."""
    from itertools import combinations

    from dlarena.measure.verdict import DEFAULT_BAND, compare
    from dlarena.criteria.speed.views import best_entry, build

    by_id = {c.get("cell_id"): c for c in cells}
    tally: dict[str, dict[str, int]] = {}
    undecided_kinds: dict[str, dict[str, int]] = {}
    overhead_wins: dict[str, int] = {}
    evidence: dict[str, list[str]] = {}
    comparisons: dict[str, list[dict]] = {}
    for view in build(cells, rows, band or DEFAULT_BAND):
        for s in view.scenarios:  # a framework that failed parity has no ok cell: left out, the others compared
            best = {}
            for fw in dict.fromkeys(e.framework for e in s.entries):
                entry = best_entry([e for e in s.entries if e.framework == fw], s.higher_is_better, need_ci=True)
                if entry is not None:
                    best[fw] = entry
            for a, b in combinations(best, 2):
                verdict = compare(best[a].estimate(), best[b].estimate(), s.higher_is_better, s.band)
                ids = {fw: f"{view.name}/{fw}/{best[fw].mode}/{s.scenario}/b{best[fw].batch}" for fw in (a, b)}
                params = _param_count(by_id.get(ids[a])) or _param_count(by_id.get(ids[b]))
                overhead = per_call_overhead(s.scenario, best[a].batch, params)
                for fw, other in ((a, b), (b, a)):
                    t = tally.setdefault(fw, {"wins": 0, "ties": 0, "losses": 0, "undecided": 0})
                    if verdict.winner is not None:
                        won = verdict.winner == best[fw].label
                        t["wins" if won else "losses"] += 1
                        result = "win" if won else "loss"
                        if won and overhead:
                            overhead_wins[fw] = overhead_wins.get(fw, 0) + 1
                    elif verdict.outcome == "equivalent":
                        t["ties"] += 1
                        result = "equivalent"
                    else:
                        t["undecided"] += 1
                        result = "undecided"
                        kinds = undecided_kinds.setdefault(fw, {})
                        kinds[verdict.outcome] = kinds.get(verdict.outcome, 0) + 1
                    evidence.setdefault(fw, []).append(ids[fw])
                    comparisons.setdefault(fw, []).append({
                        "workload": view.name, "scenario": s.scenario, "batch": best[fw].batch, "against": other,
                        "params": params, "result": result, "outcome": verdict.outcome, "verdict": verdict.text,
                        "label": "per-call overhead" if overhead else None})
    compared = {i for ids in evidence.values() for i in ids}
    scope = speed_scope(cells, rows, compared)
    out = {}
    for fw, t in tally.items():
        n = sum(t.values())
        decided = t["wins"] + t["ties"] + t["losses"]
        counts = (f"faster in {t['wins']}, equivalent in {t['ties']}, slower in {t['losses']}, "
                  f"undecided {t['undecided']} of {n} comparisons")
        other_kinds = {k: v for k, v in undecided_kinds.get(fw, {}).items() if k != "inconclusive"}
        why = ", ".join(f"{v} {UNDECIDED_WHY.get(k, k)}" for k, v in other_kinds.items())
        overhead = overhead_wins.get(fw, 0)
        note = (f"{overhead} of its {t['wins']} win{'s' if t['wins'] != 1 else ''} "
                f"{'is' if overhead == 1 else 'are'} batch-1 latency on models under {_count(PER_CALL_PARAMS)} "
                "parameters: per-call overhead") if overhead else ""
        mostly = ("all" if overhead == t["wins"] else "mostly") if overhead * 2 > t["wins"] else ""
        headline = (counts + (f" ({why})" if why else "")
                    + (f", wins {mostly} batch-1 per-call overhead" if mostly else "")
                    + f" ({scope['machine']}, {size_range(scope['params'])})")
        line = (f"{counts} (each framework's best mode" + (f"; {why}" if why else "") + ")"
                + (f"; {note}" if note else "") + f"; scope: {scope['text']}")
        # Nothing decided (every comparison inconclusive or withheld on a busy machine) is no tie: no score.
        out[fw] = {"score": (t["wins"] + 0.5 * t["ties"]) / decided if decided else None,
                   "unscored": None if decided else "no decided comparison",
                   "line": line, "headline": headline, "scope": scope["text"], "grade": "measured",
                   "evidence": list(dict.fromkeys(evidence[fw])), "comparisons": comparisons[fw], **t}
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
