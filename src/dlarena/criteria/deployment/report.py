"""Report section of the deployment criterion: the export matrix (workload x export path), the
frameworks' ONNX exports compared pairwise in ONNX Runtime, and the serving table and plot.
Reads stored rows only."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

from dlarena import deploy, frameworks
from dlarena.criteria.deployment import cells as criterion
from dlarena.document import Section, fmt
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, Verdict, band_of, compare
from dlarena.store.db import ResultStore
from dlarena.store.groups import metrics_by_cell


@dataclass
class Row:
    workload: str
    framework: str
    path: str
    title: str
    runtime: str
    export_status: str
    export_error: str | None
    runtime_status: str | None = None
    runtime_error: str | None = None
    runtime_cell: str | None = None
    metrics: dict[str, dict] = field(default_factory=dict)  # metric -> stored row

    def value(self, name: str):
        return (self.metrics.get(name) or {}).get("value")

    @property
    def status(self) -> str:
        if self.export_status != "ok":
            return "export " + self.export_status
        if self.runtime_status is None:
            return "not loaded"
        if self.runtime_status != "ok":
            return ("parity failed" if self.runtime_error and "differs from the source" in self.runtime_error
                    else "load " + self.runtime_status)
        return "ok"

    @property
    def error(self) -> str | None:
        return self.export_error if self.export_status != "ok" else self.runtime_error


def matrix(cells: list[dict], rows: list[dict]) -> list[Row]:
    metrics = metrics_by_cell(rows)
    runtime_cells = {(c["workload"], c["framework"], c["mode"]): c for c in cells if c["scenario"] == criterion.RUNTIME}
    out = []
    for c in (c for c in cells if c["scenario"] == criterion.EXPORT):
        path = deploy.get_path(c["framework"], c["mode"])
        row = Row(c["workload"], c["framework"], c["mode"], path.title, deploy.runtime_titles()[path.runtime],
                  c["status"], c["error"], metrics=dict(metrics.get(c["cell_id"], {})))
        rc = runtime_cells.get((c["workload"], c["framework"], c["mode"]))
        if rc:
            row.runtime_status, row.runtime_error, row.runtime_cell = rc["status"], rc["error"], rc["cell_id"]
            row.metrics.update(metrics.get(rc["cell_id"], {}))
        out.append(row)
    return out


@dataclass
class OnnxComparison:
    workload: str
    first: str  # framework names, in selection order
    second: str
    latency: Verdict | None
    throughput: Verdict | None
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.workload}, {_onnx_label(self.first)} vs {_onnx_label(self.second)}"


def _onnx_label(framework: str) -> str:
    return f"{frameworks.display_name(framework)}→ONNX"


def _estimate(row: Row, name: str, label: str) -> Estimate | None:
    m = row.metrics.get(name)
    if not m or m.get("value") is None or m.get("ci_low") is None:
        return None
    return Estimate.from_row(label, m)


def _passed_parity(cells: list[dict], workload: str, framework_names: tuple[str, ...]) -> bool:
    parity = [c for c in cells if c["workload"] == workload and c["scenario"] == "parity"]
    mine = [c for c in parity if c["framework"] in framework_names]
    return bool(mine) and all(c["status"] in ("ok", "skipped") for c in mine)


def onnx_comparisons(cells: list[dict], table: list[Row], band: float = DEFAULT_BAND) -> list[OnnxComparison]:
    """Every pair of frameworks with an ONNX artifact of a workload, in selection order. Two
    frameworks that both passed parity compute the same function, so their ONNX Runtime speeds
    compare directly."""
    out = []
    for workload in dict.fromkeys(r.workload for r in table):
        onnx = {r.framework: r for r in table if r.workload == workload and r.path == "onnx"}
        names = list(onnx)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                out.append(_compare_onnx(cells, workload, onnx[a], onnx[b], band))
    return out


def _compare_onnx(cells: list[dict], workload: str, a: Row, b: Row, band: float) -> OnnxComparison:
    def result(latency=None, throughput=None, note=""):
        return OnnxComparison(workload, a.framework, b.framework, latency, throughput, note)

    if not _passed_parity(cells, workload, (a.framework, b.framework)):
        return result(note="not comparable: the workload did not pass parity")
    broken = [f"{_onnx_label(r.framework)} {r.status}" for r in (a, b) if r.status != "ok"]
    if broken:
        return result(note="no comparison: " + ", ".join(broken))
    lat = [_estimate(r, "latency_ms", _onnx_label(r.framework)) for r in (a, b)]
    thr = [_estimate(r, "throughput_sps", _onnx_label(r.framework)) for r in (a, b)]
    return result(compare(*lat, higher_is_better=False, band=band) if all(lat) else None,
                  compare(*thr, higher_is_better=True, band=band) if all(thr) else None)


@dataclass
class Served:
    workload: str
    framework: str
    path: str
    backend: str
    status: str
    error: str | None
    metrics: dict[str, float | None]


def serving(cells: list[dict], rows: list[dict]) -> list[Served]:
    metrics = metrics_by_cell(rows)
    # A runtime that runs artifacts of several frameworks (ONNX Runtime, TF SavedModel, TFLite)
    # says which one a served artifact came from.
    sources = {}
    for p in deploy.paths():
        sources.setdefault(p.runtime, set()).add(p.framework)
    out = []
    for c in (c for c in cells if c["scenario"] == criterion.SERVE):
        path = deploy.get_path(c["framework"], c["mode"])
        shared = len(sources[path.runtime]) > 1
        backend = deploy.runtime_titles()[path.runtime] + (f" (from {frameworks.display_name(c['framework'])})" if shared else "")
        values = {k: v.get("value") for k, v in metrics.get(c["cell_id"], {}).items()}
        out.append(Served(c["workload"], c["framework"], c["mode"], backend, c["status"], c["error"], values))
    return out


def _plot(served: list[Served]) -> bytes | None:
    points = [s for s in served if s.metrics.get("serve_latency_p99_ms") and s.metrics.get("serve_throughput_rps")]
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlarena.document.plots import png

    backends = list(dict.fromkeys(s.backend for s in points))
    markers = dict(zip(dict.fromkeys(s.workload for s in points), "osD^v<>"))
    colors = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for s in points:
        i = backends.index(s.backend)
        ax.scatter(s.metrics["serve_latency_p99_ms"], s.metrics["serve_throughput_rps"], color=colors(i),
                   marker=markers[s.workload], s=50, label=f"{s.backend} — {s.workload}")
    ax.set_xlabel("p99 latency (ms, lower is better)")
    ax.set_ylabel("throughput (req/s, higher is better)")
    ax.set_title("HTTP serving under load: throughput vs p99 latency", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return png(fig)


ONNX_HEADING = "ONNX Runtime: each framework's ONNX export against the others"
MATRIX_HEAD = ["workload", "source", "export path", "status", "export (s)", "size (MB)", "cold start (s)",
               "first call (ms)", "p50 b1 (ms)", "p99 b1 (ms)", "throughput (samples/s)", "parity rel diff (tol)"]
SERVE_HEAD = ["workload", "backend", "req/s", "p50 (ms)", "p90 (ms)", "p99 (ms)", "errors", "server start (s)",
              "server RSS (MB)", "status"]


def _matrix_cells(r: Row) -> list[str]:
    tol = (r.metrics.get("parity_rel_diff") or {}).get("extra", {}).get("tolerance")
    parity = f"{fmt(r.value('parity_rel_diff'), 2)} (≤ {tol:g})" if r.value("parity_rel_diff") is not None else "–"
    thr = r.value("throughput_sps")
    batch = (r.metrics.get("throughput_sps") or {}).get("extra", {}).get("batch")
    return [r.workload, frameworks.display_name(r.framework), r.title, r.status, fmt(r.value("export_s")), fmt(r.value("artifact_size_mb")),
            fmt(r.value("cold_start_s")), fmt(r.value("first_inference_ms")), fmt(r.value("latency_ms")),
            fmt(r.value("latency_p99_ms")), f"{fmt(thr)} @ b{batch}" if thr is not None else "–", parity]


def _serve_cells(s: Served) -> list[str]:
    m = s.metrics
    return [s.workload, s.backend, fmt(m.get("serve_throughput_rps")), fmt(m.get("serve_latency_ms")),
            fmt(m.get("serve_latency_p90_ms")), fmt(m.get("serve_latency_p99_ms")), fmt(m.get("serve_errors")),
            fmt(m.get("server_start_s")), fmt(m.get("server_rss_mb")), s.status]


def _html_table(head: list[str], body: list[list[str]], notes: list[str | None]) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "<th class=\"l\">note</th></tr>"]
    for cells, note in zip(body, notes):
        tds = []
        for i, v in enumerate(cells):
            cls = "l" if i < 3 or head[i] == "backend" else ""
            if head[i] == "status":
                cls += " ok" if v == "ok" else " bad"
            tds.append(f'<td class="{cls.strip()}">{html.escape(v)}</td>')
        note_text = html.escape((note or "")[:300])
        out.append("<tr>" + "".join(tds) + f'<td class="l muted">{note_text}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


def _md_table(head: list[str], body: list[list[str]], notes: list[str | None]) -> str:
    lines = ["| " + " | ".join(head + ["note"]) + " |", "|" + "---|" * (len(head) + 1)]
    for cells, note in zip(body, notes):
        clean = (note or "").replace("|", "/").replace("\n", " ")[:160]
        lines.append("| " + " | ".join(cells + [clean]) + " |")
    return "\n".join(lines)


def _notes(r: Row) -> str | None:
    if r.error:
        return r.error
    extra = (r.metrics.get("export_s") or {}).get("extra", {})
    bits = [f"{k.replace('_', ' ')}: {extra[k]}" for k in ("variant", "trace_check", "opset", "batch", "max_batch")
            if k in extra]
    if deploy.get_path(r.framework, r.path).legacy:
        bits.insert(0, f"legacy: deprecated by {frameworks.display_name(r.framework)}")
    # An exporter that fell back to another route records why the first failed as '<route>_error'.
    bits += [f"{k.removesuffix('_error').replace('_', ' ')} exporter failed: {v}" for k, v in extra.items()
             if k.endswith("_error")]
    return "; ".join(bits) or None


def build(store: ResultStore, run: dict, out_dir: Path) -> Section | None:
    cells, rows = store.cells(run["run_id"]), store.measurements(run["run_id"])
    table = matrix(cells, rows)
    served = serving(cells, rows)
    if not table and not served:
        return None
    comparisons = onnx_comparisons(cells, table, band_of(run["config"]))
    summaries = criterion.scores(cells, rows)

    intro = ("Each export path of each workload: exported in a worker that holds its framework (its exports one after "
             "another), then loaded in a fresh process that "
             "imports only the target runtime (cold start = runtime import + artifact load + first call). "
             "Parity: max |exported − source| / max |source| on the same input (full batch and batch 1), "
             "against the workload's fp32 tolerance, or the stated looser tolerance for int8. The frameworks' exports "
             "run side by side (export time is shown, never compared); loading and timing run one at a time.")
    html_parts = [f"<p>{html.escape(intro)}</p>"]
    md_parts = [intro, ""]
    if summaries:
        html_parts.append("<ul>" + "".join(f"<li>{html.escape(s['line'])}</li>" for s in summaries.values()) + "</ul>")
        md_parts += [f"- {s['line']}" for s in summaries.values()] + [""]
    if table:
        body, notes = [_matrix_cells(r) for r in table], [_notes(r) for r in table]
        html_parts += ["<h3>Export matrix</h3>", _html_table(MATRIX_HEAD, body, notes)]
        md_parts += ["### Export matrix", "", _md_table(MATRIX_HEAD, body, notes), ""]
    if comparisons:
        html_parts.append(f"<h3>{html.escape(ONNX_HEADING)} (same function, same runtime)</h3>")
        md_parts += [f"### {ONNX_HEADING}", ""]
        for c in comparisons:
            if c.note:
                text = f"{c.label}: {c.note}"
            else:
                parts = [f"batch-1 latency: {c.latency.text}" if c.latency else None,
                         f"throughput: {c.throughput.text}" if c.throughput else None]
                text = f"{c.label}: " + "; ".join(p for p in parts if p)
            html_parts.append(f'<div class="verdict">{html.escape(text)}</div>')
            md_parts.append(f"- {text}")
        md_parts.append("")
    if served:
        body, notes = [_serve_cells(s) for s in served], [s.error for s in served]
        html_parts += ["<h3>HTTP serving under load</h3>", _html_table(SERVE_HEAD, body, notes)]
        md_parts += ["### HTTP serving under load", "", _md_table(SERVE_HEAD, body, notes), ""]
        png = _plot(served)
        if png:
            (out_dir / "deployment_serving.png").write_bytes(png)
            src = base64.b64encode(png).decode()
            html_parts.append(f'<img alt="serving throughput vs p99" src="data:image/png;base64,{src}">')
            md_parts.append("![serving throughput vs p99](deployment_serving.png)")
        md_parts.append("Load generator and server share this machine's CPU, so the numbers include the client's cost.")
    return Section("deployment", "Deployment", "\n".join(html_parts), "\n".join(md_parts))
