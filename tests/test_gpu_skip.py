"""Asking for a GPU where there is none gives recorded, explained skips, never silence."""

import pytest

from dlarena.config import build_config
from dlarena.measure.env import gpus
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore


@pytest.mark.skipif(bool(gpus()), reason="a GPU is present: the GPU path runs instead of being skipped")
def test_gpu_request_without_gpu_is_an_explicit_skip(tmp_path, tiny_timing):
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"], modes=["eager"],
                          scenarios=["infer_latency"], criteria=["speed"], timing=tiny_timing,
                          device="gpu", timeout_s=120)
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", config.model_dump(), {})
    outcome = SuiteRunner(config, store, "r").run()
    cells = store.cells("r")
    # parity and speed cells of both frameworks: all planned, all recorded, none run
    assert len(cells) == 4 and outcome.counts == {"skipped": 4}
    for c in cells:
        expected = "torch.cuda.is_available() is False" if c["framework"] == "torch" else "list_physical_devices('GPU') is empty"
        assert c["error"].startswith("no GPU: ") and expected in c["error"], c
    rows = store.measurements("r")
    assert {r["status"] for r in rows} == {"skipped"} and all(r["error"] for r in rows)



@pytest.mark.skipif(bool(gpus()), reason="a GPU is present")
@pytest.mark.parametrize("module,cell", [
    ("peak", dict(workload="gemm", framework="torch", mode="eager", scenario="peak_fp32", batch=0)),
    ("tta", dict(workload="mlp", framework="torch", mode="eager", scenario="tta_seed0", batch=32)),
    ("zoo", dict(workload="resnet50_zoo", framework="torch", mode="eager", scenario="zoo_train", batch=32)),
])
def test_other_criteria_skip_without_gpu_too(module, cell, tiny_timing):
    import importlib

    from dlarena.cellkit.common import Skipped

    run_cell = importlib.import_module(f"dlarena.criteria.{module}.cells").run_cell
    with pytest.raises(Skipped, match="^no GPU: torch.cuda.is_available"):
        run_cell({"cell": cell, "threads": 2, "interop_threads": 1, "seed": 0, "timing": tiny_timing, "device": "gpu"})
