"""The parity rule: two frameworks compute the same function when their fp32 results differ by no
more than a stated multiple of the fp32 rounding noise they carry.

Each framework records its results twice, in float32 and in float64. Its noise floor on a tensor
is |fp32 - fp64| (max over elements, relative to the reference tensor's scale). Element by element
|a32 - b32| <= |a32 - a64| + |a64 - b64| + |b64 - b32|, and for the same function a64 and b64 agree
to ~1e-15, so the fp32 difference of two correct implementations stays below the sum of their
floors; a structural mistake (a changed epsilon, other padding) is orders of magnitude above it.
The limit is NOISE_MULTIPLE x (floor A + floor B) + ABSOLUTE_FLOOR: the multiple is headroom, the
absolute floor keeps a tensor both frameworks compute exactly (floor 0) from demanding equality.

Where a framework cannot run the model in float64, its record has no float64 half and the
workload's fixed tolerances apply (and the result says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOISE_MULTIPLE = 4.0
ABSOLUTE_FLOOR = 1e-6
RULE = f"noise floor x{NOISE_MULTIPLE:g} + {ABSOLUTE_FLOOR:.0e}"
F64 = "f64:"


@dataclass(frozen=True)
class Check:
    key: str
    diff: float
    floor: float | None  # None: no float64 records, fixed tolerance
    limit: float

    @property
    def ok(self) -> bool:
        return self.diff <= self.limit  # False for NaN

    @property
    def severity(self) -> float:
        return float("inf") if np.isnan(self.diff) else self.diff / max(self.limit, 1e-30)


def rel(a: np.ndarray, b: np.ndarray, scale: float) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))) / max(scale, 1e-30)) \
        if np.size(a) else 0.0


def has_float64(record) -> bool:
    return f"{F64}forward" in record.files


def check(ref, other, key: str, scale: float, fixed_tolerance: float, floors: bool) -> Check:
    """One tensor: its difference, both frameworks' noise floor and the limit that applies."""
    diff = rel(other[key], ref[key], scale)
    if not floors or F64 + key not in ref.files or F64 + key not in other.files:
        return Check(key, diff, None, fixed_tolerance)
    floor = rel(ref[key], ref[F64 + key], scale) + rel(other[key], other[F64 + key], scale)
    return Check(key, diff, floor, NOISE_MULTIPLE * floor + ABSOLUTE_FLOOR)


def worst(checks: list[Check]) -> Check:
    return max(checks, key=lambda c: c.severity)
