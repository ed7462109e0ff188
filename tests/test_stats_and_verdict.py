import math

import numpy as np
import pytest

from dlarena.measure.stats import bootstrap_median_ci, estimate, small_sample_factor, sample_summary
from dlarena.measure.timer import TimingConfig, measure
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, Verdict, band_of, compare, fragile
import importlib.util


def test_summary_of_known_samples():
    s = sample_summary(list(range(1, 101)))
    assert s.n == 100
    assert s.median == pytest.approx(50.5)
    assert s.q1 == pytest.approx(25.75) and s.q3 == pytest.approx(75.25)
    assert s.p90 == pytest.approx(90.1) and s.p99 == pytest.approx(99.01)
    assert s.mean == 50.5 and s.std == pytest.approx(29.011491975882016, rel=1e-12)  # sample sd (ddof 1)
    assert s.as_dict()["p90"] == s.p90 and s.as_dict()["n"] == 100
    assert (s.ci_low, s.ci_high) == (41.0, 59.5)  # seed 0, 1000 resamples


def test_summary_of_one_and_of_two_samples():
    one = sample_summary([5.0])
    assert (one.n, one.median, one.mean, one.std, one.ci_low, one.ci_high) == (1, 5.0, 5.0, 0.0, 5.0, 5.0)
    two = sample_summary([1.0, 3.0])
    assert two.std == pytest.approx(math.sqrt(2), rel=1e-12)
    assert bootstrap_median_ci(np.array([1.0, 3.0])) == (1.0, 3.0)  # two samples are resampled, not taken as one


def test_summary_of_float32_samples_is_computed_in_float64():
    samples = np.array([0.1, 0.2], dtype=np.float32)
    s = sample_summary(samples)
    assert s.median == (float(samples[0]) + float(samples[1])) / 2  # float32 arithmetic rounds it differently
    assert s.mean == s.median


def test_bootstrap_ci_narrows_with_more_samples():
    rng = np.random.default_rng(0)
    small = bootstrap_median_ci(rng.normal(10, 1, 30))
    large = bootstrap_median_ci(rng.normal(10, 1, 3000))
    assert (large[1] - large[0]) < (small[1] - small[0]) / 4


def test_the_estimate_is_seeded_with_0_by_default():
    windows = [[1.0, 2.0, 3.0], [10.0, 11.0, 12.0, 13.0]]
    assert np.array_equal(estimate(windows, resamples=50).replicates, estimate(windows, resamples=50, seed=0).replicates)
    assert not np.array_equal(estimate(windows, resamples=50).replicates, estimate(windows, resamples=50, seed=1).replicates)


def test_bootstrap_ci_is_seeded_with_0_by_default():
    samples = np.random.default_rng(0).normal(10, 1, 30)
    assert bootstrap_median_ci(samples) == bootstrap_median_ci(samples, seed=0) != bootstrap_median_ci(samples, seed=1)


def test_summarize_rejects_empty():
    with pytest.raises(ValueError, match="^no samples to summarize$"):
        sample_summary([])


# -- two-level bootstrap ----------------------------------------------------------------------
def test_hierarchical_ci_covers_the_true_value_where_a_pooled_ci_does_not():
    # 300 simulated reruns of one cell: 6 windows whose true means vary (sd 5%), 200 samples each
    # with 10% noise inside the window. True value: 1.
    rng = np.random.default_rng(12)
    reruns, windows, samples = 300, 6, 200
    means = 1 + 0.05 * rng.standard_normal((reruns, windows, 1))
    data = means * (1 + 0.10 * rng.standard_normal((reruns, windows, samples)))
    covered = {"two-level": 0, "plain percentile": 0, "pooled": 0}
    for i, run in enumerate(data):
        for name, est in (("two-level", estimate(run, resamples=500, seed=i)),
                          ("plain percentile", estimate(run, resamples=500, seed=i, small_sample_correction=False)),
                          ("pooled", estimate([run.ravel()], resamples=500, seed=i))):  # today's one-window CI
            covered[name] += est.ci_low <= 1.0 <= est.ci_high
    share = {k: v / reruns for k, v in covered.items()}
    assert 0.88 <= share["two-level"] <= 0.99
    assert share["pooled"] < 0.60
    assert share["plain percentile"] < share["two-level"]  # 6 windows: the t-widening is what calibrates it


def _brute_force_medians(x: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.median(x[rng.integers(0, len(x), size=(resamples, len(x)))], axis=1)


@pytest.mark.parametrize("n", [15, 16])  # odd: one order statistic; even: numpy averages two
def test_beta_order_statistic_median_matches_brute_force_bootstrap(n):
    x = np.random.default_rng(n).lognormal(0, 0.5, n)
    drawn = estimate([x], resamples=40_000, seed=1).replicates
    brute = _brute_force_medians(x, 40_000, seed=2)
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    spacing = np.diff(np.sort(x)).max()
    assert np.quantile(drawn, levels) == pytest.approx(np.quantile(brute, levels), abs=spacing)
    # Same distribution over the support: largest CDF difference (Kolmogorov-Smirnov) is small.
    grid = np.unique(np.concatenate([drawn, brute]))
    cdf = lambda v: np.searchsorted(np.sort(v), grid, side="right") / len(v)  # noqa: E731
    assert np.abs(cdf(drawn) - cdf(brute)).max() < 0.015
    if n % 2:
        assert np.isin(drawn, x).all()  # an odd resample's median is one of the samples


def test_estimate_value_sizes_and_determinism():
    windows = [[1.0, 2.0, 3.0], [10.0, 11.0, 12.0, 13.0]]
    est = estimate(windows, resamples=300, seed=5)
    assert est.value == pytest.approx((2.0 + 11.5) / 2)
    assert (est.n_windows, est.n_samples, len(est.replicates)) == (2, 7, 300)
    assert est.ci_low < est.value < est.ci_high
    again = estimate(windows, resamples=300, seed=5)
    assert np.array_equal(est.replicates, again.replicates)
    assert not np.array_equal(est.replicates, estimate(windows, resamples=300, seed=6).replicates)
    as_list = est.replicates_list()
    assert len(as_list) == 300 and all(type(r) is float for r in as_list)


def test_estimate_of_one_window_and_of_none():
    one = estimate([np.arange(1.0, 102.0)], resamples=1000)
    assert one.value == 51.0 and one.n_windows == 1
    assert (one.ci_low, one.ci_high) == (41.0, 61.0)  # within-window uncertainty only (seed 0)
    with pytest.raises(ValueError, match="^no windows to estimate$"):
        estimate([])


def test_a_bootstrap_median_of_three_samples_is_the_smallest_in_7_of_27_resamples():
    # two or three of the three draws are the smallest value: 3 (1/3)^2 (2/3) + (1/3)^3 = 7/27
    one = estimate([[1.0, 2.0, 3.0]], resamples=4000)
    assert set(one.replicates.tolist()) == {1.0, 2.0, 3.0}
    assert np.mean(one.replicates == 1.0) == pytest.approx(7 / 27, abs=0.03)
    assert np.mean(one.replicates == 3.0) == pytest.approx(7 / 27, abs=0.03)


def test_an_estimate_of_float32_windows_is_computed_in_float64():
    window = np.array([0.1, 0.2], dtype=np.float32)
    assert estimate([window], resamples=10).value == (float(window[0]) + float(window[1])) / 2


# Student-t quantiles (scipy.stats.t.ppf): exact for 1 and 2 degrees of freedom, beyond that the
# 4-term Cornish-Fisher expansion, always a little low, within its known error
T_QUANTILES = [  # p, df, exact, the expansion's relative error
    (0.975, 1, 12.706204736174694, 1e-12), (0.995, 1, 63.656741162871526, 1e-12),
    (0.975, 2, 4.302652729749462, 1e-12), (0.9, 2, 1.8856180831641272, 1e-12),
    (0.9, 3, 1.637744353696209, 2.0e-4), (0.975, 3, 3.1824463052837078, 1.3e-3), (0.995, 3, 5.840909309733355, 8.0e-3),
    (0.95, 4, 2.1318467863266495, 1.2e-4), (0.975, 6, 2.4469118511449786, 5e-5), (0.95, 10, 1.8124611228116756, 1.3e-6),
    (0.975, 30, 2.0422724563012378, 2e-8),
]


@pytest.mark.parametrize("p, df, exact, error", T_QUANTILES)
def test_student_t_quantile_within_the_expansions_error(p, df, exact, error):
    from dlarena.measure.stats import _student_t_quantile

    assert _student_t_quantile(p, df) == pytest.approx(exact, rel=error)
    assert df < 3 or _student_t_quantile(p, df) < exact


def test_student_t_quantile_is_abramowitz_stegun_26_7_5_to_four_terms():
    # the expansion's own values where each of its terms weighs most (df 3, far tail), so a changed
    # coefficient shows even where it would bring the value nearer the exact quantile
    from dlarena.measure.stats import _student_t_quantile

    assert _student_t_quantile(0.995, 3) == pytest.approx(5.794932457570617, rel=1e-12)
    assert _student_t_quantile(0.9, 3) == pytest.approx(1.6374250413708942, rel=1e-12)


def test_small_sample_factor_is_the_student_t_widening():
    assert small_sample_factor(1) == 1.0
    assert small_sample_factor(6) == pytest.approx(math.sqrt(6 / 5) * 2.5706 / 1.95996, rel=1e-3)
    assert small_sample_factor(2) == pytest.approx(math.sqrt(2) * 12.7062 / 1.95996, rel=1e-3)
    assert small_sample_factor(100) == pytest.approx(math.sqrt(100 / 99) * 1.98422 / 1.95996, rel=1e-3)


# -- the verdict rule -------------------------------------------------------------------------
def _with_ratio_ci(low: float, high: float, higher_is_better: bool = True) -> tuple[Estimate, Estimate]:
    """Two estimates whose replicates give exactly this 95% CI of the speed ratio a/b."""
    speeds = (low,) * 50 + (high,) * 50  # 2.5% and 97.5% quantiles fall inside each block
    value = math.sqrt(low * high)
    if higher_is_better:
        return Estimate("A", value, low, high, speeds), Estimate("B", 1.0, 1.0, 1.0, (1.0,) * 100)
    times = tuple(1 / s for s in speeds)
    return Estimate("A", 1 / value, 1 / high, 1 / low, times), Estimate("B", 1.0, 1.0, 1.0, (1.0,) * 100)


@pytest.mark.parametrize("low, high, outcome, winner", [
    (1 / 1.05 + 1e-4, 1.05 - 1e-4, "equivalent", None),    # just inside the band
    (0.96, 1.0501, "inconclusive", None),                  # just outside the band, straddles 1
    (1.0001, 1.0501, "faster", "A"),                       # just outside the band, above 1
    (0.90, 1 / 1.05 - 1e-4, "faster", "B"),                # just below the band's lower edge
    (1 / 1.05 + 1e-4, 0.99, "equivalent", None),           # below 1 but inside the band
])
@pytest.mark.parametrize("higher_is_better", [True, False])
def test_band_edges_in_both_directions(low, high, outcome, winner, higher_is_better):
    a, b = _with_ratio_ci(low, high, higher_is_better)
    v = compare(a, b, higher_is_better)
    assert (v.outcome, v.winner) == (outcome, winner)
    assert (v.ratio_low, v.ratio_high) == (pytest.approx(low), pytest.approx(high))
    assert (v.speedup_pct is None) == (winner is None)


def test_ratio_cis_that_just_touch_the_band_or_1():
    edge = 1 / (1 + DEFAULT_BAND)
    for low, high, outcome in [(edge, 1 + DEFAULT_BAND, "equivalent"),  # the band is closed at both ends
                               (1.0, 1.08, "inconclusive"),  # "above 1" is strict: touching 1 is not a win
                               (0.90, 1.0, "inconclusive")]:
        v = compare(*_with_ratio_ci(low, high), True)
        assert (v.outcome, v.winner, v.ratio_low, v.ratio_high) == (outcome, None, low, high)


def test_cell_cis_that_just_touch_can_still_decide():
    # A's CI starts where B's ends: no overlap test decides, the ratio's CI does. Without replicates each
    # CI is read as log-normal; worked by hand: log half-widths 0.0910/2 and 0.1001/2 combine to 0.0676,
    # so the ratio 1.1 gets [1.0281, 1.1770] -- a win, though the CIs touch.
    v = compare(Estimate("A", 110, 105, 115), Estimate("B", 100, 95, 105), True)
    assert (v.outcome, v.winner) == ("faster", "A")
    assert (v.ratio, v.ratio_low, v.ratio_high) == pytest.approx((1.1, 1.02807, 1.17696), abs=1e-5)


@pytest.mark.parametrize("a, b, outcome, text", [
    (Estimate("A", 100, 99, 101), Estimate("B", 100, 99, 101), "equivalent",
     "A and B equivalent: ratio 1.00 [0.99–1.01], within ±5%"),
    (Estimate("A", 100, 80, 125), Estimate("B", 100, 80, 125), "inconclusive", "inconclusive: A vs B ratio 1.00 [0.73–1.37]"),
    (Estimate("A", 2.0, 1.0, 3.0, (1.0, 2.0, 3.0)), Estimate("B", 2.0, 1.0, 3.0, (1.0, 2.0, 3.0)), "equivalent",
     "A and B equivalent: ratio 1.00 [1.00–1.00], within ±5%"),
])
@pytest.mark.parametrize("higher_is_better", [True, False])
def test_equal_medians_are_never_a_win(a, b, outcome, text, higher_is_better):
    v = compare(a, b, higher_is_better)
    assert (v.outcome, v.winner, v.speedup_pct, v.ratio, v.text) == (outcome, None, None, 1.0, text)
    assert v.ratio_low * v.ratio_high == pytest.approx(1.0)  # symmetric around 1 on the log scale


@pytest.mark.parametrize("a, b, why", [
    (Estimate("A", 1.0, 0.9, 1.1), Estimate("B", 0.0, 0.0, 0.0), "no valid estimate for B"),
    (Estimate("A", 1.0, 0.0, 1.1), Estimate("B", 1.0, 0.9, 1.1), "no confidence interval for A"),
    (Estimate("A", 1.0, 0.9, 1.1), Estimate("B", -1.0, -1.1, -0.9), "no valid estimate for B"),
])
def test_zero_or_negative_values_are_inconclusive(a, b, why):
    v = compare(a, b, True)
    assert (v.outcome, v.winner, v.ratio, v.text) == ("inconclusive", None, None, f"inconclusive: A vs B ({why})")


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_replicates_with_a_zero_fall_back_to_the_cis(higher_is_better):
    a = Estimate("A", 1.2, 1.1, 1.3, (0.0, 1.2, 1.2, 1.2))
    b = Estimate("B", 1.0, 0.95, 1.05, (1.0,) * 4)
    without = Estimate("A", 1.2, 1.1, 1.3)
    assert compare(a, b, higher_is_better) == compare(without, b, higher_is_better)


def test_band_is_configurable():
    a, b = _with_ratio_ci(1.02, 1.08)
    assert compare(a, b, True).outcome == "faster"
    wide = compare(a, b, True, band=0.10)
    assert wide.outcome == "equivalent" and wide.text.endswith("within ±10%")


def test_texts():
    fast = compare(Estimate("A", 150, 140, 160), Estimate("B", 100, 95, 105), higher_is_better=True)
    assert fast.winner == "A" and fast.speedup_pct == pytest.approx(50) and fast.ratio == pytest.approx(1.5)
    assert fast.text == "A faster than B by 50% [38–63%]"
    latency = compare(Estimate("A", 2.0, 1.9, 2.1), Estimate("B", 1.0, 0.9, 1.1), higher_is_better=False)
    assert latency.winner == "B" and latency.speedup_pct == pytest.approx(100) and latency.ratio == pytest.approx(0.5)
    assert latency.text == "B faster than A by 100% [79–124%] (2.0x)"
    same = compare(Estimate("PyTorch eager", 101, 100, 102), Estimate("JAX jit", 100, 99, 101), True)
    assert same.text == "PyTorch eager and JAX jit equivalent: ratio 1.01 [1.00–1.02], within ±5%"
    unsure = compare(Estimate("PyTorch eager", 103, 95, 112), Estimate("JAX jit", 100, 99, 101), True)
    assert unsure.text == "inconclusive: PyTorch eager vs JAX jit ratio 1.03 [0.95–1.12]"


@pytest.mark.parametrize("a, why", [
    (Estimate("A", None, 1, 2), "no valid estimate for A"),
    (Estimate("A", 0.0, 0, 0), "no valid estimate for A"),
    (Estimate("A", float("nan"), 1, 2), "no valid estimate for A"),
    (Estimate("A", 1.5, None, 2), "no confidence interval for A"),
    (Estimate("A", 1.5, 1.0, float("nan")), "no confidence interval for A"),
])
def test_missing_values_or_intervals_are_inconclusive(a, why):
    v = compare(a, Estimate("B", 1.0, 0.9, 1.1), True)
    assert (v.outcome, v.winner, v.ratio) == ("inconclusive", None, None)
    assert v.text == f"inconclusive: A vs B ({why})"


def test_replicates_decide_when_both_sides_have_them():
    # The stored CIs overlap widely; the replicates say the ratio is 1.2 +- 1%.
    rng = np.random.default_rng(0)
    reps_b = 100 * np.exp(0.005 * rng.standard_normal(2000))
    reps_a = 1.2 * reps_b * np.exp(0.005 * rng.standard_normal(2000))
    a, b = Estimate("A", 120, 60, 240, tuple(reps_a)), Estimate("B", 100, 50, 200, tuple(reps_b))
    v = compare(a, b, True)
    assert v.outcome == "faster" and v.winner == "A"
    assert v.ratio_low > 1.18 and v.ratio_high < 1.22 and v.ratio_low < v.ratio_high
    # Without the other side's replicates: the CIs' log-normal approximation, inconclusive here.
    approx = compare(a, Estimate("B", 100, 50, 200), True)
    assert approx.outcome == "inconclusive" and approx.ratio_low < 1 < approx.ratio_high
    # Latency: a's times are half of b's, so a is twice as fast.
    lat = compare(Estimate("A", 0.5, 0.49, 0.51, (0.5,) * 10), Estimate("B", 1.0, 0.98, 1.02, (1.0,) * 10), False)
    assert lat.winner == "A" and lat.ratio == pytest.approx(2) and lat.text == "A faster than B by 100% [100–100%] (2.0x)"


@pytest.mark.parametrize("low,high,expected", [
    (1.02, 1.24, True),    # clears 1 by ln 1.02 = 0.020 < 0.25 x width 0.195: a rerun may lose it
    (1.06, 1.24, False),   # 0.058 > 0.25 x 0.157
    (0.80, 0.98, True),    # the same for the other side winning
    (0.80, 0.93, False),
    (1.60, 2.40, False),
])
def test_a_winner_whose_ci_only_just_excludes_a_tie_is_fragile(low, high, expected):
    ratio = math.sqrt(low * high)
    assert fragile(Verdict("t", "A", 1.0, "faster", ratio, low, high)) is expected


def test_only_winners_are_fragile():
    assert not fragile(Verdict("t", None, None, "inconclusive", 1.0, 0.99, 1.01))
    assert not fragile(Verdict("t", None, None, "equivalent", 1.0, 0.99, 1.01))
    assert not fragile(Verdict("t", "A", 1.0, "faster", None, None, None))


def test_band_of_a_stored_run_and_the_old_import_path():
    assert band_of({"equivalence_band": 0.1}) == 0.1
    assert band_of({}) == band_of(None) == 0.05
    assert importlib.util.find_spec("dlarena.report.verdict") is None  # the verdict rule has one home: measure.verdict


# -- timer --------------------------------------------------------------------------------------
def test_timer_meets_both_minimums_and_syncs_every_call():
    calls, syncs = [], []
    timing = measure(lambda: calls.append(1), lambda: syncs.append(1),
                     TimingConfig(warmup_iters=3, warmup_s=0, min_iters=25, min_s=0.0, max_s=5))
    assert timing.warmup_iters == 3
    assert len(timing.samples_s) == 25
    assert len(calls) == len(syncs) == 1 + 3 + 25  # first call, warm-up, measured


class StepClock:
    """A fake clock for the timer: time moves only when the timed function runs (``tick``)."""

    def __init__(self, step_ns: int):
        self.now_ns, self.step_ns = 0, step_ns

    def tick(self):
        self.now_ns += self.step_ns

    def perf_counter_ns(self) -> int:
        return self.now_ns

    def perf_counter(self) -> float:
        return self.now_ns * 1e-9


def test_timer_min_duration_extends_iterations(monkeypatch):
    from dlarena.measure import timer

    clock = StepClock(step_ns=1_000_000)  # every call takes exactly 1 ms
    monkeypatch.setattr(timer, "time", clock)
    timing = measure(clock.tick, lambda: None,
                     TimingConfig(warmup_iters=0, warmup_s=0, min_iters=1, min_s=0.05, max_s=5))
    assert timing.samples_s == [0.001] * 50  # min_s (50 ms) of 1 ms calls, though min_iters is 1
    assert timing.first_call_s == 0.001


def test_timer_stops_at_max_s_before_min_iters_or_min_s(monkeypatch):
    from dlarena.measure import timer

    clock = StepClock(step_ns=1_000_000)
    monkeypatch.setattr(timer, "time", clock)
    timing = measure(clock.tick, lambda: None,
                     TimingConfig(warmup_iters=0, warmup_s=0, min_iters=1000, min_s=0.05, max_s=0.02))
    assert len(timing.samples_s) == 20


# -- the rule's edges, each where a plausible slip would change the verdict (issue 32) ----------
@pytest.mark.parametrize("higher_is_better", [True, False])
def test_a_ratio_ci_between_1_minus_band_and_the_bands_lower_edge_is_inconclusive(higher_is_better):
    # The band's lower edge is 1/(1+band) = 0.95238, not 1-band = 0.95: a CI starting at 0.951 is
    # outside it, and straddles 1, so no winner and no "equivalent" either.
    v = compare(*_with_ratio_ci(0.951, 1.04, higher_is_better), higher_is_better)
    assert (v.outcome, v.winner) == ("inconclusive", None)
    inside = compare(*_with_ratio_ci(0.9525, 1.04, higher_is_better), higher_is_better)
    assert inside.outcome == "equivalent"


def test_the_replicate_ratio_ci_is_the_central_95_percent():
    # 1001 distinct replicate ratios 1.000 .. 2.000: the 2.5% and 97.5% quantiles, not 5% / 95%
    # (replicates of two values give the same interval at any level: they cannot tell).
    reps = tuple(np.linspace(1.0, 2.0, 1001))
    v = compare(Estimate("A", 1.5, 1.0, 2.0, reps), Estimate("B", 1.0, 1.0, 1.0, (1.0,) * 1001), True)
    assert (v.ratio_low, v.ratio_high) == (pytest.approx(1.025), pytest.approx(1.975))


def test_a_winner_clearing_1_by_exactly_the_fragile_share_is_not_fragile():
    # ln(low) = 0.125 = 0.25 x (ln high - ln low) = 0.25 x 0.5, exactly (in binary): strict "<".
    low, high = math.exp(0.125), math.exp(0.625)
    assert math.log(low) == 0.25 * (math.log(high) - math.log(low))
    assert fragile(Verdict("t", "A", 1.0, "faster", math.sqrt(low * high), low, high)) is False
    nudged = math.exp(0.1249)
    assert fragile(Verdict("t", "A", 1.0, "faster", math.sqrt(nudged * high), nudged, high)) is True


@pytest.mark.parametrize("m, level, confidence", [(2, 1, 0.95), (3, 1, 0.95), (6, 1, 0.95), (3, 0.01, 0.95), (3, 1, 0.9)])
def test_the_estimates_replicates_are_widened_by_exactly_the_small_sample_factor(m, level, confidence):
    # Same seed, same draws: the corrected replicates are the plain ones stretched on the log scale
    # around the value by small_sample_factor(m, confidence) -- of m windows, not m-1 or m+1; for
    # values below 1 too (seconds), and at the confidence asked.
    rng = np.random.default_rng(m)
    windows = [list(level * (1 + 0.05 * i + 0.01 * rng.standard_normal(40))) for i in range(m)]
    plain = estimate(windows, seed=5, small_sample_correction=False, confidence=confidence)
    wide = estimate(windows, seed=5, confidence=confidence)
    assert wide.value == plain.value
    moved = np.abs(np.log(plain.replicates / plain.value)) > 1e-9  # a replicate at the value stays there
    stretch = np.log(wide.replicates[moved] / wide.value) / np.log(plain.replicates[moved] / plain.value)
    assert moved.sum() > 1000 and np.allclose(stretch, small_sample_factor(m, confidence), rtol=1e-6)
    assert wide.ci_low < plain.ci_low and wide.ci_high > plain.ci_high


def test_replicates_at_or_below_zero_are_widened_linearly():
    # a window at 0 (a replicate of 0: no log scale): the replicates are stretched around the
    # value by the factor on the linear scale, and stay finite
    windows = [[0.0, 0.0], [2.0, 2.0]]
    plain = estimate(windows, seed=3, small_sample_correction=False)
    wide = estimate(windows, seed=3)
    assert plain.value == 1.0 and 0.0 in plain.replicates
    assert np.allclose(wide.replicates, 1.0 + small_sample_factor(2) * (plain.replicates - 1.0), rtol=1e-12)


def test_windows_of_one_sample_are_estimated_and_an_empty_one_is_named():
    assert estimate([[1.0], [2.0, 3.0]], resamples=10).value == pytest.approx((1.0 + 2.5) / 2)
    with pytest.raises(ValueError, match="^window 1 has no samples$"):
        estimate([[1.0], [], [2.0]])


# -- edges mutmut found untested (docs/mutation.md, "mutmut") ----------------------------------
def test_an_estimate_from_a_stored_row_keeps_its_replicates_and_busy_note():
    row = {"value": 2.0, "ci_low": 1.5, "ci_high": 2.5, "bootstrap": [1.9, 2.1], "extra": {"busy": "probe 2x"}}
    assert Estimate.from_row("A", row) == Estimate("A", 2.0, 1.5, 2.5, (1.9, 2.1), "probe 2x")
    bare = {"value": 2.0, "ci_low": 1.5, "ci_high": 2.5, "bootstrap": None, "extra": '{"busy": "x"}'}
    assert Estimate.from_row("B", bare) == Estimate("B", 2.0, 1.5, 2.5, None, None)  # extra not read: not a dict
    assert Estimate.from_row("C", {**row, "extra": {"busy": ""}}).busy is None


def test_replicate_ratios_pair_the_first_n_of_unequal_lengths():
    a = Estimate("A", 3.0, 2.0, 4.0, (2.0, 4.0, 100.0, 100.0))
    b = Estimate("B", 1.0, 0.9, 1.1, (1.0, 1.0))
    v = compare(a, b, True)
    assert (v.ratio, v.ratio_low, v.ratio_high) == pytest.approx((3.0, 2.05, 3.95))


def test_a_busy_verdict_keeps_the_ratio_it_did_not_judge():
    v = compare(Estimate("A", 2.0, 1.9, 2.1, busy="probe 2x"), Estimate("B", 1.0, 0.95, 1.05), True)
    assert (v.outcome, v.winner, v.ratio) == ("busy", None, 2.0)
    assert v.ratio_low < 2.0 < v.ratio_high
    assert v.text.startswith("undecided: machine busy during A: probe 2x (ratio 2.00 [")
    both = compare(Estimate("A", 2.0, 1.9, 2.1, busy="probe 2x"), Estimate("B", 1.0, 0.95, 1.05, busy="runq 40%"), True)
    assert both.text.startswith("undecided: machine busy during A: probe 2x; B: runq 40% (ratio 2.00 [")


def test_a_faster_verdict_missing_one_end_of_its_ci_is_not_fragile():
    assert fragile(Verdict("t", "A", 50.0, "faster", 1.5, None, 2.0)) is False
    assert fragile(Verdict("t", "A", 50.0, "faster", 1.5, 1.01, None)) is False


def test_the_rule_in_one_sentence_names_the_band_and_every_outcome():
    from dlarena.measure.verdict import describe

    assert describe(0.1) == (
        'Verdict rule: from the 95% CI of the speed ratio of A over B: "A faster than B by x% [low–high%]" when the '
        'CI lies above 1; "equivalent" when it lies within ±10%; otherwise "inconclusive"; "undecided: machine busy" '
        "when a cell's windows stayed contended.")
