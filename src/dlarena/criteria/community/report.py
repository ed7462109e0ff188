"""Report section: community figures, each with its date, grade and source; the current figures
first, then the article's (2020-2022) figures as history, never scored. No trend is drawn: figures
from different series (sources, methods) are not compared over time."""

from __future__ import annotations

from markupsafe import Markup, escape

from dlarena.criteria.community.sources import ARTICLE, label
from dlarena.criteria.community import cells as community_criterion
from dlarena.evidence import LABELS, grade_of_date
from dlarena.document.fragments import html_table, md_table, muted
from dlarena.store.db import ResultStore

HEADERS = ["figure", "framework", "value", "as of", "grade", "kind", "series", "source"]


def _value(r: dict) -> str:
    if r["value"] is None:
        return "not available"
    number = f"{r['value']:,.0f}" if r["value"] >= 1000 else f"{r['value']:g}"
    qualifier = r["extra"].get("qualifier")
    mark = "< " if qualifier == "below" else "> " if qualifier == "above" else "~ " if r["extra"].get("approximate") else ""
    return mark + number


def _tables(rows: list[dict], grade) -> tuple[str, str]:
    html_rows = [[label(r["metric"]), r["framework"], _value(r), r["extra"].get("as_of") or "–", grade(r),
                  r["extra"].get("kind"), r["extra"].get("series") or "–",
                  Markup(f'<a href="{escape(r["extra"].get("url", ""))}">{escape(r["extra"].get("source", ""))}</a>')]
                 for r in rows]
    md_rows = [[*row[:-1], f"[{r['extra'].get('source', '')}]({r['extra'].get('url', '')})"] for row, r in zip(html_rows, rows)]
    return html_table(HEADERS, html_rows), md_table(HEADERS, md_rows)


def build(store: ResultStore, run: dict, out_dir, today=None):
    rows = [r for r in store.measurements(run["run_id"])
            if r["scenario"] == community_criterion.SCENARIO and r["status"] == "ok" and "source" in r["extra"]]
    if not rows:
        return None
    from dlarena.document import Section

    rows.sort(key=lambda r: (r["metric"], r["framework"], str(r["extra"].get("as_of") or "")))
    current = [r for r in rows if r["extra"].get("role") != ARTICLE]
    history = [r for r in rows if r["extra"].get("role") == ARTICLE]

    def grade(r):
        if r["value"] is None or not r["extra"].get("as_of"):
            return "–"
        return LABELS[grade_of_date(r["extra"]["as_of"], today)]

    note = ("Figures as published (or fetched by `dlarena community --refresh`), not measured by dlarena. The score uses, per "
            "metric and framework, the newest figure no older than 24 months, and only metrics every scored framework holds; "
            "methods and dates differ, so compare within a series only.")
    html_now, md_now = _tables(current, grade)
    html = muted(note) + html_now
    md = note + "\n\n" + md_now
    if history:
        past = ("History: the figures of the article's time (2020-2022), kept as the claims' \"then\" values; never scored. "
                "Different series are different sources and methods: no trend is drawn across them.")
        html_past, md_past = _tables(history, lambda r: "article (history)")
        html += muted(past) + html_past
        md += "\n" + past + "\n\n" + md_past
    return Section("community", "Community", html, md)
