"""The verdict rule: "A is faster than B by x%" only when the 95% confidence intervals of the
two medians do not overlap; otherwise the honest answer is "tie"."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    label: str
    value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Verdict:
    text: str
    winner: str | None  # label of the faster side, None for a tie
    speedup_pct: float | None  # how much faster the winner is (None for a tie)


def compare(a: Estimate, b: Estimate, higher_is_better: bool) -> Verdict:
    if a.ci_low <= b.ci_high and b.ci_low <= a.ci_high:
        return Verdict(f"tie ({a.label} and {b.label}: 95% confidence intervals overlap)", None, None)
    # speed ratio of a over b: throughputs divide directly, latencies inversely
    ratio = a.value / b.value if higher_is_better else b.value / a.value
    winner, loser, speed = (a, b, ratio) if ratio > 1 else (b, a, 1 / ratio)
    pct = (speed - 1) * 100
    times = f" ({speed:.1f}x)" if speed >= 2 else ""
    return Verdict(f"{winner.label} faster than {loser.label} by {pct:.0f}%{times}", winner.label, pct)
