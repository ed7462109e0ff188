"""What every in-process measurement needs: the adapter set up, the workload, its data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlarena import frameworks, workloads
from dlarena.config import Cell
from dlarena.workloads.base import Workload


@dataclass
class Prepared:
    cell: Cell
    adapter: Any
    workload: Workload
    runtime: dict  # what the adapter actually set (device, threads), recorded with the result


def prepare(payload: dict) -> Prepared:
    cell = Cell(**payload["cell"])
    adapter = frameworks.load_adapter(cell.framework)
    runtime = adapter.setup(payload["threads"], payload["interop_threads"], payload["seed"])
    runtime["versions"] = adapter.versions()
    workload = workloads.get(cell.workload)
    # What exactly was run (a size preset's reductions included), stored with every cell.
    runtime["workload"] = {"description": workload.description, "size": workload.size,
                           "parameter_count": workload.parameter_count, "forward_flops": workload.forward_flops}
    return Prepared(cell, adapter, workload, runtime)


def metric(name: str, unit: str, value: float, summary=None, samples=None, **extra) -> dict:
    row = {"metric": name, "unit": unit, "value": float(value), "extra": extra}
    if summary is not None:
        row.update(ci_low=summary.ci_low, ci_high=summary.ci_high, q1=summary.q1, q3=summary.q3, n=summary.n)
    if samples is not None:
        row["samples"] = [float(s) for s in samples]
    return row
