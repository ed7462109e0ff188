"""Summary statistics of repeated timings.

The median (not the mean) is the headline number: timing noise on a shared CPU is one-sided
(preemption, cache misses only ever make a call slower), so a few slow outliers drag the mean
but not the median. Spread is reported two ways: the IQR (how noisy the samples are) and a
bootstrap 95% confidence interval of the median (how sure we are of the headline number),
which is what verdicts compare.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
_CHUNK = 100  # resamples per chunk: keeps memory bounded for long sample vectors


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    mean: float
    std: float
    q1: float
    q3: float
    p90: float
    p99: float
    ci_low: float
    ci_high: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def rel_iqr(self) -> float:
        return self.iqr / self.median if self.median else float("nan")

    def as_dict(self) -> dict:
        return asdict(self)


def bootstrap_median_ci(samples: np.ndarray, confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    n = len(samples)
    if n < 2:
        return float(samples[0]), float(samples[0])
    rng = np.random.default_rng(seed)
    medians = []
    for start in range(0, BOOTSTRAP_RESAMPLES, _CHUNK):
        size = min(_CHUNK, BOOTSTRAP_RESAMPLES - start)
        idx = rng.integers(0, n, size=(size, n))
        medians.append(np.median(samples[idx], axis=1))
    all_medians = np.concatenate(medians)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(all_medians, [alpha, 1 - alpha])
    return float(low), float(high)


def summarize(samples) -> Summary:
    arr = np.asarray(samples, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("no samples to summarize")
    q1, median, q3, p90, p99 = np.percentile(arr, [25, 50, 75, 90, 99])
    ci_low, ci_high = bootstrap_median_ci(arr)
    return Summary(
        n=int(arr.size), median=float(median), mean=float(arr.mean()), std=float(arr.std(ddof=1) if arr.size > 1 else 0.0),
        q1=float(q1), q3=float(q3), p90=float(p90), p99=float(p99), ci_low=ci_low, ci_high=ci_high,
    )
