"""Report section "Model-zoo ResNet-50": the zoos' own ResNet-50s, timed as shipped; different
implementations, so no parity claim and no verdict."""

from __future__ import annotations

import html
from pathlib import Path

from dlarena import frameworks
from dlarena.criteria.zoo.cells import LABEL, SCENARIOS
from dlarena.document import Section
from dlarena.store.groups import metrics_by_cell


def build(store, run: dict, out_dir: Path) -> Section | None:
    run_id = run["run_id"]
    cells = [c for c in store.cells(run_id) if c["scenario"] in SCENARIOS]
    if not cells:
        return None
    by_cell = metrics_by_cell(store.measurements(run_id))
    table = []
    for c in cells:
        m = by_cell.get(c["cell_id"], {})
        head = m.get("throughput_sps") or m.get("train_throughput_sps")
        value = "–" if not head or head["value"] is None else f"{head['value']:.3g} [{head['ci_low']:.3g}–{head['ci_high']:.3g}]"
        params = m.get("zoo_parameter_count", {}).get("value")
        table.append((c["workload"], c["framework"], c["mode"], SCENARIOS[c["scenario"]], c["batch"], value,
                      f"{params:,.0f}" if params else "–", c["status"] + (f": {c['error']}" if c["error"] else "")))
    models = [f"{frameworks.info(fw).display_name}: {frameworks.plugin_module(fw, 'zoo').DESCRIPTION}"
              for fw in frameworks.with_plugin("zoo", dict.fromkeys(c["framework"] for c in cells))]
    intro = f"{'; '.join(models)}. Random weights: {LABEL}. Samples/s, median [95% CI]."
    head = "".join(f"<th class='l'>{h}</th>" for h in ("model", "framework", "mode", "scenario", "batch", "samples/s",
                                                     "parameters", "status"))
    body = "".join("<tr>" + "".join(f"<td class='l'>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in table)
    md = "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in table)
    return Section(anchor="zoo", title="Model-zoo ResNet-50 (no parity claim)",
                   html=f"<p class='muted'>{html.escape(intro)}</p><table><tr>{head}</tr>{body}</table>",
                   markdown=f"{intro}\n\n| model | framework | mode | scenario | batch | samples/s | parameters | status |\n"
                            f"|---|---|---|---|---:|---|---:|---|\n{md}")
