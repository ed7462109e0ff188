"""The machine's measured peaks: a large GEMM per framework and precision, the roof that model FLOPs
utilisation (MFU, its report section) is measured against, and the host's memory bandwidth (the roof
of batch-1 LLM decoding, read by the llm criterion's section)."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, Selection
from dlarena.criteria.peak import cells, mfu
from dlarena.criteria.peak.options import PeakOptions


class Peak(Criterion[PeakOptions]):
    name = "peak"
    title = "Peak compute"
    order = 80
    entry = cells.ENTRY
    needs_parity = False
    options = PeakOptions
    # In the demo: the bandwidth probe only (seconds), the roof of its LLM's decoding
    demo = {"options": {"probes": ["memory_bandwidth"]}}

    def plan_global(self, selection: Selection, options: PeakOptions) -> list[Cell]:
        return cells.plan_global(selection, options)

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [mfu.build(store, run, out_dir)]


CRITERION = Peak()
