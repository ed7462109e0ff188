"""``dlarena compare A B --out DIR``: the comparison of two runs as one page (compare.html): both
runs' machines and packages side by side, the comparison's sentences, every verdict that changed,
and each cell's difference as an interactive chart (plotly.js embedded, no network)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from dlarena.document import charts, fmt
from dlarena.report.compare_runs import RunComparison, summary_lines
from dlarena.store.db import ResultStore


def _machine(env: dict) -> str:
    cores = "/".join(str(env[k]) for k in ("physical_cores", "logical_cores") if env.get(k))
    return f"{env.get('cpu_model') or 'CPU not recorded'}" + (f" ({cores} cores)" if cores else "") + \
        f"; GPUs: {', '.join(env.get('gpus') or []) or 'none'}; host {env.get('hostname') or '?'}"


def side_by_side(run_a: dict, run_b: dict) -> list[tuple[str, str, str]]:
    """(what, A, B) rows: run, start, suite, machine, threads, and each package whose version differs."""
    env_a, env_b = run_a.get("env") or {}, run_b.get("env") or {}
    rows = [("run", run_a["run_id"], run_b["run_id"]),
            ("started (UTC)", str(run_a.get("started_at"))[:19], str(run_b.get("started_at"))[:19]),
            ("suite", str(run_a.get("suite")), str(run_b.get("suite"))),
            ("machine", _machine(env_a), _machine(env_b)),
            ("threads", str(env_a.get("intra_op_threads")), str(env_b.get("intra_op_threads")))]
    pkgs_a, pkgs_b = env_a.get("packages") or {}, env_b.get("packages") or {}
    changed = sorted(k for k in pkgs_a.keys() | pkgs_b.keys() if pkgs_a.get(k) != pkgs_b.get(k))
    rows += [(name, str(pkgs_a.get(name, "–")), str(pkgs_b.get(name, "–"))) for name in changed]
    if not changed:
        rows.append(("packages", "same versions", "same versions"))
    return rows


def write_compare_page(store: ResultStore, result: RunComparison, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=PackageLoader("dlarena", "report/templates"), autoescape=select_autoescape(["html", "html.j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = fmt
    figures = {"compare:diffs": charts.diff_figure(
        f"{result.run_b} against {result.run_a}, per cell (green: within 3%)", result.cells)}
    page = out_dir / "compare.html"
    page.write_text(env.get_template("compare.html.j2").render(
        c=result, runs=side_by_side(store.run(result.run_a), store.run(result.run_b)), lines=summary_lines(result),
        charts_json=charts.page_json(figures), plotly_js=charts.plotly_js()))
    return page
