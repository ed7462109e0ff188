"""Evidence grades in the recommendation: only lines measured here or from a fresh dated snapshot
are scored; a stale or environment-dependent line is named, never counted (and never as a 0)."""

from datetime import date

import pytest

from dlarena import evidence
from dlarena.recommend import Factor, recommend, strongest


def _line(score, grade=None, **extra):
    out = {"score": score, "line": f"line {score}", "evidence": [f"cell-{score}"], **extra}
    if grade:
        out["grade"] = grade
    return out


def _factor(name, **per_fw):
    return Factor(name, 1.0, run_id="r", per_framework=per_fw, status="measured")


@pytest.mark.parametrize("as_of,today,grade", [
    ("2024-12-07", date(2026, 12, 7), "snapshot"),   # exactly 24 months
    ("2024-12-08", date(2026, 12, 7), "snapshot"),   # a day under
    ("2024-12-06", date(2026, 12, 7), "stale"),      # a day over 24 months
    ("2024-11", date(2026, 12, 7), "stale"),         # 25 months
    ("2024-12", date(2026, 12, 7), "stale"),         # read as 2024-12-01: 24 months and 6 days
    ("2024-12", date(2026, 12, 1), "snapshot"),      # exactly 24 months
    ("2024-02-29", date(2026, 2, 28), "snapshot"),   # a leap day: 24 months back is 2024-02-28
    ("2024-02-27", date(2026, 2, 28), "stale"),
    ("2022", date(2026, 12, 7), "stale"),
    (None, date(2026, 12, 7), "stale"),              # undated is never fresh
    ("garbage", date(2026, 12, 7), "stale"),
    ("2026-12-07", date(2026, 12, 7), "snapshot"),
])
def test_grade_of_date_at_its_edges(as_of, today, grade):
    assert evidence.grade_of_date(as_of, today) == grade


def test_stale_months_is_the_threshold():
    assert evidence.grade_of_date("2025-12-07", date(2026, 12, 7), stale_months=12) == "snapshot"
    assert evidence.grade_of_date("2025-12-06", date(2026, 12, 7), stale_months=12) == "stale"


def test_oldest_and_counts():
    assert evidence.oldest(["measured", "snapshot"]) == "snapshot"
    assert evidence.oldest(["snapshot", "stale", "measured"]) == "stale"
    assert evidence.oldest(["environment", "stale"]) == "environment"
    assert evidence.oldest([]) == "measured"
    assert evidence.counts({"score": 1}) and evidence.counts({"grade": "snapshot"})
    assert not evidence.counts({"grade": "stale"}) and not evidence.counts({"grade": "environment"})
    assert evidence.label({"grade": "environment"}) == "environment-dependent"


def test_an_environment_dependent_line_is_not_scored_and_not_a_zero():
    speed = _factor("speed", torch=_line(0.8), tensorflow=_line(0.2))
    pretrained = _factor("pretrained", torch=_line(0.0, "environment"), tensorflow=_line(1.0, "measured"))
    result = recommend([speed, pretrained])
    assert result.totals == {"torch": 0.8, "tensorflow": 0.2}
    assert "over 1 measured criteria" in result.paragraph
    assert "Not scored, shown only: pretrained models (environment-dependent: PyTorch)" in result.paragraph
    assert all("Pretrained" not in line for line in strongest(result))


def test_a_stale_line_is_shown_not_scored():
    speed = _factor("speed", torch=_line(0.6), tensorflow=_line(0.4))
    community = _factor("community", torch=_line(0.3, "stale"), tensorflow=_line(1.0, "stale"))
    result = recommend([speed, community])
    assert result.totals == {"torch": 0.6, "tensorflow": 0.4}
    assert "community (stale: PyTorch, TensorFlow)" in result.paragraph


def test_a_fresh_snapshot_is_scored():
    speed = _factor("speed", torch=_line(0.6), tensorflow=_line(0.4))
    community = _factor("community", torch=_line(1.0, "snapshot"), tensorflow=_line(0.0, "snapshot"))
    result = recommend([speed, community])
    assert result.totals == {"torch": pytest.approx(0.8), "tensorflow": pytest.approx(0.2)}
    assert "Not scored" not in result.paragraph
    lines = strongest(result)
    assert lines[0].startswith("Community: PyTorch 1.00 vs TensorFlow 0.00") and "[dated snapshot]" in lines[0]


def test_jax_enters_the_totals_when_every_criterion_scores_it():
    speed = _factor("speed", torch=_line(0.5), tensorflow=_line(0.2), jax=_line(0.8))
    community = _factor("community", torch=_line(1.0, "snapshot"), tensorflow=_line(0.5, "snapshot"),
                        jax=_line(0.3, "snapshot"))
    result = recommend([speed, community])
    assert set(result.ranking) == {"torch", "tensorflow", "jax"}
    assert "Left out" not in result.paragraph


def test_one_stale_line_takes_the_criterion_out_for_all_and_keeps_the_framework():
    speed = _factor("speed", torch=_line(0.5), tensorflow=_line(0.2), jax=_line(0.8))
    community = _factor("community", torch=_line(1.0, "snapshot"), tensorflow=_line(0.5, "snapshot"),
                        jax=_line(0.3, "stale"))
    result = recommend([speed, community])
    assert result.ranking == ["jax", "torch", "tensorflow"]
    assert result.totals == {"jax": 0.8, "torch": 0.5, "tensorflow": 0.2}
    assert "Not scored, shown only: community (stale: JAX)" in result.paragraph
    assert "Left out" not in result.paragraph


def test_a_framework_measured_on_fewer_criteria_is_left_out_by_name():
    speed = _factor("speed", torch=_line(0.5), tensorflow=_line(0.2), jax=_line(0.8))
    community = _factor("community", torch=_line(1.0, "snapshot"), tensorflow=_line(0.5, "snapshot"))
    result = recommend([speed, community])
    assert result.ranking == ["torch", "tensorflow"]
    assert "Left out of the totals, measured on fewer criteria: JAX (1 of 2)" in result.paragraph


def test_strongest_evidence_carries_the_grade_and_scope():
    speed = _factor("speed", torch=_line(1.0, scope="cpu, 2 cores, models of 85k-1.4M parameters"),
                    tensorflow=_line(0.0))
    lines = strongest(recommend([speed]))
    assert lines == ["Speed: PyTorch 1.00 vs TensorFlow 0.00 — line 1.0 [measured here; scope: cpu, 2 cores, "
                     "models of 85k-1.4M parameters] (evidence: cell-1.0)"]


def test_recommend_table_cells_say_not_scored_instead_of_a_number():
    from dlarena.cli import _recommend_cell

    assert _recommend_cell({"score": 0.884, "line": "fast"}) == "0.88 — fast [measured here]"
    assert _recommend_cell({"score": None, "line": "one host", "unscored": "CPU workers on one host"}) == \
        "not scored — one host [CPU workers on one host]"
    assert _recommend_cell({"score": 1.0, "line": "old", "grade": "stale"}) == "not scored — old [stale]"
