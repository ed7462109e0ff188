"""Distributed training: data-parallel training on each framework's own runtime (torchrun,
MultiWorkerMirroredStrategy, jax.distributed) at several world sizes, checked against
single-process training on the global batch, its scaling judged in ``analysis``. The launching and
the worker program are shared with the frameworks' plug-ins (``dlarena.distributed``)."""

from __future__ import annotations

from pathlib import Path

from dlarena import frameworks
from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, Selection
from dlarena.criteria.distributed import analysis, cells, claims, report
from dlarena.criteria.distributed.options import DistributedOptions


class Distributed(Criterion[DistributedOptions]):
    name = "distributed"
    title = "Distributed training"
    order = 40
    entry = cells.ENTRY
    options = DistributedOptions
    needs_parity = True
    weighed = True
    use_cases = {"Multi-machine training": 1}
    # Not in the demo: on one host it measures process start-up and gloo/gRPC on loopback (105 s of the
    # demo's 9 minutes on 2 cores), and it is shown, not scored. `dlarena run --criteria distributed`.
    demo = None

    def check(self, selection: Selection, options: DistributedOptions) -> None:
        if options.nodes == 1 or options.node_addrs:
            return
        for fw in frameworks.with_plugin("distributed", selection.frameworks):
            lists = frameworks.plugin_module(fw, "distributed").LISTS_WORKERS
            if lists:
                raise ValueError(f"{frameworks.info(fw).display_name}'s {lists} lists every worker's address: "
                                 "several nodes need node_addrs (--node-addrs host0,host1,...)")

    def plan(self, selection: Selection, options: DistributedOptions, workload: str) -> list[Cell]:
        return cells.plan(selection, options, workload)

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return analysis.scores(cells_, rows)

    def claim_kinds(self) -> dict:
        return {"scaling": claims.scaling}

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Distributed()
