"""The machine's measured peak: a large GEMM per framework and precision, the roof that model FLOPs
utilisation (MFU, its report section) is measured against."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, NoOptions, Selection
from dlarena.criteria.peak import cells, mfu


class Peak(Criterion[NoOptions]):
    name = "peak"
    title = "Peak compute"
    order = 80
    entry = cells.ENTRY
    needs_parity = False

    def plan_global(self, selection: Selection, options: NoOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [mfu.build(store, run, out_dir)]


CRITERION = Peak()
