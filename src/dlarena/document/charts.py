"""Interactive figures for report.html: Plotly figure specifications built from stored rows (JSON,
HTML-safe), and the plotly.js bundle that each page embeds once, so that a report opens with no
network. The static path (plots.py: PNG for summary.md) reads the same views."""

from __future__ import annotations

import html
from functools import lru_cache

from dlarena import frameworks
from dlarena.document import fmt
from dlarena.document.plots import wide_range

PANEL_PX = 90  # the height of a panel's axis and its title
BAR_PX = 24  # the height of one bar


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle shipped inside the ``plotly`` package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def page_json(figures: dict[str, dict]) -> str:
    """The figures of a page as one JSON text for a ``<script type="application/json">`` block:
    ``<``, ``>`` and ``/`` escaped (plotly's encoder), so no row text can close the script."""
    from plotly.io import to_json

    return to_json(figures, validate=False)


def _bar_hover(label: str, e, metric: str, parity: str, best: bool) -> str:
    ci = f"95% CI {fmt(e.ci_low)} – {fmt(e.ci_high)}" if e.ci_low is not None else "no CI"
    windows = f"{e.windows} timing windows" if e.windows else "windows not recorded"
    lines = [f"<b>{html.escape(label)}</b>", f"{html.escape(metric)}: {fmt(e.value)} ({ci})", windows,
             f"parity: {html.escape(parity)}"]
    if best:
        lines.append("best mode of this framework")
    if e.busy:
        lines.append(f"no verdict: {html.escape(e.busy[:120])}")
    return "<br>".join(lines)


def speed_figure(view) -> dict | None:
    """One panel per scenario of a workload (``view``: criteria.speed.views.WorkloadView), each with
    its own x axis (log where the values and CIs span more than plots.WIDE_RANGE) so that one slow
    mode's CI never squeezes the others; one point per framework and mode with its 95% CI as error
    bars (points, not bars: a bar's length means nothing on a log axis). Every
    trace carries ``meta`` (workload, framework, mode, scenario, best, eager) for the page's filters,
    and the legend groups a framework's bars (a click hides them in every panel)."""
    scenarios = [s for s in view.scenarios if any(e.value is not None for e in s.entries)]
    if not scenarios:
        return None
    parity = {p["framework"]: p["status"] for p in view.parity}
    traces, layout, shown, top = [], {}, set(), 1.0
    heights = [PANEL_PX + BAR_PX * sum(e.value is not None for e in s.entries) for s in scenarios]
    total = sum(heights)
    for i, (s, height) in enumerate(zip(scenarios, heights), 1):
        entries = [e for e in s.entries if e.value is not None]
        batches = len({e.batch for e in entries}) > 1  # then each label names its batch, and best is per batch
        best = {}
        for e in entries:
            chosen = best.get((e.framework, e.batch))
            if chosen is None or (e.value > chosen.value if s.higher_is_better else e.value < chosen.value):
                best[(e.framework, e.batch)] = e
        values = [e.value for e in entries] + [e.ci_high for e in entries if e.ci_high]
        axis = "" if i == 1 else str(i)
        for e in entries:
            name = frameworks.info(e.framework).display_name
            is_best = best[(e.framework, e.batch)] is e
            label = f"{e.label} b{e.batch}" if batches else e.label
            traces.append({
                "type": "scatter", "mode": "markers", "x": [e.value], "y": [label], "name": name,
                "legendgroup": e.framework, "showlegend": e.framework not in shown,
                "marker": {"color": frameworks.color(e.framework), "size": 11 if is_best else 8,
                           "symbol": "diamond" if is_best else "circle", "opacity": 1.0 if is_best else 0.6},
                "error_x": {"type": "data", "symmetric": False, "thickness": 1.5, "width": 4, "color": frameworks.color(e.framework),
                            "array": [max(0.0, (e.ci_high if e.ci_high is not None else e.value) - e.value)],
                            "arrayminus": [max(0.0, e.value - (e.ci_low if e.ci_low is not None else e.value))]},
                "hovertext": [_bar_hover(label, e, s.metric, parity.get(name, "not checked"), is_best)],
                "hoverinfo": "text", "xaxis": f"x{axis}", "yaxis": f"y{axis}",
                "meta": {"workload": view.name, "framework": e.framework, "mode": e.mode, "scenario": s.scenario, "batch": e.batch,
                         "best": is_best, "eager": e.mode == "eager", "value": e.value, "ci_low": e.ci_low,
                         "ci_high": e.ci_high, "windows": e.windows, "parity": parity.get(name)},
            })
            shown.add(e.framework)
        bottom = top - height / total
        gap = 0.6 * PANEL_PX / total
        layout[f"yaxis{axis}"] = {"domain": [max(0.0, bottom), max(0.0, top - gap)], "autorange": "reversed",
                                  "automargin": True, "anchor": f"x{axis}", "tickfont": {"size": 11}}
        layout[f"xaxis{axis}"] = {"type": "log" if wide_range(values) else "linear", "anchor": f"y{axis}",
                                  "title": {"text": f"{s.title.split(' (')[0]} — {s.metric}", "font": {"size": 12},
                                            "standoff": 2},
                                  "nticks": 6, "automargin": True, "gridcolor": "#eee", "zeroline": False}
        top = bottom
    layout.update({"height": total + 60, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "showlegend": True,
                   "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
                   "title": {"text": f"{html.escape(view.name)}: estimate with 95% CI (diamond: a framework's best mode)",
                             "font": {"size": 13}, "x": 0.01, "y": 0.995},
                   "hovermode": "closest", "template": "none", "font": {"family": "system-ui, sans-serif"}})
    return {"data": traces, "layout": layout}


def line_figure(title: str, x_title: str, y_title: str, series: list[dict], log_y: bool | None = None) -> dict:
    """Lines over runs (``series``: {"name", "x", "y", "hover", "color"?}); the y axis goes log where
    the values span more than plots.WIDE_RANGE (or as ``log_y`` says)."""
    values = [v for s in series for v in s["y"] if v is not None]
    log = wide_range(values) if log_y is None else log_y
    data = [{"type": "scatter", "mode": "lines+markers", "name": s["name"], "x": s["x"], "y": s["y"],
             "hovertext": s["hover"], "hoverinfo": "text", **({"line": {"color": s["color"]}} if s.get("color") else {})}
            for s in series]
    return {"data": data, "layout": {
        "height": 320, "template": "none", "title": {"text": html.escape(title), "font": {"size": 13}, "x": 0.01},
        "xaxis": {"title": {"text": x_title}, "automargin": True, "gridcolor": "#eee"},
        "yaxis": {"title": {"text": y_title}, "type": "log" if log else "linear", "automargin": True, "gridcolor": "#eee"},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend": {"orientation": "h"},
        "font": {"family": "system-ui, sans-serif"}}}


def diff_figure(title: str, cells: list[dict]) -> dict:
    """Run-to-run differences, one bar per cell (``cells``: compare_runs.cell_diffs rows)."""
    labels = [c["cell_id"] for c in cells]
    hover = [f"<b>{html.escape(c['cell_id'])}</b><br>{html.escape(c['metric'])}: {fmt(c['a'])} → {fmt(c['b'])}"
             f"<br>{c['diff_pct']:+.1f}%" for c in cells]
    return {"data": [{"type": "bar", "orientation": "h", "x": [c["diff_pct"] for c in cells], "y": labels,
                      "hovertext": hover, "hoverinfo": "text",
                      "marker": {"color": ["#1a7f37" if abs(c["diff_pct"]) <= 3 else "#9a6700" for c in cells]}}],
            "layout": {"height": 80 + 20 * len(cells), "template": "none",
                       "title": {"text": html.escape(title), "font": {"size": 13}, "x": 0.01},
                       "xaxis": {"title": {"text": "B vs A (%)"}, "zeroline": True, "gridcolor": "#eee"},
                       "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": 10}},
                       "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "font": {"family": "system-ui, sans-serif"}}}
