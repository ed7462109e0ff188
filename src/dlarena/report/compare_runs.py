"""Run-to-run comparison: the same cells' headline medians in two runs."""

from __future__ import annotations

from dlarena.report.data import HEADLINES
from dlarena.store.db import ResultStore

HEADLINE_METRICS = {metric for metric, _, _ in HEADLINES.values()}


def compare_runs(store: ResultStore, run_a: str, run_b: str) -> list[dict]:
    def headline(run_id: str) -> dict[str, dict]:
        return {r["cell_id"]: r for r in store.measurements(run_id)
                if r["metric"] in HEADLINE_METRICS and r["status"] == "ok"}

    a, b = headline(run_a), headline(run_b)
    rows = []
    for cell_id in a.keys() & b.keys():
        va, vb = a[cell_id]["value"], b[cell_id]["value"]
        rows.append({"cell_id": cell_id, "metric": a[cell_id]["metric"], "a": va, "b": vb,
                     "diff_pct": (vb / va - 1) * 100})
    return sorted(rows, key=lambda r: r["cell_id"])
