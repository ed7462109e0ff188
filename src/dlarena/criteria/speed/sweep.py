"""Report section "Speed ratio vs model size" (crossover plot): for each pair of frameworks measured,
A's speed / B's speed against parameter count, per scenario, for several pairings of modes.
Ratio > 1: A faster. Frameworks pair in registry order; the pairings follow from their modes."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from dlarena import frameworks, workloads
from dlarena.measure.verdict import Estimate, ratio_interval, unusable
from dlarena.criteria.speed.headlines import HIGHER_IS_BETTER
from dlarena.cellkit.common import split_mode
from dlarena.document import plots
from dlarena.criteria.speed.views import HEADLINES
from dlarena.document.files import safe_filename
from dlarena.document import Section

EAGER = "eager"


def pairings(a: str, b: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """pairing label -> (A's modes, B's modes); each side takes its best listed mode. Best vs best,
    eager vs eager, then each compiled mode of A against each of B (e.g. compile vs xla)."""
    a_modes, b_modes = frameworks.info(a).modes, frameworks.info(b).modes
    out = {"best vs best": ((), ())}
    if EAGER in a_modes and EAGER in b_modes:
        out["eager vs eager"] = ((EAGER,), (EAGER,))
    for ma in (m for m in a_modes if m != EAGER):
        for mb in (m for m in b_modes if m != EAGER):
            out[f"{ma} vs {mb}"] = ((ma,), (mb,))
    return out


@dataclass
class RatioPoint:
    workload: str
    params: int
    scenario: str
    pairing: str
    ratio: float  # speed of A / speed of B
    low: float  # conservative interval from the two medians' CIs
    high: float
    a_mode: str
    b_mode: str
    a: str = ""  # the two frameworks
    b: str = ""


def _best(rows: list[dict], framework: str, modes: tuple[str, ...], higher: bool) -> dict | None:
    chosen = [r for r in rows if r["framework"] == framework and (not modes or split_mode(r["mode"])[0] in modes)
              and split_mode(r["mode"])[1] == "fp32"]
    if not chosen:
        return None
    return max(chosen, key=lambda r: r["value"]) if higher else min(chosen, key=lambda r: r["value"])


def framework_pairs(rows: list[dict]) -> list[tuple[str, str]]:
    present = {r["framework"] for r in rows}
    return list(combinations([fw for fw in frameworks.names() if fw in present], 2))


def ratio_points(rows: list[dict]) -> list[RatioPoint]:
    metrics = {metric: scenario for scenario, (metric, _, _) in HEADLINES.items()}
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["metric"] in metrics and r["status"] == "ok" and r["value"] and r["ci_low"] and r["ci_high"]:
            groups.setdefault((r["workload"], r["scenario"]), []).append(r)
    pairs = framework_pairs(rows)
    points = []
    for (workload, scenario), group in groups.items():
        try:
            params = workloads.get(workload).parameter_count
        except (KeyError, ValueError, TypeError):
            continue
        higher = HIGHER_IS_BETTER[group[0]["metric"]]
        for fa, fb in pairs:
            for pairing, (a_modes, b_modes) in pairings(fa, fb).items():
                a, b = _best(group, fa, a_modes, higher), _best(group, fb, b_modes, higher)
                if a is None or b is None:
                    continue
                ea, eb = Estimate.from_row(fa, a), Estimate.from_row(fb, b)
                if unusable(ea) or unusable(eb):
                    continue
                ratio, low, high = ratio_interval(ea, eb, higher)
                points.append(RatioPoint(workload, params, scenario, pairing, ratio, low, high, a["mode"], b["mode"], fa, fb))
    order = {pair: i for i, pair in enumerate(pairs)}
    return sorted(points, key=lambda p: (order[(p.a, p.b)], p.scenario, p.pairing, p.params))


def _pair_part(points: list[RatioPoint], a: str, b: str, png_name: str, out_dir: Path) -> tuple[str, str]:
    da, db = frameworks.info(a).display_name, frameworks.info(b).display_name
    png = plots.crossover_figure(points, da, db)
    (out_dir / png_name).write_bytes(png)
    img = f'<img alt="{da} / {db} speed ratio vs parameter count" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
    intro = (f"{da} speed / {db} speed (> 1: {da} faster) against parameter count; error bars: the "
             "95% CI of the ratio (the verdict rule's). Each side takes its best mode among those of the pairing (fp32).")
    head = ("<tr><th class='l'>scenario</th><th class='l'>pairing</th><th class='l'>workload</th><th>parameters</th>"
            f"<th>{da} / {db}</th><th>interval</th><th class='l'>modes</th></tr>")
    body = "".join(f"<tr><td class='l'>{p.scenario}</td><td class='l'>{p.pairing}</td><td class='l'>{html.escape(p.workload)}</td>"
                   f"<td>{p.params:,}</td><td>{p.ratio:.2f}</td><td>{p.low:.2f}–{p.high:.2f}</td>"
                   f"<td class='l'>{p.a_mode} / {p.b_mode}</td></tr>" for p in points)
    md = "\n".join(f"| {p.scenario} | {p.pairing} | {p.workload} | {p.params:,} | {p.ratio:.2f} | {p.low:.2f}–{p.high:.2f} | "
                   f"{p.a_mode} / {p.b_mode} |" for p in points)
    return (f"<p class='muted'>{intro}</p>{img}<table>{head}{body}</table>",
            f"{intro}\n\n| scenario | pairing | workload | parameters | {da} / {db} | interval | modes |\n"
            f"|---|---|---|---:|---:|---|---|\n{md}")


def build(store, run: dict, out_dir: Path) -> Section | None:
    points = ratio_points(store.measurements(run["run_id"]))
    if len({p.params for p in points}) < 2:
        return None  # one model size: nothing to plot against
    pairs = [pair for pair in dict.fromkeys((p.a, p.b) for p in points)
             if len({p.params for p in points if (p.a, p.b) == pair}) >= 2]
    parts = [_pair_part([p for p in points if (p.a, p.b) == (a, b)], a, b,
                        "crossover.png" if i == 0 else f"{safe_filename(f'crossover_{a}_vs_{b}')}.png", out_dir)
             for i, (a, b) in enumerate(pairs)]
    if len(parts) == 1:
        html_part, md_part = parts[0]
    else:  # one sub-section per pair of frameworks
        titles = [f"{frameworks.info(a).display_name} vs {frameworks.info(b).display_name}" for a, b in pairs]
        html_part = "".join(f"<h3>{t}</h3>{h}" for t, (h, _) in zip(titles, parts))
        md_part = "\n\n".join(f"### {t}\n\n{m}" for t, (_, m) in zip(titles, parts))
    return Section(anchor="crossover", title="Speed ratio vs model size", html=html_part, markdown=md_part)
