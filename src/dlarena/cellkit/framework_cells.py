"""Cells that belong to a framework, not to a workload (error probes, debugging probes, inventories,
community figures): their planning, their set-up (the framework's adapter with the suite's threads,
seed and device, without a workload) and their rows grouped by framework."""

from __future__ import annotations

from dlarena.cell import Cell
from dlarena.cellkit.common import setup_adapter

# Workload name of cells that belong to no workload; cell ids stay unique through their scenario.
NO_WORKLOAD = "-"


def one_cell_each(selected, mode: str, scenario: str) -> list[Cell]:
    """One cell per framework of ``selected`` for a criterion that belongs to no workload."""
    return [Cell(workload=NO_WORKLOAD, framework=fw, mode=mode, scenario=scenario, batch=0) for fw in selected]


def setup_framework_cell(payload: dict):
    """The cell and its framework's adapter, set up with the suite's threads and seed on the requested
    device (``--device``), like a workload cell's (Skipped when that device is absent)."""
    cell = Cell(**payload["cell"])
    adapter, runtime = setup_adapter(payload, cell)
    return cell, adapter, runtime


def always_untimed(cell: Cell) -> bool:
    """``untimed`` of a criterion none of whose cells measures time (counts, inventories, dated figures)."""
    return True


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
