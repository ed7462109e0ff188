"""The claims register's schema (what ``data/claims.toml`` and ``data/article_claims.toml`` hold)
and the results of checking it against a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from dlarena import frameworks
from dlarena.cellkit.common import split_mode

# A check's or a claim's outcome (its status: "verdict" is the ratio rule's word, measure/verdict.py;
# the data files' ``verdict`` key and the JSON output's keep the old name). "partly supported": some
# of its parts are supported and others are not (inconclusive or contradicted), or a stated size is
# contradicted while the direction holds; "outdated": true of the versions (or the time) the article
# describes, not of today's, and the outcome of anything resting on a figure older than
# ``evidence.STALE_MONTHS``; "not measured": this run holds no evidence for it (the claim says which
# command would); "not checkable": no run of dlarena can decide it (the claim says why); "shown": a
# proxy's rows, displayed, never decided.
SUPPORTED, PARTLY, CONTRADICTED, OUTDATED, INCONCLUSIVE = ("supported", "partly supported", "contradicted", "outdated",
                                                           "inconclusive")
NOT_MEASURED, NOT_CHECKABLE, SHOWN = "not measured", "not checkable", "shown"
OUTCOMES = (SUPPORTED, PARTLY, CONTRADICTED, OUTDATED, INCONCLUSIVE, NOT_MEASURED, NOT_CHECKABLE)
DECIDED = (SUPPORTED, PARTLY, CONTRADICTED, OUTDATED, INCONCLUSIVE)
Outcome = Literal["supported", "partly supported", "contradicted", "outdated", "inconclusive", "not measured",
                  "not checkable", "shown"]


def combine(outcomes: list[str]) -> tuple[Outcome, bool]:
    """The one aggregation rule, for every whole made of parts: a claim over its checks, a check over
    its comparisons (workloads, batches), a claim over the claims it rests on, a sized comparison
    over its direction and its size. Returns (verdict, some parts left undecided).

    - parts "not measured" / "not checkable" are left out (the flag says so); none decided: "not
      measured" if any part could be measured, else "not checkable";
    - every decided part supported: "supported";
    - some part outdated and none contradicted: "outdated" (the whole describes the article's time);
    - some part supported or partly supported, the rest not: "partly supported";
    - none supported and some contradicted: "contradicted";
    - otherwise (all inconclusive): "inconclusive".
    """
    decided = [o for o in outcomes if o in DECIDED]
    undecided = any(o in (NOT_MEASURED, NOT_CHECKABLE) for o in outcomes)
    if not decided:
        return (NOT_MEASURED if NOT_MEASURED in outcomes else NOT_CHECKABLE), False
    if all(o == SUPPORTED for o in decided):
        return SUPPORTED, undecided
    if OUTDATED in decided and CONTRADICTED not in decided:
        return OUTDATED, undecided
    if any(o in (SUPPORTED, PARTLY) for o in decided):
        return PARTLY, undecided
    if CONTRADICTED in decided:
        return CONTRADICTED, undecided
    return INCONCLUSIVE, undecided


# Where in the article a claim is made, in the article's order: key -> the article's heading.
PARTS = {
    "overview": "A Brief Overview of PyTorch and TensorFlow",
    "ease": "Criterion 1: Ease of Use For Rapid Experimentation",
    "speed": "Criterion 2: Execution Speed and Performance",
    "deployment": "Criterion 3: Deployment and Production Readiness",
    "community": "Criterion 4: Community Adoption and Support",
    "pretrained": "Criterion 5: Access to Pretrained Models",
    "debugging": "Criterion 6: Debugging and Model Interpretability",
    "summary": "Summary of PyTorch vs TensorFlow Comparison (table)",
    "when-to-use": "Recommendations: When to Use PyTorch vs TensorFlow",
    "conclusion": "Conclusion (key takeaways)",
}


def display(framework: str) -> str:
    return frameworks.display_name(framework)


@dataclass(frozen=True)
class Side:
    framework: str
    modes: tuple[str, ...] = ()  # empty: every mode (for speed checks the framework's best wins)
    precision: str = "fp32"  # "any": bf16 cells compete too

    def matches(self, row: dict) -> bool:
        mode, precision = split_mode(row["mode"])
        return (row["framework"] == self.framework and (not self.modes or mode in self.modes)
                and (self.precision == "any" or precision == self.precision))

    def describe(self) -> str:
        return f"{display(self.framework)} {'/'.join(self.modes) if self.modes else 'best mode'}"


@dataclass(frozen=True)
class Check:
    what: str
    metric: str = ""
    a: Side | None = None
    b: Side | None = None
    expect: str = "a_faster"
    workloads: tuple[str, ...] = ()  # base names or glob patterns; empty: all
    min_params: int | None = None
    max_params: int | None = None
    equal_within: float = 0.10
    claimed_ratio: float | None = None  # the stated size (speed ratio a/b): judged against the CI too
    informative: bool = False  # context: shown, not counted in the claim's verdict
    kind: str = "speed"  # names the evaluator (dlarena.claims.evaluators.EVALUATORS)
    scenarios: tuple[str, ...] = ()  # cell scenarios (glob patterns) the check reads
    proxy: bool = False  # the nearest measured proxy of a claim no run decides: shown, labelled, not counted
    options: dict = field(default_factory=dict, compare=False)  # the kind's own settings, as in the data file

    @property
    def counts(self) -> bool:
        return not (self.informative or self.proxy)

    @property
    def role(self) -> str:
        return "proxy" if self.proxy else "context" if self.informative else "decides"


@dataclass(frozen=True)
class Claim:
    id: str
    text: str  # the claim in brief (defaults to the quote)
    source: str  # the article (and part), or the publication a figure comes from
    checks: tuple[Check, ...]
    evidence_hint: str = ""  # the command that measures it
    part: str = "speed"  # key of PARTS
    quote: str = ""  # the article's words, briefly
    not_checkable: str = ""  # why no run decides it (its checks are then proxies)
    note: str = ""  # what the checks do not cover


@dataclass
class Comparison:
    """One verdict-rule comparison of a speed check (one workload and batch)."""
    workload: str
    batch: int
    a: dict  # the measurement row chosen for side a (its best mode)
    b: dict
    ratio: float  # speed of a over b (> 1: a faster), latencies inverted
    outcome: Outcome  # direction and size combined (``combine``)
    detail: str
    ratio_low: float | None = None  # the ratio's 95% CI
    ratio_high: float | None = None
    direction: Outcome | None = None  # the claimed direction alone
    size: Outcome | None = None  # the claimed ratio against the CI (None: the claim states no size)
    size_detail: str = ""  # "direction supported, size contradicted (claimed +33%, measured +7% [+2–13%])"


@dataclass
class CheckResult:
    check: Check
    outcome: Outcome
    comparisons: list[Comparison] = field(default_factory=list)
    note: str = ""
    lines: list[str] = field(default_factory=list)  # what this run measured, one line each
    evidence: list[str] = field(default_factory=list)  # cell ids
    partial: bool = False  # (kind "claims") some of the claims it combines were left undecided


@dataclass
class ClaimResult:
    claim: Claim
    outcome: Outcome
    checks: list[CheckResult]
    partial: bool = False  # some deciding parts were not measured or are not checkable
    detail: str = ""  # why, in one line
    measure_with: str = ""  # the command(s) that would measure it (its own, or those of the claims it combines)

    @property
    def evidence(self) -> list[str]:
        return list(dict.fromkeys(cell for c in self.checks for cell in c.evidence))

    @property
    def label(self) -> str:
        if not (self.partial and self.outcome in DECIDED):
            return self.outcome
        return self.outcome + ("; other parts undecided" if self.outcome == PARTLY else ", in part")


@dataclass
class Context:
    """What the evaluators read: one run's rows, its equivalence band, the claims decided so far,
    the date figures are judged against (``today``: default the real one; tests inject it), and
    the run's cells where the caller has them (their ``runtime``: device, hosts), else the first
    row of each cell stands in."""
    rows: list[dict]
    band: float
    results: dict[str, ClaimResult] = field(default_factory=dict)
    today: date | None = None
    cell_rows: list[dict] | None = None

    def __post_init__(self):
        self.cells: dict[str, dict] = {}
        for c in self.cell_rows or ():
            self.cells.setdefault(c["cell_id"], c)
        for r in self.rows:
            self.cells.setdefault(r["cell_id"], r)
