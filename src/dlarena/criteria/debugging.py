"""Debugging, measured, on the mlp workload with its canonical (parity-verified) weights:

- ``dbg_probes`` per framework and mode: a print and a breakpoint hook inside forward/call (every
  step, once at trace time, or breaks the compile?), reading an intermediate tensor's value
  mid-model, the gradient of an intermediate;
- ``dbg_curves``: loss/accuracy curves written as TensorBoard event files by one writer;
- ``dbg_graph``: the model graph exported as ONNX by each framework;
- ``dbg_attribution``: Integrated Gradients (Captum for PyTorch, a TensorFlow implementation) on
  the same weights and input, compared across frameworks in the summary.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from dlarena import frameworks, workloads
from dlarena.config import Cell, SuiteConfig
from dlarena.criteria.globalcell import by_framework, setup_framework

ENTRY = "dlarena.criteria.debugging:run_cell"
NEEDS_PARITY = False

WORKLOAD = "mlp"
PROBES, CURVES, GRAPH, ATTRIBUTION = "dbg_probes", "dbg_curves", "dbg_graph", "dbg_attribution"
SCENARIOS = (PROBES, CURVES, GRAPH, ATTRIBUTION)
IG_STEPS = 50
IG_BATCH = 4
PROBE_MODULES = {"torch": "dlarena.debugging.torch_probes", "tensorflow": "dlarena.debugging.keras_probes"}
# Extra modes probed beside the framework's own: strict compilation, to see what breaks it.
STRICT_MODES = {"torch": {"compile": "compile-fullgraph"}}


def is_debugging(scenario: str) -> bool:
    return scenario in SCENARIOS


def probe_modes(config: SuiteConfig, framework: str) -> list[str]:
    modes = [m for m in frameworks.info(framework).modes if m in config.modes]
    strict = STRICT_MODES.get(framework, {})
    return modes + [strict[m] for m in modes if m in strict]


def plan_global(config: SuiteConfig) -> list[Cell]:
    spec = workloads.get(WORKLOAD)
    cells = [Cell(workload=WORKLOAD, framework=fw, mode=mode, scenario=PROBES, batch=spec.batch_for("parity"))
             for fw in config.frameworks if fw in PROBE_MODULES for mode in probe_modes(config, fw)]
    for fw in (f for f in config.frameworks if f in PROBE_MODULES):
        cells += [
            Cell(workload=WORKLOAD, framework=fw, mode="eager", scenario=CURVES, batch=64),
            Cell(workload=WORKLOAD, framework=fw, mode="onnx", scenario=GRAPH, batch=1),
            Cell(workload=WORKLOAD, framework=fw, mode="eager", scenario=ATTRIBUTION, batch=IG_BATCH),
        ]
    return cells


def _rows(results) -> list[dict]:
    from dlarena.criteria.common import metric

    return [metric(r.metric, r.unit, r.value, samples=r.samples, **r.extra) for r in results]


def _artifact_dir(payload: dict, *parts: str) -> tuple[Path, bool]:
    base = payload.get("artifacts_dir")
    if base:
        path = Path(base).joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path, True
    return Path(tempfile.mkdtemp(prefix="dlarena-debug-")), False


def run_cell(payload: dict) -> dict:
    import importlib

    from dlarena.criteria.common import metric

    cell, adapter, runtime = setup_framework(payload)
    workload = workloads.get(cell.workload)
    model = adapter.build(workload, workload.make_params(payload["seed"]))
    probes = importlib.import_module(PROBE_MODULES[cell.framework])
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)

    if cell.scenario == PROBES:
        xt, yt = adapter.inputs(workload, x, y)
        return {"status": "ok", "metrics": _rows(probes.hook_probes(model, xt, yt, cell.mode)), "runtime": runtime}

    if cell.scenario == CURVES:
        from dlarena.debugging.curves import train_curves
        from dlarena.debugging.events import WRITER, read_scalars, write_scalars

        series = train_curves(adapter, workload, model, payload["seed"])
        folder, kept = _artifact_dir(payload, "tensorboard", cell.framework)
        write_scalars(folder, series)
        readable = read_scalars(folder) == {k: [float(np.float32(v)) for v in vs] for k, vs in series.items()}
        common = {"writer": WRITER, "event_dir": str(folder) if kept else None, "events_readable": readable}
        rows = [metric("final_loss", "loss", series["loss"][-1], samples=series["loss"], **common),
                metric("final_accuracy", "ratio", series["accuracy"][-1], samples=series["accuracy"], **common)]
        return {"status": "ok", "metrics": rows, "runtime": runtime}

    if cell.scenario == GRAPH:
        import onnx
        import onnxruntime as ort

        folder, kept = _artifact_dir(payload, "graphs")
        path = folder / f"{cell.workload}__{cell.framework}.onnx"
        xt, _ = adapter.inputs(workload, x, y)
        expected = probes.export_graph(model, xt, str(path))
        graph = onnx.load(str(path)).graph
        ops = [node.op_type for node in graph.node]
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: x})[0]
        diff = float(np.max(np.abs(got - expected)))
        rows = [metric("graph_nodes", "nodes", len(ops), ops=ops, path=str(path) if kept else None,
                       initializers=len(graph.initializer), onnxruntime_max_abs_diff=diff)]
        return {"status": "ok", "metrics": rows, "runtime": runtime}

    if cell.scenario == ATTRIBUTION:
        xt, _ = adapter.inputs(workload, x, y)
        target = y.astype(np.int64)
        if cell.framework == "torch":
            import torch

            target = torch.from_numpy(target)
        attributions, delta, library = probes.integrated_gradients(model, xt, target, IG_STEPS)
        rows = [metric("ig_abs_sum", "attribution", float(np.abs(attributions).sum()), samples=attributions.reshape(-1),
                       library=library, n_steps=IG_STEPS, method="gausslegendre", baseline="zeros",
                       targets=y.tolist(), max_abs_convergence_delta=float(np.max(np.abs(delta))))]
        return {"status": "ok", "metrics": rows, "runtime": runtime}
    raise ValueError(f"unknown debugging scenario '{cell.scenario}'")
