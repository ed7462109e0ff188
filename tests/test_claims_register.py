"""The article's claims register: the shipped data parses; each check kind decides supported /
contradicted / outdated / not measured on synthetic rows; `dlarena claims` and the report section."""

import json
import re
from datetime import date

import pytest
from typer.testing import CliRunner

from dlarena import claims
from dlarena.claims.evaluators import EVALUATORS
from dlarena.claimkit.model import PARTS, OUTCOMES, Check, Side, combine
from dlarena.cli import app
from dlarena.config import Cell, build_config
from dlarena.criteria.distributed import analysis
from dlarena.measure.env import fingerprint
from dlarena.store.db import ResultStore

runner = CliRunner()
REGISTER = {c.id: c for c in claims.load()}


def r(scenario, framework, mode, metric, value, workload="mlp", status="ok", ci=None, error=None, **extra):
    low, high = ci or (None, None)
    return {"cell_id": f"{workload}/{framework}/{mode}/{scenario}/b1", "workload": workload, "framework": framework,
            "mode": mode, "scenario": scenario, "batch": 1, "metric": metric, "value": value, "ci_low": low,
            "ci_high": high, "status": status, "error": error, "extra": extra}


TODAY = date(2026, 12, 7)  # figures are judged against an injected date, never the clock


def verdict(claim_id, rows, band=0.05, today=TODAY, cells=None):
    """A claim's verdict, with the claims it refers to decided first (as evaluate_all does)."""
    return {x.claim.id: x for x in claims.evaluate_all(rows, band=band, today=today, cells=cells)}[claim_id]


# -- the register --------------------------------------------------------------------------------
def test_every_claim_has_source_quote_part_and_checks_of_known_kinds():
    assert len(REGISTER) == 63  # README's **Claims** bullet and docs/speed.md say so
    author = claims.article()["author"]
    for c in REGISTER.values():
        assert c.quote and c.part in PARTS and c.source
        assert author in c.source and "issue" not in c.source.lower()
        assert c.checks or c.not_checkable, c.id
        assert all(k.kind in EVALUATORS and k.what for k in c.checks), c.id
        if c.not_checkable:
            assert all(k.proxy for k in c.checks)
        else:
            assert any(k.counts for k in c.checks), c.id
    assert {c.part for c in REGISTER.values()} == set(PARTS)  # six criteria, the table, "when to use"
    assert all(c.evidence_hint for c in REGISTER.values()
               if not c.not_checkable and not c.id.startswith(("summary", "use", "conclusion")))


def test_the_missing_claims_are_in_the_register_with_their_part():
    assert REGISTER["overview-gpu-cuda"].quote == "Strong GPU acceleration via CUDA"
    assert REGISTER["overview-gpu-cuda"].part == "overview"
    assert REGISTER["deploy-tf-momentum"].part == "deployment"  # criterion 3, as the article says it
    assert "TensorFlow has more momentum" in REGISTER["deploy-tf-momentum"].quote
    assert {c.id for c in REGISTER.values() if c.part == "conclusion"} == {
        "conclusion-pytorch-research", "conclusion-tf-production", "conclusion-both-ecosystems"}


def test_register_decides_nothing_without_rows_but_its_dated_sources():
    results = claims.evaluate_all([], today=date(2030, 1, 1))  # every dated source stale by then
    assert {x.outcome for x in results} == {"not measured", "not checkable"}
    assert all("measure with:" in x.detail for x in results if x.outcome == "not measured" and x.measure_with)
    assert [x.claim.id for x in results] == list(REGISTER)
    decided = {x.claim.id: x.label for x in claims.evaluate_all([], today=TODAY) if x.outcome not in ("not measured", "not checkable")}
    assert decided == {"pretrained-hf-both": "outdated, in part"}  # transformers v5 (Dec 2025): PyTorch only


@pytest.mark.parametrize("change, message", [
    ({"kind": "magic"}, "unknown kind 'magic'"),
    ({"kind": "rows", "a": {"framework": "torch"}}, "missing ['scenario']"),
    ({"kind": "rows", "scenario": "x", "a": {"framework": "torch"}, "colour": 1}, "unknown settings ['colour']"),
    ({"kind": "rows", "scenario": "x", "a": {"framework": "torch"}, "holds": "great"}, "is not an outcome"),
    ({"kind": "rows", "scenario": "x", "a": {"framework": "torch"}, "field": "behaviour"}, "needs a condition"),
])
def test_malformed_checks_are_rejected(change, message):
    check = {"what": "w", **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        claims.parse({"claim": [{"id": "x", "part": "ease", "quote": "q", "check": [check]}]})


def test_claims_referring_in_a_cycle_or_to_nothing_are_rejected():
    def ref(i, to):
        return {"id": i, "part": "summary", "quote": "q", "check": [{"what": "w", "kind": "claims", "claims": [to]}]}
    with pytest.raises(ValueError, match="cycle"):
        claims.parse({"claim": [ref("a", "b"), ref("b", "a")]})
    with pytest.raises(ValueError, match="unknown claims"):
        claims.parse({"claim": [ref("a", "zzz")]})


def test_combining_parts_the_one_rule_at_its_edges():
    assert combine(["supported", "supported"]) == ("supported", False)
    assert combine(["supported", "not measured"]) == ("supported", True)  # undecided parts: "in part"
    # some supported, the rest inconclusive or contradicted: partly supported
    assert combine(["supported", "inconclusive"]) == ("partly supported", False)
    assert combine(["supported", "contradicted"]) == ("partly supported", False)
    assert combine(["inconclusive", "inconclusive", "supported"]) == ("partly supported", False)
    assert combine(["partly supported", "contradicted"]) == ("partly supported", False)
    assert combine(["partly supported", "partly supported"]) == ("partly supported", False)
    # none supported, some contradicted: contradicted
    assert combine(["contradicted", "inconclusive"]) == ("contradicted", False)
    assert combine(["contradicted"]) == ("contradicted", False)
    # all inconclusive: inconclusive
    assert combine(["inconclusive", "inconclusive"]) == ("inconclusive", False)
    # the rest: outdated wins unless something is contradicted
    assert combine(["supported", "outdated", "not checkable"]) == ("outdated", True)
    assert combine(["outdated", "inconclusive"]) == ("outdated", False)
    assert combine(["outdated", "contradicted"]) == ("contradicted", False)
    assert combine(["supported", "outdated", "contradicted"]) == ("partly supported", False)
    assert combine(["not checkable", "not measured"]) == ("not measured", False)
    assert combine(["not checkable"]) == ("not checkable", False)
    assert combine([]) == ("not checkable", False)
    # the speed aggregation over comparisons is the same rule
    from dlarena.criteria.speed.claims import aggregate
    for parts in (["supported", "inconclusive"], ["contradicted", "inconclusive"], ["outdated", "supported"]):
        assert aggregate(parts) == combine(parts)[0]


# -- rows: debugging probes, deployment cells ------------------------------------------------------
def probes(tf_eager="runs every step", tf_function="runs at trace time only"):
    return [r("dbg_probes", "torch", "eager", "print_calls", 3, behaviour="runs every step"),
            r("dbg_probes", "tensorflow", "eager", "print_calls", 3 if tf_eager == "runs every step" else 1, behaviour=tf_eager),
            r("dbg_probes", "tensorflow", "function", "print_calls", 1, behaviour=tf_function),
            r("dbg_probes", "torch", "eager", "breakpoint_calls", 3, behaviour="runs every step"),
            r("dbg_probes", "tensorflow", "eager", "breakpoint_calls", 3, behaviour=tf_eager),
            r("dbg_probes", "torch", "eager", "intermediate_grad_ok", 1.0)]


def test_static_graphs_claim_is_outdated_when_tensorflow_runs_eagerly_by_default():
    result = verdict("ease-static-graphs", probes())
    assert result.outcome == "outdated" and not result.partial
    tf_eager = result.checks[1]
    assert tf_eager.outcome == "outdated" and tf_eager.evidence == ["mlp/tensorflow/eager/dbg_probes/b1"]
    assert tf_eager.lines[0] == ("TensorFlow eager on mlp (dbg probes): behaviour “runs every step” "
                                 "(wanted: “runs every step”) — meets it")
    assert result.checks[2].check.role == "context" and result.checks[2].outcome == "supported"
    # A TensorFlow whose default mode only traced once would make the article right.
    assert verdict("ease-static-graphs", probes(tf_eager="runs at trace time only")).outcome == "supported"
    assert verdict("ease-static-graphs", []).outcome == "not measured"


def test_when_to_use_items_inherit_the_verdicts_they_rest_on():
    rows = probes()
    assert verdict("use-tf-static", rows).outcome == "outdated"
    debugging = verdict("use-pytorch-debugging", rows)
    assert debugging.outcome == "outdated" and debugging.partial  # built-in plotting: not checkable
    assert verdict("debugging-interactivity", rows).outcome == "supported"
    assert verdict("summary-debugging-pytorch", rows).label == "supported, in part"


def test_a_failed_cell_fails_a_condition_on_its_rows():
    ok = r("dbg_graph", "torch", "export", "graph_nodes", 5, reload_max_abs_diff=1e-6)
    assert verdict("debugging-graphs", [ok]).outcome == "contradicted"  # exported and ran back: not "harder"
    failed = {**r("dbg_graph", "torch", "export", "status", None, status="failed", error="export failed: boom")}
    result = verdict("debugging-graphs", [failed])
    assert result.outcome == "supported"
    assert result.checks[0].lines[0] == "PyTorch export on mlp (dbg graph): failed (export failed: boom) — does not"


def deploy_rows(torch_ok=("torchscript", "torch_export", "onnx"), tf_ok=("savedmodel", "tflite_fp32", "onnx")):
    rows = []
    for fw, paths, ok in (("torch", ("torchscript", "torch_export", "onnx"), torch_ok),
                          ("tensorflow", ("savedmodel", "tflite_fp32", "onnx"), tf_ok)):
        for path in paths:
            status = "ok" if path in ok else "failed"
            rows.append(r("deploy_runtime", fw, path, "parity_rel_diff", 1e-7, status=status, tolerance=1e-5,
                          error=None if status == "ok" else "output differs from the source model"))
    return rows


def test_deployment_maturity_compares_the_share_of_paths_that_work():
    # Equal shares show no difference: "not as mature" is inconclusive, never contradicted; "usable"
    # holds, so the claim is partly supported.
    result = verdict("deploy-pytorch-maturity", deploy_rows())
    assert [c.outcome for c in result.checks[:2]] == ["supported", "inconclusive"]
    assert result.checks[1].lines[0] == "TensorFlow 3/3 vs PyTorch 3/3: equal shares, the evidence shows no difference"
    assert result.outcome == "partly supported"
    # 3/3 vs 2/2 (the case: PyTorch ran two export paths, both loaded): equal shares too
    two_paths = [x for x in deploy_rows() if x["mode"] != "torch_export"]
    assert verdict("deploy-pytorch-maturity", two_paths).checks[1].outcome == "inconclusive"
    # a lower share for PyTorch supports "not as mature"; "usable" fails where one of its paths broke
    result = verdict("deploy-pytorch-maturity", deploy_rows(torch_ok=("torchscript", "onnx")))
    assert [c.outcome for c in result.checks[:2]] == ["contradicted", "supported"]
    assert result.checks[1].lines[0] == "TensorFlow 3/3 vs PyTorch 2/3" and result.outcome == "partly supported"
    # a higher share for PyTorch contradicts it
    result = verdict("deploy-pytorch-maturity", deploy_rows(tf_ok=("onnx",)))
    assert result.checks[1].outcome == "contradicted"
    assert verdict("deploy-pytorch-maturity", []).outcome == "not measured"


def test_use_tf_production_is_partly_supported_when_its_parts_disagree():
    def lat(fw, mode, ms):
        return r("deploy_runtime", fw, mode, "latency_ms", ms, ci=(ms * 0.98, ms * 1.02))
    rows = deploy_rows() + [lat("tensorflow", "tflite_fp32", 0.015), lat("torch", "executorch", 0.047)]
    rows = [x for x in rows if not (x["metric"] == "parity_rel_diff" and x["mode"] == "tflite_fp32")]
    result = verdict("use-tf-production", rows)
    # speed-after-deployment: the edge pair decided, the server pair not measured; deploy-tflite: its
    # torch.export check not measured either
    assert result.checks[0].lines[:2] == ["speed-after-deployment: supported, in part", "deploy-tflite: supported, in part"]
    assert result.outcome == "partly supported"  # deploy-pytorch-maturity: partly supported


def _lat(fw, mode, ms):
    return r("deploy_runtime", fw, mode, "latency_ms", ms, ci=(ms * 0.98, ms * 1.02))


# The numbers: SavedModel 0.402 ms, TFLite 0.010 ms; torch.export 0.117 ms, ExecuTorch 0.038 ms.
AFTER_DEPLOYMENT = [_lat("tensorflow", "savedmodel", 0.402), _lat("tensorflow", "tflite_fp32", 0.010),
                    _lat("torch", "torch_export", 0.117), _lat("torch", "executorch", 0.038),
                    _lat("torch", "torchscript", 0.015)]


def _pairs(result) -> dict[str, str]:
    return {c.check.what.split(": ", 1)[1].split(" has ")[0]: c.outcome for c in result.checks[:2]}


def test_named_runtimes_are_judged_pairwise_after_deployment():
    """Server format against server format, edge runtime against edge runtime: a group of TensorFlow's
    runtimes let TFLite speak for SavedModel ("supported"); pairwise the claim is partly supported."""
    result = verdict("speed-after-deployment", AFTER_DEPLOYMENT)
    assert _pairs(result) == {"TensorFlow SavedModel (its server format)": "contradicted",
                              "TFLite fp32 (TensorFlow's edge runtime)": "supported"}
    assert result.outcome == "partly supported"
    # each comparison names its two runtimes; the legacy TorchScript (0.015 ms, faster than TFLite's
    # counterpart) stands for PyTorch in no deciding check
    assert [(c.a["mode"], c.b["mode"]) for k in result.checks[:4] for c in k.comparisons] == [
        ("savedmodel", "torch_export"), ("tflite_fp32", "executorch")]


def test_the_after_deployment_rule_at_its_edges():
    rows = {(x["framework"], x["mode"]): x for x in AFTER_DEPLOYMENT}

    def with_ms(**ms):
        return [_lat(fw, mode, ms.get(mode, x["value"])) for (fw, mode), x in rows.items()]

    # both pairs faster: supported; both slower: contradicted
    assert verdict("speed-after-deployment", with_ms(savedmodel=0.05)).outcome == "supported"
    assert verdict("speed-after-deployment", with_ms(tflite_fp32=0.5)).outcome == "contradicted"
    # a pair within the band (equivalent) does not support "faster": the pairs disagree
    result = verdict("speed-after-deployment", with_ms(savedmodel=0.118))
    assert _pairs(result)["TensorFlow SavedModel (its server format)"] == "contradicted"
    assert result.outcome == "partly supported"
    # just outside the band, with the CIs apart: faster
    assert verdict("speed-after-deployment", with_ms(savedmodel=0.117 / 1.12)).outcome == "supported"
    # a pair not measured (no ExecuTorch artifact loaded) leaves the other to decide, flagged as partial
    no_edge = [x for x in with_ms(savedmodel=0.05) if x["mode"] != "executorch"]
    result = verdict("speed-after-deployment", no_edge)
    assert result.outcome == "supported" and result.partial
    assert result.checks[1].outcome == "not measured"
    # nothing of PyTorch's native runtimes: not measured, whatever TorchScript did
    only_legacy = [x for x in AFTER_DEPLOYMENT if x["mode"] not in ("torch_export", "executorch")]
    assert verdict("speed-after-deployment", only_legacy).outcome == "not measured"


def test_tflite_is_compared_with_each_of_pytorchs_runtimes_on_its_own():
    result = verdict("deploy-tflite", AFTER_DEPLOYMENT)
    assert [c.outcome for c in result.checks[:2]] == ["supported", "supported"]
    assert result.outcome == "supported"
    slower_than_executorch = [x for x in AFTER_DEPLOYMENT if x["mode"] != "tflite_fp32"] + [
        _lat("tensorflow", "tflite_fp32", 0.060)]
    result = verdict("deploy-tflite", slower_than_executorch)
    assert [c.outcome for c in result.checks[:2]] == ["contradicted", "supported"]
    assert result.outcome == "partly supported"


def test_languages_of_the_runtimes_that_ran_each_frameworks_artifacts():
    result = verdict("deploy-cross-platform", deploy_rows())
    assert result.outcome == "supported"  # SavedModel: Go; TFLite: Swift; beyond ONNX Runtime's list
    assert "only TensorFlow: Go, Kotlin, Swift" in result.checks[0].lines
    # ExecuTorch's artifact (C++, Java / Kotlin on Android, Objective-C / Swift on iOS) leaves Go alone
    with_executorch = deploy_rows() + [r("deploy_runtime", "torch", "executorch", "parity_rel_diff", 1e-7,
                                         tolerance=1e-5)]
    result = verdict("deploy-cross-platform", with_executorch)
    assert result.outcome == "supported" and "only TensorFlow: Go" in result.checks[0].lines
    # Without TensorFlow's own runtimes, its ONNX artifact reaches no more than PyTorch's.
    assert verdict("deploy-cross-platform", deploy_rows(tf_ok=("onnx",))).outcome == "contradicted"


def test_deployed_inference_uses_the_deployment_runtimes_only():
    def lat(fw, mode, ms, scenario="deploy_runtime"):
        return r(scenario, fw, mode, "latency_ms", ms, ci=(ms * 0.98, ms * 1.02))
    rows = [lat("tensorflow", "tflite_fp32", 0.015), lat("torch", "executorch", 0.047), lat("torch", "torch_export", 0.117),
            lat("torch", "eager", 0.001, scenario="infer_latency")]  # a speed cell: never part of a deployment check
    check = REGISTER["deploy-tflite"].checks[0]
    result = claims.evaluate_check(check, rows)
    assert result.outcome == "supported" and [c.b["mode"] for c in result.comparisons] == ["executorch"]
    # ...and deployment cells never enter a speed check.
    speed = claims.Check(what="", metric="latency_ms", a=claims.Side("tensorflow"), b=claims.Side("torch"))
    assert claims.evaluate_check(speed, rows).outcome == "not measured"


# -- distributed scaling ----------------------------------------------------------------------------
def scaling_rows(tf2, torch2):
    rows = []
    for fw, two in (("tensorflow", tf2), ("torch", torch2)):
        for n, value in ((1, 1000.0), (2, two)):
            rows.append(r(analysis.SCENARIO, fw, analysis.mode_for(fw, n), "global_throughput_sps", value,
                          ci=(value * 0.99, value * 1.01)))
    return rows


def on_hosts(rows, hosts):
    """The cells of ``rows`` as the store keeps them, their runtime naming how many hosts ran them."""
    return [{**x, "runtime": json.dumps({"nodes": hosts, "threads_per_worker": 1, "workers_on_this_node": 1})}
            for x in rows]


def test_multi_machine_scaling_is_not_measured_on_one_host():
    rows = scaling_rows(tf2=1900, torch2=1500)
    result = verdict("speed-distributed", rows)  # nothing recorded about hosts: one host
    assert result.outcome == "not measured" and "--nodes 2" in result.measure_with
    check = result.checks[0]
    assert check.lines[0].startswith("not measured here: 1 host, 1–2 workers, every worker shared this one host")
    assert "says nothing about multi-machine scaling" in check.lines[0]
    assert check.lines[1].startswith("mlp, 2 workers: scaling efficiency 95% (TensorFlow")
    assert verdict("speed-distributed", rows, cells=on_hosts(rows, 1)).outcome == "not measured"
    assert verdict("summary-performance-tensorflow", rows).outcome == "not measured"


def test_scaling_across_hosts_decides_the_distributed_claim_with_the_sections_number():
    def decided(tf2, torch2):
        rows = scaling_rows(tf2, torch2)
        return verdict("speed-distributed", rows, cells=on_hosts(rows, 2))
    result = decided(tf2=1900, torch2=1500)
    assert result.outcome == "supported" and result.checks[0].lines[0] == "scope: 2 hosts, 1 core per host, 1–2 workers"
    # one number per comparison: the claims line is analysis.compare_scaling's text, which the
    # distributed section shows for the same pair (in either order)
    rows = scaling_rows(tf2=1900, torch2=1500)
    (c,) = analysis.compare_scaling(on_hosts(rows, 2), rows, "tensorflow", "torch")
    (reverse,) = analysis.compare_scaling(on_hosts(rows, 2), rows, "torch", "tensorflow")
    assert reverse.result == c.result and "higher by" in c.result
    assert result.checks[0].lines[1] == f"{c.text}; global throughput: {c.throughput.text} → supported"
    assert decided(tf2=1500, torch2=1900).outcome == "contradicted"
    assert decided(tf2=1900, torch2=1901).outcome == "contradicted"  # equivalent
    rows = scaling_rows(tf2=1900, torch2=1500)[:2]
    assert verdict("speed-distributed", rows, cells=on_hosts(rows, 2)).outcome == "not measured"
    proxy = verdict("speed-bert-2048-tpu", scaling_rows(tf2=1900, torch2=1500))
    assert proxy.outcome == "not checkable" and proxy.checks[0].check.role == "proxy"
    assert proxy.checks[0].outcome == "supported"  # shown beside it, labelled, not the verdict
    assert "every worker shared this one host" in proxy.checks[0].lines[0]


# -- community figures ------------------------------------------------------------------------------
def fig(framework, metric, value, as_of, below=False, above=False, role=None, series=None):
    extra = {"as_of": as_of, "source": "src", **({"qualifier": "below"} if below else {}),
             **({"qualifier": "above"} if above else {}), **({"role": role} if role else {}),
             **({"series": series} if series else {})}
    return {**r("community", framework, "data", metric, value, **extra), "cell_id": f"-/{framework}/data/community/b0"}


def test_star_counts_supported_outdated_contradicted_not_measured():
    assert verdict("community-stars", [fig("tensorflow", "github_stars", 150_000, "2025-06"),
                                       fig("torch", "github_stars", 58_000, "2025-06")]).outcome == "supported"
    moved = verdict("community-stars", [fig("tensorflow", "github_stars", 170_000, "2026"),
                                        fig("torch", "github_stars", 61_000, "2026")])
    assert moved.outcome == "outdated" and "moved more than 10%" in moved.checks[0].lines[-1]
    assert verdict("community-stars", [fig("tensorflow", "github_stars", 90_000, "2026"),
                                       fig("torch", "github_stars", 95_000, "2026")]).outcome == "contradicted"
    assert verdict("community-stars", [fig("torch", "github_stars", 95_000, "2026")]).outcome == "not measured"


def test_a_stale_figure_never_supports_a_claim():
    near_claim = [fig("tensorflow", "github_stars", 150_000, "2024-12"), fig("torch", "github_stars", 58_000, "2024-12")]
    # 24 months old on 2026-12-07: still a snapshot; 25 months: stale
    assert verdict("community-stars", near_claim, today=date(2026, 12, 1)).outcome == "supported"
    stale = verdict("community-stars", near_claim, today=date(2027, 1, 1))
    assert stale.outcome == "outdated" and "older than 24 months" in stale.checks[0].lines[-1]
    # community-user-base on the article's 2022 survey: outdated, never supported
    survey = [fig("tensorflow", "developer_survey_pct", 12.95, "2022", role="article"),
              fig("torch", "developer_survey_pct", 8.61, "2022", role="article")]
    assert verdict("community-user-base", survey).outcome == "outdated"
    assert verdict("community-user-base", survey, today=date(2023, 6, 1)).outcome == "supported"  # fresh then
    # a stale trend is outdated where it holds
    trend = [fig("torch", "github_stars", 58_000, "2021"), fig("tensorflow", "github_stars", 150_000, "2021"),
             fig("torch", "github_stars", 61_000, "2022"), fig("tensorflow", "github_stars", 151_000, "2022")]
    assert verdict("community-stars-gap", trend).outcome == "outdated"
    assert verdict("community-stars-gap", trend, today=date(2023, 1, 1)).outcome == "supported"


def test_now_is_the_newest_figures_of_one_source_and_the_articles_figures_are_then():
    rows = [fig("tensorflow", "github_stars", 170_000, "2022", role="article", series="stars"),
            fig("torch", "github_stars", 61_000, "2022", role="article", series="stars"),
            fig("tensorflow", "github_stars", 197_213.0, "2026-08-22", series="stars"),
            fig("torch", "github_stars", 102_530.0, "2026-08-22", series="stars"),
            fig("torch", "github_stars", 999_999.0, "2026-11", series="another count")]  # no TF figure of that source
    result = verdict("community-stars", rows)
    assert result.outcome == "outdated" and "197,213" in result.checks[0].lines[0] and "999,999" not in result.checks[0].lines[0]
    gap = verdict("community-stars-gap", rows)  # 61/170 = 0.36 in 2022, 102.5/197.2 = 0.52 now: one source
    assert gap.outcome == "supported" and gap.checks[0].lines[-1] == "one source: stars"
    # a trend across two sources is no trend: not measured
    mixed = [fig("torch", "paper_implementations_pct", 47, "2025-01", series="A"),
             fig("torch", "paper_implementations_pct", 75, "2026-01", series="B")]
    momentum = verdict("community-research-momentum", mixed)
    assert momentum.outcome == "not measured" and "fewer than two dates of one source" in momentum.checks[0].lines[0]


def test_paper_share_figures_with_an_upper_bound_and_their_trend():
    rows = [fig("torch", "paper_implementations_pct", 47, "2020-10"), fig("tensorflow", "paper_implementations_pct", 18, "2020-10"),
            fig("torch", "paper_implementations_pct", 75, "2022-01"),
            fig("tensorflow", "paper_implementations_pct", 25, "2022-01", below=True)]
    assert verdict("community-papers", rows).outcome == "outdated"  # order holds; 75% is far from the article's 47%
    assert verdict("community-research-momentum", rows).outcome == "outdated"  # one source, newest point 2022: stale
    assert verdict("community-research-momentum", rows, today=date(2023, 1, 1)).outcome == "supported"
    assert verdict("community-research-momentum", rows[:2]).outcome == "not measured"  # one date: no trend
    assert verdict("use-pytorch-research", rows).outcome == "outdated"  # the direction holds, on 2022 figures
    above = [fig("torch", "paper_implementations_pct", 70, "2026-01", above=True),
             fig("tensorflow", "paper_implementations_pct", 25, "2026-01", below=True)]
    assert verdict("use-pytorch-research", above).checks[0].outcome == "supported"  # > 70 vs < 25: ordered


# -- pretrained inventory --------------------------------------------------------------------------
def zoo(name, package, status="ok", vision=(), text=()):
    return {"name": name, "package": package, "status": status, "label": name, "version": "1",
            "note": "" if status == "ok" else f"package '{package}' is not installed",
            "domains": {k: list(v) for k, v in (("vision", vision), ("text", text)) if v}}


def inventory(framework, *zoos):
    names = sorted({n.lower().replace("_", "") for z in zoos if z["status"] == "ok" for v in z["domains"].values() for n in v})
    return {**r("pretrained", framework, "inventory", "pretrained_architectures", float(len(names)), names=names,
                zoos=list(zoos)), "cell_id": f"-/{framework}/inventory/pretrained/b0"}


def test_inventory_checks_names_and_tells_an_absent_zoo_from_a_missing_model():
    keras = zoo("keras.applications", "keras", vision=["ResNet50", "VGG16", "InceptionV3", "Xception"])
    tv = zoo("torchvision", "torchvision", vision=["resnet50", "vgg16"])
    rows = [inventory("tensorflow", keras), inventory("torch", tv)]
    result = verdict("pretrained-vision", rows)
    assert [c.outcome for c in result.checks] == ["contradicted", "supported"] and result.outcome == "partly supported"
    assert "missing inceptionv3" in result.checks[0].lines[0]
    absent = [inventory("tensorflow", keras), inventory("torch", zoo("torchvision", "torchvision", status="not installed"))]
    result = verdict("pretrained-vision", absent)
    assert result.checks[0].outcome == "not measured" and result.label == "supported, in part"
    assert verdict("pretrained-niche", absent).outcome == "not measured"  # would count this machine's installs
    assert verdict("pretrained-niche", rows).outcome == "supported"  # Xception, InceptionV3 only in TensorFlow's zoos


def test_transformers_without_tensorflow_classes_makes_the_hub_claim_outdated():
    hf_torch = zoo("transformers", "transformers", text=["bert", "gpt2", "t5"])
    hf_tf = zoo("transformers (TensorFlow classes)", "transformers")  # transformers 5: no TF classes
    result = verdict("pretrained-hf-both", [inventory("torch", hf_torch), inventory("tensorflow", hf_tf)])
    assert [c.outcome for c in result.checks] == ["supported", "outdated", "outdated"] and result.outcome == "outdated"
    assert not result.partial


def test_the_hub_claim_is_judged_from_a_dated_source_without_transformers_installed():
    result = verdict("pretrained-hf-both", [])  # nothing installed: the v5 announcement still decides
    assert [c.outcome for c in result.checks] == ["not measured", "not measured", "outdated"]
    assert (result.outcome, result.label) == ("outdated", "outdated, in part")
    assert "as of 2025-12" in result.checks[2].lines[0]
    # once that source is older than 24 months it decides nothing about today
    stale = verdict("pretrained-hf-both", [], today=date(2028, 1, 1))
    assert stale.checks[2].outcome == "not checkable" and stale.outcome == "not measured"
    # transformers 4 installed (TensorFlow classes listed): today's release still says PyTorch only
    hf_tf4 = zoo("transformers (TensorFlow classes)", "transformers", text=["bert", "gpt2", "t5"])
    hf_torch = zoo("transformers", "transformers", text=["bert", "gpt2", "t5"])
    assert verdict("pretrained-hf-both", [inventory("torch", hf_torch), inventory("tensorflow", hf_tf4)]).outcome == "outdated"


def test_a_proxy_is_shown_not_decided():
    rows = [r("dbg_curves", fw, "eager", "final_loss", 0.357, writer="tensorboard.summary.Writer", events_readable=True)
            for fw in ("torch", "tensorflow")]
    result = verdict("debugging-plots", rows)
    assert result.outcome == "not checkable" and result.checks[0].outcome == "shown"
    assert result.checks[0].lines[0] == ("PyTorch eager (mlp): final loss 0.357 (writer: tensorboard.summary.Writer; "
                                         "events readable: True)")


# -- CLI and report ----------------------------------------------------------------------------------
def store_with(tmp_path, rows, run_id="r1"):
    store = ResultStore(tmp_path / "r.duckdb")
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"]).model_dump()
    store.start_run(run_id, "custom", config, fingerprint(1, 1))
    by_cell = {}
    for x in rows:
        by_cell.setdefault(x["cell_id"], []).append(x)
    for cell_id, rs in by_cell.items():
        first = rs[0]
        cell = Cell(workload=first["workload"], framework=first["framework"], mode=first["mode"],
                    scenario=first["scenario"], batch=first["batch"])
        store.record_cell(run_id, cell, {"status": first["status"], "error": first["error"], "metrics": [
            {k: x[k] for k in ("metric", "value", "ci_low", "ci_high", "extra")} for x in rs if x["metric"] != "status"]})
    store.finish_run(run_id)
    return store


def test_claims_cli_table_json_and_a_bad_run(tmp_path):
    store = store_with(tmp_path, probes())
    result = runner.invoke(app, ["claims", "--db", str(store.path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "ease-static-graphs" in text and "outdated" in text and "Criterion 6" in text
    assert f"{len(REGISTER)} claims:" in text
    as_json = runner.invoke(app, ["claims", "--run", "r1", "--json", "--db", str(store.path)])
    data = json.loads(as_json.output)
    by_id = {c["id"]: c for c in data["claims"]}
    assert data["run_id"] == "r1" and sum(data["counts"].values()) == len(REGISTER)
    assert set(data["counts"]) == set(OUTCOMES)
    static = by_id["ease-static-graphs"]
    assert static["verdict"] == "outdated" and static["checks"][1]["evidence"] == ["mlp/tensorflow/eager/dbg_probes/b1"]
    assert by_id["community-stars"]["verdict"] == "not measured" and by_id["community-stars"]["measure_with"]
    bad = runner.invoke(app, ["claims", "--run", "nope", "--db", str(store.path)])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1 and "no run 'nope'" in bad.output
    missing = runner.invoke(app, ["claims", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "no results database" in missing.output


def test_report_section_renders_with_links_to_the_evidence(tmp_path):
    from dlarena.report import claims as section
    from dlarena.report.render import write_report

    exports = [r("deploy_export", fw, path, "artifact_size_mb", 0.3) for fw, path in
               (("torch", "torchscript"), ("torch", "torch_export"), ("torch", "onnx"), ("tensorflow", "savedmodel"),
                ("tensorflow", "tflite_fp32"), ("tensorflow", "onnx"))]
    store = store_with(tmp_path, probes() + exports + deploy_rows())
    html_path, md_path = write_report(store, store.run("r1"), tmp_path / "report")
    html, md = html_path.read_text(), md_path.read_text()
    assert "<tr id='claim-ease-static-graphs'>" in html and "class='l warn'>outdated<" in html
    # Evidence links: a cell's entry in the evidence index, else the section that shows it.
    assert '<a href="#cell-mlp-tensorflow-eager-dbg-probes-b1">mlp/tensorflow/eager/dbg_probes/b1</a>' in html
    assert '<a href="#deployment">mlp/tensorflow/tflite_fp32/deploy_export/b1</a>' in html
    for target in set(re.findall(r'href="#([^"]+)"', html)):
        assert f'id="{target}"' in html, target
    assert "PROXY, not the claim" in html and "Not checkable here:" in html
    assert "### Criterion 1: Ease of Use For Rapid Experimentation" in md
    assert "[mlp/tensorflow/eager/dbg_probes/b1](#cell-mlp-tensorflow-eager-dbg-probes-b1)" in md
    assert "| **outdated** |" in md and '<a id="cell-mlp-tensorflow-eager-dbg-probes-b1"></a>' in md
    assert section.build(store_with(tmp_path / "empty", [], "r2"), {"run_id": "r2", "config": {}}, tmp_path) is None


def test_speed_aggregation_is_the_one_rule_and_ties_decide_nothing():
    from dlarena.criteria.speed.claims import aggregate

    assert aggregate([]) == "not checkable"  # nothing decided is not "inconclusive" (measured, undecided)
    assert aggregate(["supported", "contradicted"]) == "partly supported"  # no majority vote: parts disagree
    assert aggregate(["supported", "supported"]) == "supported"
    assert aggregate(["contradicted", "inconclusive", "contradicted"]) == "contradicted"
    assert aggregate(["supported", "inconclusive"]) == "partly supported"  # small-models with MLP training open


def test_a_group_with_nothing_decided_says_not_checkable_or_not_measured():
    from dlarena.criteria.speed.claims import aggregate

    assert aggregate(["not checkable", "not checkable"]) == "not checkable"
    assert aggregate(["shown", "not checkable"]) == "not checkable"
    assert aggregate(["not checkable", "not measured"]) == "not measured"
    assert aggregate(["not checkable", "supported"]) == "supported"  # a decided part still decides


def test_a_claim_of_context_checks_only_is_not_checkable_and_says_why():
    context = Check(what="context", metric="throughput_sps", a=Side("torch"), b=Side("tensorflow"), informative=True)
    rows = [r("infer_throughput", "torch", "eager", "throughput_sps", 20.0, ci=(19.0, 21.0)),
            r("infer_throughput", "tensorflow", "eager", "throughput_sps", 10.0, ci=(9.0, 11.0))]
    result = claims.evaluate(claims.Claim("ctx-only", "X", "test", (context,)), rows)
    assert (result.outcome, result.label, result.partial) == ("not checkable", "not checkable", False)
    assert result.detail == "not checkable: every check of this claim is context or a proxy; none decides it"
    assert result.checks[0].outcome == "supported"  # measured and shown, yet not counted
    assert claims.counts([result])["all"]["not checkable"] == 1


# -- the GPU claim ----------------------------------------------------------------------------------
def speed_cells(device, status="ok", error=None):
    return [{**r("train", fw, "eager", "train_throughput_sps", 100.0, ci=(99.0, 101.0), status=status, error=error),
             "runtime": json.dumps({"device": device})} for fw in ("torch", "tensorflow")]


def test_gpu_claim_is_not_measured_without_a_gpu_and_says_how_to_measure_it():
    rows = speed_cells("cpu")
    result = verdict("overview-gpu-cuda", rows, cells=rows)
    assert result.outcome == "not measured" and "dlarena run --device gpu" in result.measure_with
    assert "ran on cpu, not on a gpu" in result.checks[0].lines[0]
    skipped = speed_cells("", status="skipped", error="no CUDA device: --device gpu needs one")
    assert "skipped: no CUDA device" in verdict("overview-gpu-cuda", skipped, cells=skipped).checks[0].lines[0]
    assert verdict("overview-gpu-cuda", []).outcome == "not measured"
    on_gpu = speed_cells("cuda:0")
    result = verdict("overview-gpu-cuda", on_gpu, cells=on_gpu)
    assert result.outcome == "supported" and result.checks[0].lines == ["PyTorch: 1 cells ran on cuda:0"]


# -- partly supported in the CLI's JSON and the report ------------------------------------------------
def sized_rows():
    return [r("infer_throughput", "tensorflow", "xla", "throughput_sps", 107.0, workload="resnet50_v1_5", ci=(105.0, 109.0)),
            r("infer_throughput", "torch", "eager", "throughput_sps", 100.0, workload="resnet50_v1_5", ci=(98.5, 101.5))]


def test_partly_supported_and_the_size_in_the_json_and_the_report(tmp_path):
    from dlarena.report.render import write_report

    store = store_with(tmp_path, sized_rows())
    data = json.loads(runner.invoke(app, ["claims", "--json", "--db", str(store.path)]).output)
    sized = {c["id"]: c for c in data["claims"]}["tf-inference-deployed"]
    assert sized["verdict"] == "partly supported" and sized["size"] == "contradicted"
    assert "direction supported, size contradicted (claimed +33%, measured +7%" in sized["detail"]
    assert sized["checks"][0]["comparisons"][0]["size"] == "contradicted"
    assert data["counts"]["partly supported"] >= 1
    html_path, md_path = write_report(store, store.run("r1"), tmp_path / "report")
    html = html_path.read_text()
    assert "class='l warn'>partly supported; other parts undecided<" in html
    assert "direction supported, size contradicted (claimed +33%" in html


# -- the disputed verdicts of issue 33, by rule ----------------------------------------------------------
def timed(scenario, framework, mode, metric, value, workload, spread):
    return r(scenario, framework, mode, metric, value, workload=workload, ci=(value * (1 - spread), value * (1 + spread)))


def test_xla_faster_on_one_workload_of_three_is_partly_supported():
    rows = []
    for workload, xla, spread in (("mlp", 10.5, 0.3), ("cnn", 10.2, 0.3), ("transformer", 20.0, 0.02)):
        rows += [timed("infer_throughput", "tensorflow", "xla", "throughput_sps", xla, workload, spread),
                 timed("infer_throughput", "tensorflow", "function", "throughput_sps", 10.0, workload, 0.02)]
    result = verdict("xla-faster", rows)
    assert [c.outcome for c in result.checks[0].comparisons] == ["inconclusive", "inconclusive", "supported"]
    assert result.outcome == "partly supported"


def test_small_models_with_mlp_training_inconclusive_is_partly_supported():
    rows = [timed("train", "torch", "eager", "train_throughput_sps", 1050.0, "mlp", 0.3),
            timed("train", "tensorflow", "function", "train_throughput_sps", 1000.0, "mlp", 0.3),
            timed("infer_latency", "torch", "eager", "latency_ms", 0.021, "mlp", 0.05),
            timed("infer_latency", "tensorflow", "function", "latency_ms", 0.138, "mlp", 0.05)]
    result = verdict("small-models", rows)
    assert [c.outcome for c in result.checks] == ["inconclusive", "supported", "not measured"]
    assert (result.outcome, result.label) == ("partly supported", "partly supported; other parts undecided")


# -- the check kinds at their edges, through the registry (issue 32) -------------------------------
def _run_check(kind, rows, metric="", a="torch", b=None, today=TODAY, **options):
    from dlarena.claimkit.model import Context

    check = Check("t", metric=metric, a=Side(a), b=Side(b) if b else None, kind=kind, options=options)
    return EVALUATORS[kind](check, Context(rows, 0.05, today=today))


def test_a_superlinear_side_makes_the_scaling_comparison_inconclusive():
    # TensorFlow's 2-worker efficiency 115% (its 1-worker baseline ran below capacity): no verdict,
    # though PyTorch's 75% is ordinary -- one superlinear side is enough.
    rows = scaling_rows(tf2=2300, torch2=1500)
    (c,) = analysis.compare_scaling(on_hosts(rows, 2), rows, "tensorflow", "torch")
    assert (c.outcome, c.winner) == ("inconclusive", None) and "superlinear" in c.text
    assert verdict("speed-distributed", rows, cells=on_hosts(rows, 2)).outcome == "inconclusive"


@pytest.mark.parametrize("values, outcome", [
    ((50_000, 40_000, 60_000), "supported"),     # down, then up: the first and last dates decide
    ((50_000, 60_000, 45_000), "contradicted"),  # up, then down below the start
])
def test_a_trend_compares_the_first_and_last_dates_of_three(values, outcome):
    rows = [fig("torch", "github_stars", v, d) for v, d in zip(values, ("2025-01", "2025-06", "2026-06"))]
    assert _run_check("trend", rows, "github_stars", expect="up").outcome == outcome
    flipped = "contradicted" if outcome == "supported" else "supported"
    assert _run_check("trend", rows, "github_stars", expect="down").outcome == flipped
    # with side b: the ratio a/b on each date, first against last
    ratio_rows = rows + [fig("tensorflow", "github_stars", 100_000, d) for d in ("2025-01", "2025-06", "2026-06")]
    assert _run_check("trend", ratio_rows, "github_stars", b="tensorflow", expect="up").outcome == outcome


def test_a_figure_exactly_the_tolerance_away_from_the_articles_is_still_close():
    rows = [fig("torch", "github_stars", 125, "2026-06"), fig("tensorflow", "github_stars", 100, "2026-06")]
    assert 125 / 100 - 1 == 0.25
    assert _run_check("figure", rows, "github_stars", b="tensorflow", claimed_a=100, tolerance=0.25).outcome == "supported"
    assert _run_check("figure", rows, "github_stars", b="tensorflow", claimed_a=100, tolerance=0.24).outcome == "outdated"


@pytest.mark.parametrize("qualifiers, outcome", [
    (({"above": True}, {"below": True}), "supported"),  # > 70 vs < 70: ordered, the bounds touch
    (({}, {"below": True}), "supported"),               # 70 vs < 70
    (({"below": True}, {"below": True}), "inconclusive"),  # < 70 vs < 70: open
])
def test_bounded_figures_that_touch_are_ordered(qualifiers, outcome):
    rows = [fig("torch", "paper_implementations_pct", 70, "2026-06", **qualifiers[0]),
            fig("tensorflow", "paper_implementations_pct", 70, "2026-06", **qualifiers[1])]
    assert _run_check("figure", rows, "paper_implementations_pct", b="tensorflow").outcome == outcome


def test_rows_at_least_holds_on_equal_shares_and_higher_needs_more():
    rows = [r("deployment", "torch", "onnx", "m", 1.0), r("deployment", "torch", "tflite", "m", 1.0, status="failed"),
            r("deployment", "tensorflow", "onnx", "m", 1.0), r("deployment", "tensorflow", "tflite", "m", 1.0, status="failed")]
    for x in rows:
        x["cell_id"] = f"{x['framework']}/{x['mode']}"
    assert _run_check("rows", rows, b="tensorflow", expect="a_at_least").outcome == "supported"      # 1/2 vs 1/2
    assert _run_check("rows", rows, b="tensorflow", expect="a_higher").outcome == "inconclusive"
    both_sides = ["torch/onnx", "torch/tflite", "tensorflow/onnx", "tensorflow/tflite"]  # decided or not
    assert _run_check("rows", rows, b="tensorflow", expect="a_at_least").evidence == both_sides
    assert _run_check("rows", rows, b="tensorflow", expect="a_higher").evidence == both_sides
    better = [x for x in rows if x["cell_id"] != "torch/tflite"]  # 1/1 vs 1/2
    assert _run_check("rows", better, b="tensorflow", expect="a_higher").outcome == "supported"
    assert _run_check("rows", better, b="tensorflow", expect="a_at_least").outcome == "supported"
    assert _run_check("rows", rows[2:] + rows[:1], b="tensorflow", expect="a_at_least").outcome == "supported"
    assert _run_check("rows", [rows[1]] + rows[2:], b="tensorflow", expect="a_at_least").outcome == "contradicted"


@pytest.mark.parametrize("cell, device", [
    ({"runtime": {"device": "CUDA:0"}, "extra": {"device": "cpu"}}, "cuda:0"),  # the runtime's first
    ({"runtime": '{"device": "GPU"}'}, "gpu"),  # as stored: JSON text
    ({"runtime": "", "extra": {"device": "CUDA:1"}}, "cuda:1"),  # none in the runtime: the row's extra
    ({"runtime": None, "extra": None}, ""),
    ({"runtime": {}, "extra": {}}, ""),
])
def test_a_cells_device_is_read_from_its_runtime_then_its_extra(cell, device):
    from dlarena.claims.evaluators import _device

    assert _device(cell) == device


@pytest.mark.parametrize("options, today, outcome, note, lines", [
    ({"fact": "X ships Y", "as_of": "2025-06-01", "source": "release notes", "verdict": "supported"}, date(2026, 1, 1),
     "supported", "", ["X ships Y (as of 2025-06-01; release notes)"]),
    ({"as_of": "2025-06-01", "source": "a blog", "verdict": "contradicted"}, date(2026, 1, 1),  # no fact: the check's text
     "contradicted", "", ["what the check says (as of 2025-06-01; a blog)"]),
    ({"fact": "X ships Y", "as_of": "2020-01-01", "source": "release notes", "verdict": "supported"}, date(2026, 1, 1),
     "not checkable", "its source is older than 24 months",
     ["X ships Y (as of 2020-01-01; release notes)", "older than 24 months: not evidence about today"]),
])
def test_a_dated_statement_says_its_source_and_date_and_goes_stale(options, today, outcome, note, lines):
    from dlarena.claimkit.model import Check, Context

    result = EVALUATORS["dated"](Check(what="what the check says", kind="dated", options=options), Context([], 0.05, today=today))
    assert (result.outcome, result.note, result.lines) == (outcome, note, lines)


@pytest.mark.parametrize("need, outcome", [("any", "supported"), (None, "contradicted")])
def test_rows_need_some_cell_with_need_any_and_every_cell_by_default(need, outcome):
    rows = [r("deployment", "torch", "onnx", "m", 1.0), r("deployment", "torch", "tflite", "m", 1.0, status="failed")]
    options = {"need": need} if need else {}
    result = _run_check("rows", rows, **options)
    assert (result.outcome, result.evidence) == (outcome, ["mlp/torch/onnx/deployment/b1", "mlp/torch/tflite/deployment/b1"])


def test_rows_without_cells_of_one_side_name_its_scenarios_and_framework():
    from dlarena.claimkit.model import Context

    rows = [r("deploy_export", "torch", "onnx", "m", 1.0), r("deploy_runtime", "torch", "onnx", "m", 1.0)]
    for a, b in (("torch", "tensorflow"), ("tensorflow", "torch")):
        check = Check("t", a=Side(a), b=Side(b), kind="rows", scenarios=("deploy_export", "deploy_runtime"))
        result = EVALUATORS["rows"](check, Context(rows, 0.05, today=TODAY))
        assert result.check is check
        assert (result.outcome, result.lines) == ("not measured", ["no deploy_export/deploy_runtime cells for TensorFlow"])


def test_a_claims_check_carries_the_evidence_and_the_undecided_parts_of_the_claims_it_combines():
    from dlarena.claimkit.model import CheckResult, Claim, ClaimResult, Context

    def decided(claim_id, evidence, partial):
        part = Check("w", kind="rows")
        return ClaimResult(Claim(claim_id, "t", "s", (part,)), "supported", [CheckResult(part, "supported", evidence=evidence)],
                           partial=partial)

    check = Check("t", kind="claims", options={"claims": ["a", "b"]})
    for partial in (True, False):  # a decided claim resting on undecided parts makes the whole partial
        results = {"a": decided("a", ["x/1", "x/2"], partial), "b": decided("b", ["y/1"], False)}
        result = EVALUATORS["claims"](check, Context([], 0.05, results=results))
        assert (result.outcome, result.partial, result.evidence) == ("supported", partial, ["x/1", "x/2", "y/1"])
        assert result.lines == [f"a: supported{', in part' if partial else ''}", "b: supported"]


def _cell(workload, device, scenario="train", status="ok", error=None):
    return {**r(scenario, "torch", "eager", "train_throughput_sps", 1.0, workload=workload, status=status, error=error),
            "runtime": json.dumps({"device": device} if device else {})}


LONG_ERROR = "no CUDA device: " + "x" * 200


@pytest.mark.parametrize("cells, options, outcome, lines", [
    # no device option: a GPU, named "cuda..." or "gpu..." (TensorFlow's /GPU:0, lower-cased)
    ([_cell("mlp", "cuda:0"), _cell("cnn", "GPU:0")], {}, "supported", ["PyTorch: 2 cells ran on cuda:0, gpu:0"]),
    ([_cell("mlp", "cpu")], {"device": "cpu"}, "supported", ["PyTorch: 1 cells ran on cpu"]),
    # a GPU cell outside the check's scenarios does not count
    ([_cell("mlp", "cpu"), _cell("cnn", "tpu:0"), _cell("rnn", "cuda:0", scenario="infer_latency")], {}, "not measured",
     ["PyTorch's cells ran on cpu, tpu:0, not on a gpu"]),
    # a failed cell's error, a skipped cell without one, a cell without its device: none says where it ran
    ([_cell("mlp", ""), _cell("cnn", "", status="failed", error="boom"), _cell("rnn", "", status="skipped")], {},
     "not measured", ["no PyTorch cell of this run records a gpu device"]),
    ([_cell("mlp", "", status="skipped", error=LONG_ERROR)], {}, "not measured", ["skipped: " + LONG_ERROR[:160]]),
])
def test_a_device_check_names_the_devices_its_cells_ran_on(cells, options, outcome, lines):
    from dlarena.claimkit.model import Context

    check = Check("t", a=Side("torch"), kind="device", scenarios=("train",), options=options)
    result = EVALUATORS["device"](check, Context([], 0.05, today=TODAY, cell_rows=cells))
    assert (result.outcome, result.lines) == (outcome, lines)
    if outcome == "supported":
        assert result.evidence == [c["cell_id"] for c in cells]
