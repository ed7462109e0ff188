"""Report section: debugging (probes per mode, training curves, model graphs, attribution)."""

from __future__ import annotations


from dlarena import frameworks
from dlarena.criteria.debugging import cells as debugging_criterion
from dlarena.document.fragments import cut, html_table, image, md_table, muted
from dlarena.document.plots import plt, png
from dlarena.store.db import ResultStore
from dlarena.store.groups import metrics_by_cell


def _png(fig) -> bytes:
    fig.tight_layout()
    return png(fig, dpi=100)


def curves_figure(series: dict[str, dict[str, list[float]]]) -> bytes:
    """series: framework -> {"loss": [...], "accuracy": [...]}"""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for i, (fw, s) in enumerate(series.items()):
        style = {"linewidth": 3.0, "alpha": 0.5} if i == 0 else {"linewidth": 1.2, "linestyle": "--"}  # curves may overlap
        for ax, key in zip(axes, ("loss", "accuracy")):
            if s.get(key):
                ax.plot(range(len(s[key])), s[key], label=fw, color=frameworks.color(fw), **style)
    for ax, key in zip(axes, ("training loss", "training accuracy (batch, before the step)")):
        ax.set_title(key, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=8)
    return _png(fig)


def graph_figure(ops: dict[str, list[str]]) -> bytes:
    """Each framework's exported graph as a chain of op boxes (these models are chains)."""
    longest = max(len(v) for v in ops.values())
    fig, ax = plt.subplots(figsize=(2.6 * len(ops), 0.55 * longest + 0.8))
    for col, (fw, names) in enumerate(ops.items()):
        ax.text(col, 0.2, fw, ha="center", fontsize=10, weight="bold")
        for i, op in enumerate(names):
            y = -(i + 1)
            ax.text(col, y, op, ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "round", "fc": frameworks.color(fw), "alpha": 0.35})
            if i:
                ax.annotate("", (col, y + 0.3), (col, y + 0.7), arrowprops={"arrowstyle": "->", "lw": 0.8})
    ax.set_xlim(-0.6, len(ops) - 0.4)
    ax.set_ylim(-longest - 0.7, 0.6)
    ax.axis("off")
    return _png(fig)


def build(store: ResultStore, run: dict, out_dir):
    cells = [c for c in store.cells(run["run_id"]) if debugging_criterion.is_debugging(c["scenario"])]
    if not cells:
        return None
    from dlarena.document import Section

    rows = store.measurements(run["run_id"])
    by_cell = metrics_by_cell(rows)
    html, md = [], []

    probe_cells = [c for c in cells if c["scenario"] == debugging_criterion.PROBES]
    if probe_cells:
        headers = ["framework", "mode", "print in forward", "breakpoint in forward", "framework's own print / breakpoint",
                   "graph breaks", "read intermediate value", "gradient of intermediate", "notes"]
        table = []
        for c in probe_cells:
            m = by_cell.get(c["cell_id"], {})
            pr, bp = m.get("print_calls", {"extra": {}}), m.get("breakpoint_calls", {"extra": {}})
            rd, gr = m.get("intermediate_read_ok", {"extra": {}}), m.get("intermediate_grad_ok", {"extra": {}})
            npr, nbp = m.get("native_print_calls"), m.get("native_breakpoint_calls")
            native = (f"{npr['extra'].get('how')}: {npr['extra'].get('behaviour')} ({npr['value']:.0f}/{npr['extra'].get('steps')}); "
                      f"{nbp['extra'].get('how')}: {nbp['extra'].get('behaviour')} ({nbp['value']:.0f}/{nbp['extra'].get('steps')})"
                      if npr and nbp else "–")
            notes = "; ".join(x for x in (pr["extra"].get("error"), rd["extra"].get("error"), gr["extra"].get("error"),
                                          cut(c["error"])) if x)
            table.append([c["framework"], c["mode"],
                          f"{pr['extra'].get('behaviour', '–')} ({pr.get('value', 0) or 0:.0f}/{pr['extra'].get('steps', '?')})",
                          f"{bp['extra'].get('behaviour', '–')} ({bp.get('value', 0) or 0:.0f}/{bp['extra'].get('steps', '?')})",
                          native, m.get("graph_breaks", {}).get("value"), rd.get("value") == 1.0 if rd.get("value") is not None else None,
                          gr.get("value") == 1.0 if gr.get("value") is not None else None, cut(notes, 200)])
        grad = debugging_criterion.agreement(rows, debugging_criterion.PROBES, "intermediate_grad_ok", mode="eager")
        hows: dict[str, tuple] = {}
        for c in probe_cells:
            m = by_cell.get(c["cell_id"], {})
            hows.setdefault(c["framework"], tuple(m[k]["extra"].get("how") for k in ("intermediate_read_ok", "intermediate_grad_ok")
                                                  if m.get(k, {}).get("extra", {}).get("how")))
        note = ("Print and breakpoint() (sys.breakpointhook replaced by a counter) inside forward/call over 3 training "
                "steps, plus the framework's own print/breakpoint ops where it has them; the intermediate value and the "
                "gradient of the first hidden activation read the framework's way (value; gradient) — "
                + " | ".join(f"{fw}: {' / '.join(h)}" for fw, h in hows.items() if h) + ".")
        if grad is not None:
            note += f" Gradient of the intermediate across frameworks (eager, same weights and batch): max rel diff {grad:.1e}."
        html += ["<h3>Print, breakpoint, intermediate values and gradients</h3>", muted(note), html_table(headers, table)]
        md += ["### Print, breakpoint, intermediate values and gradients", "", note, "", md_table(headers, table)]

    curves = {c["framework"]: by_cell.get(c["cell_id"], {}) for c in cells if c["scenario"] == debugging_criterion.CURVES and c["status"] == "ok"}
    if curves:
        series = {fw: {"loss": m["final_loss"].get("samples") or [], "accuracy": m["final_accuracy"].get("samples") or []}
                  for fw, m in curves.items() if "final_loss" in m and "final_accuracy" in m}
        png = curves_figure(series)
        (out_dir / "training_curves.png").write_bytes(png)
        dirs = [f"{fw}: {m['final_loss']['extra'].get('event_dir') or 'not kept'}" for fw, m in curves.items() if "final_loss" in m]
        note = (f"Same MLP, initial weights, data (a learnable teacher task) and SGD in each framework. Event files written by "
                f"one writer ({next(iter(curves.values()))['final_loss']['extra'].get('writer')}), read back by TensorBoard's "
                f"own reader; open them with: tensorboard --logdir <dir>. Event dirs: {'; '.join(dirs)}.")
        final = "; ".join(f"{fw} final loss {m['final_loss']['value']:.4f}, accuracy {m['final_accuracy']['value']:.3f}"
                          for fw, m in curves.items() if "final_loss" in m)
        html += ["<h3>Training curves (TensorBoard event files)</h3>", muted(note), f"<p>{final}</p>", image(png, "training curves")]
        md += ["### Training curves (TensorBoard event files)", "", note, "", final, "", "![training curves](training_curves.png)", ""]

    graphs = {c["framework"]: by_cell.get(c["cell_id"], {}).get("graph_nodes") for c in cells if c["scenario"] == debugging_criterion.GRAPH}
    if graphs:
        ok = {fw: r["extra"]["ops"] for fw, r in graphs.items() if r and r["extra"].get("ops")}
        table = [[fw, r["extra"].get("format", "ONNX") if r else None, r["value"] if r else None,
                  " → ".join(r["extra"]["ops"]) if r else "export failed",
                  r["extra"].get("reloaded_with") if r else None, r["extra"].get("reload_max_abs_diff") if r else None]
                 for fw, r in graphs.items()]
        failed = [f"{c['framework']}: {cut(c['error'])}" for c in cells if c["scenario"] == debugging_criterion.GRAPH and c["status"] != "ok"]
        headers = ["framework", "format", "nodes", "ops", "run back with", "vs framework (max abs diff)"]
        html += ["<h3>Model graph export</h3>", html_table(headers, table)]
        md += ["### Model graph export", "", md_table(headers, table)]
        if failed:
            html.append(muted("; ".join(failed)))
            md += ["; ".join(failed), ""]
        if ok:
            png = graph_figure(ok)
            (out_dir / "model_graphs.png").write_bytes(png)
            html.append(image(png, "exported model graphs"))
            md += ["![exported model graphs](model_graphs.png)", ""]

    ig = {c["framework"]: by_cell.get(c["cell_id"], {}).get("ig_abs_sum") for c in cells if c["scenario"] == debugging_criterion.ATTRIBUTION}
    if ig:
        diff = debugging_criterion.agreement(rows, debugging_criterion.ATTRIBUTION, "ig_abs_sum")
        table = [[fw, r["extra"].get("library") if r else "failed", r["value"] if r else None,
                  r["extra"].get("max_abs_convergence_delta") if r else None] for fw, r in ig.items()]
        headers = ["framework", "implementation", "sum |attribution|", "max |convergence delta|"]
        note = (f"Integrated Gradients, zero baseline, {debugging_criterion.IG_STEPS} Gauss-Legendre steps, on the mlp workload's canonical "
                f"weights and the same {debugging_criterion.IG_BATCH} inputs and target classes.")
        if diff is not None:
            note += f" Attributions agree across frameworks to a max relative difference of {diff:.1e}."
        html += ["<h3>Attribution (Integrated Gradients)</h3>", muted(note), html_table(headers, table)]
        md += ["### Attribution (Integrated Gradients)", "", note, "", md_table(headers, table)]
    return Section("debugging", "Debugging", "\n".join(html), "\n".join(md))
