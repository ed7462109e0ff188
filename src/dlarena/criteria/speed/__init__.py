"""Execution speed: inference latency (batch 1), inference throughput and training throughput of
every workload, framework and mode, timed in interleaved windows by the speed engine
(runner/engine.py), compared by the ratio rule (measure/verdict.py). Its report sections: the best
mode per framework and the model-size sweep; the per-workload body of the report is its views."""

from __future__ import annotations

from pathlib import Path

from dlarena import workloads
from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, NoOptions, Selection
from dlarena.criteria.speed import best_mode, cells, claims, sweep


class Speed(Criterion[NoOptions]):
    name = "speed"
    title = "Speed"
    order = 10
    entry = cells.ENTRY
    needs_parity = True
    timed_in_windows = True
    weighed = True
    use_cases = {"Research prototyping": 1, "Production serving on a server": 1}
    demo = {"workloads": list(workloads.DEFAULT)}  # the quick workloads (others' demo workloads are theirs)

    def plan(self, selection: Selection, options: NoOptions, workload: str) -> list[Cell]:
        return cells.plan(selection, options, workload)

    def window_driver(self):
        return cells

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return cells.scores(cells_, rows, band)

    def claim_kinds(self) -> dict:
        return {"speed": claims.evaluate}

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [best_mode.build(store, run, out_dir), sweep.build(store, run, out_dir)]


CRITERION = Speed()
