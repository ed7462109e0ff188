"""Distributed (data-parallel) training on each framework's own runtime.

Frameworks take part through their ``distributed`` plug-in (``frameworks/<name>/distributed.py``
and its worker program ``distributed_worker.py``): PyTorch DDP, TensorFlow MultiWorkerMirroredStrategy, JAX
multi-process SPMD. One cell per (workload, framework, world size N); the mode says which
runtime and N (the plugin's prefix: "ddp-2w", "mwms-2w", "spmd-2w"). The cell's process is the
launcher (``distributed/launch.py``): it starts N workers on the frameworks' own runtimes, each with ``threads / workers-per-node`` intra-op
threads (at least one), collects their timings, then checks correctness itself: after
``check_steps`` steps every worker's weights must equal every other's and equal (fp32
tolerance) single-process training on the concatenated global batch. A failed check makes the
cell ``not_comparable``. Scaling is weak: each worker keeps the workload's training batch, so the
global batch grows with N; efficiency = throughput(N) / (N x throughput(1)) is derived from the
stored cells (``criteria/distributed/analysis.py``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from dlarena import frameworks, workloads
from dlarena.cell import Cell
from dlarena.criteria.base import Selection
from dlarena.criteria.distributed.options import DistributedOptions
from dlarena.cellkit.common import metric
from dlarena.distributed import launch
from dlarena.criteria.distributed.analysis import SCENARIO, mode_for, scores  # noqa: F401  (protocol)
from dlarena.distributed.spec import WorkerSpec, global_batch
from dlarena.measure.env import physical_cores
from dlarena.measure.stats import sample_summary
from dlarena.measure.timer import TimingConfig
from dlarena.process.tempdirs import owned_prefix
from dlarena.workloads.base import Workload

ENTRY = "dlarena.criteria.distributed.cells:run_cell"
# Relative max diff (per tensor, against its max |value|) allowed between distributed and
# single-process weights after the check steps: only the order of fp32 additions differs
# (observed ~1e-7); a real difference in what is computed shows up orders of magnitude above.
WEIGHT_TOLERANCE = 1e-5
LAUNCHER_RESERVE_S = 30.0  # of the cell timeout, kept for the reference training and reporting


def plan(selection: Selection, options: DistributedOptions, workload: str) -> list[Cell]:
    batch = workloads.get(workload).batch_for("train")
    return [Cell(workload=workload, framework=fw, mode=mode_for(fw, n), scenario=SCENARIO, batch=batch)
            for fw in frameworks.with_plugin("distributed", selection.frameworks) for n in options.workers]



def workers_of(mode: str) -> int:
    return int(mode.rsplit("-", 1)[1].removesuffix("w"))


def _cluster(d: DistributedOptions, world_size: int, port: int) -> launch.Cluster:
    return launch.Cluster(world_size=world_size, nodes=d.nodes, node_rank=d.node_rank, master_addr=d.master_addr,
                          master_port=port, node_addrs=tuple(d.node_addrs))


def _ports(d: DistributedOptions, world_size: int) -> tuple[int, list[int]]:
    """(master port, worker ports): free ones on one node; on several nodes, the agreed master
    port and the ports after it (worker i listens on master_port + 1 + i where the runtime's
    configuration lists every worker)."""
    if d.master_port:
        return d.master_port, [d.master_port + 1 + i for i in range(world_size)]
    master, *worker_ports = launch.free_ports(world_size + 1)
    return master, worker_ports


def run_cell(payload: dict) -> dict:
    cell = Cell(**payload["cell"])
    d = DistributedOptions(**payload["distributed"])
    timing = TimingConfig(**payload["timing"])
    workload = workloads.get(cell.workload)
    world = workers_of(cell.mode)
    master_port, worker_ports = _ports(d, world)
    cluster = _cluster(d, world, master_port)
    runtime_plugin = frameworks.plugin_module(cell.framework, "distributed")
    threads = max(1, payload["threads"] // cluster.local_size)
    gpus = _gpu_count()
    timeout_s = float(payload.get("timeout_s", 600.0))
    budget = max(timeout_s - LAUNCHER_RESERVE_S, timeout_s / 2)

    with tempfile.TemporaryDirectory(prefix=owned_prefix("dist")) as tmp:
        spec = WorkerSpec(
            workload=cell.workload, framework=cell.framework, world_size=world, local_world_size=cluster.local_size,
            node_rank=d.node_rank, batch=cell.batch, threads=threads, interop_threads=payload["interop_threads"],
            seed=payload["seed"], check_steps=d.check_steps, warmup_iters=timing.warmup_iters,
            min_iters=timing.min_iters, min_s=timing.min_s, max_iters=timing.max_iters, max_s=timing.max_s,
            collective_timeout_s=d.rendezvous_timeout_s, out_dir=str(Path(payload.get("workdir") or tmp)),
            master=f"{d.master_addr}:{master_port}", worker_addrs=runtime_plugin.worker_addrs(cluster, worker_ports))
        runtime = {"world_size": world, "nodes": d.nodes, "node_rank": d.node_rank, "workers_on_this_node":
                   cluster.local_size, "threads_per_worker": threads, "interop_threads_per_worker": spec.interop_threads,
                   "oversubscribed": cluster.local_size * threads > physical_cores(),
                   "master": spec.master, "worker_addrs": spec.worker_addrs}
        outcome = launch.run(spec, cluster, d.rendezvous_timeout_s, budget, gpus)
        if outcome.status != "ok":
            return {"status": outcome.status, "error": outcome.error, "metrics": [], "runtime": runtime,
                    "log_tail": outcome.log_tail}
        params = {r: dict(np.load(Path(spec.out_dir) / f"rank{r}.npz")) for r in cluster.local_ranks}

    reference = _reference(cell.framework, workload, spec, payload)
    return _result(workload, spec, outcome, params, reference, runtime, runtime_plugin.STARTUP)


def _gpu_count() -> int:
    from dlarena.measure.env import gpus

    return len(gpus())


def _reference(framework: str, workload: Workload, spec: WorkerSpec, payload: dict) -> dict[str, np.ndarray]:
    """Single-process training on the concatenated global batches (eager, the workload's own step)."""
    adapter = frameworks.load_adapter(framework)
    adapter.setup(payload["threads"], payload["interop_threads"], payload["seed"])
    model = adapter.build(workload, workload.make_params(spec.seed))
    step = adapter.trainer(model, "eager", workload.learning_rate)
    for s in range(spec.check_steps):
        step(*adapter.inputs(workload, *global_batch(workload, spec, s)))
    return adapter.export_params(model, workload)


def _rel_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray], names: list[str]) -> tuple[float, str]:
    diffs = {n: float(np.max(np.abs(a[n] - b[n])) / max(float(np.max(np.abs(b[n]))), 1e-30)) for n in names}
    worst = max(diffs, key=diffs.get)
    return diffs[worst], worst


def _result(workload: Workload, spec: WorkerSpec, outcome: launch.Outcome, params: dict[int, dict],
            reference: dict[str, np.ndarray], runtime: dict, startup_what: str) -> dict:
    results = outcome.results
    ranks = sorted(results)
    first = ranks[0]
    trainable = [n for n, p in workload.params.items() if p.trainable]
    across = max((float(np.max(np.abs(params[r][n] - params[first][n]))) for r in ranks for n in trainable), default=0.0)
    vs_ref, worst = _rel_diff(params[first], reference, trainable)

    # Every step ends with an all-reduce, so workers finish steps together; the slowest bounds the step.
    step_s = np.max(np.array([results[r]["step_s"] for r in ranks]), axis=0)
    compute_s = np.max(np.array([results[r]["compute_s"] for r in ranks]), axis=0)
    sps = spec.global_batch / step_s
    s = sample_summary(sps)
    step_ms, compute_ms = float(np.median(step_s) * 1e3), float(np.median(compute_s) * 1e3)
    comm_ms = max(step_ms - compute_ms, 0.0)
    info = results[first]["runtime"]
    common = {"workers": spec.world_size, "threads_per_worker": spec.threads, "global_batch": spec.global_batch,
              "per_worker_batch": spec.batch}
    first_step_at = max(results[r]["first_step_at"] for r in ranks)
    rows = [
        metric("global_throughput_sps", "samples/s", s.median, s, sps, steps=len(step_s), **common),
        metric("step_time_ms", "ms", step_ms, **common),
        metric("compute_time_ms", "ms", compute_ms, method=info["compute_split"], **common),
        metric("communication_time_ms", "ms", comm_ms,
               method="median step time minus median compute-only step time: exposed (not overlapped) "
                      "gradient synchronisation plus the strategy's own overhead", **common),
        metric("communication_fraction", "ratio", comm_ms / step_ms if step_ms else 0.0, **common),
        # Joining returns when the last worker has arrived; the last to arrive waits least, so the
        # minimum over workers is the runtime's own start-up cost, the maximum includes waiting.
        metric("runtime_startup_s", "s", min(results[r]["init_s"] for r in ranks),
               max_over_workers=max(results[r]["init_s"] for r in ranks),
               what=startup_what, **common),
        metric("time_to_first_step_s", "s", first_step_at - outcome.spawned_at,
               what="launch of the workers to the end of the first training step (imports, rendezvous, build, "
                    "tracing)", **common),
        metric("weights_max_abs_diff_across_workers", "abs", across, ranks=ranks, **common),
        metric("weights_rel_diff_vs_single_process", "ratio", vs_ref, tolerance=WEIGHT_TOLERANCE, worst=worst,
               steps=spec.check_steps, **common),
    ]
    if outcome.joined_after_s is not None:
        rows.append(metric("rendezvous_s", "s", outcome.joined_after_s, what="launch to every worker joined", **common))
    runtime = {**runtime, **{k: v for k, v in info.items() if k not in ("intra_op_threads",)},
               "intra_op_threads": info.get("intra_op_threads")}

    failures = []
    if across > WEIGHT_TOLERANCE * max(float(np.max(np.abs(reference[n]))) for n in trainable):
        failures.append(f"workers' weights differ from each other by {across:.2e} after {spec.check_steps} steps")
    if not vs_ref <= WEIGHT_TOLERANCE:
        hint = ""
        if any(p.trainable is False for p in workload.params.values()) and spec.world_size > 1:
            hint = (" (this workload has BatchNorm: each worker normalises with its own local batch statistics, "
                    "so data-parallel training is not the same computation as one large batch)")
        failures.append(f"weights differ from single-process training on the global batch: {worst} rel diff "
                        f"{vs_ref:.2e} > tolerance {WEIGHT_TOLERANCE:.0e} after {spec.check_steps} steps{hint}")
    if failures:
        return {"status": "not_comparable", "error": "; ".join(failures), "metrics": rows, "runtime": runtime}
    return {"status": "ok", "metrics": rows, "runtime": runtime}
