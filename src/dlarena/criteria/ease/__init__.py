"""Ease of use, measured: code metrics of dlarena's own implementations of each workload, error
messages for common mistakes (probes written as users write them), and time to first result in a
fresh process."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, NoOptions, Selection
from dlarena.criteria.ease import cells, report


class Ease(Criterion[NoOptions]):
    name = "ease"
    title = "Ease of use"
    order = 20
    entry = cells.ENTRY
    needs_parity = False  # a workload's source and its first step can be judged even if parity fails
    weighed = True
    use_cases = {"Research prototyping": 2, "Learning curve": 2}
    demo = {"workloads": ["mlp"]}

    def plan(self, selection: Selection, options: NoOptions, workload: str) -> list[Cell]:
        return cells.plan(selection, options, workload)

    def plan_global(self, selection: Selection, options: NoOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def untimed(self, cell: Cell) -> bool:
        return cells.untimed(cell)

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return cells.scores(cells_, rows)

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Ease()
