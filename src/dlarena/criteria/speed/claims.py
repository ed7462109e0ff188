"""Speed checks: two sides compared per workload (variant) and batch with the one verdict rule
(``dlarena.measure.verdict``: the 95% CI of the speed ratio), a stated size (``claimed_ratio``)
judged against that CI too, then combined by the register's one rule (``model.combine``)."""

from __future__ import annotations

import fnmatch

from dlarena import frameworks, workloads
from dlarena.claimkit.model import (CONTRADICTED, INCONCLUSIVE, NOT_MEASURED, SUPPORTED, Check, CheckResult, Comparison,
                                  Context, Outcome, combine)
from dlarena.criteria.speed.headlines import HIGHER_IS_BETTER, SCENARIO_OF
from dlarena.measure.verdict import Estimate, compare



def _parameter_count(workload: str) -> int | None:
    try:
        return workloads.get(workload).parameter_count
    except (KeyError, ValueError, TypeError):
        return None


def _selected(check: Check, workload: str) -> bool:
    base = workloads.base_name(workload)
    if check.workloads and not any(fnmatch.fnmatch(base, p) or fnmatch.fnmatch(workload, p) for p in check.workloads):
        return False
    if check.min_params is None and check.max_params is None:
        return True
    params = _parameter_count(workload)
    if params is None:
        return False
    return (check.min_params is None or params >= check.min_params) and (check.max_params is None or params <= check.max_params)


def scenarios_of(check: Check) -> tuple[str, ...]:
    """The scenarios a speed check reads: its own, else the speed scenario of its metric (so that
    deployment runtimes or zoo models, which record the same metric names, never mix in)."""
    return check.scenarios or (SCENARIO_OF[check.metric],)


def _in_scenarios(row: dict, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(row["scenario"], p) for p in patterns)


def _usable(row: dict) -> bool:
    return row["status"] == "ok" and all(row.get(k) is not None for k in ("value", "ci_low", "ci_high"))


def _best(rows: list[dict], higher: bool) -> dict | None:
    if not rows:
        return None
    return max(rows, key=lambda r: r["value"]) if higher else min(rows, key=lambda r: r["value"])


def _estimate(row: dict) -> Estimate:
    label = f"{frameworks.info(row['framework']).display_name} {row['mode']}" if row["framework"] in frameworks.FRAMEWORKS \
        else f"{row['framework']} {row['mode']}"
    return Estimate.from_row(label, row)


def _pct(ratio: float) -> float:
    return (ratio - 1) * 100


def size_text(claimed: float, ratio: float, low: float | None, high: float | None) -> str:
    """"claimed +33%, measured +7% [+2–13%]"."""
    interval = f" [{_pct(low):+.0f}–{_pct(high):.0f}%]" if low is not None and high is not None else ""
    return f"claimed {_pct(claimed):+.0f}%, measured {_pct(ratio):+.0f}%{interval}"


def judge_size(claimed: float, direction: Outcome, low: float | None, high: float | None) -> Outcome:
    """A stated size (speed ratio a/b) against the measured ratio's 95% CI: outside it, contradicted;
    inside it, supported when the direction is, else inconclusive (a CI that holds both the claim
    and no difference decides neither)."""
    if low is None or high is None:
        return INCONCLUSIVE
    if claimed < low or claimed > high:
        return CONTRADICTED
    return SUPPORTED if direction == SUPPORTED else INCONCLUSIVE


def judge(check: Check, a: dict, b: dict, band: float) -> Comparison:
    """expect "a_faster": a faster supports, b faster contradicts, and so does "equivalent" (a
    measured difference within the run's band is not the claimed speed-up); else inconclusive.
    expect "equal": the claim's own tolerance ``equal_within`` is the band: equivalent within it
    supports, a ratio CI entirely outside it contradicts, anything else is inconclusive.
    With ``claimed_ratio`` the size is a second part (``judge_size``), combined with the direction
    by the register's rule: direction supported and size contradicted is "partly supported"."""
    higher = HIGHER_IS_BETTER[check.metric]
    if check.expect == "equal":
        band = check.equal_within
    verdict = compare(_estimate(a), _estimate(b), higher, band)
    direction: Outcome = INCONCLUSIVE
    if check.expect == "equal":
        if verdict.outcome == "equivalent":
            direction = SUPPORTED
        elif verdict.ratio_low is not None and (verdict.ratio_low > 1 + band or verdict.ratio_high < 1 / (1 + band)):
            direction = CONTRADICTED
    elif verdict.outcome == "faster":
        direction = SUPPORTED if verdict.winner == _estimate(a).label else CONTRADICTED
    elif verdict.outcome == "equivalent":
        direction = CONTRADICTED
    ratio = verdict.ratio if verdict.ratio is not None else float("nan")
    comparison = Comparison(a["workload"], a["batch"], a, b, ratio, direction, verdict.text, verdict.ratio_low,
                            verdict.ratio_high, direction)
    if check.claimed_ratio and check.expect != "equal":
        size = judge_size(check.claimed_ratio, direction, verdict.ratio_low, verdict.ratio_high)
        comparison.size = size
        comparison.outcome = combine([direction, size])[0]
        comparison.size_detail = (f"direction {direction}, size {size} "
                                  f"({size_text(check.claimed_ratio, ratio, verdict.ratio_low, verdict.ratio_high)})")
    return comparison


def aggregate(outcomes: list[Outcome]) -> Outcome:
    """One outcome over a group of comparisons: the register's rule (``model.combine``)."""
    return combine(outcomes)[0]


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _side(row: dict) -> str:
    return f"{row['framework']} {row['mode']} {_num(row['value'])} [{_num(row['ci_low'])}–{_num(row['ci_high'])}]"


def evaluate(check: Check, ctx: Context) -> CheckResult:
    higher = HIGHER_IS_BETTER[check.metric]
    scenarios = scenarios_of(check)
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in ctx.rows:
        if r["metric"] == check.metric and _in_scenarios(r, scenarios) and _usable(r) and _selected(check, r["workload"]):
            groups.setdefault((r["workload"], r["batch"]), []).append(r)
    comparisons = []
    for (workload, batch), group in groups.items():
        a = _best([r for r in group if check.a.matches(r)], higher)
        b = _best([r for r in group if check.b.matches(r)], higher)
        if a is None or b is None:
            continue
        comparisons.append(judge(check, a, b, ctx.band))
    if not comparisons:
        why = f"no '{check.metric}' cells ({', '.join(scenarios)}) for both sides"
        return CheckResult(check, NOT_MEASURED, [], f"not measured in this run: {why}", [why])
    ordered = sorted(comparisons, key=lambda c: (c.workload, c.batch))

    def ratio(c: Comparison) -> str:
        ci = f" [{c.ratio_low:.2f}–{c.ratio_high:.2f}]" if c.ratio_low is not None and c.ratio_high is not None else ""
        return f"speed ratio {c.ratio:.2f}{ci}"

    # a deployment runtime cell times batch-1 latency beside its throughput batch: its row says which
    lines = [f"{c.workload} b{c.a['extra'].get('batch', c.batch)}: {_side(c.a)} vs {_side(c.b)} {check.metric}; "
             f"{ratio(c)} → {c.outcome}" + (f" ({c.size_detail})" if c.size_detail else "") for c in ordered]
    evidence = [row["cell_id"] for c in ordered for row in (c.a, c.b)]
    sized = [c for c in ordered if c.size_detail and c.outcome != c.direction]
    note = "; ".join(f"{c.workload}: {c.size_detail}" for c in sized)
    return CheckResult(check, aggregate([c.outcome for c in comparisons]), comparisons, note, lines, evidence)
