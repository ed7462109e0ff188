"""Report section: community figures, each with its date and source."""

from __future__ import annotations

from markupsafe import Markup, escape

from dlarena.community import label
from dlarena.criteria import community as community_criterion
from dlarena.report.fragments import html_table, md_table, muted
from dlarena.store.db import ResultStore


def build(store: ResultStore, run: dict, out_dir):
    rows = [r for r in store.measurements(run["run_id"])
            if r["scenario"] == community_criterion.SCENARIO and r["status"] == "ok" and "source" in r["extra"]]
    if not rows:
        return None
    from dlarena.report.render import Section

    rows.sort(key=lambda r: (r["metric"], r["framework"], str(r["extra"].get("as_of") or "")))
    headers = ["figure", "framework", "value", "as of", "kind", "source"]

    def value(r):
        if r["value"] is None:
            return "not available"
        number = f"{r['value']:,.0f}" if r["value"] >= 1000 else f"{r['value']:g}"
        return ("< " if r["extra"].get("qualifier") == "below" else "") + number

    html_rows = [[label(r["metric"]), r["framework"], value(r), r["extra"].get("as_of") or "–", r["extra"].get("kind"),
                  Markup(f'<a href="{escape(r["extra"].get("url", ""))}">{escape(r["extra"].get("source", ""))}</a>')] for r in rows]
    md_rows = [[*row[:5], f"[{r['extra'].get('source', '')}]({r['extra'].get('url', '')})"] for row, r in zip(html_rows, rows)]
    note = ("Figures as published (or fetched by `dlarena community --refresh`), not measured by dlarena; methods and dates "
            "differ, so compare within a row's source only.")
    return Section("community", "Community", muted(note) + html_table(headers, html_rows), note + "\n\n" + md_table(headers, md_rows))
