"""Report section of the distributed criterion: scaling plot, table, per-workload verdicts, and the
verdict on each published claim a taking-part runtime carries (``analysis.claims``)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from dlarena import frameworks
from dlarena.criteria.distributed import analysis
from dlarena.criteria.distributed.analysis import Point
from dlarena.measure.verdict import band_of
from dlarena.document import Section
from dlarena.store.db import ResultStore

COLUMNS = ("workload", "framework", "workers", "threads/worker", "global samples/s (95% CI)", "scaling efficiency",
           "step ms", "compute ms", "comm ms", "runtime start-up s", "launch to 1st step s",
           "weights: across workers / vs 1 process", "status")


def _num(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}g}"


def _row(p: Point) -> list[str]:
    thr = p.metrics.get("global_throughput_sps", {})
    ci = f" ({_num(thr.get('ci_low'))} – {_num(thr.get('ci_high'))})" if thr.get("ci_low") is not None else ""
    eff = "–" if p.efficiency is None else f"{p.efficiency:.0%}" + (
        f" ({p.eff_low:.0%} – {p.eff_high:.0%})" if p.eff_low is not None and p.eff_low != p.eff_high else "")
    status = p.status + (f": {p.error[:160]}" if p.error else "")
    threads = str(p.runtime.get("threads_per_worker", "–")) + (" (oversubscribed)" if p.runtime.get("oversubscribed") else "")
    return [p.workload, p.label, str(p.workers), threads,
            _num(p.throughput) + ci, eff, _num(p.value("step_time_ms")), _num(p.value("compute_time_ms")),
            _num(p.value("communication_time_ms")), _num(p.value("runtime_startup_s")),
            _num(p.value("time_to_first_step_s")),
            f"{_num(p.value('weights_max_abs_diff_across_workers'), 2)} / {_num(p.value('weights_rel_diff_vs_single_process'), 2)}",
            status]


def figure(series: dict[tuple[str, str], list[Point]]) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlarena.document.plots import label_axes, png


    names = list(dict.fromkeys(w for (w, _), ps in series.items() if any(p.ok for p in ps)))
    if not names:
        return None
    fig, axes = plt.subplots(len(names), 2, figsize=(9.5, 3.1 * len(names)), squeeze=False)
    for (ax_thr, ax_eff), workload in zip(axes, names):
        for (w, fw), ps in series.items():
            ok = [p for p in ps if w == workload and p.ok]
            if not ok:
                continue
            xs = [p.workers for p in ok]
            rows = [p.metrics["global_throughput_sps"] for p in ok]
            err = [[r["value"] - (r["ci_low"] or r["value"]) for r in rows], [(r["ci_high"] or r["value"]) - r["value"] for r in rows]]
            color = frameworks.color(fw)
            ax_thr.errorbar(xs, [r["value"] for r in rows], yerr=err, marker="o", capsize=3, color=color, label=ok[0].label)
            eff = [p for p in ok if p.efficiency is not None]
            ax_eff.plot([p.workers for p in eff], [p.efficiency for p in eff], marker="o", color=color, label=ok[0].label)
        workers = sorted({p.workers for (w, _), ps in series.items() if w == workload for p in ps})
        ax_eff.axhline(1.0, color="#999", linestyle="--", linewidth=1, label="ideal")
        for ax, title, ylabel in ((ax_thr, "global throughput", "samples/s"), (ax_eff, "scaling efficiency", "T(N) / (N T(1))")):
            ax.set_xticks(workers)
            label_axes(ax, "workers", ylabel, f"{workload}: {title}")
            ax.legend(fontsize=7)
        ax_eff.set_ylim(bottom=0)
    fig.suptitle("Data-parallel scaling (median, 95% CI)", fontsize=11)
    fig.tight_layout()
    return png(fig)


def build(store: ResultStore, run: dict, out_dir: Path) -> Section | None:
    pts = analysis.points(store.cells(run["run_id"]), store.measurements(run["run_id"]))
    if not pts:
        return None
    series = analysis.scaling(pts)
    ordered = [p for ps in series.values() for p in ps]
    verdicts = analysis.workload_verdicts(series, band_of(run["config"]))
    claims = analysis.claims(dict.fromkeys(p.framework for p in pts))
    env = run.get("env") or {}
    where = analysis.scope([p for p in pts if p.ok] or pts)
    if where.single_host:
        hosts = (f"Scope: {where.text} (this machine: {env.get('physical_cores', '?')} physical cores); "
                 f"{where.caveat}. Each worker gets cores / workers intra-op threads (at least 1). ")
    else:
        hosts = f"Scope: {where.text}; workers on different hosts talk over the network. "
    setup = (f"Weak scaling: each worker trains on the workload's training batch, so the global batch grows with "
             f"the number of workers. {hosts}"
             "Compute = the same step without gradient synchronisation; communication = step minus compute "
             "(the part not hidden behind compute). Correctness: after a few steps, every worker's weights equal "
             "every other's and single-process training on the concatenated global batch (a failed check makes "
             "the cell not comparable).")

    png = figure(series)
    parts_html = [f"<p>{html.escape(setup)}</p>"]
    md = [setup, ""]
    if png:
        (out_dir / "distributed.png").write_bytes(png)
        parts_html.append(f'<img alt="scaling plot" src="data:image/png;base64,{base64.b64encode(png).decode()}">')
        md += ["![scaling plot](distributed.png)", ""]
    parts_html.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in COLUMNS) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in _row(p)) + "</tr>" for p in ordered) + "</table>")
    md += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    md += ["| " + " | ".join(v.replace("|", "/") for v in _row(p)) + " |" for p in ordered]

    lines = [f"{v.workload}, {v.workers} workers: {v.efficiency_text}"
             + ("; scaling efficiency by pair: " + "; ".join(c.result for c in v.pairs) if v.pairs else "")
             + f"; {v.throughput_text} (evidence: {', '.join(v.evidence)})" for v in verdicts] or [
        "no workload has successful multi-worker cells for two frameworks at the same number of workers"]
    parts_html.append("<h3>Scaling by workload</h3><ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
                      + "</ul>")
    md += ["", "### Scaling by workload", ""] + [f"- {line}" for line in lines]
    for claim in claims:
        overall = analysis.claim_verdict(verdicts, claim.framework)
        parts_html.append(f"<h3>Claim: “{html.escape(claim.text)}”</h3><p><strong>Verdict: {html.escape(overall)}."
                          f"</strong></p><p><em>{html.escape(claim.caveat)}</em></p>")
        md += ["", f"### Claim: \"{claim.text}\"", "", f"**Verdict: {overall}.**", "", f"*{claim.caveat}*"]
    return Section("distributed", "Distributed training (data parallel)", "\n".join(parts_html), "\n".join(md))
