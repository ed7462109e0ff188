"""Run-to-run comparison: do two runs of the same cells agree?

Three views, from stored rows only:
- per cell, the headline values and their difference (median |diff|, share within 3%);
- per cell, whether one run's 95% CI covers the other run's value, both directions (a calibrated
  CI does so for about 83% of cells, since the rerun's value carries its own error): the stored
  CIs (with the between-run allowance of measure/drift.py where the run recorded one), the
  within-run CIs alone, and those with the machine's common drift between the runs taken out;
- per framework-vs-framework pair (same workload, scenario and batch; any mode of one framework
  against any mode of another, as the report pairs them), the verdict of each run by the one rule,
  each run with its own replicates, and the pairs whose verdict changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import combinations
from statistics import median

from dlarena import frameworks
from dlarena.measure.drift import common_drift
from dlarena.measure.verdict import Verdict, band_of, compare
from dlarena.criteria.speed.views import HEADLINES, Entry, build
from dlarena.store.db import ResultStore

HEADLINE_METRICS = {metric for metric, _, _ in HEADLINES.values()}
LOWER_IS_BETTER = {metric for metric, higher, _ in HEADLINES.values() if not higher}
WITHIN_PCT = 3.0
CHANGE_KINDS = ("winner flip", "decided vs undecided", "equivalent vs inconclusive")


# -- per cell -------------------------------------------------------------------------------
def _headline(rows: list[dict]) -> dict[str, dict]:
    return {r["cell_id"]: r for r in rows if r["metric"] in HEADLINE_METRICS and r["status"] == "ok"
            and r["value"] is not None}


def cell_diffs(rows_a: list[dict], rows_b: list[dict]) -> list[dict]:
    """Cells ok in both runs: {"cell_id", "metric", "a", "b", "diff_pct"} (b relative to a)."""
    a, b = _headline(rows_a), _headline(rows_b)
    out = []
    for cell_id in sorted(a.keys() & b.keys()):
        va, vb = a[cell_id]["value"], b[cell_id]["value"]
        out.append({"cell_id": cell_id, "metric": a[cell_id]["metric"], "a": va, "b": vb,
                    "diff_pct": (vb / va - 1) * 100 if va else float("nan")})
    return out


def compare_runs(store: ResultStore, run_a: str, run_b: str) -> list[dict]:
    return cell_diffs(store.measurements(run_a), store.measurements(run_b))


@dataclass(frozen=True)
class Spread:
    cells: int
    median_abs_diff_pct: float
    max_abs_diff_pct: float
    within: int  # cells whose values differ by at most WITHIN_PCT


def spread(diffs: list[dict]) -> Spread | None:
    if not diffs:
        return None
    abs_diffs = [abs(d["diff_pct"]) for d in diffs]
    return Spread(len(diffs), median(abs_diffs), max(abs_diffs), sum(d <= WITHIN_PCT for d in abs_diffs))


@dataclass(frozen=True)
class Coverage:
    cells: int  # ok in both runs, with a CI in both
    a_covers_b: int  # run A's 95% CI contains run B's value
    b_covers_a: int

    @property
    def share_a_covers_b(self) -> float | None:
        return self.a_covers_b / self.cells if self.cells else None

    @property
    def share_b_covers_a(self) -> float | None:
        return self.b_covers_a / self.cells if self.cells else None

    @property
    def average(self) -> float | None:
        return (self.a_covers_b + self.b_covers_a) / (2 * self.cells) if self.cells else None


def _speed(row: dict) -> float:
    return 1 / row["value"] if row["metric"] in LOWER_IS_BETTER else row["value"]


def _scaled(row: dict, speedup: float) -> float:
    """The row's value had the machine run ``speedup`` times faster (latencies shrink)."""
    return row["value"] / speedup if row["metric"] in LOWER_IS_BETTER else row["value"] * speedup


def machine_drift(rows_a: list[dict], rows_b: list[dict]) -> float | None:
    """How much faster the machine ran B than A, common to every cell: the median over the cells
    of speed(B) / speed(A). A whole-machine change (host load, frequency) shifts every framework
    alike, so it cancels in every verdict, which compares cells of one run."""
    a, b = _headline(rows_a), _headline(rows_b)
    return common_drift((_speed(a[c]), _speed(b[c])) for c in a.keys() & b.keys())


def probe_speedup(reps_a: list[dict], reps_b: list[dict]) -> float | None:
    """How much faster the machine ran B than A by the calibration probe (a fixed pure-Python loop
    timed before every window, measure/noise.py): the ratio of the runs' median probe times.
    Independent of every framework, so it tells a change of the machine from a change of a cell."""
    def probe_median(reps: list[dict]) -> float | None:
        probes = sorted(r["noise"]["probe_s"] for r in reps if (r.get("noise") or {}).get("probe_s"))
        return median(probes) if probes else None

    a, b = probe_median(reps_a), probe_median(reps_b)
    return a / b if a and b else None


def _ci(row: dict, within_run: bool) -> tuple:
    """The stored CI, or with ``within_run`` the CI before the between-run allowance (the same
    where the run recorded none)."""
    within = (row.get("extra") or {}).get("ci_within_run") if within_run else None
    return tuple(within) if within else (row["ci_low"], row["ci_high"])


def ci_coverage(rows_a: list[dict], rows_b: list[dict], drift: float = 1.0, within_run: bool = False) -> Coverage:
    """How often one run's 95% CI contains the other run's value; with ``drift`` (B's speed over
    A's, see machine_drift), the other value is first brought to this run's machine speed."""
    a, b = _headline(rows_a), _headline(rows_b)
    both = [(a[c], b[c]) for c in a.keys() & b.keys() if None not in (*_ci(a[c], within_run), *_ci(b[c], within_run))]

    def covers(x: dict, value: float) -> bool:
        low, high = _ci(x, within_run)
        return low <= value <= high

    return Coverage(len(both), sum(covers(x, _scaled(y, 1 / drift)) for x, y in both),
                    sum(covers(y, _scaled(x, drift)) for x, y in both))


# -- per framework-vs-framework pair --------------------------------------------------------
PairKey = tuple[str, str, int, str, str, str, str]  # workload, scenario, batch, framework 1, mode 1, framework 2, mode 2


def _order(e: Entry) -> tuple:
    names = frameworks.names()
    return (names.index(e.framework) if e.framework in names else len(names), e.framework, e.mode)


def pair_verdicts(cells: list[dict], rows: list[dict], band: float) -> dict[PairKey, Verdict]:
    """Every pair of ok cells of two different frameworks in the same workload, scenario and batch,
    in a fixed orientation (registry order, then mode), so that two runs' pairs line up."""
    out = {}
    for view in build(cells, rows, band):
        for s in view.scenarios:
            ok = sorted((e for e in s.entries if e.status == "ok" and e.value is not None), key=_order)
            for x, y in combinations(ok, 2):
                if x.framework != y.framework and x.batch == y.batch:
                    key = (view.name, s.scenario, x.batch, x.framework, x.mode, y.framework, y.mode)
                    out[key] = compare(x.estimate(), y.estimate(), s.higher_is_better, band)
    return out


def change_kind(a: Verdict, b: Verdict) -> str | None:
    """How a pair's verdict differs between two runs (one of CHANGE_KINDS), None when it agrees."""
    if a.outcome == b.outcome and a.winner == b.winner:
        return None
    if a.winner and b.winner:
        return "winner flip"
    if a.winner or b.winner:
        return "decided vs undecided"
    return "equivalent vs inconclusive"


@dataclass(frozen=True)
class VerdictChange:
    pair: str  # "workload scenario b<batch>: <label 1> vs <label 2>"
    kind: str
    a: str  # each run's verdict text
    b: str


@dataclass
class VerdictChanges:
    pairs: int  # pairs with a verdict in both runs
    band: float
    changes: list[VerdictChange] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)


def _pair_name(key: PairKey) -> str:
    workload, scenario, batch, fw1, mode1, fw2, mode2 = key

    def label(fw, mode):
        return f"{frameworks.display_name(fw)} {mode}"

    return f"{workload} {scenario} b{batch}: {label(fw1, mode1)} vs {label(fw2, mode2)}"


def verdict_changes(pairs_a: dict[PairKey, Verdict], pairs_b: dict[PairKey, Verdict], band: float) -> VerdictChanges:
    common = sorted(pairs_a.keys() & pairs_b.keys())
    out = VerdictChanges(len(common), band)
    for key in common:
        kind = change_kind(pairs_a[key], pairs_b[key])
        if kind:
            out.changes.append(VerdictChange(_pair_name(key), kind, pairs_a[key].text, pairs_b[key].text))
    out.changes.sort(key=lambda c: CHANGE_KINDS.index(c.kind))  # stable: pairs stay in order within a kind
    return out


# -- both runs ------------------------------------------------------------------------------
@dataclass
class RunComparison:
    run_a: str
    run_b: str
    cells: list[dict]
    spread: Spread | None
    coverage: Coverage
    verdicts: VerdictChanges
    drift: float | None = None  # B's machine speed over A's (median cell)
    adjusted_coverage: Coverage | None = None  # within-run CIs, with that common drift taken out
    within_run_coverage: Coverage | None = None  # within-run CIs, as measured
    probe: float | None = None  # B's machine speed over A's by the calibration probe

    def as_dict(self) -> dict:
        cov = self.coverage
        return {
            "run_a": self.run_a, "run_b": self.run_b, "cells": self.cells,
            "spread": asdict(self.spread) if self.spread else None,
            "coverage": {**asdict(cov), "share_a_covers_b": cov.share_a_covers_b,
                         "share_b_covers_a": cov.share_b_covers_a, "average": cov.average},
            "machine_drift": self.drift,
            "probe_speedup": self.probe,
            "coverage_within_run": None if self.within_run_coverage is None else {
                **asdict(self.within_run_coverage), "average": self.within_run_coverage.average},
            "coverage_drift_adjusted": None if self.adjusted_coverage is None else {
                **asdict(self.adjusted_coverage), "average": self.adjusted_coverage.average},
            "verdicts": {"pairs": self.verdicts.pairs, "band": self.verdicts.band,
                         "counts": {k: self.verdicts.count(k) for k in CHANGE_KINDS},
                         "changes": [asdict(c) for c in self.verdicts.changes]},
        }


def compare_stored_runs(store: ResultStore, run_a: str, run_b: str) -> RunComparison:
    """Both runs' verdicts use the baseline run's (A's) equivalence band, so that a change comes
    from the measurements, not from the rule."""
    band = band_of((store.run(run_a) or {}).get("config"))
    cells_a, rows_a = store.cells(run_a), store.measurements(run_a)
    cells_b, rows_b = store.cells(run_b), store.measurements(run_b)
    diffs = cell_diffs(rows_a, rows_b)
    changes = verdict_changes(pair_verdicts(cells_a, rows_a, band), pair_verdicts(cells_b, rows_b, band), band)
    drift = machine_drift(rows_a, rows_b)
    return RunComparison(run_a, run_b, diffs, spread(diffs), ci_coverage(rows_a, rows_b), changes, drift,
                         ci_coverage(rows_a, rows_b, drift, within_run=True) if drift else None,
                         ci_coverage(rows_a, rows_b, within_run=True),
                         probe_speedup(store.repetitions(run_a), store.repetitions(run_b)))


def summary_lines(result: RunComparison) -> list[str]:
    """The comparison in sentences, as ``dlarena compare`` prints them and its page shows them."""
    a, b = result.run_a, result.run_b
    sp, cov, v = result.spread, result.coverage, result.verdicts
    lines = [f"{sp.cells} cells: median |diff| {sp.median_abs_diff_pct:.1f}%, max {sp.max_abs_diff_pct:.1f}%, "
             f"{sp.within}/{sp.cells} within 3%"] if sp else []
    if cov.cells:
        lines.append(f"95% CI covers the other run's value ({cov.cells} cells with a CI in both): "
                     f"{a}'s covers {b}'s in {cov.a_covers_b}/{cov.cells} ({cov.share_a_covers_b:.0%}), "
                     f"{b}'s covers {a}'s in {cov.b_covers_a}/{cov.cells} ({cov.share_b_covers_a:.0%}), "
                     f"average {cov.average:.0%}")
    within = result.within_run_coverage
    if within and within.cells and within.average != cov.average:
        lines.append(f"  the within-run CIs alone (before the between-run allowance): {within.a_covers_b}/{within.cells} "
                     f"and {within.b_covers_a}/{within.cells}, average {within.average:.0%}")
    adj = result.adjusted_coverage
    if result.drift and adj and adj.cells:
        lines.append(f"Machine drift: {b} ran {abs(result.drift - 1):.1%} {'faster' if result.drift >= 1 else 'slower'} "
                     f"than {a} on the median cell (common to every framework, it largely cancels in verdicts, which "
                     "compare cells of one run). "
                     + (f"The calibration probe (no framework involved) ran {abs(result.probe - 1):.1%} "
                        f"{'faster' if result.probe >= 1 else 'slower'}. " if result.probe else "")
                     + f"With it taken out, the within-run CIs cover the other run's value in {adj.a_covers_b}/{adj.cells} "
                     f"and {adj.b_covers_a}/{adj.cells} cells, average {adj.average:.0%}")
    counts = ", ".join(f"{v.count(kind)} {kind}" for kind in CHANGE_KINDS)
    lines.append(f"Verdicts of {v.pairs} framework-vs-framework pairs (band ±{v.band * 100:g}%): "
                 f"{len(v.changes)} changed: {counts}")
    return lines
