"""Peak FLOP/s of this machine, measured: a square GEMM per framework and precision (the
operation dense layers, convolutions and attention lower to). MFU in the report is each speed
cell's achieved FLOP/s divided by the best of these for its precision. Beside it, once per run, the
host's memory bandwidth (measure/bandwidth.py), the roof of memory-bound batch-1 LLM decoding."""

from __future__ import annotations

import numpy as np

from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.common import Skipped, metric, setup_adapter
from dlarena.measure import bandwidth
from dlarena.measure.stats import sample_summary
from dlarena.measure.timer import TimingConfig, measure

ENTRY = "dlarena.criteria.peak.cells:run_cell"
WORKLOAD = "gemm"  # cells belong to no workload; this names them in cell ids
SCENARIO_PREFIX = "peak_"
# Square sides timed; the largest FLOP/s is the peak. On a CPU 2048 is past the cache-bound
# regime; a GPU needs larger matrices to fill its units.
CPU_SIZES = (1024, 2048)
GPU_SIZES = (4096, 8192)
BANDWIDTH = "memory_bandwidth"  # the bandwidth cell's scenario (and its workload name)
BANDWIDTH_METRIC = "memory_bandwidth_gb_per_s"


def plan_global(selection: Selection, options) -> list[Cell]:
    probes = getattr(options, "probes", PROBES)
    gemm = [Cell(workload=WORKLOAD, framework=fw, mode="eager", scenario=f"{SCENARIO_PREFIX}{precision}", batch=0)
            for fw in selection.frameworks for precision in selection.precisions] if "gemm" in probes else []
    # numpy copies: framework-neutral, measured once, in the first selected framework's worker set-up
    membw = [Cell(workload=BANDWIDTH, framework=selection.frameworks[0], mode="numpy", scenario=BANDWIDTH, batch=0)]
    return gemm + (membw if BANDWIDTH in probes and selection.frameworks else [])


PROBES = ("gemm", BANDWIDTH)


def run_bandwidth(payload: dict) -> dict:
    threads = max(1, int(payload.get("threads") or 1))
    rows = []
    best = None
    for n in sorted({1, threads}):
        rates = bandwidth.copy_rates_gb_per_s(threads=n)
        s = sample_summary(rates)
        rows.append(metric("memory_copy_gb_per_s", "GB/s", max(rates), s, rates, threads=n))
        best = max(best or 0.0, max(rates))
    rows.append(metric(BANDWIDTH_METRIC, "GB/s", best, convention=bandwidth.CONVENTION,
                       last_level_cache_bytes=bandwidth.last_level_cache_bytes(),
                       array_mb=bandwidth.DEFAULT_BYTES / 2**20,
                       how=f"best copy over {', '.join(map(str, sorted({1, threads})))} thread(s)"))
    return {"status": "ok", "metrics": rows, "runtime": {"device": "cpu", "threads": threads}}


def run_cell(payload: dict) -> dict:
    cell = Cell(**payload["cell"])
    if cell.scenario == BANDWIDTH:
        return run_bandwidth(payload)
    adapter, runtime = setup_adapter(payload, cell)
    precision = cell.scenario.removeprefix(SCENARIO_PREFIX)
    unsupported = adapter.precision_unsupported(precision)
    if unsupported:
        raise Skipped(unsupported)
    timing = TimingConfig(**payload["timing"])
    sizes = GPU_SIZES if runtime.get("device", "cpu").lower().startswith(("cuda", "gpu")) else CPU_SIZES
    rows, best = [], None
    for n in sizes:
        try:
            probe = adapter.gemm(n, precision)
        except NotImplementedError as exc:  # e.g. Keras 3 on PyTorch: PyTorch's own probe measures that GEMM
            raise Skipped(str(exc)) from None
        result = measure(probe, adapter.sync, timing)
        gflops = 2 * n**3 / np.asarray(result.samples_s) / 1e9
        s = sample_summary(gflops)
        rows.append(metric("gemm_gflops_per_s", "GFLOP/s", s.median, s, gflops, n=n, precision=precision))
        if best is None or s.median > best[1].median:
            best = (n, s)
    n, s = best
    rows.append(metric("peak_gflops_per_s", "GFLOP/s", s.median, s, n=n, precision=precision,
                       how=f"best median over square GEMMs of side {', '.join(map(str, sizes))}"))
    return {"status": "ok", "metrics": rows, "runtime": runtime}
