"""Parity: do two frameworks' implementations of a workload compute the same function?

Each framework, in its own process, loads the canonical parameters and records on the same
batch: the inference output, the training loss, the gradients (mapped back to canonical
layout) and the trainable parameters after one optimizer step. It does so with its random
layers switched off (dropout, noise, attention and recurrent dropout: parity compares the
deterministic function; this worker's model is its own, speed cells time the model as written),
and twice: in float32 and in float64, so the comparison is judged against each framework's own
fp32 rounding noise (see ``noise_floor``). The parent compares each framework's record with the
reference framework's; a framework that does not match is "not comparable" and is not timed
(which frameworks are compared, and which is the reference: ``agreement``). A decoder workload's
record also holds greedy token ids from one prompt, which must be identical (``generation``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlarena.parity import generation, noise_floor
from dlarena.cellkit.common import metric, prepare
from dlarena.workloads.base import Workload

ENTRY = "dlarena.parity.check:run_cell"
# Gradients smaller than this fraction of the largest gradient are numerically zero: some are
# mathematically zero (e.g. attention key biases, a conv bias before batch norm), and comparing
# their float noise with each other would be meaningless (see _scales).
GRAD_FLOOR = 1e-3
META = "meta:"


def run_cell(payload: dict) -> dict:
    prep = prepare(payload)
    cell, adapter, workload = prep.cell, prep.adapter, prep.workload
    params = workload.make_params(payload["seed"])
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)
    model = adapter.build(workload, params)
    randomness = _neutralise(adapter, model)
    # Greedy ids first: the record below takes a training step, which changes the weights.
    greedy = generation.capture(cell.framework, model, workload, payload["seed"]) if generation.is_decoder(workload) else {}
    arrays = _record(adapter, model, workload, x, y, getattr(adapter, "parity_mode", "eager"))
    arrays.update({noise_floor.F64 + k: v for k, v in _float64_record(adapter, workload, params, x, y, arrays).items()})
    arrays.update({f"{META}{kind}": np.array(names, dtype=str) for kind, names in randomness.items()})
    arrays.update(greedy)
    Path(payload["output"]).parent.mkdir(parents=True, exist_ok=True)
    np.savez(payload["output"], **arrays)
    runtime = {**prep.runtime, "parity_randomness_disabled": list(randomness["disabled"]),
               "parity_randomness_remaining": list(randomness["remaining"])}
    return {"status": "ok", "metrics": [], "runtime": runtime}


def _neutralise(adapter, model) -> dict[str, list[str]]:
    """The adapter switches the model's random layers off (a live record: a PyTorch model's
    functional dropout is found while it runs)."""
    if hasattr(adapter, "neutralise_randomness"):
        return adapter.neutralise_randomness(model)
    return {"disabled": [], "remaining": []}


def _record(adapter, model, workload: Workload, x: np.ndarray, y: np.ndarray, mode: str = "eager") -> dict[str, np.ndarray]:
    xt, yt = adapter.inputs(workload, x, y)
    forward = adapter.to_numpy(adapter.predictor(model, mode)(xt))
    # Per-layer outputs where the adapter can produce them (Keras backends), inference and
    # training mode, to name the first diverging layer; taken before training changes the weights.
    layers = {}
    if hasattr(adapter, "layer_outputs"):
        layers.update({f"layer:{k}": v for k, v in adapter.layer_outputs(model, xt, training=False).items()})
        layers.update({f"tlayer:{k}": v for k, v in adapter.layer_outputs(model, xt, training=True).items()})
    loss, grads = adapter.loss_and_gradients(model, workload, xt, yt)
    adapter.trainer(model, mode, workload.learning_rate)(xt, yt)
    stepped = adapter.export_params(model, workload)

    arrays = {"forward": forward, "loss": np.asarray(loss)}
    arrays.update({f"grad:{k}": v for k, v in grads.items()})
    arrays.update(layers)
    arrays.update({f"step:{k}": v for k, v in stepped.items() if workload.params[k].trainable})
    return arrays


def _float64_record(adapter, workload: Workload, params, x, y, fp32: dict) -> dict[str, np.ndarray]:
    """The same record from a float64 model (same weights, same batch); empty with a note when
    the framework cannot run this model in float64."""
    if not hasattr(adapter, "float64_model"):
        return {"note": np.array(f"{adapter.info.display_name} has no float64 mode in dlarena")}
    wide = lambda a: a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a  # noqa: E731
    try:
        with adapter.float64():
            model = adapter.float64_model(workload, {k: v.astype(np.float64) for k, v in params.items()})
            _neutralise(adapter, model)
            # JAX compiles every eager op again for float64: there the float64 pass runs compiled.
            record = _record(adapter, model, workload, wide(x), wide(y), getattr(adapter, "float64_mode", "eager"))
    except Exception as exc:  # noqa: BLE001 - reported: the fixed tolerances apply instead
        return {"note": np.array(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300])}
    compared = lambda keys: {k for k in keys if not k.startswith(("layer:", "tlayer:"))}  # noqa: E731
    if compared(record) != compared(fp32):
        return {"note": np.array("the float64 record differs in content from the float32 one")}
    return record


# --- parent side ----------------------------------------------------------------------------

# Once a workload's frameworks all agree, their records' bulk (gradients, the optimizer step, layer
# outputs, in float32 and float64: 2-3 GB a framework at ~100M parameters, 30 GB in one zoo run) has
# served its purpose. A record above this size is then rewritten without it; forward, loss, the
# greedy ids (read by the LLM cells) and the notes stay. A disagreeing workload keeps every record whole.
BULK = ("grad:", "step:", "layer:", "tlayer:")
SLIM_ABOVE_BYTES = 64 * 2**20


def slim(path: str | Path) -> bool:
    """Rewrites the record at ``path`` without its bulk when it is above SLIM_ABOVE_BYTES; True if it did."""
    path = Path(path)
    size = path.stat().st_size if path.exists() else 0
    if size <= SLIM_ABOVE_BYTES:
        return False
    with np.load(path) as record:
        kept = {k: record[k] for k in record.files if not k.removeprefix(noise_floor.F64).startswith(BULK)}
    kept[META + "slimmed"] = np.array(f"gradients, optimizer step and layer outputs dropped once every framework "
                                      f"agreed ({size / 2**20:.0f} MiB before)")
    partial = path.with_name(path.stem + ".slim.npz")
    np.savez(partial, **kept)
    partial.replace(path)
    return True



def _names(record, kind: str) -> list[str]:
    return [str(n) for n in record[META + kind]] if META + kind in record.files else []


def _float64_note(record, name: str) -> str | None:
    if noise_floor.has_float64(record):
        return None
    note = str(record[noise_floor.F64 + "note"]) if noise_floor.F64 + "note" in record.files else "not recorded"
    return f"{name}: {note}"


def compare(workload: Workload, reference_path: str, other_path: str, reference_name: str) -> dict:
    """Diffs of ``other`` against ``reference``; returns a cell result (status ok / not_comparable;
    when not comparable, ``finding`` is its first difference, for the cells left untimed)."""
    ref, other = np.load(reference_path), np.load(other_path)
    tol = workload.tolerance
    compared = ("forward", "loss", "grad:", "step:")
    missing = sorted(k for k in set(ref.files) ^ set(other.files) if k.startswith(compared))
    if missing:
        found = f"records differ in content: {missing}"
        return {"status": "not_comparable", "error": found, "finding": found, "metrics": []}
    notes = [n for n in (_float64_note(ref, reference_name), _float64_note(other, "this framework")) if n]
    disabled, remaining = _names(other, "disabled"), _names(other, "remaining") + _names(ref, "remaining")
    if remaining:  # its float32 and float64 passes draw different numbers: that "floor" is randomness
        notes.append("random draws that cannot be switched off make the noise floor meaningless")
    floors = not notes
    grad_keys = [k for k in ref.files if k.startswith("grad:")]
    step_keys = [k for k in ref.files if k.startswith("step:")]
    # A parameter that starts at zero and has a mathematically zero gradient (a conv bias before
    # batch norm, common in user models) holds only float noise after a step: the same floor.
    scales = {"forward": float(np.max(np.abs(ref["forward"]))), "loss": abs(float(ref["loss"])),
              **_scales(ref, grad_keys), **_scales(ref, step_keys)}
    check = lambda key, fixed: noise_floor.check(ref, other, key, scales[key], fixed, floors)  # noqa: E731
    groups = {
        "forward": ([check("forward", tol.forward)], "forward"),
        "loss": ([check("loss", tol.loss)], "loss"),
        "grad": ([check(k, tol.grad) for k in grad_keys], "gradient of {}"),
        "step": ([check(k, tol.grad) for k in step_keys], "parameter {} after one step"),
    }
    rule = noise_floor.RULE if floors else "fixed tolerance (no noise floor: " + "; ".join(notes) + ")"
    common = {"reference": reference_name, "rule": rule}
    if disabled:
        common["note"] = f"parity checked with {len(disabled)} random layers disabled: {', '.join(disabled)}"
    rows, failures = [], []
    for group, (checks, label) in groups.items():
        worst = noise_floor.worst(checks)
        name = worst.key.split(":", 1)[1] if ":" in worst.key else worst.key
        extra = {"worst": name} if group in ("grad", "step") else {}
        rows.append(metric(f"parity_{group}_rel_diff", "ratio", worst.diff, tolerance=worst.limit,
                           noise_floor=worst.floor, **extra, **common))
        if not worst.ok:
            failures.append(f"{label.format(name)}: rel diff {worst.diff:.2e} > {_limit_text(worst)}")
    greedy_rows, greedy_failure = generation.compare(ref, other)  # a decoder's greedy ids (else nothing)
    rows += greedy_rows
    failures += [greedy_failure] if greedy_failure else []
    if failures:
        diagnosis = [d for d in (first_diverging_layer(ref, other, tol.forward, floors),
                                 _random_cause(remaining)) if d]
        context = [common["note"]] if disabled else []
        if not floors:
            context.append(rule)
        return {"status": "not_comparable", "metrics": rows, "finding": failures[0],
                "error": f"parity with {reference_name} failed: " + "; ".join(failures + diagnosis + context)}
    return {"status": "ok", "metrics": rows}


def _limit_text(check: noise_floor.Check) -> str:
    if check.floor is None:
        return f"tolerance {check.limit:.0e}"
    return f"limit {check.limit:.1e} (noise floor {check.floor:.1e})"


def _random_cause(remaining: list[str]) -> str | None:
    if not remaining:
        return None
    names = ", ".join(dict.fromkeys(remaining))
    return (f"the model draws random numbers dlarena cannot switch off, in {names}: the likely cause "
            f"(each framework draws its own)")


def _scales(ref, keys: list[str]) -> dict[str, float]:
    """The scale of each tensor's difference. A tensor whose reference is below GRAD_FLOOR of the
    largest one is numerically zero (float noise from large reductions, e.g. 8k-term sums for a
    conv bias before batch norm): it is compared relative to the largest tensor, i.e. both must be
    zero at that resolution, since the relative difference of two noises means nothing."""
    if not keys:
        return {}
    peaks = {k: float(np.max(np.abs(ref[k]))) if ref[k].size else 0.0 for k in keys}
    largest = max(peaks.values())
    return {k: peaks[k] if peaks[k] >= GRAD_FLOOR * largest else largest for k in keys}


def first_diverging_layer(ref, other, tolerance: float, floors: bool = False) -> str | None:
    """The first layer (in model order) whose output differs beyond its limit, in inference mode,
    then in training mode, when both records hold per-layer outputs."""
    for prefix, mode in (("layer:", ""), ("tlayer:", " in training mode")):
        for key in sorted(k for k in ref.files if k.startswith(prefix) and k in other.files):
            a, b = ref[key], other[key]
            name = key.split(":", 2)[2]
            label = "{} ({})".format(*name.rsplit(":", 1)) if ":" in name else name
            if a.shape != b.shape:
                return f"first diverging layer{mode}: {label}, output shapes {a.shape} vs {b.shape}"
            found = noise_floor.check(ref, other, key, float(np.max(np.abs(a))) if a.size else 0.0, tolerance, floors)
            if not found.ok:
                return f"first diverging layer{mode}: {label}, rel diff {found.diff:.2e} > {_limit_text(found)}"
    return None
