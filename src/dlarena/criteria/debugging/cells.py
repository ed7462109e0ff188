"""Debugging, measured, on the mlp workload with its canonical (parity-verified) weights:

- ``dbg_probes`` per framework and mode: a print and a breakpoint hook inside forward/call (every
  step, once at trace time, or breaks the compile?), reading an intermediate tensor's value
  mid-model, the gradient of an intermediate;
- ``dbg_curves``: loss/accuracy curves written as TensorBoard event files by one writer;
- ``dbg_graph``: the model graph exported by each framework in its format (``GRAPH_FORMAT`` of its
  probe module, ONNX by default; see ``dlarena.debugging.graphs``) and run back by that format's runtime;
- ``dbg_attribution``: Integrated Gradients (a library where one is installed, else written for the
  framework) on the same weights and input, compared across frameworks in the summary.

The per-framework code is the framework's "probes" plug-in (``frameworks.plugin_module``);
the extra strict modes probed beside its own come from ``FrameworkInfo.strict_modes``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from dlarena import frameworks, workloads
from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.framework_cells import by_framework, setup_framework_cell

ENTRY = "dlarena.criteria.debugging.cells:run_cell"

WORKLOAD = "mlp"
PROBES, CURVES, GRAPH, ATTRIBUTION = "dbg_probes", "dbg_curves", "dbg_graph", "dbg_attribution"
SCENARIOS = (PROBES, CURVES, GRAPH, ATTRIBUTION)
IG_STEPS = 50
IG_BATCH = 4


def is_debugging(scenario: str) -> bool:
    return scenario in SCENARIOS


def probe_modes(selection: Selection, framework: str) -> list[str]:
    modes = [m for m in frameworks.info(framework).modes if m in selection.modes]
    strict = dict(frameworks.info(framework).strict_modes)
    return modes + [strict[m] for m in modes if m in strict]


def untimed(cell: Cell) -> bool:
    return True  # probe outcomes, graph sizes, attributions, loss curves: no clock in any


def plan_global(selection: Selection, options: NoOptions) -> list[Cell]:
    spec = workloads.get(WORKLOAD)
    cells = [Cell(workload=WORKLOAD, framework=fw, mode=mode, scenario=PROBES, batch=spec.batch_for("parity"))
             for fw in frameworks.with_plugin("probes", selection.frameworks) for mode in probe_modes(selection, fw)]
    for fw in frameworks.with_plugin("probes", selection.frameworks):
        cells += [
            Cell(workload=WORKLOAD, framework=fw, mode="eager", scenario=CURVES, batch=64),
            Cell(workload=WORKLOAD, framework=fw, mode="export", scenario=GRAPH, batch=1),
            Cell(workload=WORKLOAD, framework=fw, mode="eager", scenario=ATTRIBUTION, batch=IG_BATCH),
        ]
    return cells


def _rows(results) -> list[dict]:
    from dlarena.cellkit.common import metric

    return [metric(r.metric, r.unit, r.value, samples=r.samples, **r.extra) for r in results]


def _artifact_dir(payload: dict, *parts: str) -> tuple[Path, bool]:
    base = payload.get("artifacts")
    if base:
        path = Path(base).joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path, True
    return Path(tempfile.mkdtemp(prefix="dlarena-debug-")), False


def run_cell(payload: dict) -> dict:

    from dlarena.cellkit.common import metric

    cell, adapter, runtime = setup_framework_cell(payload)
    workload = workloads.get(cell.workload)
    model = adapter.build(workload, workload.make_params(payload["seed"]))
    probes = frameworks.plugin_module(cell.framework, "probes")
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
        from dlarena.debugging.graphs import graph_format

        fmt = graph_format(probes)
        folder, kept = _artifact_dir(payload, "graphs")
        path = folder / f"{cell.workload}__{cell.framework}.{fmt.suffix}"
        xt, _ = adapter.inputs(workload, x, y)
        expected = probes.export_graph(model, xt, str(path))
        ops, weights, got = fmt.read(str(path), x)
        diff = float(np.max(np.abs(np.asarray(got) - expected)))
        rows = [metric("graph_nodes", "nodes", len(ops), ops=ops, path=str(path) if kept else None, format=fmt.label,
                       initializers=weights, reloaded_with=fmt.runtime, reload_max_abs_diff=diff)]
        return {"status": "ok", "metrics": rows, "runtime": runtime}

    if cell.scenario == ATTRIBUTION:
        xt, _ = adapter.inputs(workload, x, y)
        attributions, delta, library = probes.integrated_gradients(model, xt, y.astype(np.int64), IG_STEPS)
        rows = [metric("ig_abs_sum", "attribution", float(np.abs(attributions).sum()), samples=attributions.reshape(-1),
                       library=library, n_steps=IG_STEPS, method="gausslegendre", baseline="zeros",
                       targets=y.tolist(), max_abs_convergence_delta=float(np.max(np.abs(delta))))]
        return {"status": "ok", "metrics": rows, "runtime": runtime}
    raise ValueError(f"unknown debugging scenario '{cell.scenario}'")


# -- summary for the report table and `dlarena recommend` ------------------------------------
# Rubric per framework (score = points / max): in each of the framework's own modes, print and
# breakpoint 1 point each when they run every step, 0.5 when only at trace time; reading an
# intermediate value 1; gradient of an intermediate 1. Model graph exported (and run back by its
# format's runtime) 1; training curves written and read back 1; Integrated Gradients 1 with an
# installed library, 0.5 when it had to be written by hand. Strict modes (FrameworkInfo.strict_modes)
# and a framework's own print/breakpoint ops (native_*_calls) are recorded, not scored.

def _metric_rows(rows: list[dict], scenario: str, metric: str) -> list[dict]:
    return [r for r in rows if r["scenario"] == scenario and r["metric"] == metric and r["status"] == "ok"]


def agreement(rows: list[dict], scenario: str, metric: str, mode: str | None = None) -> float | None:
    """Max |a - b| / max |a| between the first framework's samples of a metric and each other
    framework's (same input): the worst pair."""
    picked = {}
    for r in _metric_rows(rows, scenario, metric):
        if r.get("samples") and (mode is None or r["mode"] == mode):
            picked.setdefault(r["framework"], np.asarray(r["samples"], dtype=np.float64))
    if len(picked) < 2:
        return None
    a, *others = picked.values()
    if any(b.shape != a.shape for b in others):
        return None
    return max(float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a))), 1e-30)) for b in others)


def _modes_by(values: dict[str, str], notes: dict[str, str]) -> str:
    """{"eager": "runs every step", "compile": "runs every step"} -> "runs every step in eager, compile"."""
    groups: dict[str, list[str]] = {}
    for mode, what in values.items():
        groups.setdefault(what, []).append(mode + (f" ({notes[mode]})" if mode in notes else ""))
    return "; ".join(f"{what} in {', '.join(modes)}" for what, modes in groups.items())


def scores(cells: list[dict], rows: list[dict]) -> dict[str, dict]:
    from dlarena.debugging.probes import BEHAVIOUR_POINTS

    fw_cells, fw_rows = by_framework(cells, rows, is_debugging)
    ig_diff = agreement(rows, ATTRIBUTION, "ig_abs_sum")
    out = {}
    for fw, frows in fw_rows.items():
        own_modes = frameworks.info(fw).modes if fw in frameworks.FRAMEWORKS else ()
        points = top = 0.0
        behaviour, native, reads, grads, breaks = {}, {}, {}, {}, {}
        for r in frows:
            if r["scenario"] != PROBES or r["status"] != "ok":
                continue
            scored = r["mode"] in own_modes
            if r["metric"] == "print_calls":
                behaviour[r["mode"]] = r["extra"].get("behaviour", "?")
            if r["metric"] == "native_print_calls":
                native[r["mode"]] = (r["extra"].get("how", "?"), r["extra"].get("behaviour", "?"))
            if r["metric"] == "graph_breaks" and r["value"]:
                breaks[r["mode"]] = int(r["value"])
            if r["metric"] in ("print_calls", "breakpoint_calls") and scored:
                points += BEHAVIOUR_POINTS.get(r["extra"].get("behaviour"), 0.0)
                top += 1
            if r["metric"] in ("intermediate_read_ok", "intermediate_grad_ok"):
                (reads if r["metric"] == "intermediate_read_ok" else grads)[r["mode"]] = bool(r["value"])
                if scored:
                    points += r["value"]
                    top += 1
        parts = []
        if behaviour:
            text = _modes_by(behaviour, {m: f"{n} graph breaks" for m, n in breaks.items()})
            parts.append(f"print/breakpoint: {text}")
            for how in dict.fromkeys(h for h, _ in native.values()):
                own = _modes_by({m: b for m, (h, b) in native.items() if h == how}, {})
                parts.append(f"{how} (and its breakpoint): {own}")
            parts.append(f"mid-model value read in {sum(reads.values())}/{len(reads)} modes, "
                         f"intermediate gradient in {sum(grads.values())}/{len(grads)}")
        graph = _metric_rows(frows, GRAPH, "graph_nodes")
        if any(c["scenario"] == GRAPH for c in fw_cells.get(fw, [])):
            top += 1
            points += 1.0 if graph else 0.0
            parts.append(f"{graph[0]['extra'].get('format', 'ONNX')} graph {graph[0]['value']:.0f} nodes" if graph
                         else "graph export failed")
        curves = _metric_rows(frows, CURVES, "final_loss")
        if any(c["scenario"] == CURVES for c in fw_cells.get(fw, [])):
            top += 1
            points += 1.0 if curves and curves[0]["extra"].get("events_readable") else 0.0
        ig = _metric_rows(frows, ATTRIBUTION, "ig_abs_sum")
        if any(c["scenario"] == ATTRIBUTION for c in fw_cells.get(fw, [])):
            top += 1
            library = ig[0]["extra"].get("library", "") if ig else ""
            points += (0.5 if library.startswith("own") else 1.0) if ig else 0.0
            agree = f", cross-framework max rel diff {ig_diff:.1e}" if ig_diff is not None else ""
            parts.append(f"Integrated Gradients: {library}{agree}" if ig else "Integrated Gradients failed")
        if top:
            out[fw] = {"score": points / top, "line": "; ".join(parts), "headline": parts[1] if len(parts) > 1 else parts[0],
                       "evidence": [c["cell_id"] for c in fw_cells.get(fw, [])], "points": points, "max_points": top}
    return out
