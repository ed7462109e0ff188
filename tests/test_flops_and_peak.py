"""Analytical FLOPs (against hand-computed values and torch's FlopCounterMode), the GEMM peak
cell, MFU in the report, and explicit skips (bf16 / GPU unavailable)."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from helpers.planning import planned
from dlarena import frameworks, workloads
from dlarena.config import Cell, build_config
from dlarena.criteria.peak import cells as peak
from dlarena.criteria.speed import cells as speed
from dlarena.cellkit.common import Skipped
from dlarena.criteria.peak import mfu
from dlarena.store.db import ResultStore
from dlarena.workloads.base import conv2d_flops

BATCH = 4


def _counted(name: str, train_mode: bool = False) -> int:
    spec = workloads.get(name)
    adapter = frameworks.load_adapter("torch")
    model = adapter.build(spec, spec.make_params(0))
    x, _ = adapter.inputs(spec, *spec.make_batch(BATCH))
    model.train(train_mode)
    with FlopCounterMode(display=False) as counter, torch.set_grad_enabled(train_mode):
        model(x)
    return counter.get_total_flops()


def test_mlp_flops_are_the_hand_computed_value_and_what_torch_counts():
    hand = 2 * (64 * 256 + 256 * 256 + 256 * 10)
    assert workloads.get("mlp").forward_flops == hand == 168_960
    assert _counted("mlp") == BATCH * hand


def test_one_conv_layer_flops():
    hand = 2 * 16 * 16 * (3 * 3 * 8) * 4  # output positions x (kernel taps x input channels) x outputs
    assert conv2d_flops(16, 16, 3, 3, 8, 4) == hand == 147_456
    conv = torch.nn.Conv2d(8, 4, 3, padding=1, bias=False)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        conv(torch.zeros(1, 8, 16, 16))
    assert counter.get_total_flops() == hand


@pytest.mark.parametrize("name", ["cnn", "resnet50_v1_5@size=tiny", "resnet50_v2@size=tiny"])
def test_conv_workload_flops_match_the_counter(name):
    assert _counted(name) == BATCH * workloads.get(name).forward_flops


@pytest.mark.parametrize("name", ["transformer", "bert_large@size=tiny"])
def test_encoder_flops_are_counted_matmuls_plus_attention(name):
    # The counter does not see CPU scaled-dot-product attention kernels (nor the fused inference
    # fast path, hence train mode): what it misses is exactly the two attention matmuls.
    spec = workloads.get(name)
    c = spec.config
    attention = 2 * 2 * c["seq_len"] ** 2 * c["d_model"] * c["layers"]
    assert _counted(name, train_mode=True) + BATCH * attention == BATCH * spec.forward_flops


def test_lstm_flops_hand_computed():
    # per token: input and recurrent matmuls of both layers into 4 gates; then the head
    spec = workloads.get("lstm@size=tiny")  # embed 8, hidden 16, seq 8
    per_token = 2 * 8 * 64 + 2 * 16 * 64 + 2 * 16 * 64 + 2 * 16 * 64
    assert spec.forward_flops == 8 * per_token + 2 * 16 * 2
    assert spec.step_flops("train", 3) == 3 * 3 * spec.forward_flops


def test_training_flops_convention_is_an_upper_bound_of_counted_backward():
    spec = workloads.get("cnn")
    adapter = frameworks.load_adapter("torch")
    model = adapter.build(spec, spec.make_params(0))
    x, y = adapter.inputs(spec, *spec.make_batch(BATCH))
    with FlopCounterMode(display=False) as counter:
        torch.nn.functional.cross_entropy(model(x), y).backward()
    # the first layer needs no input gradient, so the counted step is a bit under 3 x forward
    assert 2.5 * BATCH * spec.forward_flops < counter.get_total_flops() <= spec.step_flops("train", BATCH)


def _payload(cell: Cell, **extra) -> dict:
    timing = {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 5.0}
    return {"cell": cell.model_dump(), "threads": 2, "interop_threads": 1, "seed": 0, "timing": timing, **extra}


def test_peak_cells_measure_a_gemm_per_framework_and_precision(monkeypatch):
    cells = planned(build_config(frameworks=["torch", "tensorflow"], precisions=["fp32", "bf16"]), "peak")
    assert [c.id for c in cells] == ["gemm/torch/eager/peak_fp32/b0", "gemm/torch/eager/peak_bf16/b0",
                                     "gemm/tensorflow/eager/peak_fp32/b0", "gemm/tensorflow/eager/peak_bf16/b0",
                                     "memory_bandwidth/torch/numpy/memory_bandwidth/b0"]  # once (tests/test_llm.py)
    monkeypatch.setattr(peak, "CPU_SIZES", (64, 128))
    result = peak.run_cell(_payload(cells[0], device="cpu"))
    rows = {(r["metric"], r["extra"].get("n")): r for r in result["metrics"]}
    assert result["status"] == "ok"
    assert {("gemm_gflops_per_s", 64), ("gemm_gflops_per_s", 128)} <= set(rows)
    best = max(rows[("gemm_gflops_per_s", n)]["value"] for n in (64, 128))
    peak_row = next(r for r in result["metrics"] if r["metric"] == "peak_gflops_per_s")
    assert peak_row["value"] == best > 0


def test_bf16_without_hardware_support_is_an_explicit_skip(monkeypatch):
    import dlarena.frameworks.torch.adapter as torch_adapter

    monkeypatch.setattr(torch_adapter, "bf16_cpu_unsupported", lambda: "bf16 unsupported on this CPU: test")
    cell = Cell(workload="mlp", framework="torch", mode="eager+bf16", scenario="train", batch=8)
    with pytest.raises(Skipped, match="bf16 unsupported on this CPU: test"):
        speed.run_cell(_payload(cell))


def test_speed_cells_record_flops_and_achieved_rate():
    cell = Cell(workload="mlp", framework="torch", mode="eager", scenario="train", batch=8)
    result = speed.run_cell(_payload(cell))
    rows = {r["metric"]: r for r in result["metrics"]}
    assert rows["flops_per_step"]["value"] == 3 * 8 * 168_960
    step_s = rows["step_time_ms"]["value"] / 1e3
    assert rows["achieved_gflops_per_s"]["value"] == pytest.approx(3 * 8 * 168_960 / step_s / 1e9)
    assert result["runtime"]["workload"]["forward_flops"] == 168_960


def _cell_result(metric: str, value: float, **extra) -> dict:
    return {"status": "ok", "metrics": [{"metric": metric, "unit": "GFLOP/s", "value": value, "extra": extra}]}


def test_mfu_is_achieved_over_the_best_measured_peak(tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    store.record_cell("r", Cell(workload="gemm", framework="torch", mode="eager", scenario="peak_fp32", batch=0),
                      _cell_result("peak_gflops_per_s", 80.0, precision="fp32"))
    store.record_cell("r", Cell(workload="gemm", framework="tensorflow", mode="eager", scenario="peak_fp32", batch=0),
                      _cell_result("peak_gflops_per_s", 100.0, precision="fp32"))
    store.record_cell("r", Cell(workload="mlp", framework="torch", mode="eager", scenario="train", batch=64),
                      _cell_result("achieved_gflops_per_s", 25.0))
    store.record_cell("r", Cell(workload="mlp", framework="torch", mode="eager+bf16", scenario="train", batch=64),
                      _cell_result("achieved_gflops_per_s", 30.0))
    rows = {r.mode: r for r in mfu.mfu_rows(store.measurements("r"))}
    assert rows["eager"].mfu == pytest.approx(0.25) and rows["eager"].peak_gflops == 100.0
    assert rows["eager+bf16"].mfu is None  # no bf16 peak measured: no MFU invented
    section = mfu.build(store, store.run("r"), tmp_path)
    assert "25.0%" in section.markdown and "fp32 100 GFLOP/s (TensorFlow" in section.markdown
    assert "exceed 100%" not in section.markdown
    assert (tmp_path / "mfu.png").exists()


def test_without_a_peak_the_mfu_section_shows_the_best_mode_per_framework_and_no_mfu_column(tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    for mode, gflops in (("eager", 25.0), ("compile", 40.0)):
        store.record_cell("r", Cell(workload="mlp", framework="torch", mode=mode, scenario="train", batch=64),
                          _cell_result("achieved_gflops_per_s", gflops))
    section = mfu.build(store, store.run("r"), tmp_path)
    assert "No peak measured in this run" in section.markdown
    assert "| MFU |" not in section.markdown and "<th>MFU</th>" not in section.html
    table = [line for line in section.markdown.splitlines() if line.startswith("| mlp")]
    assert table == ["| mlp | torch | compile | train | 64 | 40.00 |"]  # the best mode only


def _tf_profiled(name: str) -> int:
    import tensorflow as tf

    spec = workloads.get(name)
    model = frameworks.load_adapter("tensorflow").build(spec, spec.make_params(0))
    graph = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        tf.TensorSpec((1, *spec.input_shape), tf.float32)).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops


def test_tensorflow_profiler_agrees_with_the_analytical_count():
    # TF's profiler also counts one FLOP per bias element (and BN/pooling arithmetic)
    assert _tf_profiled("mlp") == workloads.get("mlp").forward_flops + 256 + 256 + 10
    for name in ("cnn", "resnet50_v1_5@size=tiny"):
        assert _tf_profiled(name) == pytest.approx(workloads.get(name).forward_flops, rel=0.03)


def test_a_framework_without_a_gemm_probe_is_a_skip_naming_it(monkeypatch):
    """Keras 3 on PyTorch has no probe of its own (PyTorch's measures that GEMM): skipped, not failed."""
    import dlarena.frameworks.torch.adapter as torch_adapter
    from dlarena.frameworks.base import AdapterDefaults

    monkeypatch.setattr(torch_adapter.TorchAdapter, "gemm", AdapterDefaults.gemm)
    cell = Cell(workload="gemm", framework="torch", mode="eager", scenario="peak_fp32", batch=0)
    with pytest.raises(Skipped, match="no GEMM peak probe for PyTorch in dlarena yet"):
        peak.run_cell(_payload(cell, device="cpu"))
