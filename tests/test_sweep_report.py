"""Model-size sweep: suite contents and the crossover data (PyTorch/TensorFlow ratio vs parameters)."""

import math

import pytest

from dlarena.config import Cell, build_config
from dlarena.criteria.speed import sweep
from dlarena.store.db import ResultStore
from dlarena.suites import suite_defaults


def test_sweep_suite_covers_widths_32_to_4096_and_several_depths():
    config = build_config(**suite_defaults("sweep"))
    assert config.workloads[0] == "mlp@width=32" and "mlp@width=4096" in config.workloads
    assert [w for w in config.workloads if w.startswith("transformer")] == [
        "transformer@layers=1", "transformer@layers=4", "transformer@layers=8"]
    assert config.criteria == ["speed", "peak"]


def _result(metric, value, low, high):
    return {"status": "ok", "metrics": [{"metric": metric, "unit": "", "value": value, "ci_low": low, "ci_high": high}]}


def test_crossover_points_and_section(tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "sweep", {}, {})
    for workload, torch_sps, tf_sps in [("mlp@width=32", 200.0, 100.0), ("mlp@width=4096", 100.0, 100.0)]:
        for fw, mode, sps in [("torch", "eager", torch_sps), ("torch", "compile", torch_sps / 2),
                              ("tensorflow", "function", tf_sps), ("tensorflow", "eager", tf_sps / 10)]:
            store.record_cell("r", Cell(workload=workload, framework=fw, mode=mode, scenario="train", batch=64),
                              _result("train_throughput_sps", sps, sps * 0.9, sps * 1.1))
        for fw, ms in [("torch", 0.05), ("tensorflow", 0.25)]:
            store.record_cell("r", Cell(workload=workload, framework=fw, mode="eager", scenario="infer_latency", batch=1),
                              _result("latency_ms", ms, ms * 0.9, ms * 1.1))
    points = {(p.workload, p.scenario, p.pairing): p for p in sweep.ratio_points(store.measurements("r"))}
    best = points[("mlp@width=32", "train", "best vs best")]
    assert best.ratio == pytest.approx(2.0) and best.params == 32 * 64 + 32 + 32 * 32 + 32 + 32 * 10 + 10
    assert (best.a_mode, best.b_mode) == ("eager", "function")
    # the verdict rule's interval: both CIs (+-10%, no replicates) combined on the log scale
    half = 1.959964 * math.hypot(math.log(1.1 / 0.9), math.log(1.1 / 0.9)) / (2 * 1.959964)
    assert best.low == pytest.approx(2.0 * math.exp(-half), rel=1e-4) and best.high == pytest.approx(2.0 * math.exp(half), rel=1e-4)
    assert points[("mlp@width=32", "train", "eager vs eager")].ratio == pytest.approx(20.0)
    assert points[("mlp@width=4096", "train", "compile vs function")].ratio == pytest.approx(0.5)
    assert points[("mlp@width=32", "infer_latency", "eager vs eager")].ratio == pytest.approx(5.0)  # lower latency = faster
    assert ("mlp@width=32", "train", "compile vs xla") not in points  # no xla cells: no invented point
    section = sweep.build(store, store.run("r"), tmp_path)
    assert (tmp_path / "crossover.png").stat().st_size > 10_000
    assert "| train | best vs best | mlp@width=4096 | 17,088,522 | 1.00 |" in section.markdown


def test_three_frameworks_pair_up_with_their_own_modes(tmp_path):
    """JAX measured too: each pair of frameworks gets its ratios (JAX's jit against each compiled
    mode), its table and its plot; the PyTorch/TensorFlow part stays as with two frameworks."""
    assert list(sweep.pairings("torch", "jax")) == ["best vs best", "eager vs eager", "compile vs jit"]
    assert list(sweep.pairings("tensorflow", "jax")) == ["best vs best", "eager vs eager", "function vs jit", "xla vs jit"]
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "sweep", {}, {})
    for workload in ("mlp@width=32", "mlp@width=4096"):
        for fw, mode, sps in [("torch", "eager", 200.0), ("torch", "compile", 100.0), ("tensorflow", "function", 100.0),
                              ("tensorflow", "xla", 50.0), ("jax", "eager", 20.0), ("jax", "jit", 400.0)]:
            store.record_cell("r", Cell(workload=workload, framework=fw, mode=mode, scenario="train", batch=64),
                              _result("train_throughput_sps", sps, sps * 0.9, sps * 1.1))
    points = {(p.a, p.b, p.pairing, p.workload): p for p in sweep.ratio_points(store.measurements("r"))}
    assert {(a, b) for a, b, *_ in points} == {("torch", "tensorflow"), ("torch", "jax"), ("tensorflow", "jax")}
    assert points[("torch", "jax", "compile vs jit", "mlp@width=32")].ratio == pytest.approx(0.25)
    assert points[("torch", "jax", "eager vs eager", "mlp@width=32")].ratio == pytest.approx(10.0)
    best = points[("tensorflow", "jax", "best vs best", "mlp@width=32")]
    assert best.ratio == pytest.approx(0.25) and (best.a_mode, best.b_mode) == ("function", "jit")
    assert points[("tensorflow", "jax", "xla vs jit", "mlp@width=32")].ratio == pytest.approx(0.125)
    assert points[("torch", "tensorflow", "best vs best", "mlp@width=32")].ratio == pytest.approx(2.0)
    section = sweep.build(store, store.run("r"), tmp_path)
    md = section.markdown
    assert md.index("### PyTorch vs TensorFlow") < md.index("### PyTorch vs JAX") < md.index("### TensorFlow vs JAX")
    assert "| scenario | pairing | workload | parameters | TensorFlow / JAX | interval | modes |" in md
    assert "| train | compile vs jit | mlp@width=32 | 3,466 | 0.25 | " in md
    assert "| train | best vs best | mlp@width=32 | 3,466 | 2.00 | " in md
    for png in ("crossover.png", "crossover_torch_vs_jax.png", "crossover_tensorflow_vs_jax.png"):
        assert (tmp_path / png).stat().st_size > 10_000
