import numpy as np
import pytest

from dlarena.measure.stats import bootstrap_median_ci, summarize
from dlarena.measure.timer import TimingConfig, measure
from dlarena.report.verdict import Estimate, compare


def test_summary_of_known_samples():
    s = summarize(list(range(1, 101)))
    assert s.n == 100
    assert s.median == pytest.approx(50.5)
    assert s.q1 == pytest.approx(25.75) and s.q3 == pytest.approx(75.25)
    assert s.p99 == pytest.approx(99.01)
    assert s.ci_low < s.median < s.ci_high
    assert 40 < s.ci_low and s.ci_high < 61


def test_bootstrap_ci_narrows_with_more_samples():
    rng = np.random.default_rng(0)
    small = bootstrap_median_ci(rng.normal(10, 1, 30))
    large = bootstrap_median_ci(rng.normal(10, 1, 3000))
    assert (large[1] - large[0]) < (small[1] - small[0]) / 4


def test_summarize_rejects_empty():
    with pytest.raises(ValueError, match="no samples"):
        summarize([])


def test_verdict_tie_when_intervals_overlap():
    v = compare(Estimate("A", 10, 9, 11), Estimate("B", 10.5, 10.2, 12), higher_is_better=True)
    assert v.winner is None and v.text.startswith("tie")


def test_verdict_throughput_and_latency_directions():
    fast = compare(Estimate("A", 150, 140, 160), Estimate("B", 100, 95, 105), higher_is_better=True)
    assert fast.winner == "A" and fast.speedup_pct == pytest.approx(50)
    assert fast.text == "A faster than B by 50%"
    latency = compare(Estimate("A", 2.0, 1.9, 2.1), Estimate("B", 1.0, 0.9, 1.1), higher_is_better=False)
    assert latency.winner == "B" and latency.speedup_pct == pytest.approx(100)
    assert latency.text == "B faster than A by 100% (2.0x)"


def test_timer_meets_both_minimums_and_syncs_every_call():
    calls, syncs = [], []
    timing = measure(lambda: calls.append(1), lambda: syncs.append(1),
                     TimingConfig(warmup_iters=3, warmup_s=0, min_iters=25, min_s=0.0, max_s=5))
    assert timing.warmup_iters == 3
    assert len(timing.samples_s) == 25
    assert len(calls) == len(syncs) == 1 + 3 + 25  # first call, warm-up, measured


def test_timer_min_duration_extends_iterations():
    timing = measure(lambda: None, lambda: None,
                     TimingConfig(warmup_iters=0, warmup_s=0, min_iters=1, min_s=0.05, max_s=5))
    assert len(timing.samples_s) > 100
