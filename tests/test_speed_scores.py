"""Speed scores on synthetic stored rows: an *equivalent* verdict counts half, an *inconclusive*
(or machine-busy) one is undecided and left out of the denominator; every line states its scope;
batch-1 latency on a model under 1M parameters is labelled per-call overhead."""

import pytest

from dlarena.config import Cell, build_config
from dlarena.criteria.speed import cells as speed
from dlarena.measure.env import fingerprint
from dlarena.store.db import ResultStore

HEAD = {"infer_latency": ("latency_ms", "ms"), "infer_throughput": ("throughput_sps", "samples/s"),
        "train": ("train_throughput_sps", "samples/s")}


def _cells(workload, scenario, values, params=85_000, batch=None, windows=4, flagged=0, busy=None):
    """Parity ok, then one cell per framework: {framework: (value, relative CI half-width)}."""
    batch = batch or (1 if scenario == "infer_latency" else 64)
    out = [(Cell(workload=workload, framework=fw, mode="eager", scenario="parity", batch=16),
            {"status": "ok", "metrics": []}) for fw in values]
    metric, unit = HEAD[scenario]
    for fw, (value, half) in values.items():
        extra = {"windows": windows, "flagged_windows": flagged}
        if busy and fw == "tensorflow":
            extra["busy"] = busy
        out.append((Cell(workload=workload, framework=fw, mode="eager", scenario=scenario, batch=batch), {
            "status": "ok",
            "runtime": {"device": "cpu" if fw == "torch" else "CPU:0", "intra_op_threads": 2,
                        "workload": {"parameter_count": params}},
            "metrics": [{"metric": metric, "unit": unit, "value": value, "ci_low": value * (1 - half),
                         "ci_high": value * (1 + half), "extra": extra}]}))
    return out


def _scores(tmp_path, pairs, **options):
    store = ResultStore(tmp_path / "r.duckdb")
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"], **options).model_dump()
    store.start_run("r", "custom", config, fingerprint(1, 1))
    for cell, result in pairs:
        store.record_cell("r", cell, result)
    store.finish_run("r")
    return speed.scores(store.cells("r"), store.measurements("r"))


def test_equivalent_counts_half_and_inconclusive_is_left_out(tmp_path):
    # +-1% on each side gives a ratio CI of about x e^(+-1.4%): 1.03 -> [1.016, 1.044], inside the
    # +-5% band although it excludes 1 (equivalent, not a win); 1.04 -> [1.025, 1.055], just past
    # the band's edge (a win); +-10% on each side straddles 1 (inconclusive).
    pairs = (_cells("mlp", "infer_latency", {"torch": (0.100, 0.01), "tensorflow": (0.103, 0.01)})
             + _cells("mlp", "infer_throughput", {"torch": (1040.0, 0.01), "tensorflow": (1000.0, 0.01)})
             + _cells("mlp", "train", {"torch": (1000.0, 0.10), "tensorflow": (1000.0, 0.10)}))
    out = _scores(tmp_path, pairs)
    torch, tf = out["torch"], out["tensorflow"]
    assert [c["result"] for c in torch["comparisons"]] == ["equivalent", "win", "undecided"]
    assert [c["outcome"] for c in tf["comparisons"]] == ["equivalent", "faster", "inconclusive"]
    assert torch["score"] == pytest.approx((1 + 0.5) / 2)  # not (1 + 0.5 + 0.5) / 3: inconclusive is no tie
    assert tf["score"] == pytest.approx(0.5 / 2)
    assert torch["line"].startswith("faster in 1, equivalent in 1, slower in 0, undecided 1 of 3 comparisons "
                                    "(each framework's best mode)")
    assert tf["headline"].startswith("faster in 0, equivalent in 1, slower in 1, undecided 1 of 3 comparisons")
    assert (torch["wins"], torch["ties"], torch["losses"], torch["undecided"]) == (1, 1, 0, 1)
    assert torch["grade"] == "measured"


def test_only_undecided_gives_no_score_and_says_so(tmp_path):
    from dlarena import evidence
    from dlarena.recommend import Factor, recommend

    out = _scores(tmp_path, _cells("mlp", "train", {"torch": (1000.0, 0.10), "tensorflow": (1010.0, 0.10)}))
    assert out["torch"]["score"] is None and out["tensorflow"]["score"] is None
    assert not evidence.counts(out["torch"]) and evidence.label(out["torch"]) == "no decided comparison"
    result = recommend([Factor("speed", 1.0, "r", out, "measured"),
                        Factor("ease", 1.0, "r", {"torch": {"score": 1.0, "line": "x", "evidence": []},
                                                  "tensorflow": {"score": 0.0, "line": "y", "evidence": []}}, "measured")])
    assert result.totals == {"torch": 1.0, "tensorflow": 0.0}
    assert "Not scored, shown only: speed (no decided comparison: PyTorch, TensorFlow)" in result.paragraph
    assert "faster in 0, equivalent in 0, slower in 0, undecided 1 of 1 comparisons" in out["torch"]["line"]


def test_a_busy_verdict_is_undecided_not_a_tie(tmp_path):
    # Far apart, but the TensorFlow cell's windows stayed contended: no verdict (undecided).
    pairs = (_cells("mlp", "train", {"torch": (2000.0, 0.01), "tensorflow": (1000.0, 0.01)},
                    busy="5 of 6 windows contended")
             + _cells("mlp", "infer_throughput", {"torch": (1000.0, 0.01), "tensorflow": (1005.0, 0.01)}))
    out = _scores(tmp_path, pairs)
    assert out["torch"]["score"] == 0.5  # the equivalent one only
    assert "undecided 1 of 2 comparisons (each framework's best mode; 1 machine busy)" in out["torch"]["line"]
    assert out["torch"]["headline"].startswith("faster in 0, equivalent in 1, slower in 0, undecided 1 of 2 "
                                               "comparisons (1 machine busy) (cpu, 2 threads")


def test_scope_names_device_threads_model_sizes_and_contended_windows(tmp_path):
    # "windows" is what a cell kept, "flagged_windows" what it left out: 2 x (4 + 1) + 2 x (6 + 0) in all.
    pairs = (_cells("mlp", "infer_latency", {"torch": (0.05, 0.01), "tensorflow": (0.40, 0.01)}, params=85_066,
                    windows=4, flagged=1)
             + _cells("transformer", "train", {"torch": (900.0, 0.01), "tensorflow": (1000.0, 0.01)},
                      params=1_400_000, windows=6, flagged=0))
    out = _scores(tmp_path, pairs)
    scope = "cpu, 2 threads, models of 85.1k–1.4M parameters, 2 of 22 timing windows (9%) flagged as contended"
    assert out["torch"]["scope"] == out["tensorflow"]["scope"] == scope
    assert out["torch"]["line"].endswith(f"; scope: {scope}")
    assert out["torch"]["headline"] == ("faster in 1, equivalent in 0, slower in 1, undecided 0 of 2 comparisons, "
                                        "wins all batch-1 per-call overhead (cpu, 2 threads, models of 85.1k–1.4M "
                                        "parameters)")


@pytest.mark.parametrize("params,overhead", [(85_000, True), (999_999, True), (1_000_000, False), (1_500_000, False)])
def test_batch1_latency_on_a_small_model_is_per_call_overhead(tmp_path, params, overhead):
    out = _scores(tmp_path, _cells("mlp", "infer_latency", {"torch": (0.05, 0.01), "tensorflow": (0.40, 0.01)},
                                   params=params))
    [comparison] = out["torch"]["comparisons"]
    assert comparison["params"] == params and comparison["result"] == "win"
    assert comparison["label"] == ("per-call overhead" if overhead else None)
    note = "1 of its 1 win is batch-1 latency on models under 1M parameters: per-call overhead"
    assert (note in out["torch"]["line"]) is overhead
    assert ("per-call overhead" in out["torch"]["headline"]) is overhead


def test_throughput_at_batch_1_sized_model_is_not_per_call_overhead():
    assert speed.per_call_overhead("infer_latency", 1, 85_000)
    assert not speed.per_call_overhead("infer_throughput", 1, 85_000)
    assert not speed.per_call_overhead("infer_latency", 8, 85_000)
    assert not speed.per_call_overhead("infer_latency", 1, None)  # size not recorded: no label


def test_latency_percentile_rows_are_named_for_their_percentile():
    # 1..100 ms in two windows: p90 and p99 of the pooled calls, each under its own name (issue 32).
    cell = Cell(workload="mlp", framework="torch", mode="eager", scenario="infer_latency", batch=1)
    calls_s = [i / 1000 for i in range(1, 101)]
    rows = {r["metric"]: r for r in speed.rows_from_windows(cell, [calls_s[::2], calls_s[1::2]])}
    assert rows["latency_p90_ms"]["value"] == pytest.approx(90.1)
    assert rows["latency_p99_ms"]["value"] == pytest.approx(99.01)
