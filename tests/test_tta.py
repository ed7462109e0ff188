"""Time to accuracy on digits: every installed native framework reaches the target at a small
budget, on the same trajectory (same weights, data order, optimizer); the report section
summarises seeds."""

import pytest

from helpers.planning import planned
from dlarena import frameworks
from dlarena.config import Cell, build_config
from dlarena.criteria.tta import cells as tta
from dlarena.criteria.tta import report as tta_report
from dlarena.store.db import ResultStore


def test_plan_is_framework_x_mode_x_seed():
    config = build_config(frameworks=["torch", "tensorflow"], modes=["eager", "xla"], tta_seeds=2, seed=5)
    assert [c.id for c in planned(config, "tta")] == [
        "mlp/torch/eager/tta_seed5/b32", "mlp/torch/eager/tta_seed6/b32",
        "mlp/tensorflow/eager/tta_seed5/b32", "mlp/tensorflow/eager/tta_seed6/b32",
        "mlp/tensorflow/xla/tta_seed5/b32", "mlp/tensorflow/xla/tta_seed6/b32"]


def test_data_split_and_order_are_fixed_and_seeded():
    import numpy as np

    x_train, y_train, x_test, y_test = tta.digits_split()
    assert x_train.shape == (1347, 64) and x_test.shape == (450, 64) and 0 <= x_train.min() and x_train.max() <= 1
    first = tta.epoch_batches(len(x_train), np.random.default_rng(3))
    assert len(first) == 1347 // 32 and all(len(b) == 32 for b in first)
    np.testing.assert_array_equal(first[0], tta.epoch_batches(len(x_train), np.random.default_rng(3))[0])


INSTALLED = [fw for fw in frameworks.names() if frameworks.FRAMEWORKS[fw].is_installed()]


@pytest.fixture(scope="module")
def results():
    out = {}
    for fw in INSTALLED:
        cell = Cell(workload="mlp", framework=fw, mode="eager", scenario="tta_seed0", batch=32)
        out[fw] = tta.run_cell({"cell": cell.model_dump(), "threads": 2, "interop_threads": 1, "seed": 0,
                                "tta": {"target": 0.97, "max_epochs": 8}})
    return out


def test_every_framework_reaches_97_percent_on_the_same_trajectory(results):
    curves = {}
    for fw, result in results.items():
        rows = {r["metric"]: r for r in result["metrics"]}
        assert rows["reached_target"]["value"] == 1.0, rows["test_accuracy_curve"]["samples"]
        assert rows["final_test_accuracy"]["value"] >= 0.97
        assert rows["epochs_to_target"]["value"] <= 8 and rows["time_to_target_s"]["value"] > 0
        curves[fw] = rows["test_accuracy_curve"]["samples"]
    # same weights, data order and optimizer: the curves differ by float rounding only (a few test samples)
    for fw, curve in curves.items():
        assert len(curve) == len(curves["torch"]), (fw, curve, curves["torch"])
        assert max(abs(a - b) for a, b in zip(curve, curves["torch"])) <= 3 / 450, (fw, curve, curves["torch"])


def test_report_section_summarises_seeds(results, tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    for fw, result in results.items():
        store.record_cell("r", Cell(workload="mlp", framework=fw, mode="eager", scenario="tta_seed0", batch=32), result)
    store.record_cell("r", Cell(workload="mlp", framework="torch", mode="eager", scenario="tta_seed1", batch=32),
                      {"status": "failed", "error": "boom"})
    section = tta_report.build(store, store.run("r"), tmp_path)
    assert "| PyTorch eager | 1/2 |" in section.markdown and "boom" in section.markdown
    assert "| TensorFlow eager | 1/1 |" in section.markdown and "target test accuracy 0.97" in section.markdown
    if "jax" in results:
        assert "| JAX eager | 1/1 |" in section.markdown
    assert (tmp_path / "tta.png").exists()
