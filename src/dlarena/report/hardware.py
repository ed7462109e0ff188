"""Across hardware: the runs a cluster made together (one per hardware kind, store/groups.py)
side by side — each cell's headline on each kind, each framework's best per kind ("PyTorch vs
TensorFlow on CPU X vs on GPU Y"), and what the Ray executor cost per unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from markupsafe import escape

from dlarena import frameworks
from dlarena.criteria.speed.views import HEADLINES
from dlarena.document.fragments import html_table, md_table
from dlarena.store.db import ResultStore, stored_json
from dlarena.store.groups import cluster_of, group_runs, hardware_of

HEADLINE = {scenario: (metric, higher) for scenario, (metric, higher, _) in HEADLINES.items()}


@dataclass
class HardwareTable:
    group: str
    kinds: list[str]  # in the order of the columns
    run_ids: dict[str, str]  # kind -> run id
    cells: list[dict] = field(default_factory=list)  # {"key", "scenario", "metric", "values": {kind: value}}
    best: list[dict] = field(default_factory=list)  # {"workload", "scenario", "batch", "metric", "per_kind": {...}}
    overhead: dict[str, dict] = field(default_factory=dict)  # kind -> executor_overhead()


def _runtime(row: dict) -> dict:
    rt = row.get("runtime")
    return stored_json(rt, f"the runtime of cell {row.get('cell_id')}") or {}


def build_table(store: ResultStore, run_or_group: str) -> HardwareTable | None:
    members = [r for r in group_runs(store, run_or_group) if hardware_of(r)]
    if not members:
        return None
    kinds = [hardware_of(r) for r in members]
    table = HardwareTable(cluster_of(members[0]["env"])["group"], kinds, {hardware_of(r): r["run_id"] for r in members})
    cells: dict[str, dict] = {}
    for run in members:
        kind = hardware_of(run)
        for m in store.measurements(run["run_id"]):
            metric, _ = HEADLINE.get(m["scenario"], (None, None))
            if m["metric"] != metric or m["status"] != "ok" or m["value"] is None:
                continue
            entry = cells.setdefault(m["cell_id"], {"key": m["cell_id"], "workload": m["workload"],
                                                    "framework": m["framework"], "mode": m["mode"],
                                                    "scenario": m["scenario"], "batch": m["batch"],
                                                    "metric": metric, "values": {}})
            entry["values"][kind] = m["value"]
        table.overhead[kind] = executor_overhead(store, run["run_id"])
    table.cells = sorted(cells.values(), key=lambda c: c["key"])
    table.best = _best_per_kind(table.cells, kinds)
    return table


def _best_per_kind(cells: list[dict], kinds: list[str]) -> list[dict]:
    """Per workload, scenario and batch: each framework's best mode on each kind."""
    groups: dict[tuple, dict] = {}
    for c in cells:
        _, higher = HEADLINE[c["scenario"]]
        g = groups.setdefault((c["workload"], c["scenario"], c["batch"]),
                              {"workload": c["workload"], "scenario": c["scenario"], "batch": c["batch"],
                               "metric": c["metric"], "per_kind": {k: {} for k in kinds}})
        for kind, value in c["values"].items():
            best = g["per_kind"][kind].get(c["framework"])
            if best is None or (value > best if higher else value < best):
                g["per_kind"][kind][c["framework"]] = value
    return [groups[k] for k in sorted(groups)]


def executor_overhead(store: ResultStore, run_id: str) -> dict:
    """Ray's cost per unit of work, from the stored clocks: the driver's span (submitted -> last
    cell back) minus the node's (unit started -> last cell recorded); per cell, that divided by
    the unit's cells. {} for a run made without the Ray executor."""
    units: dict[str, dict] = {}
    durations = []
    for c in store.cells(run_id):
        rt = _runtime(c)
        ex = rt.get("executor") or {}
        if "submitted_at" not in ex or "unit_started_at" not in rt:
            continue
        u = units.setdefault(ex["unit"], {"submitted": ex["submitted_at"], "arrived": 0.0, "started": rt["unit_started_at"],
                                          "recorded": 0.0, "cells": 0})
        u["arrived"] = max(u["arrived"], ex["arrived_at"])
        u["recorded"] = max(u["recorded"], rt["recorded_at"])
        u["cells"] += 1
        if c["duration_s"]:
            durations.append(c["duration_s"])
    if not units:
        return {}
    per_unit = [(u["arrived"] - u["submitted"]) - (u["recorded"] - u["started"]) for u in units.values()]
    per_cell = [o / u["cells"] for o, u in zip(per_unit, units.values())]
    return {"units": len(units), "cells": sum(u["cells"] for u in units.values()),
            "median_unit_overhead_s": median(per_unit), "median_per_cell_overhead_s": median(per_cell),
            "median_cell_duration_s": median(durations) if durations else None}


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def rows(table: HardwareTable) -> tuple[list[str], list[list]]:
    """The side-by-side table: one row per cell, one column per kind (headline medians)."""
    headers = ["cell", "metric", *table.kinds]
    if len(table.kinds) > 1:
        headers.append(f"{table.kinds[-1]} / {table.kinds[0]}")
    out = []
    for c in table.cells:
        values = [c["values"].get(k) for k in table.kinds]
        row = [c["key"], c["metric"], *(_fmt(v) for v in values)]
        if len(table.kinds) > 1:
            row.append(f"{values[-1] / values[0]:.2f}x" if values[0] and values[-1] else "–")
        out.append(row)
    return headers, out


def best_rows(table: HardwareTable) -> tuple[list[str], list[list]]:
    """Per workload and scenario, on each kind: the frameworks' best, fastest first, with ratios."""
    headers = ["workload", "scenario", *table.kinds]
    out = []
    for g in table.best:
        _, higher = HEADLINE[g["scenario"]]
        row = [g["workload"], f"{g['scenario']} b{g['batch']} ({g['metric']})"]
        for kind in table.kinds:
            values = g["per_kind"][kind]
            order = sorted(values, key=lambda fw: -values[fw] if higher else values[fw])
            if not order:
                row.append("–")
                continue
            lead = values[order[0]]
            parts = [f"{frameworks.display_name(order[0])} {_fmt(lead)}"]
            parts += [f"{frameworks.display_name(fw)} {(lead / values[fw] if higher else values[fw] / lead):.2f}x slower" for fw in order[1:]
                      if values[fw]]
            row.append(", ".join(parts))
        out.append(row)
    return headers, out


def overhead_line(table: HardwareTable) -> str | None:
    parts = []
    for kind, o in table.overhead.items():
        if o:
            parts.append(f"{kind}: {o['units']} units, {o['median_unit_overhead_s']:.2f} s per unit, "
                         f"{o['median_per_cell_overhead_s']:.2f} s per cell (median cell {_fmt(o['median_cell_duration_s'])} s)")
    return ("Ray executor overhead (driver's span minus the node's, per unit of work): " + "; ".join(parts)) if parts else None


def build(store: ResultStore, run: dict, out_dir: Path):
    """The report section: only for a run made on a cluster."""
    from dlarena.document import Section

    table = build_table(store, run["run_id"])
    if table is None:
        return None
    intro = (f"Run group {table.group}: the same suite on each hardware kind of the cluster (runs "
             + ", ".join(f"{k} = {rid}" for k, rid in table.run_ids.items()) + "). Headline medians.")
    headers, body = best_rows(table)
    cell_headers, cell_rows = rows(table)
    overhead = overhead_line(table)
    html = (f"<p class='muted'>{escape(intro)}</p>" + html_table(headers, body) + html_table(cell_headers, cell_rows)
            + (f"<p class='muted'>{escape(overhead)}</p>" if overhead else ""))
    markdown = f"{intro}\n\n" + md_table(headers, body) + "\n" + md_table(cell_headers, cell_rows) + (
        f"\n{overhead}\n" if overhead else "")
    return Section(anchor="hardware", title="Across hardware", html=html, markdown=markdown)
