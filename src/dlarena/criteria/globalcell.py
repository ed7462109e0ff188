"""Set-up for cells that belong to no workload (error probes, inventories): the framework's
adapter set up with the suite's threads and seed, without a workload."""

from __future__ import annotations

from dlarena import frameworks
from dlarena.config import Cell

# Workload name of cells that belong to no workload; cell ids stay unique through their scenario.
NO_WORKLOAD = "-"


def one_cell_each(selected, mode: str, scenario: str) -> list[Cell]:
    """One cell per framework of ``selected`` for a criterion that belongs to no workload."""
    return [Cell(workload=NO_WORKLOAD, framework=fw, mode=mode, scenario=scenario, batch=0) for fw in selected]


def setup_framework(payload: dict):
    cell = Cell(**payload["cell"])
    adapter = frameworks.load_adapter(cell.framework)
    runtime = adapter.setup(payload["threads"], payload["interop_threads"], payload["seed"])
    runtime["versions"] = adapter.versions()
    return cell, adapter, runtime


def by_framework(cells: list[dict], rows: list[dict], scenarios) -> tuple[dict, dict]:
    """Cells and rows of the given scenarios (a predicate or a collection), grouped by framework."""
    keep = scenarios if callable(scenarios) else (lambda s: s in scenarios)
    fw_cells: dict[str, list[dict]] = {}
    fw_rows: dict[str, list[dict]] = {}
    for c in cells:
        if keep(c["scenario"]):
            fw_cells.setdefault(c["framework"], []).append(c)
    for r in rows:
        if keep(r["scenario"]):
            fw_rows.setdefault(r["framework"], []).append(r)
    return fw_cells, fw_rows
