"""Pretrained models: the architectures each framework's users can load from its zoos, verified by
building them from configs with random weights and running them once (``dlarena.pretrained``,
shared with the frameworks' zoo plug-ins)."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, NoOptions, Selection
from dlarena.criteria.pretrained import cells, claims, report


class Pretrained(Criterion[NoOptions]):
    name = "pretrained"
    title = "Pretrained models"
    order = 50
    entry = cells.ENTRY
    needs_parity = False
    weighed = True
    demo = {}

    def plan_global(self, selection: Selection, options: NoOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def untimed(self, cell: Cell) -> bool:
        return True  # it counts names and builds

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return cells.scores(cells_, rows)

    def claim_kinds(self) -> dict:
        return {"inventory": claims.inventory, "exclusive": claims.exclusive}

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Pretrained()
