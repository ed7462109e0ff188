"""The verdict rule every comparison in dlarena uses: a 95% CI of the speed ratio of A over B.

- the CI lies inside the practical band [1/(1+band), 1+band]  -> "equivalent" (no winner)
- else it lies entirely above 1                                -> A faster
- else it lies entirely below 1                                -> B faster
- else                                                         -> "inconclusive" (no winner)

A cell whose windows stayed contended after the engine's re-measurements carries ``busy`` (why);
any comparison with it is "busy" ("undecided: machine busy during ..."), never a winner: a busy
neighbour can slow one framework's thread pool 100x and another's not at all (issue 25).

The ratio's CI comes from the two cells' bootstrap replicates when both have them: the two
bootstraps are independent, so rep_a[i] / rep_b[i] is a draw of the ratio (Kalibera & Jones,
"Rigorous benchmarking in reasonable time"). Without replicates (older stored runs, criteria
that store only a CI) each side's CI is read as log-normal, se = (ln hi - ln lo) / (2 z), and
the two combine in quadrature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

DEFAULT_BAND = 0.05
CONFIDENCE = 0.95
_Z = 1.959963984540054  # normal quantile of CONFIDENCE (two-sided)

Outcome = Literal["faster", "equivalent", "inconclusive", "busy"]


@dataclass(frozen=True)
class Estimate:
    label: str
    value: float
    ci_low: float
    ci_high: float
    replicates: tuple[float, ...] | None = None  # bootstrap replicates of value, when stored
    busy: str | None = None  # why the cell's windows cannot decide a verdict (machine busy), if so

    @classmethod
    def from_row(cls, label: str, row: dict) -> Estimate:
        """From a stored measurement row (its ``bootstrap`` column holds the replicates, if any)."""
        reps = row.get("bootstrap")
        return cls(label, row.get("value"), row.get("ci_low"), row.get("ci_high"), tuple(reps) if reps else None,
                   busy_of(row))


def busy_of(row: dict) -> str | None:
    """A stored headline row's ``busy`` note (set by the engine), or None."""
    extra = row.get("extra") if isinstance(row.get("extra"), dict) else {}
    return extra.get("busy") or None


@dataclass(frozen=True)
class Verdict:
    text: str
    winner: str | None  # label of the faster side, None unless the outcome is "faster"
    speedup_pct: float | None  # how much faster the winner is (None without a winner)
    outcome: Outcome = "inconclusive"
    ratio: float | None = None  # speed of a over speed of b (> 1: a faster)
    ratio_low: float | None = None
    ratio_high: float | None = None


def _usable(x) -> bool:
    return x is not None and math.isfinite(x) and x > 0


def unusable(e: Estimate) -> str | None:
    """Why ``e`` cannot enter a ratio (no positive value, no CI), or None."""
    if not _usable(e.value):
        return f"no valid estimate for {e.label}"
    if not (_usable(e.ci_low) and _usable(e.ci_high)):
        return f"no confidence interval for {e.label}"
    return None


def _speeds(e: Estimate, higher_is_better: bool) -> np.ndarray | None:
    """The replicates as speeds (latencies inverted), or None when they cannot be used."""
    if not e.replicates:
        return None
    reps = np.asarray(e.replicates, dtype=np.float64)
    if not (np.isfinite(reps).all() and (reps > 0).all()):
        return None
    return reps if higher_is_better else 1 / reps


def ratio_interval(a: Estimate, b: Estimate, higher_is_better: bool) -> tuple[float, float, float]:
    """Speed ratio of a over b and its 95% CI; both estimates must be usable (see ``compare``)."""
    ratio = a.value / b.value if higher_is_better else b.value / a.value
    speed_a, speed_b = _speeds(a, higher_is_better), _speeds(b, higher_is_better)
    if speed_a is not None and speed_b is not None:
        n = min(len(speed_a), len(speed_b))
        alpha = (1 - CONFIDENCE) / 2
        low, high = np.quantile(speed_a[:n] / speed_b[:n], [alpha, 1 - alpha])
        return ratio, float(low), float(high)
    se = math.hypot(math.log(a.ci_high / a.ci_low), math.log(b.ci_high / b.ci_low)) / (2 * _Z)
    return ratio, ratio * math.exp(-_Z * se), ratio * math.exp(_Z * se)


def band_of(config: dict | None) -> float:
    """The equivalence band of a stored run config (runs stored before it existed: the default)."""
    return (config or {}).get("equivalence_band") or DEFAULT_BAND


def _band_pct(band: float) -> str:
    return f"±{band * 100:g}%"


def compare(a: Estimate, b: Estimate, higher_is_better: bool, band: float = DEFAULT_BAND) -> Verdict:
    why = unusable(a) or unusable(b)
    if why:
        return Verdict(f"inconclusive: {a.label} vs {b.label} ({why})", None, None)
    ratio, low, high = ratio_interval(a, b, higher_is_better)
    interval = dict(ratio=ratio, ratio_low=low, ratio_high=high)
    busy = [f"{e.label}: {e.busy}" for e in (a, b) if e.busy]
    if busy:
        return Verdict(f"undecided: machine busy during {'; '.join(busy)} (ratio {ratio:.2f} [{low:.2f}–{high:.2f}] "
                       f"not judged)", None, None, "busy", **interval)
    if 1 / (1 + band) <= low and high <= 1 + band:
        return Verdict(f"{a.label} and {b.label} equivalent: ratio {ratio:.2f} [{low:.2f}–{high:.2f}], "
                       f"within {_band_pct(band)}", None, None, "equivalent", **interval)
    if low > 1 or high < 1:
        winner, loser, speed, s_low, s_high = (a, b, ratio, low, high) if low > 1 else (b, a, 1 / ratio, 1 / high, 1 / low)
        pct = (speed - 1) * 100
        times = f" ({speed:.1f}x)" if speed >= 2 else ""
        text = (f"{winner.label} faster than {loser.label} by {pct:.0f}% "
                f"[{(s_low - 1) * 100:.0f}–{(s_high - 1) * 100:.0f}%]{times}")
        return Verdict(text, winner.label, pct, "faster", **interval)
    return Verdict(f"inconclusive: {a.label} vs {b.label} ratio {ratio:.2f} [{low:.2f}–{high:.2f}]",
                   None, None, "inconclusive", **interval)


# A winner whose CI clears 1 by less than this share of the CI's own width (log scale) is the
# kind of verdict a rerun turns into "inconclusive" (docs/benchmarks.md, pairs J-L): the engine
# measures it further, as it does an inconclusive one.
FRAGILE_SHARE = 0.25


def fragile(v: Verdict) -> bool:
    """True for a "faster" verdict whose CI only just excludes a tie."""
    if v.outcome != "faster" or not (v.ratio_low and v.ratio_high) or v.ratio_high <= v.ratio_low:
        return False
    low, high = math.log(v.ratio_low), math.log(v.ratio_high)
    clearance = low if low > 0 else -high
    return clearance < FRAGILE_SHARE * (high - low)


def describe(band: float = DEFAULT_BAND) -> str:
    """The rule in one sentence, for reports."""
    return (f"Verdict rule: from the 95% CI of the speed ratio of A over B: \"A faster than B by x% [low–high%]\" "
            f"when the CI lies above 1; \"equivalent\" when it lies within {_band_pct(band)}; "
            "otherwise \"inconclusive\"; \"undecided: machine busy\" when a cell's windows stayed contended.")
