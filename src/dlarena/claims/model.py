"""The claims register's schema (what ``data/claims.toml`` and ``data/article_claims.toml`` hold)
and the results of checking it against a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dlarena import frameworks
from dlarena.criteria.common import split_mode

# A check's or a claim's verdict. "outdated": true of the versions the article describes, not of
# today's; "not measured": this run holds no evidence for it (the claim says which command would);
# "not checkable": no run of dlarena can decide it (the claim says why); "shown": a proxy's rows,
# displayed, never a verdict.
SUPPORTED, CONTRADICTED, OUTDATED, INCONCLUSIVE = "supported", "contradicted", "outdated", "inconclusive"
NOT_MEASURED, NOT_CHECKABLE, SHOWN = "not measured", "not checkable", "shown"
VERDICTS = (SUPPORTED, CONTRADICTED, OUTDATED, INCONCLUSIVE, NOT_MEASURED, NOT_CHECKABLE)
DECIDED = (SUPPORTED, CONTRADICTED, OUTDATED, INCONCLUSIVE)
Outcome = Literal["supported", "contradicted", "outdated", "inconclusive", "not measured", "not checkable", "shown"]

# Where in the article a claim is made, in the article's order: key -> the article's heading.
PARTS = {
    "ease": "Criterion 1: Ease of Use For Rapid Experimentation",
    "speed": "Criterion 2: Execution Speed and Performance",
    "deployment": "Criterion 3: Deployment and Production Readiness",
    "community": "Criterion 4: Community Adoption and Support",
    "pretrained": "Criterion 5: Access to Pretrained Models",
    "debugging": "Criterion 6: Debugging and Model Interpretability",
    "summary": "Summary of PyTorch vs TensorFlow Comparison (table)",
    "when-to-use": "Recommendations: When to Use PyTorch vs TensorFlow",
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
    claimed_ratio: float | None = None
    aggregate: Literal["all", "majority"] = "all"
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
    outcome: Outcome
    detail: str


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
        return self.outcome + (", in part" if self.partial and self.outcome in DECIDED else "")


@dataclass
class Context:
    """What the evaluators read: one run's rows, its equivalence band, and the claims decided so far."""
    rows: list[dict]
    band: float
    results: dict[str, ClaimResult] = field(default_factory=dict)

    def __post_init__(self):
        self.cells: dict[str, dict] = {}
        for r in self.rows:
            self.cells.setdefault(r["cell_id"], r)
