"""Community: dated, sourced figures (GitHub stars, downloads, ...) per framework (``sources``),
refreshed when online; a figure older than the evidence rule allows is shown, never scored."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, NoOptions, Selection
from dlarena.criteria.community import cells, claims, report


class Community(Criterion[NoOptions]):
    name = "community"
    title = "Community"
    order = 70
    entry = cells.ENTRY
    needs_parity = False
    weighed = True
    use_cases = {"Learning curve": 1}
    demo = {}

    def plan_global(self, selection: Selection, options: NoOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def untimed(self, cell: Cell) -> bool:
        return True  # dated figures: no time measured

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return cells.scores(cells_, rows)

    def unscored(self, cells_: list[dict], rows: list[dict]) -> dict[str, str]:
        return cells.unscored(cells_, rows)

    def claim_kinds(self) -> dict:
        return {"figure": claims.figure, "trend": claims.trend}

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Community()
