"""Writes report.html (self-contained: plots embedded as data URIs) and summary.md."""

from __future__ import annotations

import base64
import html as html_lib
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from dlarena import frameworks
from dlarena.measure.verdict import band_of, describe
from dlarena.criteria import speed_views as data
from dlarena.report import noise, overview, plots, rerun, use_cases
from dlarena.report.files import safe_filename
from dlarena.store.db import ResultStore


# Report sections contributed by criteria other than speed (which is the per-workload body).
# Each entry is "module:function" with signature build(store, run, out_dir) -> Section | None.
SECTIONS: list[str] = [
    "dlarena.report.best_mode:build",
    "dlarena.report.claims:build",
    "dlarena.report.sweep:build",
    "dlarena.report.mfu:build",
    "dlarena.report.tta:build",
    "dlarena.report.zoo:build",
    "dlarena.report.deployment:build",
    "dlarena.report.distributed:build",
    "dlarena.report.ease:build",
    "dlarena.report.debugging:build",
    "dlarena.report.pretrained:build",
    "dlarena.report.community:build",
    "dlarena.report.hardware:build",
]


@dataclass
class Section:
    anchor: str
    title: str
    html: str  # an HTML fragment (trusted: built by dlarena from stored rows)
    markdown: str


def _sections(store: ResultStore, run: dict, out_dir: Path) -> list[Section]:
    built = []
    for entry in SECTIONS:
        module, func = entry.split(":")
        section = getattr(importlib.import_module(module), func)(store, run, out_dir)
        if section is not None:
            built.append(section)
    return built


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def md_text(value) -> str:
    """Text from the rows for Markdown: ``&``, ``<``, ``>`` escaped, so no row can put raw HTML
    into summary.md."""
    return html_lib.escape("" if value is None else str(value), quote=False)


def md_cell(value) -> str:
    """``md_text`` for a table cell: also ``|`` escaped and the text on one line."""
    return " ".join(md_text(value).replace("|", "\\|").split())


_TAG = re.compile(r"<(?!br\s*/?>)(?=[A-Za-z/!?])", re.IGNORECASE)


def md_section(markdown: str) -> str:
    """A criterion section's Markdown with every HTML tag but a line break neutralised (``<tag`` ->
    ``&lt;tag``; ``<br>`` kept: sections break lines inside table cells with it): row text inside
    it cannot become raw HTML, while Markdown's own ``>`` quotes still work."""
    return _TAG.sub("&lt;", markdown or "")


def _contenders(run: dict) -> str:
    """"PyTorch vs TensorFlow vs JAX": the frameworks this run compared, for the title."""
    names = [fw for fw in run["config"].get("frameworks") or frameworks.names() if fw in frameworks.FRAMEWORKS]
    return " vs ".join(frameworks.info(fw).display_name for fw in names)


def write_report(store: ResultStore, run: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    band = band_of(run["config"])
    rows, cells = store.measurements(run["run_id"]), store.cells(run["run_id"])
    views = data.build(cells, rows, band)
    images: dict[str, str] = {}
    for view in views:
        png = plots.workload_figure(view)
        if png:
            (out_dir / f"{safe_filename(view.name)}.png").write_bytes(png)
            images[view.name] = base64.b64encode(png).decode()
    summary = overview.build(cells, rows, run["config"].get("frameworks"), band)
    env = Environment(loader=PackageLoader("dlarena", "report/templates"), autoescape=select_autoescape(["html", "html.j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = _fmt
    env.filters["md"] = md_text
    env.filters["mdcell"] = md_cell
    env.filters["mdsection"] = md_section
    context = {"run": run, "views": views, "images": images, "env": run["env"], "config": run["config"],
               "sections": _sections(store, run, out_dir), "overview": summary,
               "first": overview.first_screen(store, run),
               "use_cases": use_cases.answers(summary, cells, rows),
               "contenders": _contenders(run), "verdict_rule": describe(band),
               "noise": noise.line(noise.summary(store, run, rows)),
               "rerun": rerun.check(store, run).line()}
    html = out_dir / "report.html"
    html.write_text(env.get_template("report.html.j2").render(**context))
    md = out_dir / "summary.md"
    md.write_text(env.get_template("summary.md.j2").render(**context))
    return html, md
