"""TEMPORARY: replaced by the verdict branch at merge."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_BAND = 0.05


@dataclass(frozen=True)
class Estimate:
    label: str
    value: float
    ci_low: float
    ci_high: float
    replicates: tuple | None = None


@dataclass(frozen=True)
class Verdict:
    text: str
    winner: str | None
    speedup_pct: float | None
    outcome: str = "inconclusive"
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None


def compare(a: Estimate, b: Estimate, higher_is_better: bool, band: float = DEFAULT_BAND) -> Verdict:
    ra, rb = np.asarray(a.replicates), np.asarray(b.replicates)
    r = ra / rb if higher_is_better else rb / ra
    lo, hi = np.quantile(r, [0.025, 0.975])
    ratio = a.value / b.value if higher_is_better else b.value / a.value
    if lo >= 1 / (1 + band) and hi <= 1 + band:
        return Verdict("equivalent", None, None, "equivalent", ratio, lo, hi)
    if lo > 1:
        return Verdict(f"{a.label} faster", a.label, (ratio - 1) * 100, "faster", ratio, lo, hi)
    if hi < 1:
        return Verdict(f"{b.label} faster", b.label, (1 / ratio - 1) * 100, "faster", ratio, lo, hi)
    return Verdict("inconclusive", None, None, "inconclusive", ratio, lo, hi)
