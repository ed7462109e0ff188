"""Execution speed: inference latency (batch 1), inference throughput, training throughput,
time to first step. Runs inside an isolated worker process, one cell per process."""

from __future__ import annotations

import time

import numpy as np

from dlarena import frameworks, workloads
from dlarena.config import Cell, SuiteConfig
from dlarena.criteria.common import Skipped, metric, prepare, split_mode, with_precision
from dlarena.measure import stats  # module import: this file's summarize() is the criterion summary
from dlarena.measure.timer import TimingConfig, measure

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
        if mode in config.modes
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


def run_cell(payload: dict) -> dict:
    prep = prepare(payload)
    cell, adapter, workload = prep.cell, prep.adapter, prep.workload
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)
    mode, precision = split_mode(cell.mode)
    unsupported = adapter.precision_unsupported(precision)
    if unsupported:
        raise Skipped(unsupported)
    adapter.set_precision(precision)  # before build: Keras' dtype policy applies to new layers

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

    timing = measure(call, adapter.sync, TimingConfig(**payload["timing"]))
    times = np.asarray(timing.samples_s)
    warm = {"warmup_iters": timing.warmup_iters, "warmup_s": timing.warmup_s}

    if cell.scenario == "infer_latency":
        ms = times * 1e3
        s = stats.summarize(ms)
        rows = [
            metric("latency_ms", "ms", s.median, s, ms, **warm),
            metric("latency_p90_ms", "ms", s.p90),
            metric("latency_p99_ms", "ms", s.p99),
        ]
    else:
        sps = cell.batch / times
        s = stats.summarize(sps)
        name = "train_throughput_sps" if cell.scenario == "train" else "throughput_sps"
        rows = [
            metric(name, "samples/s", s.median, s, sps, **warm),
            metric("step_time_ms", "ms", float(np.median(times) * 1e3)),
        ]
    rows += _flops_rows(workload, cell, float(np.median(times)))
    rows += [
        metric("first_call_s", "s", timing.first_call_s),
        metric("time_to_first_step_s", "s", build_s + timing.first_call_s, build_s=build_s),
    ]
    rows += [metric(name, "MB", value) for name, value in adapter.device_memory().items()]
    return {"status": "ok", "metrics": rows, "runtime": prep.runtime}


def summarize(cells: list[dict], rows: list[dict], band: float | None = None) -> dict[str, dict]:
    """Per framework: the share of (workload, scenario) comparisons it wins, each framework in its
    fastest mode, by the one verdict rule (``dlarena.measure.verdict``; ``band``: the run's
    equivalence band); equivalent and inconclusive count as ties, a tie counts half. Evidence: the
    best-mode cells compared."""
    from itertools import combinations

    from dlarena.measure.verdict import DEFAULT_BAND, compare
    from dlarena.report.data import _best, build

    tally: dict[str, dict[str, int]] = {}
    evidence: dict[str, list[str]] = {}
    for view in build(cells, rows, band or DEFAULT_BAND):
        if not view.comparable:
            continue
        for s in view.scenarios:
            best = {}
            for fw in dict.fromkeys(e.framework for e in s.entries):
                entry = _best([e for e in s.entries if e.framework == fw and e.ci_low is not None], s.higher_is_better)
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
