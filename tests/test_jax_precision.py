"""bf16 mixed precision for JAX: bfloat16 computation over float32 parameters, or an explicit skip."""

import numpy as np
import pytest

from dlarena import frameworks, workloads
from dlarena.config import Cell
from dlarena.criteria.speed import cells as speed
from dlarena.cellkit.common import Skipped
from dlarena.measure.env import bf16_cpu_unsupported

pytest.importorskip("jax", reason=frameworks.FRAMEWORKS["jax"].install_hint)


def _payload(cell: Cell, timing: dict) -> dict:
    return {"cell": cell.model_dump(), "threads": 2, "interop_threads": 1, "seed": 0, "timing": timing}


def test_bf16_without_hardware_support_is_an_explicit_skip(monkeypatch, tiny_timing):
    import dlarena.frameworks.jax.adapter as jax_adapter

    monkeypatch.setattr(jax_adapter, "bf16_cpu_unsupported", lambda: "bf16 unsupported on this CPU: test")
    cell = Cell(workload="mlp", framework="jax", mode="jit+bf16", scenario="train", batch=8)
    with pytest.raises(Skipped, match="bf16 unsupported on this CPU: test"):
        speed.run_cell(_payload(cell, tiny_timing))


@pytest.mark.skipif(bf16_cpu_unsupported() is not None, reason=str(bf16_cpu_unsupported()))
def test_bf16_computes_in_bfloat16_over_float32_parameters(tiny_timing):
    import jax
    from flax import nnx

    spec = workloads.get("cnn")  # convolutions, pooling and dense layers: a few seconds in eager gradients
    x, y = spec.make_batch(4, seed=1)
    results = {}
    for precision in ("fp32", "bf16"):
        adapter = frameworks.load_adapter("jax")
        assert adapter.precision_unsupported(precision) is None
        adapter.set_precision(precision)
        model = adapter.build(spec, spec.make_params(0))
        xt, yt = adapter.inputs(spec, x, y)
        logits = adapter.predictor(model, "jit")(xt)
        loss, grads = adapter.loss_and_gradients(model, spec, xt, yt)
        assert {p.dtype for p in jax.tree.leaves(nnx.state(model, nnx.Param))} == {np.dtype("float32")}
        assert {g.dtype for g in grads.values()} == {np.dtype("float32")}  # gradients reach the fp32 params
        results[precision] = (logits, loss)
    assert results["fp32"][0].dtype == np.float32 and results["bf16"][0].dtype == jax.numpy.bfloat16
    # bfloat16 keeps 8 bits of mantissa: close to fp32, but not equal (so it did compute in bf16)
    fp32, bf16 = (np.asarray(results[p][0], np.float32) for p in ("fp32", "bf16"))
    diff = np.abs(bf16 - fp32).max() / np.abs(fp32).max()
    assert 0 < diff < 5e-2
    assert results["bf16"][1] == pytest.approx(results["fp32"][1], rel=5e-2)

    cell = Cell(workload="mlp", framework="jax", mode="jit+bf16", scenario="train", batch=8)
    result = speed.run_cell(_payload(cell, tiny_timing))
    assert result["status"] == "ok"
    assert next(r for r in result["metrics"] if r["metric"] == "train_throughput_sps")["value"] > 0
