"""Zoo ResNet-50s: timed as shipped, labelled without a parity claim; an unimportable zoo is an explicit skip."""

import sys

import pytest

from dlarena.config import Cell, build_config
from dlarena.criteria import zoo
from dlarena.criteria.common import Skipped
from dlarena.report import zoo as zoo_report
from dlarena.store.db import ResultStore

TIMING = {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 5.0}


def test_plan_follows_size_and_uses_its_own_scenarios():
    cells = zoo.plan_global(build_config(size="tiny", modes=["eager"]))
    assert [c.id for c in cells] == [
        "resnet50_zoo@size=tiny/torch/eager/zoo_infer_throughput/b8", "resnet50_zoo@size=tiny/torch/eager/zoo_train/b8",
        "resnet50_zoo@size=tiny/tensorflow/eager/zoo_infer_throughput/b8",
        "resnet50_zoo@size=tiny/tensorflow/eager/zoo_train/b8"]
    assert zoo.plan_global(build_config(modes=["eager"]))[0].id == "resnet50_zoo/torch/eager/zoo_infer_throughput/b32"


def test_unimportable_torchvision_is_an_explicit_skip(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import fails, as it does beside torch 2.13 here
    with pytest.raises(Skipped, match="torchvision is not importable here"):
        zoo.build_zoo_model("torch", 32, 10)


def test_keras_zoo_resnet50_is_timed_and_labelled(tmp_path):
    cell = Cell(workload="resnet50_zoo@size=tiny", framework="tensorflow", mode="eager",
                scenario="zoo_infer_throughput", batch=4)
    result = zoo.run_cell({"cell": cell.model_dump(), "threads": 2, "interop_threads": 1, "seed": 0, "timing": TIMING})
    rows = {r["metric"]: r for r in result["metrics"]}
    assert result["status"] == "ok" and rows["throughput_sps"]["value"] > 0
    assert rows["throughput_sps"]["extra"]["label"] == "different implementation, no parity claim"
    assert rows["zoo_parameter_count"]["value"] == 23_555_082  # keras ResNet50 with a 10-class head
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    store.record_cell("r", cell, result)
    store.record_cell("r", Cell(workload="resnet50_zoo@size=tiny", framework="torch", mode="eager",
                                scenario="zoo_infer_throughput", batch=4),
                      {"status": "skipped", "error": "torchvision is not importable here: test"})
    section = zoo_report.build(store, store.run("r"), tmp_path)
    assert "no parity claim" in section.markdown and "skipped: torchvision is not importable here" in section.markdown
