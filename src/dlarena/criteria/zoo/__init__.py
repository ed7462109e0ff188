"""Zoo models: architectures from the model zoos each framework's users load, built from configs
with random weights and timed."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, NoOptions, Selection
from dlarena.criteria.zoo import cells, report


class Zoo(Criterion[NoOptions]):
    name = "zoo"
    title = "Zoo models"
    order = 100
    entry = cells.ENTRY
    needs_parity = False

    def plan_global(self, selection: Selection, options: NoOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Zoo()
