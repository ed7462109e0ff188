"""The measurement every distributed worker runs, whatever its framework.

A worker reports through files in ``out_dir`` (the launcher reads them; nothing is sent over
the frameworks' own channels except the frameworks' own collectives):
``rank{R}.status`` (pid and phase, rewritten as it goes), ``rank{R}.npz`` (canonical parameters
after the correctness steps), ``rank{R}.json`` (timings) or ``rank{R}.error`` (what went wrong).

Phases, identical on every worker so that every collective has all its participants:
1. join the distributed runtime (timed: the runtime's start-up cost);
2. ``check_steps`` synchronised steps on shards of known global batches; parameters saved;
3. warm-up steps, then an agreed number of timed steps (each worker proposes a count from its
   warm-up speed; the counts are summed with the framework's own all-reduce, so every worker
   derives the same number);
4. the same number of compute-only steps: the same training step without gradient
   synchronisation, to split step time into compute and (exposed) communication;
5. a final collective, so no worker leaves while another still needs it.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Protocol

import numpy as np

from dlarena import workloads
from dlarena.distributed.spec import WorkerSpec, global_batch, shard


class Engine(Protocol):
    """One framework's data-parallel machinery, as its users write it."""

    description: dict  # what is measured (launcher, collective backend, how compute is split off)

    def join(self) -> dict: ...  # joins the runtime; returns runtime facts (device, threads)
    def build(self, params: dict[str, np.ndarray]) -> None: ...
    def inputs(self, x: np.ndarray, y: np.ndarray): ...
    def step(self, x, y) -> None: ...  # one synchronised data-parallel training step
    def local_step(self, x, y) -> None: ...  # the same step without gradient synchronisation
    def params(self) -> dict[str, np.ndarray]: ...  # canonical layout
    def sum_all(self, value: float) -> float: ...  # the framework's all-reduce over all workers
    def sync(self) -> None: ...
    def close(self) -> None: ...


def die_with_parent() -> None:
    """If our parent (launcher or torchrun agent) is killed, the kernel kills us too (Linux)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


class Reporter:
    def __init__(self, out_dir: str, rank: int):
        self.dir, self.rank = Path(out_dir), rank

    def path(self, suffix: str) -> Path:
        return self.dir / f"rank{self.rank}.{suffix}"

    def status(self, phase: str) -> None:
        _write_json(self.path("status"), {"pid": os.getpid(), "pgid": os.getpgid(0), "phase": phase, "at": time.time()})

    def error(self, text: str) -> None:
        self.path("error").write_text(text)


def _timed(fn, engine: Engine, x, y, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn(x, y)
        engine.sync()
        out.append(time.perf_counter() - t0)
    return out


def proposed_steps(warm_s: list[float], spec: WorkerSpec) -> int:
    """Timed steps this worker would like: enough for ``min_s`` and ``min_iters``, within the caps."""
    t = float(np.median(warm_s)) if warm_s else 0.0
    if t <= 0:
        return spec.min_iters
    wanted = max(spec.min_iters, math.ceil(spec.min_s / t))
    return int(max(1, min(wanted, spec.max_iters, max(spec.min_iters, int(spec.max_s / t)))))


def measure(engine: Engine, spec: WorkerSpec, rank: int, report: Reporter) -> dict:
    workload = workloads.get(spec.workload)
    report.status("joining")
    t0 = time.perf_counter()
    runtime = engine.join()
    init_s = time.perf_counter() - t0
    report.status("joined")

    t0 = time.perf_counter()
    engine.build(workload.make_params(spec.seed))
    build_s = time.perf_counter() - t0

    report.status("check")
    first_step_s = first_step_at = None
    for s in range(spec.check_steps):
        x, y = engine.inputs(*shard(*global_batch(workload, spec, s), rank, spec.batch))
        t0 = time.perf_counter()
        engine.step(x, y)
        engine.sync()
        if s == 0:
            first_step_s, first_step_at = time.perf_counter() - t0, time.time()
    np.savez(report.path("npz"), **engine.params())

    x, y = engine.inputs(*shard(*workload.make_batch(spec.global_batch, seed=spec.seed + 1), rank, spec.batch))
    report.status("warmup")
    warm = _timed(engine.step, engine, x, y, max(spec.warmup_iters, 2))
    steps = math.ceil(engine.sum_all(float(proposed_steps(warm, spec))) / spec.world_size - 1e-9)
    report.status("measure")
    step_s = _timed(engine.step, engine, x, y, steps)
    report.status("compute")
    _timed(engine.local_step, engine, x, y, max(spec.warmup_iters, 2))
    compute_s = _timed(engine.local_step, engine, x, y, steps)
    return {"rank": rank, "init_s": init_s, "build_s": build_s, "first_step_s": first_step_s,
            "first_step_at": first_step_at, "warmup_s": warm, "step_s": step_s, "compute_s": compute_s,
            "runtime": {**runtime, **engine.description}}


def main(engine: Engine, spec: WorkerSpec, rank: int) -> int:
    report = Reporter(spec.out_dir, rank)
    try:
        result = measure(engine, spec, rank, report)
        _write_json(report.path("json"), result)
        report.status("closing")
        engine.close()
        report.status("done")
        return 0
    except BaseException as exc:  # the launcher records it; the exit code tells torchrun
        report.error(f"{type(exc).__name__}: {exc}".strip())
        traceback.print_exc()
        sys.stderr.flush()
        # Framework threads (collectives, heartbeats) can keep a failed process alive: leave now.
        os._exit(1)
