"""Peak FLOP/s of this machine, measured: a square GEMM per framework and precision (the
operation dense layers, convolutions and attention lower to). MFU in the report is each speed
cell's achieved FLOP/s divided by the best of these for its precision."""

from __future__ import annotations

import numpy as np

from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.common import Skipped, metric, setup_adapter
from dlarena.measure.stats import sample_summary
from dlarena.measure.timer import TimingConfig, measure

ENTRY = "dlarena.criteria.peak.cells:run_cell"
WORKLOAD = "gemm"  # cells belong to no workload; this names them in cell ids
SCENARIO_PREFIX = "peak_"
# Square sides timed; the largest FLOP/s is the peak. On a CPU 2048 is past the cache-bound
# regime; a GPU needs larger matrices to fill its units.
CPU_SIZES = (1024, 2048)
GPU_SIZES = (4096, 8192)


def plan_global(selection: Selection, options: NoOptions) -> list[Cell]:
    return [Cell(workload=WORKLOAD, framework=fw, mode="eager", scenario=f"{SCENARIO_PREFIX}{precision}", batch=0)
            for fw in selection.frameworks for precision in selection.precisions]


def run_cell(payload: dict) -> dict:
    cell = Cell(**payload["cell"])
    adapter, runtime = setup_adapter(payload, cell)
    precision = cell.scenario.removeprefix(SCENARIO_PREFIX)
    unsupported = adapter.precision_unsupported(precision)
    if unsupported:
        raise Skipped(unsupported)
    timing = TimingConfig(**payload["timing"])
    sizes = GPU_SIZES if runtime.get("device", "cpu").lower().startswith(("cuda", "gpu")) else CPU_SIZES
    rows, best = [], None
    for n in sizes:
        result = measure(adapter.gemm(n, precision), adapter.sync, timing)
        gflops = 2 * n**3 / np.asarray(result.samples_s) / 1e9
        s = sample_summary(gflops)
        rows.append(metric("gemm_gflops_per_s", "GFLOP/s", s.median, s, gflops, n=n, precision=precision))
        if best is None or s.median > best[1].median:
            best = (n, s)
    n, s = best
    rows.append(metric("peak_gflops_per_s", "GFLOP/s", s.median, s, n=n, precision=precision,
                       how=f"best median over square GEMMs of side {', '.join(map(str, sizes))}"))
    return {"status": "ok", "metrics": rows, "runtime": runtime}
