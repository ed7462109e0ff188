"""Time to accuracy (DAWNBench style) on scikit-learn's digits: every framework trains the same MLP
from the same weights until a target test accuracy, several seeds each."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, Selection
from dlarena.criteria.tta import cells, report
from dlarena.criteria.tta.options import TtaOptions


class TimeToAccuracy(Criterion[TtaOptions]):
    name = "tta"
    title = "Time to accuracy"
    order = 90
    entry = cells.ENTRY
    options = TtaOptions
    needs_parity = False

    def plan_global(self, selection: Selection, options: TtaOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = TimeToAccuracy()
