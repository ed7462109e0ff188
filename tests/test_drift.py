"""The between-run allowance (measure/drift.py): its estimate from earlier runs, the widened CI,
its coverage on synthetic reruns with a run-level effect, and how runs record and compare it."""

import math

import numpy as np
import pytest

from dlarena.config import Cell
from dlarena.criteria.speed import cells as speed
from dlarena.measure import stats
from dlarena.measure.drift import DEFAULT_SIGMA, between_run, common_drift, widen
from dlarena.report.compare_runs import ci_coverage
from dlarena.runner import history
from dlarena.store.db import ResultStore


def test_sigma_pools_the_observed_drifts_with_the_prior():
    b = between_run([1.02, 0.94], prior=0.04, prior_pairs=2)
    expected = (2 * 0.04**2 + math.log(1.02) ** 2 / 2 + math.log(0.94) ** 2 / 2) / 4
    assert b.sigma == pytest.approx(math.sqrt(expected), rel=1e-12)
    assert (b.pairs, b.prior, b.drifts) == (2, 0.04, (1.02, 0.94))
    assert between_run([]).sigma == DEFAULT_SIGMA and between_run([]).pairs == 0
    # a quiet machine with a long history ends far below the default
    assert between_run([1.001, 0.999] * 5).sigma == pytest.approx(0.04 * math.sqrt(2 / 12), rel=0.01)
    assert "2 pairs of earlier runs on this machine (drifts +2.0%, -6.0%)" in b.describe()


def test_common_drift_is_the_median_log_ratio():
    assert common_drift([(1, 1.1), (2, 2.2), (5, 5.0)]) == pytest.approx(1.1)
    assert common_drift([(1, 2), (0, 3)]) == pytest.approx(2.0)  # a zero speed carries no ratio
    assert common_drift([]) is None


def test_widen_adds_in_quadrature_on_the_log_scale():
    z = 1.959963984540054
    low, high = widen(100.0, 100 * math.exp(-0.03), 100 * math.exp(0.05), 0.02)
    assert low == pytest.approx(100 * math.exp(-math.hypot(0.03, z * 0.02)))
    assert high == pytest.approx(100 * math.exp(math.hypot(0.05, z * 0.02)))
    assert widen(100.0, 99.0, 101.0, 0.0) == (99.0, 101.0)
    assert widen(-1.0, -2.0, 0.5, 0.05) == (-2.0, 0.5)  # no log scale for a non-positive value
    assert widen(100.0, 100.0, 100.0, 0.05)[0] == pytest.approx(100 * math.exp(-z * 0.05))


def test_widened_ci_covers_the_true_value_across_reruns():
    """Simulated runs whose whole level moves with sigma 5% (the machine between runs), 6 windows
    of 40 calls each with 2% window and 5% call noise: the within-run CI covers the true value in
    well under 95% of runs, the widened one in about 95%."""
    rng = np.random.default_rng(7)
    true, sigma, runs = 100.0, 0.05, 300
    within = widened = 0
    for i in range(runs):
        level = true * math.exp(rng.normal(0, sigma))
        windows = [level * np.exp(rng.normal(0, 0.02) + rng.normal(0, 0.05, 40)) for _ in range(6)]
        est = stats.estimate(windows, seed=i, resamples=500)
        within += est.ci_low <= true <= est.ci_high
        low, high = widen(est.value, est.ci_low, est.ci_high, sigma)
        widened += low <= true <= high
    assert within / runs < 0.6
    assert 0.9 <= widened / runs <= 0.99


def _store_with_runs(tmp_path, levels: dict[str, tuple[float, dict]]):
    """Runs (oldest first) whose every throughput cell is ``level`` x its base value."""
    store = ResultStore(tmp_path / "r.duckdb")
    for run_id, (level, env) in levels.items():
        store.start_run(run_id, "quick", {}, env)
        for i in range(6):
            cell = Cell(workload="mlp", framework="torch", mode=f"m{i}", scenario="infer_throughput", batch=8)
            store.record_cell(run_id, cell, {"status": "ok", "metrics": [
                {"metric": "throughput_sps", "unit": "samples/s", "value": level * (100 + i)}]})
            lat = Cell(workload="mlp", framework="torch", mode=f"m{i}", scenario="infer_latency", batch=1)
            store.record_cell(run_id, lat, {"status": "ok", "metrics": [
                {"metric": "latency_ms", "unit": "ms", "value": (1 + i) / level}]})
        store.finish_run(run_id)
    return store


def test_history_reads_consecutive_runs_of_this_machine_only(tmp_path):
    here, there = {"hostname": "a", "intra_op_threads": 2}, {"hostname": "b", "intra_op_threads": 2}
    store = _store_with_runs(tmp_path, {"r1": (1.0, here), "r2": (1.05, here), "x": (3.0, there),
                                        "r3": (0.98, here), "now": (1.0, here)})
    drifts = history.machine_drifts(store, "now", here, speed)
    assert drifts == pytest.approx([1.05, 0.98 / 1.05])  # latencies count as speeds, inverted
    b = history.allowance(store, "now", here, speed, None)
    assert b.pairs == 2 and b.sigma == pytest.approx(between_run(drifts).sigma)
    assert history.allowance(store, "now", here, speed, 0.01).as_dict() == {
        "sigma": 0.01, "pairs": 0, "prior": None, "drifts": ()}
    assert history.machine_drifts(store, "now", {"hostname": "new"}, speed) == []


def test_engine_widens_the_stored_ci_and_keeps_replicates(tmp_path, fault_entries, monkeypatch):
    """The headline CI gains the allowance, its replicates (verdicts) do not; `dlarena compare`
    can still read the within-run CI."""
    from test_engine import _run

    monkeypatch.setenv("DLARENA_TEST_FAULT", "")
    store, _ = _run(tmp_path, frameworks=("torch",), repetitions={"min_windows": 3, "max_windows": 3, "gap_s": 0,
                                                                    "between_run_sigma": 0.03})
    head = next(m for m in store.measurements("r") if m["metric"] == "throughput_sps")
    low, high = head["extra"]["ci_within_run"]
    assert (head["ci_low"], head["ci_high"]) == pytest.approx(widen(head["value"], low, high, 0.03))
    assert head["ci_low"] < low and head["ci_high"] > high
    assert head["extra"]["between_run"] == {"sigma": 0.03, "pairs": 0, "prior": None, "drifts": []}
    assert np.quantile(head["bootstrap"], 0.975) == pytest.approx(high, rel=1e-6)
    # a rerun's value inside the widened CI but above the within-run one: covered only by the former
    rerun = {**head, "value": (high + head["ci_high"]) / 2, "extra": {}}
    assert (ci_coverage([head], [rerun]).a_covers_b, ci_coverage([head], [rerun], within_run=True).a_covers_b) == (1, 0)


def test_probe_speedup_is_the_ratio_of_median_probe_times():
    from dlarena.report.compare_runs import probe_speedup

    reps = lambda *probes: [{"noise": {"probe_s": p}} for p in probes] + [{"noise": {}}]  # noqa: E731
    assert probe_speedup(reps(1.0e-3, 1.2e-3, 1.1e-3), reps(1.6e-3, 1.7e-3, 1.5e-3)) == pytest.approx(1.1 / 1.6)
    assert probe_speedup(reps(), reps(1e-3)) is None


# -- edges the allowance and its comparison decide on (issue 32) ----------------------------------
class _RunsAt:
    """A results store's two reads machine_drifts uses (runs newest first, their headline values),
    for runs r00, r01, ... (oldest first) of MIN_SHARED_CELLS throughput cells at ``level`` x base,
    then "now": many runs without a database (fast)."""

    def __init__(self, levels: list[float], env: dict):
        from dlarena.measure.drift import MIN_SHARED_CELLS

        self.levels = {f"r{k:02d}": level for k, level in enumerate(levels)} | {"now": 1.0}
        self.env, self.cells = env, MIN_SHARED_CELLS

    def runs(self):
        return [{"run_id": run_id, "env": self.env} for run_id in reversed(self.levels)]

    def headline_values(self, run_ids, metrics):
        return {run_id: [{"cell_id": f"mlp/torch/m{i}/infer_throughput/b8", "scenario": "infer_throughput",
                          "metric": "throughput_sps", "value": self.levels[run_id] * (100 + i)} for i in range(self.cells)]
                for run_id in run_ids}


def test_history_uses_the_newest_runs_and_pairs_sharing_exactly_the_minimum_of_cells():
    from dlarena.measure.drift import HISTORY_PAIRS

    here = {"hostname": "a", "intra_op_threads": 2}
    # 13 earlier runs: the oldest pair drifted 2x; only the newest HISTORY_PAIRS pairs count, the last moved +10%
    levels = [2.0] + [1.0] * 11 + [1.1]
    drifts = history.machine_drifts(_RunsAt(levels, here), "now", here, speed)
    assert len(drifts) == HISTORY_PAIRS == 10
    assert drifts == pytest.approx([1.0] * 9 + [1.1])


def test_coverage_within_run_reads_the_ci_before_the_allowance():
    # run A's stored (widened) CI [90, 110] contains B's 105; its within-run CI [99, 101] does not
    a = {"cell_id": "c", "metric": "throughput_sps", "status": "ok", "value": 100.0, "ci_low": 90.0, "ci_high": 110.0,
         "extra": {"ci_within_run": [99.0, 101.0]}}
    b = {"cell_id": "c", "metric": "throughput_sps", "status": "ok", "value": 105.0, "ci_low": 104.0, "ci_high": 106.0,
         "extra": {}}
    assert (ci_coverage([a], [b]).a_covers_b, ci_coverage([a], [b], within_run=True).a_covers_b) == (1, 0)
    assert ci_coverage([a], [b], within_run=True).b_covers_a == 0
    # a value exactly at an end of the CI is inside it (closed interval)
    at_end = {**b, "value": 110.0}
    assert ci_coverage([a], [at_end]).a_covers_b == 1
    assert ci_coverage([a], [{**b, "value": 101.0}], within_run=True).a_covers_b == 1


def test_only_positive_drifts_and_speeds_count():
    # a drift or speed of 0, a negative one, and one below 1 (slower: a real drift, not noise)
    assert between_run([1.02, 0.0, -1.0]).pairs == 1
    assert between_run([0.98], prior=0.0, prior_pairs=0).sigma == pytest.approx(abs(math.log(0.98)) / math.sqrt(2))
    assert common_drift([(1, 0.5), (2, 0), (2, -1)]) == pytest.approx(0.5)


@pytest.mark.parametrize("value, low, high", [
    (100.0, 0.0, 101.0), (100.0, 99.0, 0.0),  # a CI end at 0: no log scale
    (0.0, 0.5, 2.0), (-1.0, 0.5, 2.0),  # a value that is not positive
])
def test_widen_leaves_a_ci_without_a_log_scale_unchanged(value, low, high):
    assert widen(value, low, high, 0.05) == (low, high)


def test_widen_works_below_1_and_adds_only_the_allowance_to_a_side_the_ci_does_not_extend():
    z = 1.959963984540054
    low, high = widen(0.5, 0.4, 0.8, 0.05)  # values below 1 have a log scale too
    assert low == pytest.approx(0.5 * math.exp(-math.hypot(math.log(0.5 / 0.4), z * 0.05)))
    assert high == pytest.approx(0.5 * math.exp(math.hypot(math.log(0.8 / 0.5), z * 0.05)))
    # a CI that does not reach the value on one side (a zero-width or shifted interval): that side
    # gets the allowance alone, not the distance to the far end
    assert widen(100.0, 100.0, 100.0, 0.05) == pytest.approx((100 * math.exp(-z * 0.05), 100 * math.exp(z * 0.05)))
    assert widen(100.0, 101.0, 110.0, 0.05)[0] == pytest.approx(100 * math.exp(-z * 0.05))
    assert widen(100.0, 90.0, 99.0, 0.05)[1] == pytest.approx(100 * math.exp(z * 0.05))


def test_describe_says_how_many_pairs_informed_the_allowance():
    from dlarena.measure.drift import BetweenRun

    assert between_run([]).describe() == "between-run allowance sigma 4.0%, from a default of 4%"
    one = BetweenRun(0.03, 1, 0.04, (1.05,)).describe()
    assert one == ("between-run allowance sigma 3.0%, from 1 pair of earlier runs on this machine (drifts +5.0%) "
                   "and a default of 4%")
    assert BetweenRun(0.02, 0, None).describe() == "between-run allowance sigma 2.0% (set in the configuration)"
