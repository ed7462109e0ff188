"""Debugging: breakpoints and prints inside each mode's compiled code, hooks and intermediate
gradients, training curves to TensorBoard, graph export and attribution, probed per framework and
mode. The probes' user code is each framework's plug-in (``dlarena.debugging``, shared)."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, NoOptions, Selection
from dlarena.criteria.debugging import cells, report


class Debugging(Criterion[NoOptions]):
    name = "debugging"
    title = "Debugging"
    order = 60
    entry = cells.ENTRY
    needs_parity = False
    weighed = True
    use_cases = {"Research prototyping": 2}
    demo = {}

    def plan_global(self, selection: Selection, options: NoOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def untimed(self, cell: Cell) -> bool:
        return cells.untimed(cell)

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return cells.scores(cells_, rows)

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Debugging()
