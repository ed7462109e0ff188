"""Writes report.html (self-contained: interactive charts with plotly.js embedded, no network) and
summary.md (static PNG plots beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from dlarena import criteria, frameworks
from dlarena.criteria.speed import views
from dlarena.document import Section, charts, fmt, md_cell, md_section, md_text, plots
from dlarena.document.files import safe_filename
from dlarena.measure.verdict import band_of, describe
from dlarena.report import claims, contention, hardware, history, overview, rerun, use_cases
from dlarena.store.db import ResultStore


def _sections(store: ResultStore, run: dict, out_dir: Path) -> list[Section]:
    """The claims check, then every registered criterion's sections in the criteria's order, then
    the hardware comparison."""
    built = [claims.build(store, run, out_dir)]
    for criterion in criteria.registered():
        built += criterion.sections(store, run, out_dir)
    built.append(hardware.build(store, run, out_dir))
    return [section for section in built if section is not None]


def _contenders(run: dict) -> str:
    """"PyTorch vs TensorFlow vs JAX": the frameworks this run compared, for the title."""
    names = [fw for fw in run["config"].get("frameworks") or frameworks.names() if fw in frameworks.FRAMEWORKS]
    return " vs ".join(frameworks.info(fw).display_name for fw in names)


@dataclass
class ChartFilters:
    frameworks: list[tuple[str, str]]  # (framework, display name)
    modes: list[str]
    scenarios: list[tuple[str, str]]  # (scenario, title)


def chart_filters(speed_views) -> ChartFilters:
    entries = [(s, e) for v in speed_views for s in v.scenarios for e in s.entries if e.value is not None]
    order = frameworks.names()
    fws = sorted({e.framework for _, e in entries}, key=lambda fw: (order.index(fw) if fw in order else len(order), fw))
    modes = sorted({e.mode for _, e in entries}, key=lambda m: (m != "eager", m))
    scenarios = dict((s.scenario, s.title.split(" (")[0]) for s, _ in entries)
    return ChartFilters([(fw, frameworks.info(fw).display_name) for fw in fws], modes, list(scenarios.items()))


def write_report(store: ResultStore, run: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    band = band_of(run["config"])
    rows, cells = store.measurements(run["run_id"]), store.cells(run["run_id"])
    speed_views = views.build(cells, rows, band, (run["env"] or {}).get("workloads"))
    images: dict[str, str] = {}  # summary.md's pictures, beside it
    figures: dict[str, dict] = {}  # report.html's interactive charts
    for view in speed_views:
        png = plots.workload_figure(view)
        if png:
            images[view.name] = f"{safe_filename(view.name)}.png"
            (out_dir / images[view.name]).write_bytes(png)
        figure = charts.speed_figure(view)
        if figure:
            figures[f"speed:{view.name}"] = figure
    past = history.build(store, run)
    figures.update(past.figures if past else {})
    summary = overview.build(cells, rows, run["config"].get("frameworks"), band, run["config"].get("criteria"))
    env = Environment(loader=PackageLoader("dlarena", "report/templates"), autoescape=select_autoescape(["html", "html.j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = fmt
    env.filters["md"] = md_text
    env.filters["mdcell"] = md_cell
    env.filters["mdsection"] = md_section
    context = {"run": run, "views": speed_views, "images": images, "env": run["env"], "config": run["config"],
               "sections": _sections(store, run, out_dir), "overview": summary,
               "first": overview.first_screen(store, run),
               "use_cases": use_cases.answers(summary, cells, rows, band),
               "contenders": _contenders(run), "verdict_rule": describe(band),
               "noise": contention.line(contention.summary(store, run, rows)),
               "rerun": rerun.check(store, run).line(), "history": past,
               "chart_views": [v for v in speed_views if f"speed:{v.name}" in figures],
               "chart_filters": chart_filters(speed_views), "wide_range": f"{plots.WIDE_RANGE:g}",
               "charts_json": charts.page_json(figures), "plotly_js": charts.plotly_js() if figures else ""}
    html = out_dir / "report.html"
    html.write_text(env.get_template("report.html.j2").render(**context))
    md = out_dir / "summary.md"
    md.write_text(env.get_template("summary.md.j2").render(**context))
    return html, md
