"""Zoo ResNet-50s: timed as shipped, labelled without a parity claim; an unimportable zoo is an explicit skip."""

import sys

import pytest

from conftest import FULL
from helpers.planning import planned
from dlarena.config import Cell, build_config
from dlarena.criteria.zoo import cells as zoo
from dlarena.cellkit.common import Skipped
from dlarena.criteria.zoo import report as zoo_report
from dlarena.store.db import ResultStore

TIMING = {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 5.0}


def test_plan_follows_size_and_uses_its_own_scenarios():
    cells = planned(build_config(size="tiny", modes=["eager"]), "zoo")
    assert [c.id for c in cells] == [
        "resnet50_zoo@size=tiny/torch/eager/zoo_infer_throughput/b8", "resnet50_zoo@size=tiny/torch/eager/zoo_train/b8",
        "resnet50_zoo@size=tiny/tensorflow/eager/zoo_infer_throughput/b8",
        "resnet50_zoo@size=tiny/tensorflow/eager/zoo_train/b8",
        "resnet50_zoo@size=tiny/jax/eager/zoo_infer_throughput/b8", "resnet50_zoo@size=tiny/jax/eager/zoo_train/b8"]
    assert [c.mode for c in planned(build_config(size="tiny", frameworks=["jax"]), "zoo")] == ["eager"] * 2 + ["jit"] * 2
    assert planned(build_config(modes=["eager"]), "zoo")[0].id == "resnet50_zoo/torch/eager/zoo_infer_throughput/b32"


def test_unimportable_torchvision_is_an_explicit_skip(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import fails, as it does beside torch 2.13 here
    from dlarena import frameworks

    torch_zoo = frameworks.plugin_module("torch", "zoo")
    with pytest.raises(Skipped, match="torchvision is not importable here"):
        torch_zoo.build(None, zoo._inputs_spec("tiny"), "eager", 0)


def test_a_framework_without_a_zoo_plugin_plans_no_zoo_cell():
    assert all(c.framework != "keras-jax" for c in planned(build_config(frameworks=["keras-jax"], modes=["eager"]), "zoo"))


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


@pytest.mark.parametrize("mode,keras_mode,scenario,metric", [
    # ~55 s on 2 cores (keras.applications ResNet50 jitted on JAX); the Keras zoo cell above runs by default
    pytest.param("jit", "xla", "zoo_infer_throughput", "throughput_sps",
                 marks=pytest.mark.skipif(not FULL, reason="DLARENA_FULL_TESTS=1 runs the JAX zoo cell")),
    # ~75 s on a shared CPU: DLARENA_FULL_TESTS=1 only
    pytest.param("eager", "eager", "zoo_train", "train_throughput_sps",
                 marks=pytest.mark.skipif(not FULL, reason="DLARENA_FULL_TESTS=1 runs the eager training cell")),
])
def test_jax_users_zoo_resnet50_is_keras_applications_on_the_jax_backend(mode, keras_mode, scenario, metric):
    from dlarena.process.isolate import run_isolated

    cell = Cell(workload="resnet50_zoo@size=tiny", framework="jax", mode=mode, scenario=scenario, batch=2)
    result = run_isolated(zoo.ENTRY, {"cell": cell.model_dump(), "threads": 1, "interop_threads": 1, "seed": 0,
                                      "timing": TIMING}, 240)
    assert result["status"] == "ok", result.get("error")
    rows = {r["metric"]: r for r in result["metrics"]}
    assert rows[metric]["value"] > 0 and rows[metric]["extra"]["timed_as"] == keras_mode
    assert "via Keras 3 on the JAX backend" in rows[metric]["extra"]["model"]
    assert rows["zoo_parameter_count"]["value"] == 23_555_082  # the same keras ResNet50 as TensorFlow's cell
    assert result["runtime"]["versions"]["jax"]
