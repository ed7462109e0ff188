"""Summary statistics of repeated timings, and the two-level bootstrap a cell's verdicts use.

The median (not the mean) is the headline number of a window: timing noise on a shared CPU is
one-sided (preemption, cache misses only ever make a call slower), so a few slow outliers drag
the mean but not the median. ``sample_summary`` reports one window's spread two ways: the IQR (how
noisy the samples are) and a bootstrap 95% CI of its median.

That CI only measures jitter inside one time window. Between windows and processes the machine
changes (scheduling, co-tenants, frequency, allocator and thread-pool state), and a rerun lands
in another window, so a CI that is to hold on a rerun must include the variance between windows.
``estimate`` does that with a hierarchical bootstrap over repetitions, then samples, resampling
with replacement at every level, as in Kalibera & Jones, "Rigorous benchmarking in reasonable
time" (ISMM 2013). With few windows the plain percentile interval is too narrow, so it is
widened to a Student-t width (``small_sample_factor``). Its replicates are stored, so a verdict
can bootstrap the ratio of two cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist

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


def sample_summary(samples) -> Summary:
    arr = np.asarray(samples, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("no samples to summarize")
    q1, median, q3, p90, p99 = np.percentile(arr, [25, 50, 75, 90, 99])
    ci_low, ci_high = bootstrap_median_ci(arr)
    return Summary(
        n=int(arr.size), median=float(median), mean=float(arr.mean()), std=float(arr.std(ddof=1) if arr.size > 1 else 0.0),
        q1=float(q1), q3=float(q3), p90=float(p90), p99=float(p99), ci_low=ci_low, ci_high=ci_high,
    )


# -- two-level (hierarchical) bootstrap over repetition windows ----------------------------
ESTIMATE_RESAMPLES = 2000


@dataclass(frozen=True, eq=False)  # eq=False: an ndarray field has no truth value to compare
class CellEstimate:
    value: float  # mean over windows of each window's median
    ci_low: float
    ci_high: float
    n_windows: int
    n_samples: int
    replicates: np.ndarray  # bootstrap replicates of ``value``, one per resample

    def replicates_list(self) -> list[float]:
        """The replicates as plain floats, for the store's ``bootstrap`` column."""
        return [float(r) for r in self.replicates]


def _bootstrap_medians(sorted_flat: np.ndarray, offsets: np.ndarray, sizes: np.ndarray, drawn: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """One bootstrap median of each drawn window (``drawn`` holds window indices, any shape),
    drawn exactly without building the resample.

    A resample of n values is x_(ceil(n*U)) for n uniforms U, so its k-th order statistic is
    x_(ceil(n*V)) with V the k-th order statistic of n uniforms: V ~ Beta(k, n+1-k). For even n
    numpy's median averages the k-th and (k+1)-th; given V, the (k+1)-th uniform order statistic
    is the smallest of the n-k uniforms above V: V + (1-V) * Beta(1, n-k).
    """
    n = sizes[drawn]
    k = (n + 1) // 2
    lower = rng.beta(k, n + 1 - k)
    upper = lower + (1 - lower) * rng.beta(1, np.maximum(n - k, 1))

    def pick(v):
        rank = np.clip(np.ceil(n * v).astype(np.int64), 1, n)
        return sorted_flat[offsets[drawn] + rank - 1]

    low_value = pick(lower)
    return np.where(n % 2 == 0, (low_value + pick(upper)) / 2, low_value)


def _student_t_quantile(p: float, df: int) -> float:
    """Student-t quantile without scipy: exact for df 1 and 2, else the Cornish-Fisher
    expansion (Abramowitz & Stegun 26.7.5; within 0.2% of exact at p = 0.975, df = 3)."""
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    g = [(z**3 + z) / 4, (5 * z**5 + 16 * z**3 + 3 * z) / 96, (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
         (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160]
    return z + sum(gi / df ** (i + 1) for i, gi in enumerate(g))


def small_sample_factor(n_windows: int, confidence: float = 0.95) -> float:
    """How much to widen the replicates' spread for few windows. The percentile bootstrap of m
    values is a normal interval with the plug-in variance (biased low by (m-1)/m): at m = 6 it
    covers about 87% instead of 95%. The factor sqrt(m/(m-1)) * t_{m-1}/z gives it the width of
    the Student-t interval. 1 for a single window (no between-window spread to correct)."""
    if n_windows < 2:
        return 1.0
    p = 1 - (1 - confidence) / 2
    return math.sqrt(n_windows / (n_windows - 1)) * _student_t_quantile(p, n_windows - 1) / NormalDist().inv_cdf(p)


def estimate(windows: Sequence[Sequence[float]], confidence: float = 0.95, resamples: int = ESTIMATE_RESAMPLES, seed: int = 0,
             small_sample_correction: bool = True) -> CellEstimate:
    """Headline value and percentile CI of a cell measured in several windows (repetitions):
    each replicate draws len(windows) windows with replacement, then a bootstrap median of each
    drawn window, and averages them. With ``small_sample_correction`` the replicates' deviations
    from the value are widened by ``small_sample_factor`` (stored replicates included, so a
    verdict computed from them carries the same correction)."""
    arrays = [np.sort(np.asarray(w, dtype=np.float64)) for w in windows]
    if not arrays:
        raise ValueError("no windows to estimate")
    sizes = np.array([a.size for a in arrays], dtype=np.int64)
    if (sizes == 0).any():
        raise ValueError(f"window {int(np.argmin(sizes))} has no samples")
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    sorted_flat = np.concatenate(arrays)
    m = len(arrays)
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, m, size=(resamples, m))
    replicates = _bootstrap_medians(sorted_flat, offsets, sizes, drawn, rng).mean(axis=1)
    value = float(np.mean([np.median(a) for a in arrays]))
    if small_sample_correction and m > 1:
        factor = small_sample_factor(m, confidence)
        if value > 0 and (replicates > 0).all():  # times and rates: widen on the log scale, stay positive
            replicates = value * np.exp(factor * (np.log(replicates) - math.log(value)))
        else:
            replicates = value + factor * (replicates - value)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(replicates, [alpha, 1 - alpha])
    return CellEstimate(value, float(low), float(high), m, int(sizes.sum()), replicates)
