"""Recommendation scores on synthetic rows: priorities change the ranking as expected; the
summaries link to their cells; the report opens with the summary table whose links resolve."""

import re

import pytest
from typer.testing import CliRunner

from dlarena.cli import app
from dlarena.config import Cell, build_config
from dlarena.measure.env import fingerprint
from dlarena.criteria.speed import cells as speed
from dlarena.recommend import (ORDER, Factor, PriorityError, latest_factors, parse_priorities, recommend, strongest,
                               summarize_run, what_would_change)
from dlarena.store.db import ResultStore

runner = CliRunner()


def _speed_cells(torch_ms, tf_ms):
    """(cell, result) pairs: parity ok, and batch-1 latency per framework with a tight CI."""
    out = []
    for fw in ("torch", "tensorflow"):
        out.append((Cell(workload="mlp", framework=fw, mode="eager", scenario="parity", batch=16), {"status": "ok", "metrics": []}))
    for fw, ms in (("torch", torch_ms), ("tensorflow", tf_ms)):
        cell = Cell(workload="mlp", framework=fw, mode="eager", scenario="infer_latency", batch=1)
        out.append((cell, {"status": "ok", "metrics": [
            {"metric": "latency_ms", "unit": "ms", "value": ms, "ci_low": ms * 0.98, "ci_high": ms * 1.02, "extra": {}}]}))
    return out


def _probe_cells(torch_points, tf_points):
    out = []
    for fw, points in (("torch", torch_points), ("tensorflow", tf_points)):
        cell = Cell(workload="-", framework=fw, mode="eager", scenario="err_dense_shape", batch=8)
        out.append((cell, {"status": "ok", "metrics": [{"metric": "probe_score", "unit": "points", "value": points,
                                                         "extra": {"max_points": 5.0, "outcome": "error"}}]}))
    return out


def _store(tmp_path, pairs, run_id="r1", **options):
    store = ResultStore(tmp_path / "r.duckdb")
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"], **options).model_dump()
    store.start_run(run_id, "custom", config, fingerprint(1, 1))
    for cell, result in pairs:
        store.record_cell(run_id, cell, result)
    store.finish_run(run_id)
    return store


def test_speed_summary_counts_wins_by_the_verdict_rule(tmp_path):
    store = _store(tmp_path, _speed_cells(torch_ms=0.05, tf_ms=0.40))
    summary = speed.scores(store.cells("r1"), store.measurements("r1"))
    assert summary["torch"]["score"] == 1.0 and summary["tensorflow"]["score"] == 0.0
    assert summary["torch"]["evidence"] == ["mlp/torch/eager/infer_latency/b1"]
    assert "faster in 1, equivalent in 0, slower in 0, undecided 0 of 1 comparisons" in summary["torch"]["line"]
    tie = _store(tmp_path / "tie", _speed_cells(torch_ms=0.100, tf_ms=0.101))
    tied = speed.scores(tie.cells("r1"), tie.measurements("r1"))
    assert tied["torch"]["score"] == tied["tensorflow"]["score"] == 0.5


def test_speed_factor_uses_the_runs_equivalence_band(tmp_path):
    # 4% apart, ratio CI about [1.01, 1.07]: a win within the default +-5%, equivalent within +-10%.
    close = _speed_cells(torch_ms=0.100, tf_ms=0.104)
    default = {f.criterion: f for f in latest_factors(_store(tmp_path / "d", close), parse_priorities(None))}
    assert default["speed"].per_framework["torch"]["score"] == 1.0
    wide = {f.criterion: f for f in latest_factors(_store(tmp_path / "w", close, equivalence_band=0.10),
                                                    parse_priorities(None))}
    assert wide["speed"].per_framework["torch"]["score"] == 0.5
    assert "faster in 0, equivalent in 1, slower in 0, undecided 0 of 1 comparisons" in wide["speed"].per_framework["torch"]["line"]


def test_changing_priorities_changes_the_ranking(tmp_path):
    # torch is faster; tensorflow has the better error messages
    store = _store(tmp_path, _speed_cells(torch_ms=0.05, tf_ms=0.40) + _probe_cells(torch_points=2.0, tf_points=5.0))
    speed_first = recommend(latest_factors(store, parse_priorities(["speed=3"])))
    ease_first = recommend(latest_factors(store, parse_priorities(["ease=3"])))
    assert speed_first.ranking == ["torch", "tensorflow"]
    assert ease_first.ranking == ["tensorflow", "torch"]
    # speed: torch 1, tf 0; ease: torch 0.4, tf 1 -> weighted means
    assert speed_first.totals["torch"] == pytest.approx((3 * 1 + 0.4) / 4)
    assert ease_first.totals["tensorflow"] == pytest.approx((0 + 3 * 1) / 4)
    assert "PyTorch leads on speed" in speed_first.paragraph and "TensorFlow leads on ease of use" in speed_first.paragraph
    assert "Not measured yet, so not counted: LLM generation, deployment, distributed training" in speed_first.paragraph
    only_speed = recommend(latest_factors(store, parse_priorities(["ease=0"])))
    assert only_speed.totals == {"torch": 1.0, "tensorflow": 0.0}


def test_each_criterion_comes_from_its_latest_run(tmp_path):
    store = _store(tmp_path, _speed_cells(torch_ms=0.05, tf_ms=0.40), run_id="old")
    store.start_run("new", "custom", {}, {})
    for cell, result in _probe_cells(5.0, 1.0):
        store.record_cell("new", cell, result)
    factors = {f.criterion: f for f in latest_factors(store, parse_priorities(None))}
    assert factors["speed"].run_id == "old" and factors["ease"].run_id == "new"
    assert factors["deployment"].status in ("not measured yet", "no summary")
    assert factors["ease"].per_framework["torch"]["evidence"] == ["-/torch/eager/err_dense_shape/b8"]


def test_not_enough_results_says_so():
    result = recommend([Factor("speed", 1.0), Factor("ease", 1.0)])
    assert result.ranking == [] and "Not enough measured results" in result.paragraph


@pytest.mark.parametrize("values,message", [
    (["beauty=2"], "unknown criterion 'beauty' in --priority; valid: speed, llm, ease, deployment"),
    (["speed"], "priority 'speed' is not CRITERION=WEIGHT"),
    (["speed=fast"], "weight of 'speed' must be a number"),
    (["speed=-1"], "weight of 'speed' must be a number from 0 to 100, got '-1'"),
    (["speed=100.5"], "weight of 'speed' must be a number from 0 to 100, got '100.5'"),
    (["speed==3"], "weight of 'speed' must be a number from 0 to 100, got '=3'"),  # the first '=' separates
])
def test_bad_priorities(values, message):
    with pytest.raises(PriorityError, match=re.escape(message)):
        parse_priorities(values)


def test_priorities_are_separated_by_commas_and_a_weight_of_exactly_the_maximum_is_taken():
    weights = parse_priorities(["speed=3, ease=100", "llm=0"])
    assert weights == {**{name: 1.0 for name in ORDER}, "speed": 3.0, "ease": 100.0, "llm": 0.0}


def test_recommend_cli(tmp_path):
    store = _store(tmp_path, _speed_cells(torch_ms=0.05, tf_ms=0.40) + _probe_cells(2.0, 5.0))
    result = runner.invoke(app, ["recommend", "--priority", "speed=3", "--db", str(store.path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "PyTorch scores 0.85" in text and "weighted total" in text
    as_json = runner.invoke(app, ["recommend", "--priority", "speed=3", "--json", "--db", str(store.path)])
    assert '"ranking": [' in as_json.output and '"run_id": "r1"' in as_json.output
    bad = runner.invoke(app, ["recommend", "--priority", "beauty=1", "--db", str(store.path)])
    assert bad.exit_code == 2 and "unknown criterion 'beauty'" in bad.output
    missing = runner.invoke(app, ["recommend", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "no results database" in missing.output


def test_report_opens_with_summary_table_and_links_resolve(tmp_path):
    from dlarena.report.render import write_report

    store = _store(tmp_path, _speed_cells(torch_ms=0.05, tf_ms=0.40) + _probe_cells(2.0, 5.0))
    html_path, md_path = write_report(store, store.run("r1"), tmp_path / "report")
    html = html_path.read_text()
    assert html.index('id="summary"') < html.index('<h2 id="environment">Environment</h2>')
    table = html[html.index('id="summary"'):html.index('id="when-to-use"')]
    for left_out in ("llm", "deployment", "distributed", "pretrained", "debugging", "community"):  # not selected
        assert table.count(f"not in this run: dlarena run --criteria {left_out}<") == 2
    assert table.count("[measured here]") == 2 * 2  # speed and ease, both frameworks
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert {"evidence-speed-torch", "evidence-ease-tensorflow"} <= targets
    for target in targets:
        assert f'id="{target}"' in html
    assert 'id="cell-mlp-torch-eager-infer-latency-b1"' in html
    md = md_path.read_text()
    assert md.index("## Summary") < md.index("## mlp")
    assert "[faster in 1, equivalent in 0, slower in 0, undecided 0 of 1 comparisons" in md and '<a id="evidence-ease-torch"></a>' in md


def test_summaries_skip_criteria_without_rows():
    assert summarize_run([], []) == {}


def test_a_failing_summary_is_reported_not_fatal(tmp_path, monkeypatch):
    def broken(cells, rows, band=None):
        raise KeyError("surprise")

    monkeypatch.setattr(speed, "scores", broken)
    store = _store(tmp_path, _speed_cells(torch_ms=0.05, tf_ms=0.40) + _probe_cells(2.0, 5.0))
    factors = {f.criterion: f for f in latest_factors(store, parse_priorities(None))}
    assert factors["speed"].status == "summary failed: KeyError: 'surprise'" and factors["ease"].status == "measured"
    from dlarena.report.overview import build

    overview = build(store.cells("r1"), store.measurements("r1"), ["torch", "tensorflow"])
    row = next(r for r in overview.rows if r.criterion == "speed")
    assert row.cells["torch"].text.startswith("summary failed: KeyError")


def test_framework_measured_on_fewer_criteria_is_left_out_of_totals():
    def summary(score):
        return {"score": score, "line": "x", "evidence": []}

    speed_factor = Factor("speed", 1.0, "r1", {"torch": summary(0.2), "tensorflow": summary(0.4), "jax": summary(0.9)},
                          "measured")
    ease_factor = Factor("ease", 1.0, "r1", {"torch": summary(0.9), "tensorflow": summary(0.3)}, "measured")
    result = recommend([speed_factor, ease_factor])
    assert result.ranking == ["torch", "tensorflow"]
    assert result.totals == pytest.approx({"torch": 0.55, "tensorflow": 0.35})
    assert "Left out of the totals, measured on fewer criteria: JAX (1 of 2)." in result.paragraph
    assert result.paragraph.startswith("With equal priorities, PyTorch scores 0.55 and TensorFlow 0.35 over 2 measured criteria.")


def test_three_frameworks_measured_alike_are_all_ranked_and_shown(tmp_path):
    def summary(score, line="x"):
        return {"score": score, "line": line, "evidence": []}

    speed_factor = Factor("speed", 1.0, "r1", {"torch": summary(0.5), "tensorflow": summary(0.4), "jax": summary(0.9, "jit")},
                          "measured")
    ease_factor = Factor("ease", 1.0, "r1", {"torch": summary(0.9, "clear"), "tensorflow": summary(0.3), "jax": summary(0.5)},
                         "measured")
    pretrained_factor = Factor("pretrained", 1.0, "r1", {"torch": summary(0.6), "tensorflow": summary(1.0), "jax": summary(1.0)},
                               "measured")
    result = recommend([speed_factor, ease_factor, pretrained_factor])
    assert result.ranking == ["jax", "torch", "tensorflow"]
    assert result.totals == pytest.approx({"torch": 2.0 / 3, "tensorflow": 1.7 / 3, "jax": 2.4 / 3})
    text = result.paragraph
    assert "With equal priorities, JAX scores 0.80, PyTorch 0.67 and TensorFlow 0.57 over 3 measured criteria." in text
    assert "JAX leads on speed (0.90 vs 0.50: jit)." in text and "PyTorch leads on ease of use (0.90 vs 0.50: clear)." in text
    assert "No framework leads clearly on pretrained models." in text  # TensorFlow and JAX tie at the top

    # The report's summary table has a column per framework the run compared.
    from dlarena.report.render import write_report

    pairs = _speed_cells(torch_ms=0.05, tf_ms=0.40) + _probe_cells(2.0, 5.0)
    pairs.append((Cell(workload="mlp", framework="jax", mode="eager", scenario="parity", batch=16), {"status": "ok", "metrics": []}))
    pairs.append((Cell(workload="mlp", framework="jax", mode="jit", scenario="infer_latency", batch=1),
                  {"status": "ok", "metrics": [{"metric": "latency_ms", "unit": "ms", "value": 0.02, "ci_low": 0.019,
                                                "ci_high": 0.021, "extra": {}}]}))
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r1", "custom", build_config(workloads=["mlp"], frameworks=["torch", "tensorflow", "jax"]).model_dump(),
                    fingerprint(1, 1))
    for cell, res in pairs:
        store.record_cell("r1", cell, res)
    store.finish_run("r1")
    html = write_report(store, store.run("r1"), tmp_path / "report")[0].read_text()
    assert "<h1>dlarena: PyTorch vs TensorFlow vs JAX, measured</h1>" in html
    summary_table = html[html.index('id="summary"'):]
    summary_table = summary_table[:summary_table.index("</table>")]
    assert re.search(r'<th class="l">criterion</th>\s*<th class="l">PyTorch</th>\s*<th class="l">TensorFlow</th>\s*'
                     r'<th class="l">JAX</th>', summary_table)
    assert 'href="#evidence-speed-jax"' in summary_table


def _factor(name, weight, scores):
    return Factor(name, weight, "r", {fw: {"score": s, "line": f"{fw} {name}", "evidence": [f"{name}/{fw}"]}
                                       for fw, s in scores.items()}, "measured")


def test_all_weights_zero_is_not_a_recommendation():
    result = recommend([_factor("speed", 0, {"torch": 1.0, "tensorflow": 0.0}),
                        _factor("ease", 0, {"torch": 0.0, "tensorflow": 1.0})])
    assert result.totals == {"torch": 0.0, "tensorflow": 0.0}
    assert result.paragraph.startswith("Not enough measured results to compare frameworks yet")


def test_partial_weights_count_only_weighted_criteria_and_strongest_follows_the_weighted_gap():
    from dlarena.recommend import strongest

    factors = [_factor("speed", 3, {"torch": 0.8, "tensorflow": 0.4}),
               _factor("ease", 1, {"torch": 0.2, "tensorflow": 0.9}),
               _factor("community", 0, {"torch": 0.0, "tensorflow": 1.0})]
    result = recommend(factors)
    assert result.weights == {"speed": 3, "ease": 1, "community": 0}
    assert result.totals == pytest.approx({"torch": (3 * 0.8 + 0.2) / 4, "tensorflow": (3 * 0.4 + 0.9) / 4})
    assert result.ranking == ["torch", "tensorflow"]
    # weighted gaps: speed 3 x 0.4 = 1.2, ease 1 x 0.7 = 0.7; community weighs 0
    assert strongest(result) == [
        "Speed: PyTorch 0.80 vs TensorFlow 0.40 — torch speed [measured here] (evidence: speed/torch)",
        "Ease of use: TensorFlow 0.90 vs PyTorch 0.20 — tensorflow ease [measured here] (evidence: ease/tensorflow)"]


# -- several runs per criterion, and the lead margin at its edge (issue 32) ----------------------
def test_of_two_runs_measuring_one_criterion_the_newest_decides(tmp_path):
    store = _store(tmp_path, _speed_cells(torch_ms=0.05, tf_ms=0.40), run_id="old")  # torch faster then
    store.start_run("new", "custom", {}, {})
    for cell, result in _speed_cells(torch_ms=0.40, tf_ms=0.05):  # tensorflow faster now
        store.record_cell("new", cell, result)
    assert [r["run_id"] for r in store.runs()] == ["new", "old"]
    speed_factor = next(f for f in latest_factors(store, parse_priorities(None)) if f.criterion == "speed")
    assert speed_factor.run_id == "new"
    assert (speed_factor.per_framework["tensorflow"]["score"], speed_factor.per_framework["torch"]["score"]) == (1.0, 0.0)


@pytest.mark.parametrize("high, low, small", [(1.0, 0.0, False), (0.05, 0.0, False), (0.5, 0.46, True)])
def test_the_overall_margin_is_small_only_below_the_lead_margin(high, low, small):
    # 0.05 - 0.0 is exactly LEAD_MARGIN in binary: a lead, not "small"
    result = recommend([_factor("speed", 1, {"torch": high, "tensorflow": low})])
    assert ("The overall margin" in result.paragraph) is small
    assert ("PyTorch leads on speed" in result.paragraph) is not small
    assert ("They are about even on speed" in result.paragraph) is small


def test_strongest_keeps_a_gap_of_exactly_the_lead_margin():
    from dlarena.recommend import LEAD_MARGIN, strongest

    assert 0.05 - 0.0 == LEAD_MARGIN
    result = recommend([_factor("speed", 1, {"torch": 0.05, "tensorflow": 0.0}),
                        _factor("ease", 1, {"torch": 0.5, "tensorflow": 0.49})])
    assert [line.split(":")[0] for line in strongest(result)] == ["Speed"]


def test_what_would_change_it_names_the_smallest_weight_that_reverses_the_lead():
    from dataclasses import replace

    from dlarena.recommend import what_would_change

    def summary(score):
        return {"score": score, "line": "x", "evidence": []}

    factors = [Factor("speed", 1.0, "r1", {"torch": summary(1.0), "tensorflow": summary(0.0)}, "measured"),
               Factor("ease", 1.0, "r1", {"torch": summary(0.8), "tensorflow": summary(0.6)}, "measured"),
               Factor("deployment", 1.0, "r1", {"torch": summary(0.2), "tensorflow": summary(0.45)}, "measured")]
    result = recommend(factors)
    assert result.ranking == ["torch", "tensorflow"]
    # sums 2.0 vs 1.05: deployment (+0.25 for TensorFlow) needs 1 + 0.95 / 0.25 = 4.8 to tie, so ×5
    text = what_would_change(result)
    assert text == ("PyTorch leads TensorFlow by 0.32. What would change it: deployment weighted ×5 "
                    "(--priority deployment=5), where TensorFlow scores 0.45 vs 0.20, puts TensorFlow ahead of PyTorch.")

    def ranking(weight):
        return recommend([replace(f, weight=weight) if f.criterion == "deployment" else f for f in factors]).ranking

    assert ranking(5)[0] == "tensorflow" and ranking(4)[0] == "torch"

    one_sided = [replace(f, per_framework={"torch": summary(0.9), "tensorflow": summary(0.1)}) for f in factors]
    assert what_would_change(recommend(one_sided)) == (
        "PyTorch leads TensorFlow by 0.80; no priorities reverse it: no framework scores higher than PyTorch on any "
        "scored criterion.")
    assert what_would_change(recommend(factors[:1])).endswith("on any scored criterion.")
    # a third framework can be the one a priority puts ahead: JAX, not the runner-up, leads on ease
    three = [replace(f, per_framework={**f.per_framework, "jax": summary(s)}) for f, s in zip(factors, (0.0, 1.0, 0.0))]
    result = recommend(three)
    assert result.ranking == ["torch", "tensorflow", "jax"]
    # sums 2.0 vs 1.0 (JAX): ease (+0.2) needs 1 + 1.0 / 0.2 = 6 to tie, so ×7; TensorFlow needs deployment ×5
    assert "deployment weighted ×5" in what_would_change(result)
    three[2] = replace(three[2], weight=0)  # without deployment: JAX by ease; 1.8 vs 1.0, 1 + 0.8 / 0.2 = 5 ties
    assert "ease of use weighted ×6 (--priority ease=6), where JAX scores 1.00 vs 0.80" in what_would_change(recommend(three))


@pytest.mark.parametrize("shared,compared", [
    (2, ["torch", "tensorflow"]),  # 3 x 2 = 6 scores either way: the framework is left out, as before
    (3, ["torch", "tensorflow", "jax"]),  # 3 x 3 = 9 > 2 x 4 = 8: the criterion JAX lacks is left out
])
def test_a_criterion_one_framework_lacks_is_left_out_when_that_keeps_more_scores(shared, compared):
    def summary(score):
        return {"score": score, "line": "x", "evidence": []}

    names = ["speed", "ease", "pretrained", "debugging"][:shared]
    factors = [Factor(name, 1.0, "r1", {"torch": summary(0.5), "tensorflow": summary(0.4), "jax": summary(0.9)}, "measured")
               for name in names]
    factors.append(Factor("llm", 1.0, "r1", {"torch": summary(0.0), "tensorflow": summary(1.0)}, "measured"))
    result = recommend(factors)
    assert sorted(result.ranking) == sorted(compared)
    assert result.paragraph.startswith("With equal priorities, ")  # the notes below follow the comparison
    if "jax" in compared:
        assert result.totals == pytest.approx({"torch": 0.5, "tensorflow": 0.4, "jax": 0.9})  # llm not counted
        assert "Not scored, shown only: LLM generation (not measured: JAX)." in result.paragraph
        assert "Left out of the totals" not in result.paragraph
    else:
        assert "Left out of the totals, measured on fewer criteria: JAX (2 of 3)." in result.paragraph


def test_a_run_is_read_with_its_own_band_a_given_run_alone_and_unnamed_criteria_weigh_1(tmp_path):
    # old: 4% apart within a +-10% band (equivalent, 0.5 each); new, started later: ease only, default band
    store = _store(tmp_path, _speed_cells(torch_ms=0.100, tf_ms=0.104), run_id="old", equivalence_band=0.10)
    store.start_run("new", "custom", {}, {})
    for cell, result in _probe_cells(5.0, 1.0):
        store.record_cell("new", cell, result)
    latest = {f.criterion: f for f in latest_factors(store, {"ease": 2.0})}
    assert (latest["speed"].run_id, latest["ease"].run_id) == ("old", "new")
    assert latest["speed"].per_framework["torch"]["score"] == 0.5  # old's band, not the newest run's (1.0 there)
    assert {name: f.weight for name, f in latest.items()} == {name: 2.0 if name == "ease" else 1.0 for name in ORDER}
    given = {f.criterion: f for f in latest_factors(store, {"ease": 2.0}, run_id="old")}
    assert (given["speed"].run_id, given["speed"].per_framework["torch"]["score"]) == ("old", 0.5)
    assert (given["ease"].run_id, given["ease"].status, given["ease"].weight) == (None, "not measured yet", 2.0)


def test_strongest_gives_three_criteria_by_default_with_two_evidence_cells_and_the_leaders_scope():
    def summary(score, line, **more):
        return {"score": score, "line": line, **more}

    factors = [Factor("community", 1.0),  # not measured: skipped, the others still weighed
               Factor("speed", 1.0, "r", {"torch": summary(0.9, "fast; 3 of 3", evidence=["s1", "s2", "s3"], scope="1 host"),
                                          "tensorflow": summary(0.1, "slow"), "jax": summary(0.5, "jit")}, "measured"),
               Factor("ease", 1.0, "r", {"torch": summary(0.5, "x"), "tensorflow": summary(0.8, "clear"),
                                         "jax": summary(0.4, "x")}, "measured"),  # no evidence listed
               Factor("pretrained", 1.0, "r", {"torch": summary(0.5, "x"), "tensorflow": summary(0.45, "x"),
                                               "jax": summary(0.7, "many", evidence=["p/jax"])}, "measured"),
               Factor("debugging", 1.0, "r", {"torch": summary(0.6, "x"), "tensorflow": summary(0.5, "x"),
                                              "jax": summary(0.45, "x")}, "measured")]
    result = recommend(factors)
    assert len(result.ranking) == 3
    # gaps between each criterion's leader and runner-up: 0.4, 0.3, 0.2, 0.1
    assert strongest(result) == [
        "Speed: PyTorch 0.90 vs JAX 0.50 — fast [measured here; scope: 1 host] (evidence: s1, s2)",
        "Ease of use: TensorFlow 0.80 vs PyTorch 0.50 — clear [measured here]",
        "Pretrained models: JAX 0.70 vs PyTorch 0.50 — many [measured here] (evidence: p/jax)"]
    assert len(strongest(result, n=4)) == 4


@pytest.mark.parametrize("torch_speed, text", [
    (0.7734375, "PyTorch leads TensorFlow by 0.38. What would change it: ease of use weighted ×100 (--priority ease=100), "
                "where TensorFlow scores 0.51 vs 0.50, puts TensorFlow ahead of PyTorch."),
    (0.78125, "PyTorch leads TensorFlow by 0.39; no priorities reverse it (it would take ease of use ×101, above the "
              "largest weight, 100)."),
])
def test_a_reversing_weight_of_exactly_the_maximum_is_named_and_one_above_it_is_not(torch_speed, text):
    # binary fractions, exact: ease's edge is 1/128; the weighted gap is 98/128 (99/128), so ease
    # ties at 1 + 98 = 99 (100) and passes at 100 (101)
    result = recommend([_factor("speed", 1, {"torch": torch_speed, "tensorflow": 0.0}),
                        _factor("ease", 1, {"torch": 0.5, "tensorflow": 0.5078125})])
    assert what_would_change(result) == text


def test_of_two_criteria_needing_the_same_weight_the_first_listed_is_named():
    # sums 1.5 vs 1.0: ease and deployment (+0.25 each for TensorFlow) both tie at 3, pass at 4
    result = recommend([_factor("speed", 1, {"torch": 1.0, "tensorflow": 0.0}),
                        _factor("ease", 1, {"torch": 0.25, "tensorflow": 0.5}),
                        _factor("deployment", 1, {"torch": 0.25, "tensorflow": 0.5})])
    assert what_would_change(result) == (
        "PyTorch leads TensorFlow by 0.17. What would change it: ease of use weighted ×4 (--priority ease=4), "
        "where TensorFlow scores 0.50 vs 0.25, puts TensorFlow ahead of PyTorch.")
