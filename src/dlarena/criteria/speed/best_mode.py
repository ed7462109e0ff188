"""Report section "Best mode per framework": for each workload and scenario, every framework's
fastest fp32 mode, and its fastest overall when bf16 mixed-precision cells ran, with the verdict
between each pair of frameworks' best (so none is judged on a poor setting)."""

from __future__ import annotations

import html
from itertools import combinations
from pathlib import Path

from dlarena import frameworks
from dlarena.cellkit.common import split_mode
from dlarena.criteria.speed import views as data
from dlarena.document import Section
from dlarena.measure.verdict import band_of, compare


def rows(views: list[data.WorkloadView]) -> list[dict]:
    out = []
    for view in views:
        for s in view.scenarios:
            by_fw: dict[str, list[data.Entry]] = {}
            for e in s.entries:
                by_fw.setdefault(e.framework, []).append(e)
            any_bf16 = any(split_mode(e.mode)[1] != "fp32" for e in s.entries)
            for label, fp32_only in [("fp32", True)] + ([("any precision", False)] if any_bf16 else []):
                best = {fw: data.best_entry(entries, s.higher_is_better, need_ci=True, fp32_only=fp32_only) for fw, entries in by_fw.items()}
                found = [b for b in best.values() if b is not None]
                verdict = "; ".join(compare(a.estimate(), b.estimate(), s.higher_is_better, s.band).text
                                    for a, b in combinations(found, 2)) or "–"  # every pair of frameworks
                out.append({"workload": view.name, "scenario": s.scenario, "metric": s.metric, "precision": label,
                            "best": best, "verdict": verdict})
    return out


def _cell(entry: data.Entry | None) -> str:
    if entry is None:
        return "–"
    return f"{entry.mode} {entry.value:,.0f}" if abs(entry.value) >= 1000 else f"{entry.mode} {entry.value:.3g}"


def build(store, run: dict, out_dir: Path) -> Section | None:
    views = data.build(store.cells(run["run_id"]), store.measurements(run["run_id"]), band_of(run["config"]))
    table = rows(views)
    if not table:
        return None
    names = list(dict.fromkeys(fw for r in table for fw in r["best"]))
    titles = [frameworks.info(fw).display_name for fw in names]
    head = ("<tr><th class='l'>workload</th><th class='l'>scenario</th><th class='l'>precision</th>"
            + "".join(f"<th class='l'>{t} best</th>" for t in titles) + "<th class='l'>verdict</th></tr>")
    body = "".join(
        f"<tr><td class='l'>{html.escape(r['workload'])}</td><td class='l'>{r['scenario']} ({r['metric']})</td>"
        f"<td class='l'>{r['precision']}</td>" + "".join(f"<td class='l'>{_cell(r['best'].get(fw))}</td>" for fw in names)
        + f"<td class='l'>{html.escape(r['verdict'])}</td></tr>" for r in table)
    md_head = "| workload | scenario | precision | " + " | ".join(f"{t} best" for t in titles) + " | verdict |\n" \
              + "|---|---|---|" + "---|" * len(titles) + "---|"
    md = "\n".join(f"| {r['workload']} | {r['scenario']} ({r['metric']}) | {r['precision']} | "
                   + " | ".join(_cell(r["best"].get(fw)) for fw in names) + f" | {r['verdict']} |" for r in table)
    intro = ("Each framework's fastest mode per workload and scenario (median; every mode is in the per-workload "
             "tables above). 'any precision' lets bf16 mixed-precision cells compete where they ran.")
    return Section(anchor="best-mode", title="Best mode per framework",
                   html=f"<p class='muted'>{intro}</p><table>{head}{body}</table>", markdown=f"{intro}\n\n{md_head}\n{md}")
