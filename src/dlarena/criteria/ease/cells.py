"""Ease of use, measured: code metrics of dlarena's own implementations (per workload and
framework), error-message probes (global cells) and time to first result in a fresh process."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from dlarena import frameworks, workloads
from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.framework_cells import NO_WORKLOAD, by_framework, setup_framework_cell

ENTRY = "dlarena.criteria.ease.cells:run_cell"

CODE = "ease_code"
FIRST_RESULT = "ease_first_result"
PROBE_PREFIX = "err_"


def is_ease(scenario: str) -> bool:
    return scenario in (CODE, FIRST_RESULT) or scenario.startswith(PROBE_PREFIX)


def untimed(cell: Cell) -> bool:
    """Code metrics and error probes; time to first result is timed (in a fresh process)."""
    return cell.scenario != FIRST_RESULT


def plan(selection: Selection, options: NoOptions, workload: str) -> list[Cell]:
    """Code metrics of dlarena's own (built-in) implementations; time to first result for any
    workload. Only the native frameworks: Keras on another backend runs the same Keras code."""
    train_batch = workloads.get(workload).batch_for("train")
    code = [Cell(workload=workload, framework=fw, mode="source", scenario=CODE, batch=0)
            for fw in selection.frameworks if frameworks.info(fw).family == "native" and workload in workloads.BUILTIN]
    return code + [Cell(workload=workload, framework=fw, mode="eager", scenario=FIRST_RESULT, batch=train_batch)
                   for fw in selection.frameworks if frameworks.info(fw).family == "native"]


def plan_global(selection: Selection, options: NoOptions) -> list[Cell]:
    from dlarena.criteria.ease.errorprobes import PROBES

    return [Cell(workload=NO_WORKLOAD, framework=fw, mode="eager", scenario=PROBE_PREFIX + name, batch=8)
            for name in PROBES for fw in frameworks.with_plugin("user_errors", selection.frameworks)]


def source_files(workload: str, framework: str) -> list[Path]:
    """The model file of the workload and the framework's training file (its ``training`` plug-in)."""
    info = frameworks.info(framework)
    package = Path(importlib.import_module(workloads.package_of(workload)).__file__).parent
    training = info.plugin("training")
    return [package / f"{info.model_module}.py"] + ([Path(importlib.util.find_spec(training).origin)] if training else [])


def _code_cell(cell: Cell) -> dict:
    from dlarena.cellkit.common import metric
    from dlarena.criteria.ease.codemetrics import combined

    roots = frameworks.info(cell.framework).user_modules
    files = source_files(cell.workload, cell.framework)
    m = combined(files, roots)
    names = [f"{p.parent.name}/{p.name}" for p in files]
    rows = [
        metric("code_lines", "lines", m.lines, files=names, excluded=m.excluded),
        metric("code_tokens", "tokens", m.tokens, files=names),
        metric("api_symbols", "symbols", m.symbols, module_api=m.api_symbols, object_api=m.object_api),
    ]
    return {"status": "ok", "metrics": rows, "runtime": {}}


def _probe_cell(payload: dict) -> dict:
    from dataclasses import asdict

    from dlarena.cellkit.common import metric
    from dlarena.criteria.ease.errorprobes import MAX_POINTS, PROBES, run_probe

    cell, adapter, runtime = setup_framework_cell(payload)
    probe = PROBES[cell.scenario.removeprefix(PROBE_PREFIX)]
    device = str(runtime.get("device", "")).lower()
    if probe.needs_gpu and not any(k in device for k in ("cuda", "gpu")):
        return {"status": "skipped", "error": f"probe '{probe.name}' needs a GPU; this machine has none", "runtime": runtime}
    facts = asdict(run_probe(probe, cell.framework))
    rows = [
        metric("probe_score", "points", facts["score"], max_points=MAX_POINTS, title=probe.title, **facts),
        metric("probe_failed_loudly", "bool", 1.0 if facts["outcome"] == "error" else 0.0),
    ]
    if facts["frames_after_user"] is not None:
        rows.append(metric("probe_frames_after_user", "frames", facts["frames_after_user"]))
    return {"status": "ok", "metrics": rows, "runtime": runtime}


def run_cell(payload: dict) -> dict:
    cell = Cell(**payload["cell"])
    if cell.scenario == CODE:
        return _code_cell(cell)
    if cell.scenario == FIRST_RESULT:
        from dlarena.criteria.ease.first_result import measure

        return measure(payload)
    if cell.scenario.startswith(PROBE_PREFIX):
        return _probe_cell(payload)
    raise ValueError(f"unknown ease scenario '{cell.scenario}'")


# -- summary for the report table and `dlarena recommend` ------------------------------------

def _ratio_score(values: dict[str, float]) -> dict[str, float]:
    """Lower is better: the best framework scores 1, others best/own."""
    best = min(values.values())
    return {fw: (best / v if v > 0 else 1.0) for fw, v in values.items()}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def scores(cells: list[dict], rows: list[dict]) -> dict[str, dict]:
    fw_cells, fw_rows = by_framework(cells, rows, is_ease)
    if not fw_rows:
        return {}
    value = lambda fw, scenario, name: [r for r in fw_rows.get(fw, []) if r["scenario"] == scenario  # noqa: E731
                                        and r["metric"] == name and r["status"] == "ok" and r["value"] is not None]
    fws = list(fw_rows)
    parts: dict[str, dict[str, float]] = {fw: {} for fw in fws}
    text: dict[str, list[str]] = {fw: [] for fw in fws}

    # Code metrics: only workloads measured for every framework, so the sums compare like with like.
    code_workloads = set.intersection(*({r["workload"] for r in value(fw, CODE, "code_tokens")} for fw in fws))
    if code_workloads:
        totals = {fw: {m: sum(r["value"] for r in value(fw, CODE, m) if r["workload"] in code_workloads)
                       for m in ("code_lines", "code_tokens", "api_symbols")} for fw in fws}
        ratios = [_ratio_score({fw: totals[fw][m] for fw in fws}) for m in ("code_lines", "code_tokens", "api_symbols")]
        for fw in fws:
            parts[fw]["code"] = sum(r[fw] for r in ratios) / len(ratios)
            t = totals[fw]
            text[fw].append(f"{t['code_tokens']:.0f} tokens, {t['code_lines']:.0f} lines, "
                            f"{t['api_symbols']:.0f} API symbols ({_count(len(code_workloads), 'workload')})")

    probes = {fw: [r for r in fw_rows.get(fw, []) if r["metric"] == "probe_score" and r["status"] == "ok"] for fw in fws}
    if any(probes.values()):
        for fw in fws:
            got = sum(r["value"] for r in probes[fw])
            top = sum(r["extra"].get("max_points", 5.0) for r in probes[fw])
            silent = sum(1 for r in probes[fw] if r["extra"].get("outcome") == "silent_wrong")
            if top:
                parts[fw]["errors"] = got / top
                text[fw].append(f"error probes {got:g}/{top:g} points" + (f" ({silent} silently wrong)" if silent else ""))

    first_workloads = set.intersection(*({r["workload"] for r in value(fw, FIRST_RESULT, "first_result_s")} for fw in fws))
    if first_workloads:
        totals = {fw: sum(r["value"] for r in value(fw, FIRST_RESULT, "first_result_s") if r["workload"] in first_workloads)
                  for fw in fws}
        for fw, s in _ratio_score(totals).items():
            parts[fw]["first_result"] = s
            text[fw].append(f"first result {totals[fw] / len(first_workloads):.1f} s (mean of {_count(len(first_workloads), 'workload')})")

    out = {}
    for fw in fws:
        if not parts[fw]:
            continue
        probe_text = [t for t in text[fw] if t.startswith("error probes")]
        out[fw] = {"score": sum(parts[fw].values()) / len(parts[fw]), "line": "; ".join(text[fw]),
                   "headline": (probe_text or text[fw])[0],
                   "evidence": [c["cell_id"] for c in fw_cells.get(fw, []) if c["status"] == "ok"],
                   "components": parts[fw]}
    return out
