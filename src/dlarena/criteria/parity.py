"""Parity: do two frameworks' implementations of a workload compute the same function?

Each framework, in its own process, loads the canonical parameters and records on the same
batch: the inference output, the training loss, the gradients (mapped back to canonical
layout) and the trainable parameters after one optimizer step. The parent compares each
framework's record with the reference framework's; a workload that does not match within
its stated tolerance is "not comparable" and is never timed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlarena.criteria.common import metric, prepare
from dlarena.workloads.base import Workload

ENTRY = "dlarena.criteria.parity:run_cell"
# Gradients smaller than this fraction of the largest gradient are numerically zero: some are
# mathematically zero (e.g. attention key biases, a conv bias before batch norm), and comparing
# their float noise with each other would be meaningless (see _floored_diffs).
GRAD_FLOOR = 1e-3


def run_cell(payload: dict) -> dict:
    prep = prepare(payload)
    cell, adapter, workload = prep.cell, prep.adapter, prep.workload
    params = workload.make_params(payload["seed"])
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)
    model = adapter.build(workload, params)
    xt, yt = adapter.inputs(workload, x, y)

    forward = adapter.to_numpy(adapter.predictor(model, "eager")(xt))
    # Per-layer outputs where the adapter can produce them (Keras backends), to name the first
    # diverging layer when parity fails; taken before training changes the weights.
    layers = adapter.layer_outputs(model, xt) if hasattr(adapter, "layer_outputs") else {}
    loss, grads = adapter.loss_and_gradients(model, workload, xt, yt)
    adapter.trainer(model, "eager", workload.learning_rate)(xt, yt)
    stepped = adapter.export_params(model, workload)

    arrays = {"forward": forward, "loss": np.asarray(loss)}
    arrays.update({f"grad:{k}": v for k, v in grads.items()})
    arrays.update({f"layer:{k}": v for k, v in layers.items()})
    arrays.update({f"step:{k}": v for k, v in stepped.items() if workload.params[k].trainable})
    Path(payload["output"]).parent.mkdir(parents=True, exist_ok=True)
    np.savez(payload["output"], **arrays)
    return {"status": "ok", "metrics": [], "runtime": prep.runtime}


def _rel(a: np.ndarray, b: np.ndarray, scale: float) -> float:
    return float(np.max(np.abs(a - b)) / max(scale, 1e-30))


def compare(workload: Workload, reference_path: str, other_path: str, reference_name: str) -> dict:
    """Diffs of ``other`` against ``reference``; returns a cell result (status ok / not_comparable)."""
    ref, other = np.load(reference_path), np.load(other_path)
    tol = workload.tolerance
    missing = sorted(k for k in set(ref.files) ^ set(other.files) if not k.startswith("layer:"))
    if missing:
        return {"status": "not_comparable", "error": f"records differ in content: {missing}", "metrics": []}

    forward = _rel(other["forward"], ref["forward"], np.max(np.abs(ref["forward"])))
    loss = _rel(other["loss"], ref["loss"], abs(float(ref["loss"])))
    grad_keys = [k for k in ref.files if k.startswith("grad:")]
    grad_diffs = _floored_diffs(ref, other, grad_keys)
    # Same for parameters after a step: a parameter that starts at zero and has a mathematically
    # zero gradient (a conv bias followed by batch norm, common in user models) holds only float
    # noise afterwards.
    step_diffs = _floored_diffs(ref, other, [k for k in ref.files if k.startswith("step:")])
    worst_grad = max(grad_diffs, key=grad_diffs.get)
    worst_step = max(step_diffs, key=step_diffs.get)

    checks = [
        ("forward", forward, tol.forward),
        ("loss", loss, tol.loss),
        (f"gradient of {worst_grad}", grad_diffs[worst_grad], tol.grad),
        (f"parameter {worst_step} after one step", step_diffs[worst_step], tol.grad),
    ]
    failures = [f"{what}: rel diff {diff:.2e} > tolerance {limit:.0e}" for what, diff, limit in checks if not diff <= limit]
    common = {"reference": reference_name}
    rows = [
        metric("parity_forward_rel_diff", "ratio", forward, tolerance=tol.forward, **common),
        metric("parity_loss_rel_diff", "ratio", loss, tolerance=tol.loss, **common),
        metric("parity_grad_rel_diff", "ratio", grad_diffs[worst_grad], tolerance=tol.grad, worst=worst_grad, **common),
        metric("parity_step_rel_diff", "ratio", step_diffs[worst_step], tolerance=tol.grad, worst=worst_step, **common),
    ]
    if failures:
        diverging = first_diverging_layer(ref, other, tol.forward)
        if diverging:
            failures.append(diverging)
        return {"status": "not_comparable", "error": f"parity with {reference_name} failed: " + "; ".join(failures),
                "metrics": rows}
    return {"status": "ok", "metrics": rows}


def _floored_diffs(ref, other, keys: list[str]) -> dict[str, float]:
    """Relative diffs per tensor. A tensor whose reference is below GRAD_FLOOR of the largest one
    is numerically zero (float noise from large reductions, e.g. 8k-term sums for a conv bias
    before batch norm): it is compared relative to the largest tensor, i.e. both must be zero
    at that resolution, since the relative difference of two noises means nothing."""
    peaks = {k: float(np.max(np.abs(ref[k]))) for k in keys}
    largest = max(peaks.values())
    return {k.split(":", 1)[1]: _rel(other[k], ref[k], peaks[k] if peaks[k] >= GRAD_FLOOR * largest else largest)
            for k in keys}


def first_diverging_layer(ref, other, tolerance: float) -> str | None:
    """The first layer (in model order) whose output differs beyond the forward tolerance,
    when both records hold per-layer outputs."""
    keys = sorted(k for k in ref.files if k.startswith("layer:") and k in other.files)
    for key in keys:
        a, b = ref[key], other[key]
        if a.shape != b.shape:
            return f"first diverging layer: {key.split(':', 2)[2]} (output shapes {a.shape} vs {b.shape})"
        diff = _rel(b, a, float(np.max(np.abs(a))) if a.size else 0.0)
        if not diff <= tolerance:
            return f"first diverging layer: {key.split(':', 2)[2]} (rel diff {diff:.2e})"
    return None
