"""What every in-process measurement needs: the adapter set up, the workload, its data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dlarena import frameworks, workloads
from dlarena.cell import Cell, Skipped, metric  # noqa: F401 (what every criterion imports from here)
from dlarena.workloads.base import Workload


PRECISION_SEPARATOR = "+"


def split_mode(mode: str) -> tuple[str, str]:
    """``"compile+bf16"`` -> ``("compile", "bf16")``; a mode without suffix runs in fp32."""
    base, _, precision = mode.partition(PRECISION_SEPARATOR)
    return base, precision or "fp32"


def with_precision(mode: str, precision: str) -> str:
    return mode if precision == "fp32" else f"{mode}{PRECISION_SEPARATOR}{precision}"


def setup_adapter(payload: dict, cell: Cell, model_module: str | None = None):
    """The cell's framework adapter (for ``model_module`` when the framework's column of the workload
    runs another family's model), on the requested device (Skipped if that device is absent)."""
    adapter = frameworks.load_adapter(cell.framework, model_module)
    reason = adapter.select_device(payload.get("device", "auto"))
    if reason:
        raise Skipped(reason)
    runtime = adapter.setup(payload["threads"], payload["interop_threads"], payload["seed"])
    runtime["versions"] = adapter.versions()
    return adapter, runtime


@dataclass
class Prepared:
    cell: Cell
    adapter: Any
    workload: Workload
    runtime: dict  # what the adapter actually set (device, threads), recorded with the result


def prepare(payload: dict) -> Prepared:
    cell = Cell(**payload["cell"])
    workload = workloads.get(cell.workload)
    adapter, runtime = setup_adapter(payload, cell, workload.model_module_for(frameworks.info(cell.framework).model_module))
    # What exactly was run (a size preset's reductions included), stored with every cell.
    runtime["workload"] = {"description": workload.description, "size": workload.size,
                           "parameter_count": workload.parameter_count, "forward_flops": workload.forward_flops}
    return Prepared(cell, adapter, workload, runtime)


def runtime_of(cell: dict) -> dict:
    """A stored cell's runtime record (JSON text in the store, a dict in memory; {} if unreadable)."""
    runtime = cell.get("runtime")
    if isinstance(runtime, str):
        try:
            runtime = json.loads(runtime) if runtime else {}
        except ValueError:
            runtime = {}
    return runtime if isinstance(runtime, dict) else {}
