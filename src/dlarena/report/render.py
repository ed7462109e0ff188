"""Writes report.html (self-contained: plots embedded as data URIs) and summary.md."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from dlarena import criteria, frameworks
from dlarena.criteria.speed import views
from dlarena.document import Section, fmt, md_cell, md_section, md_text, plots
from dlarena.document.files import safe_filename
from dlarena.measure.verdict import band_of, describe
from dlarena.report import claims, contention, hardware, overview, rerun, use_cases
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


def write_report(store: ResultStore, run: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    band = band_of(run["config"])
    rows, cells = store.measurements(run["run_id"]), store.cells(run["run_id"])
    speed_views = views.build(cells, rows, band, (run["env"] or {}).get("workloads"))
    images: dict[str, str] = {}
    for view in speed_views:
        png = plots.workload_figure(view)
        if png:
            (out_dir / f"{safe_filename(view.name)}.png").write_bytes(png)
            images[view.name] = base64.b64encode(png).decode()
    summary = overview.build(cells, rows, run["config"].get("frameworks"), band)
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
               "rerun": rerun.check(store, run).line()}
    html = out_dir / "report.html"
    html.write_text(env.get_template("report.html.j2").render(**context))
    md = out_dir / "summary.md"
    md.write_text(env.get_template("summary.md.j2").render(**context))
    return html, md
