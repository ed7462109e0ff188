"""Checks published speed claims (``data/claims.toml``) against a run's measurement rows.

Pure functions over stored rows: nothing is re-measured. Each check compares two sides per
workload (variant) and batch with the one verdict rule (``dlarena.measure.verdict``: the 95% CI
of the speed ratio), then aggregates; see the data file's header for the rule language.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from dlarena import frameworks, workloads
from dlarena.criteria.common import split_mode
from dlarena.report.data import HEADLINES
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, compare

Outcome = Literal["supported", "contradicted", "inconclusive"]
HIGHER_IS_BETTER = {metric: higher for metric, higher, _ in HEADLINES.values()}


@dataclass(frozen=True)
class Side:
    framework: str
    modes: tuple[str, ...] = ()  # empty: every mode (the framework's best wins)
    precision: str = "fp32"  # "any": bf16 cells compete too

    def matches(self, row: dict) -> bool:
        mode, precision = split_mode(row["mode"])
        return (row["framework"] == self.framework and (not self.modes or mode in self.modes)
                and (self.precision == "any" or precision == self.precision))

    def describe(self) -> str:
        name = frameworks.info(self.framework).display_name if self.framework in frameworks.FRAMEWORKS else self.framework
        return f"{name} {'/'.join(self.modes) if self.modes else 'best mode'}"


@dataclass(frozen=True)
class Check:
    what: str
    metric: str
    a: Side
    b: Side
    expect: Literal["a_faster", "equal"] = "a_faster"
    workloads: tuple[str, ...] = ()  # base names or glob patterns; empty: all
    min_params: int | None = None
    max_params: int | None = None
    equal_within: float = 0.10
    claimed_ratio: float | None = None
    aggregate: Literal["all", "majority"] = "all"
    informative: bool = False


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    source: str
    checks: tuple[Check, ...]
    evidence_hint: str = ""


@dataclass
class Comparison:
    workload: str
    batch: int
    a: dict  # the measurement row chosen for side a (its best mode)
    b: dict
    ratio: float  # speed of a over b (> 1: a faster), latencies inverted
    outcome: Outcome
    detail: str


@dataclass
class CheckResult:
    check: Check
    outcome: Outcome
    comparisons: list[Comparison] = field(default_factory=list)
    note: str = ""


@dataclass
class ClaimResult:
    claim: Claim
    outcome: Outcome
    checks: list[CheckResult]


# -- loading ------------------------------------------------------------------------------
def _side(raw: dict) -> Side:
    return Side(raw["framework"], tuple(raw.get("modes", ())), raw.get("precision", "fp32"))


def parse(data: dict) -> list[Claim]:
    claims = []
    for c in data.get("claim", []):
        checks = []
        for k in c.get("check", []):
            if k["metric"] not in HIGHER_IS_BETTER:
                raise ValueError(f"claim '{c['id']}': unknown metric '{k['metric']}'; valid: {', '.join(HIGHER_IS_BETTER)}")
            options = {key: k[key] for key in ("expect", "min_params", "max_params", "equal_within", "claimed_ratio",
                                               "aggregate", "informative") if key in k}
            checks.append(Check(what=k["what"], metric=k["metric"], a=_side(k["a"]), b=_side(k["b"]),
                                workloads=tuple(k.get("workloads", ())), **options))
        claims.append(Claim(c["id"], c["text"], c["source"], tuple(checks), c.get("evidence_hint", "")))
    return claims


def load(path=None) -> list[Claim]:
    text = open(path).read() if path else resources.files("dlarena").joinpath("data/claims.toml").read_text()
    return parse(tomllib.loads(text))


# -- evaluation ---------------------------------------------------------------------------
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


def _judge(check: Check, a: dict, b: dict, band: float) -> tuple[float, Outcome, str]:
    """expect "a_faster": a faster supports, b faster contradicts, and so does "equivalent" (a
    measured difference within the run's band is not the claimed speed-up); else inconclusive.
    expect "equal": the claim's own tolerance ``equal_within`` is the band: equivalent within it
    supports, a ratio CI entirely outside it contradicts, anything else is inconclusive."""
    higher = HIGHER_IS_BETTER[check.metric]
    if check.expect == "equal":
        band = check.equal_within
    verdict = compare(_estimate(a), _estimate(b), higher, band)
    outcome: Outcome = "inconclusive"
    if check.expect == "equal":
        if verdict.outcome == "equivalent":
            outcome = "supported"
        elif verdict.ratio_low is not None and (verdict.ratio_low > 1 + band or verdict.ratio_high < 1 / (1 + band)):
            outcome = "contradicted"
    elif verdict.outcome == "faster":
        outcome = "supported" if verdict.winner == _estimate(a).label else "contradicted"
    elif verdict.outcome == "equivalent":
        outcome = "contradicted"
    ratio = verdict.ratio if verdict.ratio is not None else float("nan")
    return ratio, outcome, verdict.text


def _aggregate(outcomes: list[Outcome], how: str) -> Outcome:
    if not outcomes:
        return "inconclusive"
    supported, contradicted = outcomes.count("supported"), outcomes.count("contradicted")
    if how == "all":
        if contradicted:
            return "contradicted"
        return "supported" if supported == len(outcomes) else "inconclusive"
    if supported > contradicted:
        return "supported"
    return "contradicted" if contradicted > supported else "inconclusive"


def evaluate_check(check: Check, rows: list[dict], band: float = DEFAULT_BAND) -> CheckResult:
    higher = HIGHER_IS_BETTER[check.metric]
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        if r["metric"] == check.metric and _usable(r) and _selected(check, r["workload"]):
            groups.setdefault((r["workload"], r["batch"]), []).append(r)
    comparisons = []
    for (workload, batch), group in groups.items():
        a = _best([r for r in group if check.a.matches(r)], higher)
        b = _best([r for r in group if check.b.matches(r)], higher)
        if a is None or b is None:
            continue
        ratio, outcome, detail = _judge(check, a, b, band)
        comparisons.append(Comparison(workload, batch, a, b, ratio, outcome, detail))
    note = "" if comparisons else f"not measured in this run: no '{check.metric}' cells for both sides"
    return CheckResult(check, _aggregate([c.outcome for c in comparisons], check.aggregate), comparisons, note)


def evaluate(claim: Claim, rows: list[dict], band: float = DEFAULT_BAND) -> ClaimResult:
    results = [evaluate_check(check, rows, band) for check in claim.checks]
    deciding = [r.outcome for r in results if not r.check.informative]
    return ClaimResult(claim, _aggregate(deciding, "all"), results)


def evaluate_all(rows: list[dict], claims: list[Claim] | None = None, band: float = DEFAULT_BAND) -> list[ClaimResult]:
    return [evaluate(claim, rows, band) for claim in (claims if claims is not None else load())]
