"""Pretrained models: what the installed model zoos offer each framework, by domain. One global
cell per framework (its zoos are inspected in that framework's own process)."""

from __future__ import annotations

from dlarena import frameworks
from dlarena.config import Cell, SuiteConfig
from dlarena.criteria.framework_cells import always_untimed, by_framework, one_cell_each, setup_framework_cell

ENTRY = "dlarena.criteria.pretrained:run_cell"
NEEDS_PARITY = False
SCENARIO = "pretrained"
untimed = always_untimed  # its cells measure no time: counts architectures


def plan_global(config: SuiteConfig) -> list[Cell]:
    return one_cell_each(frameworks.with_plugin("pretrained", config.frameworks), "inventory", SCENARIO)


def run_cell(payload: dict) -> dict:
    from dataclasses import asdict

    from dlarena.pretrained.inventory import DOMAINS, distinct, inventory

    cell, _, runtime = setup_framework_cell(payload)
    zoos = inventory(cell.framework)
    names = sorted(distinct(zoos))
    rows = [{"metric": "pretrained_architectures", "unit": "architectures", "value": float(len(names)),
             "extra": {"names": names, "zoos": [asdict(z) | {"count": z.count, "label": z.label} for z in zoos]}}]
    rows += [{"metric": f"architectures_{d}", "unit": "architectures", "value": float(len(distinct(zoos, d))), "extra": {}}
             for d in DOMAINS]
    rows += [{"metric": f"zoo:{z.name}", "unit": "architectures", "value": float(z.count) if z.status == "ok" else None,
              "extra": {"status": z.status, "version": z.version, "note": z.note}} for z in zoos]
    return {"status": "ok", "metrics": rows, "runtime": runtime}


def only_in(rows: list[dict]) -> dict[str, list[str]]:
    """Architectures (normalised names) that only one framework's installed zoos offer."""
    per_fw = {r["framework"]: set(r["extra"].get("names", [])) for r in rows
              if r["scenario"] == SCENARIO and r["metric"] == "pretrained_architectures" and r["status"] == "ok"}
    return {fw: sorted(names - set().union(*(v for f, v in per_fw.items() if f != fw))) for fw, names in per_fw.items()}


def scores(cells: list[dict], rows: list[dict]) -> dict[str, dict]:
    fw_cells, fw_rows = by_framework(cells, rows, {SCENARIO})
    counts = {fw: next((r for r in frows if r["metric"] == "pretrained_architectures" and r["status"] == "ok"), None)
              for fw, frows in fw_rows.items()}
    counts = {fw: r for fw, r in counts.items() if r is not None}
    if not counts:
        return {}
    best = max(r["value"] for r in counts.values())
    exclusive = only_in(rows)
    out = {}
    for fw, r in counts.items():
        zoos = r["extra"].get("zoos", [])
        have = [f"{z.get('label', z['name'])} {z['count']}" for z in zoos if z["status"] == "ok" and z["count"]]
        missing = [z.get("label", z["name"]) for z in zoos if z["status"] != "ok"]
        line = f"{r['value']:.0f} architectures installed" + (f" ({', '.join(have)})" if have else "")
        if exclusive.get(fw):
            line += f", {len(exclusive[fw])} only here"
        if missing:
            line += f"; not available: {', '.join(missing)}"
        out[fw] = {"score": r["value"] / best if best else 0.0, "line": line,
                   "evidence": [c["cell_id"] for c in fw_cells.get(fw, [])]}
    return out
