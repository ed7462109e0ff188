"""Community: dated, sourced figures (GitHub stars, PyPI downloads, ...) recorded as rows so the
report and the recommendation cite them like measurements. They are not measured by dlarena; each
row carries its source and date, and each summary line its grade (``dlarena.evidence``):

- per metric and framework the newest current figure is used (the article's 2020-2022 figures,
  ``"role": "article"``, are history only, never scored);
- a figure older than ``evidence.STALE_MONTHS`` is stale: not scored;
- a framework is scored on the metrics that every scored framework holds a fresh figure of, each as
  a ratio to the highest (a metric only some frameworks have is shown, never decides the score);
- a framework with only stale figures gets a "stale" line (no score); one with no scorable figure at
  all (only release counts) gets no line, and ``unscored`` says what it holds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.framework_cells import by_framework, one_cell_each

ENTRY = "dlarena.criteria.community.cells:run_cell"
SCENARIO = "community"


def plan_global(selection: Selection, options: NoOptions) -> list[Cell]:
    from dlarena.criteria.community.sources import with_sources

    return one_cell_each(with_sources(selection.frameworks), "data", SCENARIO)


def run_cell(payload: dict) -> dict:
    from dlarena.criteria.community import sources as community

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


def _is_article(r: dict) -> bool:
    from dlarena.criteria.community.sources import ARTICLE

    return r["extra"].get("role") == ARTICLE


def _latest(cells: list[dict], rows: list[dict]) -> tuple[dict, dict[str, dict[str, dict]]]:
    """(cells by framework, framework -> metric -> its newest current sourced row with a value);
    the article's figures are left out: history, never the evidence."""
    from dlarena.criteria.community.sources import newer

    fw_cells, fw_rows = by_framework(cells, rows, {SCENARIO})
    latest: dict[str, dict[str, dict]] = {}
    for fw, frows in fw_rows.items():
        for r in frows:
            if (r["status"] != "ok" or r["value"] is None or "source" not in r["extra"]  # skip e.g. peak_rss_mb
                    or _is_article(r)):
                continue
            if newer(r["extra"], latest.setdefault(fw, {}).get(r["metric"], {}).get("extra")):
                latest[fw][r["metric"]] = r
    return fw_cells, latest


def _scorable(metrics) -> set[str]:  # "pypi_releases_last_year:flax" is a release count too
    from dlarena.criteria.community.sources import UNSCORED

    return {m for m in metrics if m.partition(":")[0] not in UNSCORED}


def _grade(r: dict, today: date | None) -> str:
    from dlarena.evidence import grade_of_date

    return grade_of_date(r["extra"].get("as_of"), today)


def _parts(metrics: dict[str, dict], today: date | None = None) -> dict[str, str]:
    """Each figure with its date: "GitHub stars 103K (2026-08-22)"; "stale" after a stale one's date."""
    from dlarena.criteria.community.sources import label

    def mark(r):
        q = r["extra"].get("qualifier")
        return "<" if q == "below" else ">" if q == "above" else "~" if r["extra"].get("approximate") else ""

    return {m: f"{label(m)} {mark(r)}{_short(r['value'])} ({r['extra'].get('as_of')}"
               f"{', stale' if _grade(r, today) == 'stale' else ''})" for m, r in sorted(metrics.items())}


def _fresh(metrics: dict[str, dict], today: date | None) -> dict[str, dict]:
    """The scorable figures no older than the stale threshold."""
    return {m: r for m, r in metrics.items() if m in _scorable(metrics) and _grade(r, today) == "snapshot"}


def scores(cells: list[dict], rows: list[dict], today: date | None = None) -> dict[str, dict]:
    """{framework: {"score", "line", "headline", "grade", "evidence"}}; ``today`` fixes the date the
    grades are taken at (tests)."""
    from dlarena.evidence import oldest

    fw_cells, latest = _latest(cells, rows)
    fresh = {fw: f for fw, metrics in latest.items() if (f := _fresh(metrics, today))}
    # Scored on the metrics every scored framework holds a fresh figure of (one framework: its own).
    shared = set.intersection(*(set(f) for f in fresh.values())) if fresh else set()
    out = {}
    for fw, metrics in latest.items():
        parts = _parts(metrics, today)
        entry = {"line": "; ".join(parts.values()), "headline": parts.get("github_stars") or next(iter(parts.values())),
                 "evidence": [c["cell_id"] for c in fw_cells.get(fw, [])]}
        if fw in fresh and shared:
            ratios = [metrics[m]["value"] / max(latest[f][m]["value"] for f in fresh) for m in sorted(shared)]
            out[fw] = entry | {"score": sum(ratios) / len(ratios), "headline": "; ".join(parts[m] for m in sorted(shared)),
                               "grade": oldest(_grade(metrics[m], today) for m in shared),
                               "scored_on": sorted(shared)}
        elif _scorable(metrics) and fw not in fresh:  # only figures older than the threshold: shown, not scored
            out[fw] = entry | {"score": None, "grade": "stale"}
    return out


def unscored(cells: list[dict], rows: list[dict], today: date | None = None) -> dict[str, str]:
    """For a framework whose cell ran but holds no figure that can be scored (only release counts,
    or fresh figures of no metric the others hold): what it does hold, and how to get more."""
    fw_cells, latest = _latest(cells, rows)
    scored = scores(cells, rows, today)
    out = {}
    for fw in fw_cells:
        if fw in scored:
            continue
        metrics = latest.get(fw, {})
        held = "; ".join(_parts(metrics, today).values()) or "no figure"
        why = ("no sourced star, download or survey figure (release counts are not scored)" if not _scorable(metrics)
               else "none of its figures is of a metric every other framework holds")
        out[fw] = (f"no score: {held}; {why}; run `dlarena community --refresh` where api.github.com and "
                   f"pypistats.org are reachable")
    return out
