"""The machine's speed from one run to the next, and the allowance it adds to absolute CIs.

A run's windows span a few minutes, so its two-level bootstrap (measure/stats.py) sees what
changes between windows and processes inside that span, but not a shift of the whole machine
between one run and the next (host load, frequency, co-tenants of a shared VM): on the project's
2-core VM the same cells ran 1-8% faster or slower as a whole from one 4-minute run to the next.
Such a shift is common to every cell of a run, so it cancels in every verdict (each compares two
cells of one run, interleaved), but a CI of an absolute number that is to hold on a rerun must
include it: the top level of Kalibera & Jones' design ("Rigorous benchmarking in reasonable
time", ISMM 2013), which one run cannot sample. It is estimated instead from earlier runs on
the same machine: the common drift between two consecutive runs (the median over shared cells of
the log speed ratio) has variance 2 sigma^2 when each run's level varies with sigma. A default
prior (worth ``PRIOR_PAIRS`` observed pairs) keeps the estimate sensible with little history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist, median

# sigma of a run's log speed level on a machine without history: the project's 2-core VM showed
# common drifts of 1.3%, 7.6%, 6.8% and 6.0% between four pairs of back-to-back quick runs,
# sqrt(mean(d^2) / 2) = 4.2% (docs/benchmarks.md, "Between-run allowance")
DEFAULT_SIGMA = 0.04
PRIOR_PAIRS = 2  # the default counts as this many observed pairs of runs
MIN_SHARED_CELLS = 5  # fewer shared cells: the pair's median says more about those cells than the machine
HISTORY_PAIRS = 10  # the most recent pairs of runs used


def common_drift(speeds: Iterable[tuple[float, float]]) -> float | None:
    """How much faster the machine ran B than A, common to every cell: exp of the median over
    cells of ln(speed_b / speed_a) (speeds: higher is faster; latencies inverted before)."""
    logs = [math.log(b / a) for a, b in speeds if a > 0 and b > 0]
    return math.exp(median(logs)) if logs else None


@dataclass(frozen=True)
class BetweenRun:
    """The run-level sigma (log scale) added to this run's absolute CIs, and where it came from."""

    sigma: float
    pairs: int  # pairs of earlier runs on this machine that informed it
    prior: float | None  # the default it started from; None when set by the user
    drifts: tuple[float, ...] = ()  # the observed drifts (B over A) of those pairs

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.prior is None:
            return f"between-run allowance sigma {self.sigma:.1%} (set in the configuration)"
        seen = (f"{self.pairs} pair{'s' if self.pairs != 1 else ''} of earlier runs on this machine "
                f"(drifts {', '.join(f'{d - 1:+.1%}' for d in self.drifts)}) and " if self.pairs else "")
        return f"between-run allowance sigma {self.sigma:.1%}, from {seen}a default of {self.prior:.0%}"


def between_run(drifts: Sequence[float], prior: float = DEFAULT_SIGMA, prior_pairs: int = PRIOR_PAIRS) -> BetweenRun:
    """sigma from the common drifts of consecutive pairs of earlier runs: each pair's ln(drift)
    is a draw of N(0, 2 sigma^2); the prior enters as ``prior_pairs`` draws of its own sigma."""
    logs = [math.log(d) for d in drifts if d and d > 0]
    sigma2 = (prior_pairs * prior**2 + sum(x * x / 2 for x in logs)) / (prior_pairs + len(logs))
    return BetweenRun(math.sqrt(sigma2), len(logs), prior, tuple(drifts))


def widen(value: float, ci_low: float, ci_high: float, sigma: float, confidence: float = 0.95) -> tuple[float, float]:
    """The CI with a run-level sigma added in quadrature on the log scale (each side separately,
    so an asymmetric bootstrap interval stays asymmetric). Unchanged for sigma 0 or a value that
    is not positive (no log scale)."""
    if sigma <= 0 or not (value > 0 and ci_low > 0 and ci_high > 0):
        return ci_low, ci_high
    extra = NormalDist().inv_cdf(1 - (1 - confidence) / 2) * sigma
    low = math.log(value / ci_low) if ci_low < value else 0.0
    high = math.log(ci_high / value) if ci_high > value else 0.0
    return value * math.exp(-math.hypot(low, extra)), value * math.exp(math.hypot(high, extra))
