"""Report section "Speed ratio vs model size" (crossover plot): PyTorch/TensorFlow speed ratio
against parameter count, per scenario, for several pairings of modes. Ratio > 1: PyTorch faster."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

from dlarena import workloads
from dlarena.claims import HIGHER_IS_BETTER
from dlarena.criteria.common import split_mode
from dlarena.report import plots
from dlarena.report.data import HEADLINES
from dlarena.report.render import Section

# pairing label -> (PyTorch modes, TensorFlow modes); each side takes its best listed mode
PAIRINGS = {
    "best vs best": ((), ()),
    "eager vs eager": (("eager",), ("eager",)),
    "compile vs function": (("compile",), ("function",)),
    "compile vs xla": (("compile",), ("xla",)),
}
A, B = "torch", "tensorflow"


@dataclass
class RatioPoint:
    workload: str
    params: int
    scenario: str
    pairing: str
    ratio: float  # speed of PyTorch / speed of TensorFlow
    low: float  # conservative interval from the two medians' CIs
    high: float
    a_mode: str
    b_mode: str


def _best(rows: list[dict], framework: str, modes: tuple[str, ...], higher: bool) -> dict | None:
    chosen = [r for r in rows if r["framework"] == framework and (not modes or split_mode(r["mode"])[0] in modes)
              and split_mode(r["mode"])[1] == "fp32"]
    if not chosen:
        return None
    return max(chosen, key=lambda r: r["value"]) if higher else min(chosen, key=lambda r: r["value"])


def ratio_points(rows: list[dict]) -> list[RatioPoint]:
    metrics = {metric: scenario for scenario, (metric, _, _) in HEADLINES.items()}
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["metric"] in metrics and r["status"] == "ok" and r["value"] and r["ci_low"] and r["ci_high"]:
            groups.setdefault((r["workload"], r["scenario"]), []).append(r)
    points = []
    for (workload, scenario), group in groups.items():
        try:
            params = workloads.get(workload).parameter_count
        except (KeyError, ValueError, TypeError):
            continue
        higher = HIGHER_IS_BETTER[group[0]["metric"]]
        for pairing, (a_modes, b_modes) in PAIRINGS.items():
            a, b = _best(group, A, a_modes, higher), _best(group, B, b_modes, higher)
            if a is None or b is None:
                continue
            if higher:
                ratio, low, high = a["value"] / b["value"], a["ci_low"] / b["ci_high"], a["ci_high"] / b["ci_low"]
            else:
                ratio, low, high = b["value"] / a["value"], b["ci_low"] / a["ci_high"], b["ci_high"] / a["ci_low"]
            points.append(RatioPoint(workload, params, scenario, pairing, ratio, low, high, a["mode"], b["mode"]))
    return sorted(points, key=lambda p: (p.scenario, p.pairing, p.params))


def build(store, run: dict, out_dir: Path) -> Section | None:
    points = ratio_points(store.measurements(run["run_id"]))
    if len({p.params for p in points}) < 2:
        return None  # one model size: nothing to plot against
    png = plots.crossover_figure(points)
    (out_dir / "crossover.png").write_bytes(png)
    img = f'<img alt="speed ratio vs parameter count" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
    intro = ("PyTorch speed / TensorFlow speed (> 1: PyTorch faster) against parameter count; error bars from the "
             "two medians' 95% CIs (conservative). Each side takes its best mode among those of the pairing (fp32).")
    head = ("<tr><th class='l'>scenario</th><th class='l'>pairing</th><th class='l'>workload</th><th>parameters</th>"
            "<th>PyTorch / TensorFlow</th><th>interval</th><th class='l'>modes</th></tr>")
    body = "".join(f"<tr><td class='l'>{p.scenario}</td><td class='l'>{p.pairing}</td><td class='l'>{html.escape(p.workload)}</td>"
                   f"<td>{p.params:,}</td><td>{p.ratio:.2f}</td><td>{p.low:.2f}–{p.high:.2f}</td>"
                   f"<td class='l'>{p.a_mode} / {p.b_mode}</td></tr>" for p in points)
    md = "\n".join(f"| {p.scenario} | {p.pairing} | {p.workload} | {p.params:,} | {p.ratio:.2f} | {p.low:.2f}–{p.high:.2f} | "
                   f"{p.a_mode} / {p.b_mode} |" for p in points)
    return Section(anchor="crossover", title="Speed ratio vs model size",
                   html=f"<p class='muted'>{intro}</p>{img}<table>{head}{body}</table>",
                   markdown=f"{intro}\n\n| scenario | pairing | workload | parameters | PyTorch / TensorFlow | interval | modes |\n"
                            f"|---|---|---|---:|---:|---|---|\n{md}")
