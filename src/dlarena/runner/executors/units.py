"""Units of work: what an executor places on one node, planned by the scheduler's own rules.

- a **workload unit**: one workload's parity, its own-process cells and its cells timed in
  windows (the engine interleaves a workload's frameworks, so they must share a machine); it is
  *timed* (holds the node's slot) unless every cell in it measures no time;
- a **cell unit**: one global cell, or one untimed cell (ease metrics, probes, inventories...),
  run in its own process as the local executor runs it; untimed units may share a node.

``execute`` is the node's side: a SuiteRunner on the node runs the unit with a stand-in for the
results database that hands every recorded cell to ``emit`` (the driver writes it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dlarena.config import Cell, build_config
from dlarena.runner.scheduler import SuiteRunner

EmitFn = Callable[[dict, dict], None]  # (cell as a dict, result) for each cell the node records


@dataclass
class Unit:
    name: str
    cells: list[Cell]  # every cell the unit records (a lost node fails those not yet back)
    timed: bool
    workload: str | None = None  # a workload unit
    criterion: str | None = None  # a cell unit
    not_comparable: str | None = None
    untimed_after: list[tuple[str, Cell]] = field(default_factory=list)  # a workload's untimed cells

    def spec(self) -> dict:
        """What crosses the wire to the node (plain data)."""
        return {"name": self.name, "workload": self.workload, "criterion": self.criterion,
                "cell": self.cells[0].model_dump() if self.criterion else None,
                "not_comparable": self.not_comparable}


def plan(runner: SuiteRunner) -> list[Unit]:
    """The suite as units: a workload unit per workload (its untimed cells follow it as cell
    units, once its parity says whether they are comparable), then the global cells."""
    config = runner.config
    units = []
    for workload in config.workloads:
        planned = runner._planned(workload)
        untimed = [(criterion, cell) for criterion, cell in planned if runner.untimed(criterion, cell)]
        untimed_ids = {cell.id for _, cell in untimed}
        parity = runner.parity_cells(workload)
        cells = parity + [c for _, c in planned if c.id not in untimed_ids]
        if not cells and not untimed:
            continue
        units.append(Unit(f"workload {workload}", cells, timed=len(cells) > len(parity) or not untimed,
                          workload=workload, untimed_after=untimed))
    for criterion, cell in runner._planned_global():
        units.append(cell_unit(runner, criterion, cell, None))
    return units


def cell_unit(runner: SuiteRunner, criterion: str, cell: Cell, not_comparable: str | None) -> Unit:
    return Unit(f"{criterion} {cell.id}", [cell], timed=not runner.untimed(criterion, cell),
                criterion=criterion, not_comparable=not_comparable)


class StreamingStore:
    """Stands in for the results database on a node: each recorded cell goes to ``emit``; no
    earlier runs are known there (the between-run allowance takes its default prior)."""

    def __init__(self, artifacts_dir: str, emit: EmitFn):
        self.artifacts_dir = Path(artifacts_dir)
        self.emit = emit

    def record_cell(self, run_id: str, cell: Cell, result: dict) -> None:
        self.emit(cell.model_dump(), result)

    def run(self, run_id=None):
        return None

    def runs(self) -> list[dict]:
        return []

    def headline_values(self, run_ids, metrics) -> dict:
        return {}


def execute(job: dict, emit: EmitFn) -> list[tuple[str, dict, str | None]]:
    """Runs one unit on this node. ``job``: config (a SuiteConfig dump), run_id, artifacts_dir,
    done (cell id -> status: resumed cells are skipped), entries, drivers, unit (Unit.spec()).
    Returns the workload's untimed cells with their comparability (criterion, cell, reason)."""
    try:  # a run of the user's own workloads: make them known on this node too
        from dlarena.runner import user_workloads

        user_workloads.register_recorded(job["config"])
    except Exception:  # noqa: BLE001 - not a run of user workloads, or its sources are not on this node
        pass
    config = build_config(**job["config"])
    unit = job["unit"]
    started = time.time()

    def stamped(cell: dict, result: dict) -> None:  # when and in which unit the node measured it
        runtime = {**(result.get("runtime") or {}), "unit": unit["name"], "unit_started_at": started,
                   "recorded_at": time.time()}
        emit(cell, {**result, "runtime": runtime})

    runner = SuiteRunner(config, StreamingStore(job["artifacts_dir"], stamped), job["run_id"],
                         entries=job.get("entries"), drivers=job.get("drivers"))
    if unit["workload"] is not None:
        deferred = runner.run_workload_unit(unit["workload"], dict(job.get("done") or {}))
        return [(criterion, cell.model_dump(), reason) for criterion, cell, reason in deferred]
    runner.run_cell_unit(unit["criterion"], Cell(**unit["cell"]), unit["not_comparable"])
    return []
