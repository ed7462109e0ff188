"""Speed checks: two sides compared per workload (variant) and batch with the one verdict rule
(``dlarena.measure.verdict``: the 95% CI of the speed ratio), then aggregated."""

from __future__ import annotations

import fnmatch

from dlarena import frameworks, workloads
from dlarena.claims.model import (CONTRADICTED, DECIDED, INCONCLUSIVE, NOT_CHECKABLE, NOT_MEASURED, SUPPORTED, Check, CheckResult, Comparison,
                                  Context, Outcome)
from dlarena.criteria import speed as speed_criterion
from dlarena.measure.verdict import Estimate, compare

# headline metric -> higher is better, and the speed scenario that records it
HIGHER_IS_BETTER = {speed_criterion.HEADLINE[s]: higher for s, higher in speed_criterion.HIGHER_IS_BETTER.items()}
SCENARIO_OF = {metric: scenario for scenario, metric in speed_criterion.HEADLINE.items()}


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


def judge(check: Check, a: dict, b: dict, band: float) -> tuple[float, Outcome, str]:
    """expect "a_faster": a faster supports, b faster contradicts, and so does "equivalent" (a
    measured difference within the run's band is not the claimed speed-up); else inconclusive.
    expect "equal": the claim's own tolerance ``equal_within`` is the band: equivalent within it
    supports, a ratio CI entirely outside it contradicts, anything else is inconclusive."""
    higher = HIGHER_IS_BETTER[check.metric]
    if check.expect == "equal":
        band = check.equal_within
    verdict = compare(_estimate(a), _estimate(b), higher, band)
    outcome: Outcome = INCONCLUSIVE
    if check.expect == "equal":
        if verdict.outcome == "equivalent":
            outcome = SUPPORTED
        elif verdict.ratio_low is not None and (verdict.ratio_low > 1 + band or verdict.ratio_high < 1 / (1 + band)):
            outcome = CONTRADICTED
    elif verdict.outcome == "faster":
        outcome = SUPPORTED if verdict.winner == _estimate(a).label else CONTRADICTED
    elif verdict.outcome == "equivalent":
        outcome = CONTRADICTED
    ratio = verdict.ratio if verdict.ratio is not None else float("nan")
    return ratio, outcome, verdict.text


def aggregate(outcomes: list[Outcome], how: str) -> Outcome:
    """One outcome over a group ("all" must support; "majority": more supported than contradicted).
    A group with nothing decided says so ("not measured" if any part could be, else "not
    checkable"), never "inconclusive", which means measured but undecided."""
    if not any(o in DECIDED for o in outcomes):
        return NOT_MEASURED if NOT_MEASURED in outcomes else NOT_CHECKABLE
    supported, contradicted = outcomes.count(SUPPORTED), outcomes.count(CONTRADICTED)
    if how == "all":
        if contradicted:
            return CONTRADICTED
        return SUPPORTED if supported == len(outcomes) else INCONCLUSIVE
    if supported > contradicted:
        return SUPPORTED
    return CONTRADICTED if contradicted > supported else INCONCLUSIVE


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
        ratio, outcome, detail = judge(check, a, b, ctx.band)
        comparisons.append(Comparison(workload, batch, a, b, ratio, outcome, detail))
    if not comparisons:
        why = f"no '{check.metric}' cells ({', '.join(scenarios)}) for both sides"
        return CheckResult(check, NOT_MEASURED, [], f"not measured in this run: {why}", [why])
    claimed = f" (claimed {check.claimed_ratio:.2f})" if check.claimed_ratio else ""
    ordered = sorted(comparisons, key=lambda c: (c.workload, c.batch))
    # a deployment runtime cell times batch-1 latency beside its throughput batch: its row says which
    lines = [f"{c.workload} b{c.a['extra'].get('batch', c.batch)}: {_side(c.a)} vs {_side(c.b)} {check.metric}; "
             f"speed ratio {c.ratio:.2f}{claimed} → {c.outcome}" for c in ordered]
    evidence = [row["cell_id"] for c in ordered for row in (c.a, c.b)]
    return CheckResult(check, aggregate([c.outcome for c in comparisons], check.aggregate), comparisons, "", lines, evidence)
