"""Community: dated, sourced figures (GitHub stars, paper implementations, survey share, PyPI
downloads) recorded as rows so the report and the recommendation cite them like measurements.
They are not measured by dlarena; each row carries its source and date."""

from __future__ import annotations

from pathlib import Path

from dlarena.config import Cell, SuiteConfig
from dlarena.criteria.framework_cells import always_untimed, by_framework, one_cell_each

ENTRY = "dlarena.criteria.community:run_cell"
NEEDS_PARITY = False
SCENARIO = "community"
untimed = always_untimed  # its cells measure no time: dated figures


def plan_global(config: SuiteConfig) -> list[Cell]:
    from dlarena.community import with_sources

    return one_cell_each(with_sources(config.frameworks), "data", SCENARIO)


def run_cell(payload: dict) -> dict:
    from dlarena import community

    cell = Cell(**payload["cell"])
    artifacts = payload.get("artifacts")
    results_dir = Path(artifacts).parent.parent if artifacts else None  # <results>/artifacts/<run>
    rows = [{"metric": f["metric"], "unit": f.get("unit"), "value": f.get("value"),
             "extra": {k: v for k, v in f.items() if k not in ("metric", "unit", "value", "framework")}}
            for f in community.load(results_dir) if f["framework"] == cell.framework]
    if not rows:
        return {"status": "skipped", "error": f"no community figures for '{cell.framework}'", "metrics": []}
    return {"status": "ok", "metrics": rows, "runtime": {}}


def _short(value: float) -> str:
    return f"{value / 1e6:.1f}M" if value >= 1e6 else f"{value / 1e3:.0f}K" if value >= 1e4 else f"{value:g}"


def _latest(cells: list[dict], rows: list[dict]) -> tuple[dict, dict[str, dict[str, dict]]]:
    """(cells by framework, framework -> metric -> its most recent sourced row with a value)."""
    fw_cells, fw_rows = by_framework(cells, rows, {SCENARIO})
    latest: dict[str, dict[str, dict]] = {}
    for fw, frows in fw_rows.items():
        for r in frows:
            if r["status"] != "ok" or r["value"] is None or "source" not in r["extra"]:  # skip e.g. peak_rss_mb
                continue
            best = latest.setdefault(fw, {}).get(r["metric"])
            if best is None or str(r["extra"].get("as_of") or "") >= str(best["extra"].get("as_of") or ""):
                latest[fw][r["metric"]] = r
    return fw_cells, latest


def _scored(metrics) -> set[str]:  # "pypi_releases_last_year:flax" is a release count too
    from dlarena.community import UNSCORED

    return {m for m in metrics if m.partition(":")[0] not in UNSCORED}


def _parts(metrics: dict[str, dict]) -> dict[str, str]:
    from dlarena.community import label

    return {m: f"{label(m)} {'<' if r['extra'].get('qualifier') == 'below' else ''}{_short(r['value'])} "
               f"({r['extra'].get('as_of')})" for m, r in sorted(metrics.items())}


def scores(cells: list[dict], rows: list[dict]) -> dict[str, dict]:
    fw_cells, latest = _latest(cells, rows)
    # A framework with no scored figure (e.g. only release counts) gets no score: no zero for a gap.
    latest = {fw: metrics for fw, metrics in latest.items() if _scored(metrics)}
    shared = set.intersection(*(_scored(m) for m in latest.values())) if len(latest) > 1 else set()
    out = {}
    for fw, metrics in latest.items():
        ratios = [metrics[m]["value"] / max(latest[f][m]["value"] for f in latest) for m in sorted(shared)]
        parts = _parts(metrics)
        out[fw] = {"score": sum(ratios) / len(ratios) if ratios else 0.0, "line": "; ".join(parts.values()),
                   "headline": parts.get("github_stars") or next(iter(parts.values())),
                   "evidence": [c["cell_id"] for c in fw_cells.get(fw, [])]}
    return out


def unscored(cells: list[dict], rows: list[dict]) -> dict[str, str]:
    """For a framework whose cell ran but holds no figure that can be scored (JAX offline: no
    published figure, GitHub and pypistats unreachable): what it does hold, and how to get more."""
    fw_cells, latest = _latest(cells, rows)
    out = {}
    for fw in fw_cells:
        metrics = latest.get(fw, {})
        if _scored(metrics):
            continue
        held = "; ".join(_parts(metrics).values()) or "no figure"
        out[fw] = (f"no score: {held}; no sourced star, survey or paper-share figure (release counts are not "
                   f"scored); run `dlarena community --refresh` where api.github.com is reachable")
    return out
