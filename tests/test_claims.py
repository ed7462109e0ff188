"""Claims-check rules on synthetic result rows: supported, partly supported, contradicted,
inconclusive; a claim that states a number judged on its size as well as its direction."""

import pytest

from dlarena import claims
from dlarena.claims import Check, Side
from dlarena.criteria.speed.claims import judge_size, size_text


SCENARIO = {"throughput_sps": "infer_throughput", "latency_ms": "infer_latency", "train_throughput_sps": "train"}


def row(workload, framework, mode, value, low, high, metric="throughput_sps", batch=8, status="ok", scenario=None):
    scenario = scenario or SCENARIO[metric]
    return {"cell_id": f"{workload}/{framework}/{mode}/{scenario}/b{batch}", "workload": workload, "framework": framework,
            "mode": mode, "scenario": scenario, "batch": batch, "metric": metric, "value": value, "ci_low": low,
            "ci_high": high, "status": status, "extra": {}}


TF_FASTER = Check(what="tf faster", metric="throughput_sps", a=Side("tensorflow"), b=Side("torch"),
                  workloads=("resnet50_v1_5",), claimed_ratio=1.33)


def test_disjoint_cis_in_the_claimed_direction_support_it():
    rows = [row("resnet50_v1_5@size=small", "tensorflow", "eager", 10, 9, 11),
            row("resnet50_v1_5@size=small", "tensorflow", "xla", 20, 19, 21),  # best TF mode is chosen
            row("resnet50_v1_5@size=small", "torch", "eager", 15, 14, 16),
            row("resnet50_v1_5@size=small", "torch", "compile", 16, 15, 17)]
    result = claims.evaluate_check(TF_FASTER, rows)
    assert result.outcome == "supported"
    (c,) = result.comparisons
    assert (c.a["mode"], c.b["mode"]) == ("xla", "compile") and c.ratio == pytest.approx(20 / 16)


def test_disjoint_cis_the_other_way_contradict_it():
    rows = [row("resnet50_v1_5", "tensorflow", "xla", 10, 9, 11), row("resnet50_v1_5", "torch", "eager", 15, 14, 16)]
    assert claims.evaluate_check(TF_FASTER, rows).outcome == "contradicted"


def test_overlapping_cis_are_inconclusive_unless_they_exclude_the_stated_size():
    rows = [row("resnet50_v1_5", "tensorflow", "xla", 15.5, 14, 17), row("resnet50_v1_5", "torch", "eager", 15, 14, 16)]
    direction_only = Check(**{**TF_FASTER.__dict__, "claimed_ratio": None})
    assert claims.evaluate_check(direction_only, rows).outcome == "inconclusive"
    # The same CI excludes +33%: the claim as stated is contradicted, though the direction is open.
    result = claims.evaluate_check(TF_FASTER, rows)
    (c,) = result.comparisons
    assert (c.direction, c.size, result.outcome) == ("inconclusive", "contradicted", "contradicted")
    assert c.size_detail.startswith("direction inconclusive, size contradicted (claimed +33%, measured +3%")


def test_unmeasured_other_workloads_failed_cells_and_fp32_only_by_default():
    rows = [row("bert_large", "tensorflow", "xla", 30, 29, 31), row("bert_large", "torch", "eager", 15, 14, 16),
            row("resnet50_v1_5", "tensorflow", "xla", 30, 29, 31, status="failed"),
            row("resnet50_v1_5", "tensorflow", "xla+bf16", 30, 29, 31), row("resnet50_v1_5", "torch", "eager", 15, 14, 16)]
    result = claims.evaluate_check(TF_FASTER, rows)
    assert result.outcome == "not measured" and result.comparisons == []
    assert result.note.startswith("not measured in this run")
    with_bf16 = Check(what="", metric="throughput_sps", a=Side("tensorflow", precision="any"), b=Side("torch"))
    assert claims.evaluate_check(with_bf16, rows).outcome == "supported"


def test_latency_lower_is_faster():
    check = Check(what="", metric="latency_ms", a=Side("torch"), b=Side("tensorflow"))
    rows = [row("mlp", "torch", "eager", 0.05, 0.04, 0.06, metric="latency_ms"),
            row("mlp", "tensorflow", "function", 0.3, 0.25, 0.35, metric="latency_ms")]
    result = claims.evaluate_check(check, rows)
    assert result.outcome == "supported" and result.comparisons[0].ratio == pytest.approx(6.0)


def test_equal_within_tolerance_and_parameter_filter():
    check = Check(what="", metric="train_throughput_sps", a=Side("torch"), b=Side("tensorflow"), expect="equal",
                  equal_within=0.10, min_params=4_000_000)
    close = [row("mlp@width=4096", "torch", "eager", 105, 104, 106, "train_throughput_sps"),
             row("mlp@width=4096", "tensorflow", "xla", 100, 99, 101, "train_throughput_sps"),
             row("mlp", "torch", "eager", 500, 499, 501, "train_throughput_sps"),  # 85k params: filtered out
             row("mlp", "tensorflow", "xla", 100, 99, 101, "train_throughput_sps")]
    result = claims.evaluate_check(check, close)
    assert result.outcome == "supported" and [c.workload for c in result.comparisons] == ["mlp@width=4096"]
    far = [row("mlp@width=4096", "torch", "eager", 150, 149, 151, "train_throughput_sps"), close[1]]
    assert claims.evaluate_check(check, far).outcome == "contradicted"
    noisy = [row("mlp@width=4096", "torch", "eager", 150, 90, 200, "train_throughput_sps"), close[1]]
    assert claims.evaluate_check(check, noisy).outcome == "inconclusive"


def test_comparisons_of_a_check_combine_by_the_one_rule_and_context_checks_do_not_count():
    check = Check(what="", metric="throughput_sps", a=Side("tensorflow", ("xla",)), b=Side("tensorflow", ("function",)))

    def xla_rows(*xla):
        out = []
        for w, (value, low, high) in zip(("mlp", "cnn", "transformer"), xla):
            out += [row(w, "tensorflow", "xla", value, low, high), row(w, "tensorflow", "function", 10, 9, 11)]
        return out
    faster, slower, unclear = (20, 19, 21), (5, 4, 6), (10.5, 8, 13)
    assert claims.evaluate_check(check, xla_rows(faster, faster, faster)).outcome == "supported"
    # xla-faster as the issue found it: only the transformer supports it, cnn and mlp are inconclusive
    assert claims.evaluate_check(check, xla_rows(unclear, unclear, faster)).outcome == "partly supported"
    assert claims.evaluate_check(check, xla_rows(faster, faster, slower)).outcome == "partly supported"
    assert claims.evaluate_check(check, xla_rows(unclear, slower, slower)).outcome == "contradicted"
    assert claims.evaluate_check(check, xla_rows(unclear, unclear, unclear)).outcome == "inconclusive"
    context = Check(what="", metric="throughput_sps", a=Side("torch"), b=Side("tensorflow"), informative=True)
    claim = claims.Claim("x", "XLA is faster", "test", (check, context))
    rows = xla_rows(faster, faster, faster) + [row("mlp", "torch", "eager", 1, 0.9, 1.1)]  # context contradicted
    assert claims.evaluate(claim, rows).outcome == "supported"


def test_shipped_speed_claims_keep_their_checks():
    loaded = {c.id: c for c in claims.load()}
    assert {"small-models", "tf-inference-deployed", "xla-faster"} <= set(loaded)
    ratios = [k.claimed_ratio for k in loaded["tf-inference-deployed"].checks]
    assert ratios == [1.33, 1.55, 1.21]
    assert all(not c.checks or c.text for c in loaded.values())


def test_unknown_metric_in_a_claims_file_is_rejected():
    with pytest.raises(ValueError, match="unknown metric 'speed'"):
        claims.parse({"claim": [{"id": "x", "text": "", "source": "", "check": [
            {"what": "", "metric": "speed", "a": {"framework": "torch"}, "b": {"framework": "tensorflow"}}]}]})


def test_equivalent_sides_contradict_a_faster_claim_and_the_band_is_the_runs():
    # 2% apart with tight CIs: equivalent within the default +-5%, so "a faster" does not hold.
    rows = [row("resnet50_v1_5", "tensorflow", "xla", 102, 101.5, 102.5), row("resnet50_v1_5", "torch", "eager", 100, 99.5, 100.5)]
    result = claims.evaluate_check(TF_FASTER, rows)
    assert result.outcome == "contradicted"
    assert result.comparisons[0].detail.startswith("TensorFlow xla and PyTorch eager equivalent: ratio 1.02")
    # A run configured with a 1% band calls the same rows a win, but not the +33% the claim states.
    result = claims.evaluate_check(TF_FASTER, rows, band=0.01)
    assert result.outcome == "partly supported" and result.comparisons[0].direction == "supported"


def test_equal_claim_uses_its_own_tolerance_as_the_band_and_the_stored_replicates():
    check = Check(what="", metric="train_throughput_sps", a=Side("torch"), b=Side("tensorflow"), expect="equal",
                  equal_within=0.10)
    a = row("mlp", "torch", "eager", 108, 80, 140, "train_throughput_sps")  # stored CIs alone: inconclusive
    b = row("mlp", "tensorflow", "xla", 100, 75, 130, "train_throughput_sps")
    assert claims.evaluate_check(check, [a, b]).outcome == "inconclusive"
    a["bootstrap"], b["bootstrap"] = [107.0, 109.0] * 50, [99.0, 101.0] * 50  # paired ratios all ~1.08
    result = claims.evaluate_check(check, [a, b])
    assert result.outcome == "supported" and "within ±10%" in result.comparisons[0].detail


# -- a claim that states a number is judged on it -------------------------------------------------
def test_size_against_the_ci_at_its_edges():
    # the ResNet-50 v1.5: claimed +33%, measured +7% [+2-13%]
    assert judge_size(1.33, "supported", 1.02, 1.13) == "contradicted"
    assert size_text(1.33, 1.07, 1.02, 1.13) == "claimed +33%, measured +7% [+2–13%]"
    assert judge_size(1.10, "supported", 1.02, 1.13) == "supported"  # inside the CI
    assert judge_size(1.13, "supported", 1.02, 1.13) == "supported"  # on its edge: not excluded
    assert judge_size(1.01, "supported", 1.02, 1.13) == "contradicted"  # measured larger than claimed
    assert judge_size(1.10, "inconclusive", 0.95, 1.20) == "inconclusive"  # the CI holds the claim and no change
    assert judge_size(1.33, "inconclusive", 0.95, 1.20) == "contradicted"
    assert judge_size(1.33, "supported", None, None) == "inconclusive"


def test_a_stated_size_outside_the_ci_makes_a_supported_direction_partly_supported():
    rows = [row("resnet50_v1_5", "tensorflow", "xla", 107, 105, 109), row("resnet50_v1_5", "torch", "eager", 100, 98.5, 101.5)]
    result = claims.evaluate_check(TF_FASTER, rows)  # claimed 1.33
    (c,) = result.comparisons
    assert (c.direction, c.size, c.outcome, result.outcome) == ("supported", "contradicted", "partly supported",
                                                                 "partly supported")
    assert c.size_detail.startswith("direction supported, size contradicted (claimed +33%, measured +7% [+")
    assert "size contradicted" in result.note and "size contradicted" in result.lines[0]
    inside = Check(**{**TF_FASTER.__dict__, "claimed_ratio": 1.08})
    (c,) = claims.evaluate_check(inside, rows).comparisons
    assert (c.direction, c.size, c.outcome) == ("supported", "supported", "supported")
    # the claim's own "about equal" band is not a stated size: no size part
    equal = Check(what="", metric="throughput_sps", a=Side("tensorflow"), b=Side("torch"), expect="equal",
                  equal_within=0.10, claimed_ratio=1.0)
    (c,) = claims.evaluate_check(equal, rows).comparisons
    assert c.size is None and c.outcome == "supported"


def test_the_shipped_sized_claim_shows_its_size_in_the_verdict_and_the_json():
    rows = [row("resnet50_v1_5", "tensorflow", "xla", 107, 105, 109), row("resnet50_v1_5", "torch", "eager", 100, 98.5, 101.5),
            row("bert_large", "tensorflow", "xla", 202, 199, 205), row("bert_large", "torch", "eager", 100, 99, 101)]
    result = {r.claim.id: r for r in claims.evaluate_all(rows)}["tf-inference-deployed"]
    assert result.outcome == "partly supported" and result.partial  # ResNet-50 v2 not measured
    assert "direction supported, size contradicted (claimed +33%, measured +7%" in result.detail
    assert "direction supported, size contradicted (claimed +21%, measured +102%" in result.detail
    data = claims.as_dict(result)
    assert data["verdict"] == "partly supported" and data["size"] == "contradicted"
    (first,) = data["checks"][0]["comparisons"]
    assert (first["direction"], first["size"], first["claimed_ratio"]) == ("supported", "contradicted", 1.33)
