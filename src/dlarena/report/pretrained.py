"""Report section: pretrained model zoos installed per framework."""

from __future__ import annotations

from dlarena.criteria import pretrained as pretrained_criterion
from dlarena.report.fragments import cut, html_table, md_table, muted
from dlarena.store.db import ResultStore

SHOW_NAMES = 40


def build(store: ResultStore, run: dict, out_dir):
    cells = [c for c in store.cells(run["run_id"]) if c["scenario"] == pretrained_criterion.SCENARIO]
    if not cells:
        return None
    from dlarena.report.render import Section

    rows = [r for r in store.measurements(run["run_id"]) if r["scenario"] == pretrained_criterion.SCENARIO]
    table = []
    for r in rows:
        if r["metric"] != "pretrained_architectures":
            continue
        for z in r["extra"].get("zoos", []):
            d = z.get("domains", {})
            table.append([r["framework"], z.get("label", z["name"]), z["status"], z.get("version"),
                          *(len(d.get(k, [])) if z["status"] == "ok" else None for k in ("vision", "text", "audio")), cut(z.get("note"))])
    headers = ["framework", "zoo", "status", "version", "vision", "text", "audio", "note"]
    note = "Names only: no model is built and no weight is downloaded. Architectures are counted once per framework after normalising names (ResNet50 = resnet50)."
    exclusive = pretrained_criterion.only_in(rows)
    lines = [f"Only in {fw}'s installed zoos ({len(names)}): {', '.join(names[:SHOW_NAMES])}{' …' if len(names) > SHOW_NAMES else ''}"
             for fw, names in exclusive.items() if names]
    failed = [f"{c['framework']}: {c['status']} {cut(c['error'])}" for c in cells if c["status"] != "ok"]
    html = [muted(note), html_table(headers, table), *(f"<p>{line}</p>" for line in lines + failed)]
    md = [note, "", md_table(headers, table), *(f"- {line}" for line in lines + failed)]
    return Section("pretrained", "Pretrained models", "\n".join(html), "\n".join(md))
