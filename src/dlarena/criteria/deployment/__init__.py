"""Deployment: every export path of a workload, its artifact loaded and run in the target runtime
(load time, latency, parity with the source model), and HTTP serving under load. The export
paths and runtimes are the framework registry's (``dlarena.deploy``, shared with the frameworks'
plug-ins)."""

from __future__ import annotations

from pathlib import Path

from dlarena import deploy
from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, Selection
from dlarena.criteria.deployment import cells, claims, report
from dlarena.criteria.deployment.options import DeploymentOptions

# The demo's paths: each framework's native format (the paths served by default: torch.export,
# SavedModel, jax.export), ONNX, and each framework's first float32 mobile/edge path (ExecuTorch,
# TFLite, TFLite via jax2tf), so that the mobile/edge answer compares a runtime of each. No HTTP
# serving (a server start per artifact, 5-13 s each), no legacy TorchScript, no AOTInductor (a C++
# compile of minutes on 2 cores), no litert-torch: `--suite deployment` runs them all.
def _demo_paths() -> list[str]:
    edge: dict[str, str] = {}
    for p in deploy.paths():
        if p.edge and not p.quantized:
            edge.setdefault(p.framework, p.key)
    return [p.key for p in deploy.paths() if p.served or p.runtime == "onnxruntime" or p.key in edge.values()]


DEMO_PATHS = _demo_paths()

class Deployment(Criterion[DeploymentOptions]):
    name = "deployment"
    title = "Deployment"
    order = 30
    entry = cells.ENTRY
    options = DeploymentOptions
    needs_parity = False
    weighed = True
    use_cases = {"Production serving on a server": 3}
    demo = {"workloads": ["mlp"], "options": {"paths": DEMO_PATHS, "serve": []}}

    def plan(self, selection: Selection, options: DeploymentOptions, workload: str) -> list[Cell]:
        return cells.plan(selection, options, workload)

    def side_by_side(self, cell: Cell) -> bool:
        return cell.scenario == cells.EXPORT  # export time is shown, not judged: exports run side by side

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return cells.scores(cells_, rows)

    def claim_kinds(self) -> dict:
        return {"languages": claims.languages}

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Deployment()
