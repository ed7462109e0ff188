"""Pretrained models, measured: for each framework, the share of a fixed, framework-neutral list of
representative model families (``dlarena.pretrained.families``) that its users could build and run
here from some zoo available to them (its own, or the Keras 3 zoos on its backend), each built from
a config with random weights and run forward once in that framework's own worker process. One
global cell per framework. The names the zoos list are kept as context (counts per zoo), not scored.

Grades (``dlarena.evidence``): "measured" when the line rests on builds done in this run;
"environment" when the result depends on a zoo that is not installed or not importable here (no
build at all, or a family not built that a missing zoo would offer): shown with the reason, left
out of the totals, never a 0.
"""

from __future__ import annotations

import time

from dlarena import frameworks
from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.framework_cells import by_framework, one_cell_each, setup_framework_cell

ENTRY = "dlarena.criteria.pretrained.cells:run_cell"
SCENARIO = "pretrained"

FAMILIES_METRIC = "pretrained_families_built"
INSTALL_HINT = "pip install -r requirements-cpu.txt, then pip install --no-deps -r requirements-nodeps.txt (keras-hub)"


def plan_global(selection: Selection, options: NoOptions) -> list[Cell]:
    return one_cell_each(frameworks.with_plugin("pretrained", selection.frameworks), "inventory", SCENARIO)


def zoo_record(z) -> dict:
    from dataclasses import asdict

    return asdict(z) | {"count": z.count, "label": z.label}


def rows_of(zoos, seconds: float | None = None) -> list[dict]:
    """The cell's rows from its zoos (``inventory.Zoo`` records)."""
    from dlarena.pretrained.families import FAMILIES
    from dlarena.pretrained.inventory import DOMAINS, distinct, families_built

    names = sorted(distinct(zoos))
    records = [zoo_record(z) for z in zoos]
    rows = [{"metric": "pretrained_architectures", "unit": "architectures", "value": float(len(names)),
             "extra": {"names": names, "zoos": records}}]
    rows += [{"metric": f"architectures_{d}", "unit": "architectures", "value": float(len(distinct(zoos, d))), "extra": {}}
             for d in DOMAINS]
    rows += [{"metric": f"zoo:{z.name}", "unit": "architectures", "value": float(z.count) if z.status == "ok" else None,
              "extra": {"status": z.status, "version": z.version, "note": z.note, "native": z.native,
                        "built": sum(b["status"] == "built" for b in z.builds), "tried": len(z.builds)}} for z in zoos]
    rows += [{"metric": f"zoo_built:{z.name}", "unit": "architectures built",
              "value": float(sum(b["status"] == "built" for b in z.builds)),
              "extra": {"tried": len(z.builds), "builds": z.builds}} for z in zoos if z.builds]
    by_family = families_built(zoos)
    missing_zoos = [{"label": z.label, "status": z.status, "note": z.note, "families": list(z.families)}
                    for z in zoos if z.status != "ok" and z.families]
    rows.append({"metric": FAMILIES_METRIC, "unit": "families", "value": float(len(by_family)),
                 "extra": {"families": {f: by_family[f] for f in FAMILIES if f in by_family}, "of": list(FAMILIES),
                           "missing": [f for f in FAMILIES if f not in by_family], "missing_zoos": missing_zoos,
                           "tried": sum(len(z.builds) for z in zoos)}})
    if seconds is not None:
        rows.append({"metric": "pretrained_cell_seconds", "unit": "s", "value": seconds, "extra": {}})
    return rows


def run_cell(payload: dict) -> dict:
    from dlarena.pretrained.inventory import inventory

    started = time.perf_counter()
    cell, _, runtime = setup_framework_cell(payload)
    zoos = inventory(cell.framework)
    return {"status": "ok", "metrics": rows_of(zoos, time.perf_counter() - started), "runtime": runtime}


def only_in(rows: list[dict]) -> dict[str, list[str]]:
    """Architectures (normalised names) that only one framework's installed zoos offer."""
    per_fw = {r["framework"]: set(r["extra"].get("names", [])) for r in rows
              if r["scenario"] == SCENARIO and r["metric"] == "pretrained_architectures" and r["status"] == "ok"}
    return {fw: sorted(names - set().union(*(v for f, v in per_fw.items() if f != fw))) for fw, names in per_fw.items()}


def _built_text(zoos: list[dict]) -> str:
    parts = []
    for z in zoos:
        n = sum(b["status"] == "built" for b in z.get("builds") or [])
        if z.get("builds"):
            parts.append(f"{z['name'].split(' (')[0]} {z.get('version') or ''}".strip() + (f" via {z['via']}" if z.get("via") else "")
                         + f": {n} of {len(z['builds'])} architectures")
    return ", ".join(parts)


def _unavailable(zoos: list[dict]) -> str:
    return "; ".join(f"{z['label']} {z['status']}" + (f" ({z['note']})" if z.get("note") else "")
                     for z in zoos)


def summarize(families_row: dict, inventory_row: dict | None) -> dict:
    """One framework's score, grade and line from its cell's rows."""
    extra = families_row["extra"]
    of, done = extra["of"], extra["families"]
    zoos = (inventory_row or {}).get("extra", {}).get("zoos", [])
    built_names = [f for f in of if f in done]
    missing = [f for f in of if f not in done]
    could = [z for z in extra.get("missing_zoos", []) if set(z["families"]) & set(missing)]
    failed = [f"{b['zoo']} {b['arch']}: {b['error']}" for z in zoos for b in z.get("builds") or [] if b["status"] == "failed"]
    head = f"built {len(built_names)} of {len(of)} families"
    line = head + (f": {', '.join(built_names)}" if built_names else "")
    if zoos and _built_text(zoos):
        line += f" ({_built_text(zoos)})"
    if missing:
        line += f"; not built: {', '.join(missing)}"
    if failed:
        line += f"; failed: {' | '.join(failed[:3])}" + (f" (+{len(failed) - 3})" if len(failed) > 3 else "")
    if could:
        line += f"; not available here: {_unavailable(could)}"
    named = int(inventory_row["value"]) if inventory_row else 0
    if named:
        line += f"; context: {named} architecture names listed by the installed zoos"
    if not extra.get("tried") or could:
        # the result depends on what is installed here: shown, not scored
        return {"score": None, "grade": "environment", "headline": f"not scored: {head} (zoos missing here)",
                "line": f"not scored (depends on the zoos installed here; {INSTALL_HINT} to measure it): {line}"}
    return {"score": len(built_names) / len(of), "grade": "measured", "headline": head, "line": line}


def scores(cells: list[dict], rows: list[dict]) -> dict[str, dict]:
    fw_cells, fw_rows = by_framework(cells, rows, {SCENARIO})
    out = {}
    for fw, frows in fw_rows.items():
        ok = [r for r in frows if r["status"] == "ok"]
        families = next((r for r in ok if r["metric"] == FAMILIES_METRIC), None)
        if families is None:  # a run from before builds existed: names only, which score nothing
            inventory_row = next((r for r in ok if r["metric"] == "pretrained_architectures"), None)
            if inventory_row is None:
                continue
            out[fw] = {"score": None, "grade": "environment", "headline": "not scored: names only",
                       "line": f"not scored: {inventory_row['value']:.0f} architecture names listed, nothing built "
                               f"(a run from before builds; rerun dlarena run --criteria pretrained)"}
        else:
            out[fw] = summarize(families, next((r for r in ok if r["metric"] == "pretrained_architectures"), None))
        out[fw]["evidence"] = [c["cell_id"] for c in fw_cells.get(fw, [])]
    return out
