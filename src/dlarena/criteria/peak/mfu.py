"""Report section "Model FLOPs utilisation": each speed cell's achieved FLOP/s (analytical FLOPs per
call / median call time) against the machine's peak measured by the ``peak`` criterion (best
GEMM median over frameworks, per precision)."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

from dlarena import frameworks
from dlarena.cellkit.common import split_mode
from dlarena.document import plots
from dlarena.document import Section


@dataclass
class MfuRow:
    workload: str
    framework: str
    mode: str
    scenario: str
    batch: int
    precision: str
    achieved_gflops: float
    peak_gflops: float | None

    @property
    def mfu(self) -> float | None:
        return self.achieved_gflops / self.peak_gflops if self.peak_gflops else None

    @property
    def label(self) -> str:
        return f"{self.workload} · {frameworks.info(self.framework).display_name} {self.mode}"


def peaks(rows: list[dict]) -> dict[str, dict]:
    """precision -> {"gflops": machine peak, "by": framework that reached it, "per_framework": {...}}."""
    out: dict[str, dict] = {}
    for r in rows:
        if r["metric"] != "peak_gflops_per_s" or r["status"] != "ok" or r["value"] is None:
            continue
        precision = r["extra"].get("precision", "fp32")
        entry = out.setdefault(precision, {"gflops": 0.0, "by": None, "per_framework": {}})
        entry["per_framework"][r["framework"]] = r["value"]
        if r["value"] > entry["gflops"]:
            entry.update(gflops=r["value"], by=r["framework"])
    return out


def mfu_rows(rows: list[dict]) -> list[MfuRow]:
    peak = peaks(rows)
    out = []
    for r in rows:
        if r["metric"] != "achieved_gflops_per_s" or r["status"] != "ok" or r["value"] is None:
            continue
        precision = split_mode(r["mode"])[1]
        out.append(MfuRow(r["workload"], r["framework"], r["mode"], r["scenario"], r["batch"], precision,
                          r["value"], peak.get(precision, {}).get("gflops")))
    return out


def _best_per_framework(rows: list[MfuRow]) -> list[MfuRow]:
    best: dict[tuple, MfuRow] = {}
    for r in rows:
        key = (r.workload, r.scenario, r.framework)
        if key not in best or r.achieved_gflops > best[key].achieved_gflops:
            best[key] = r
    return list(best.values())


def build(store, run: dict, out_dir: Path) -> Section | None:
    rows = store.measurements(run["run_id"])
    table = mfu_rows(rows)
    if not table:
        return None
    peak = peaks(rows)
    if peak:
        intro = "Measured peak (square GEMM, best framework): " + "; ".join(
            f"{p} {v['gflops']:,.0f} GFLOP/s ({frameworks.info(v['by']).display_name}; "
            + ", ".join(f"{frameworks.info(fw).display_name} {g:,.0f}" for fw, g in v["per_framework"].items()) + ")"
            for p, v in peak.items())
    else:
        intro = ("No peak measured in this run (add the criterion: --criteria speed,peak): no MFU; the achieved "
                 "FLOP/s of each framework's best mode only.")
    note = ("FLOPs are analytical (2 per multiply-add of matmuls and convolutions; training = 3 x forward); "
            "MFU = achieved FLOP/s / measured peak of the same precision.")
    over = [r for r in table if r.mfu is not None and r.mfu > 1.0]
    if over:
        note += (f" {len(over)} cells exceed 100%: the GEMM peak was measured at another moment than they ran "
                 "(load on a shared machine varies), so the peak here is an underestimate; rerun on an idle machine.")
    png = plots.mfu_figure(_best_per_framework(table))
    img = ""
    if png:
        (out_dir / "mfu.png").write_bytes(png)
        img = f'<img alt="MFU" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
    # Without a measured peak there is no MFU to show: the best mode per framework's achieved rate only.
    shown = table if peak else sorted(_best_per_framework(table), key=lambda r: (r.workload, r.scenario, r.framework))
    titles = ["workload", "framework", "mode", "scenario", "batch", "achieved GFLOP/s"] + (["MFU"] if peak else [])

    def cells(r: MfuRow) -> list[str]:
        return [r.workload, r.framework, r.mode, r.scenario, str(r.batch), f"{r.achieved_gflops:,.2f}"] + (
            ["–" if r.mfu is None else f"{100 * r.mfu:.1f}%"] if peak else [])

    head = "<tr>" + "".join(f"<th class='l'>{t}</th>" if i < 4 else f"<th>{t}</th>" for i, t in enumerate(titles)) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td class='l'>{html.escape(v)}</td>" if i < 4 else f"<td>{v}</td>"
                                    for i, v in enumerate(cells(r))) + "</tr>" for r in shown)
    md_rows = "\n".join("| " + " | ".join(cells(r)) + " |" for r in shown)
    md_head = "| " + " | ".join(titles) + " |\n|" + "---|" * 4 + "---:|" * (len(titles) - 4)
    return Section(
        anchor="mfu", title="Model FLOPs utilisation",
        html=f"<p>{html.escape(intro)}</p><p class='muted'>{note}</p>{img}<table>{head}{body}</table>",
        markdown=f"{intro}\n\n{note}\n\n{md_head}\n{md_rows}",
    )
