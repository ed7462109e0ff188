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


# --- TEMPORARY (replaced by the verdict branch's implementation at merge) ---
@dataclass(frozen=True)
class CellEstimate:
    value: float
    ci_low: float
    ci_high: float
    n_windows: int
    n_samples: int
    replicates: np.ndarray

    def replicate_list(self) -> list[float]:
        return [float(r) for r in self.replicates]


def estimate(windows, confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> CellEstimate:
    ws = [np.sort(np.asarray(w, dtype=np.float64)) for w in windows if len(w)]
    if not ws:
        raise ValueError("no windows to estimate")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(ws), size=(resamples, len(ws)))
    meds = np.empty((resamples, len(ws)))
    for j, w in enumerate(ws):
        n = len(w)
        k = (n + 1) // 2
        v = rng.beta(k, n + 1 - k, size=resamples)
        meds[:, j] = w[np.clip(np.ceil(n * v).astype(int) - 1, 0, n - 1)]
    reps = np.take_along_axis(meds, picks, axis=1).mean(axis=1)
    reps = expand(reps, len(ws))
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(reps, [alpha, 1 - alpha])
    value = float(np.mean([np.median(w) for w in ws]))
    return CellEstimate(value, float(lo), float(hi), len(ws), int(sum(len(w) for w in ws)), reps)


# Student t quantiles t(0.975, df) for df = 1..30; beyond that 1.96 + 2.4/df is within 0.2%.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042)


def small_sample_factor(n: int) -> float:
    """How much wider a percentile bootstrap interval over ``n`` top-level units must be to keep
    its 95% coverage: sqrt(n/(n-1)) * t(0.975, n-1) / z(0.975) (Hesterberg's expanded percentile
    interval). A bootstrap over 4 windows is otherwise too narrow by about half."""
    if n < 2:
        return 1.0
    df = n - 1
    t = _T975[df - 1] if df <= len(_T975) else 1.96 + 2.4 / df
    return float(np.sqrt(n / df) * t / 1.959964)


def expand(replicates: np.ndarray, n: int) -> np.ndarray:
    center = float(np.median(replicates))
    return center + small_sample_factor(n) * (replicates - center)
