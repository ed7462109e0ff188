"""Ease of use: AST code metrics (fixture with hand-counted numbers), every error probe in every
framework with its recorded facts, time to first result in a fresh process."""

from pathlib import Path

import pytest

from helpers.planning import planned
from dlarena.config import Cell
from dlarena.criteria.ease import cells as ease
from dlarena.criteria.ease.codemetrics import file_metrics
from dlarena.criteria.ease.errorprobes import MAX_POINTS, PROBES, ProbeFacts, run_probe, score
from dlarena.process.isolate import run_isolated

FIXTURE = Path(__file__).parent / "fixtures" / "codemetrics_sample.py"


def _payload(workload, framework, mode, scenario, batch):
    return {"cell": Cell(workload=workload, framework=framework, mode=mode, scenario=scenario, batch=batch).model_dump(),
            "threads": 1, "interop_threads": 1, "seed": 0, "timing": {}}


def test_code_metrics_on_fixture_match_hand_counts():
    m = file_metrics(FIXTURE, ("torch",))
    # counted by hand: 7 code lines (imports, class, def forward, return, def step, loss.backward()),
    # 49 tokens; docstrings, the comment, WEIGHT_MAP and _pairs (used only by it) excluded
    assert (m.lines, m.tokens) == (7, 49)
    assert m.api_symbols == ["torch.nn.Module", "torch.relu"]
    assert m.object_api == ["backward"]
    assert m.symbols == 3
    assert sorted(m.excluded) == ["WEIGHT_MAP", "_pairs"]


# Deterministic counts of the model file plus the shared training step: an edit to either file
# changes them, and should be looked at (a harness helper leaking into the count, say).
@pytest.mark.parametrize("workload,framework,symbol,harness,lines,tokens", [
    ("mlp", "torch", "torch.nn.Linear", "WEIGHT_MAP", 31, 312),
    ("mlp", "tensorflow", "keras.layers.Dense", "WEIGHT_MAP", 27, 240),
    ("cnn", "torch", "torch.nn.Conv2d", "_block", 42, 386),
    ("transformer", "tensorflow", "keras.layers.MultiHeadAttention", "weight_map", 40, 497),
])
def test_code_metrics_cells_of_builtin_workloads(workload, framework, symbol, harness, lines, tokens):
    result = ease.run_cell(_payload(workload, framework, "source", ease.CODE, 0))
    rows = {r["metric"]: r for r in result["metrics"]}
    assert result["status"] == "ok"
    assert (rows["code_lines"]["value"], rows["code_tokens"]["value"]) == (lines, tokens)
    assert harness in rows["code_lines"]["extra"]["excluded"]
    assert symbol in rows["api_symbols"]["extra"]["module_api"]
    assert rows["code_lines"]["extra"]["files"][1].endswith("/training.py")


# What each framework does with each mistake on this stack (torch 2.13, Keras 3.15, jax 0.10.2 +
# flax 0.12.8 + optax 0.2.8): (outcome, exception type, names the layer, states expected, states actual)
EXPECTED = {
    ("dense_shape", "torch"): ("error", "RuntimeError", False, True, True),
    ("dense_shape", "tensorflow"): ("error", "ValueError", True, True, True),
    ("label_dtype", "torch"): ("error", "RuntimeError", False, True, True),
    ("label_dtype", "tensorflow"): ("silent_ok", None, False, False, False),
    ("channel_order", "torch"): ("error", "RuntimeError", False, True, True),
    ("channel_order", "tensorflow"): ("error", "ValueError", True, True, True),
    ("use_before_build", "torch"): ("error", "ValueError", False, True, True),
    ("use_before_build", "tensorflow"): ("error", "ValueError", True, True, True),
    ("logits_vs_probabilities", "torch"): ("silent_wrong", None, False, False, False),
    ("logits_vs_probabilities", "tensorflow"): ("silent_ok", None, False, False, False),
    ("dense_shape", "jax"): ("error", "TypeError", False, True, True),
    ("label_dtype", "jax"): ("error", "TypeError", False, True, True),
    ("channel_order", "jax"): ("error", "ValueError", False, True, True),
    ("use_before_build", "jax"): ("silent_ok", None, False, False, False),
    ("logits_vs_probabilities", "jax"): ("silent_wrong", None, False, False, False),
}
# The rubric's points out of the real texts (max 5 each).
POINTS = {"torch": [4, 4, 4, 4, 0], "tensorflow": [5, 5, 5, 5, 5], "jax": [3.5, 4, 3.5, 5, 0]}
PROBE_ORDER = ["dense_shape", "label_dtype", "channel_order", "use_before_build", "logits_vs_probabilities"]


@pytest.fixture(scope="module")
def probe_facts():
    return {key: run_probe(PROBES[key[0]], key[1]) for key in EXPECTED}


@pytest.mark.parametrize("probe,framework", sorted(EXPECTED))
def test_error_probe_facts(probe_facts, probe, framework):
    facts = probe_facts[(probe, framework)]
    outcome, exc_type, names, expected, actual = EXPECTED[(probe, framework)]
    assert (facts.outcome, facts.exception_type) == (outcome, exc_type), facts.message
    assert (facts.names_layer, facts.states_expected, facts.states_actual) == (names, expected, actual), facts.message
    if outcome == "error":
        assert facts.user_line_shown and facts.mistake_line > 0
        assert 0 <= facts.frames_after_user <= 10
        assert facts.message
    else:
        assert facts.got is not None and facts.want is not None
    if outcome == "silent_wrong":  # softmax fed to cross_entropy: a wrong loss, no word about it
        assert abs(facts.got - facts.want) > 0.01 and not facts.warned and facts.score == 0
    if (probe, framework) == ("logits_vs_probabilities", "tensorflow"):
        assert facts.warned and "from_logits=True" in facts.warning and facts.score == MAX_POINTS
    assert facts.score == score(facts)


@pytest.mark.parametrize("framework", sorted(POINTS))
def test_rubric_points_from_the_real_texts(probe_facts, framework):
    assert [probe_facts[(p, framework)].score for p in PROBE_ORDER] == POINTS[framework]


def test_jax_error_texts(probe_facts):
    """What a Flax NNX + optax user sees: XLA-level messages that give the shapes/dtypes but not
    the layer, more than 5 library frames below the user's line for the layer calls (jax.lax ->
    core.bind -> dispatch), a dtype check in optax, no lazy layers, and no word about
    probabilities fed to a loss that expects logits."""
    dense = probe_facts[("dense_shape", "jax")]
    assert "dot_general requires contracting dimensions to have the same shape, got (64,) and (32,)" in dense.message
    assert dense.frames_after_user > 5
    conv = probe_facts[("channel_order", "jax")]
    assert "conv_general_dilated" in conv.message and "32 // 1 != 3" in conv.message and conv.frames_after_user > 5
    labels = probe_facts[("label_dtype", "jax")]
    assert "subdtype of <class 'numpy.integer'>, got float32" in labels.message and labels.frames_after_user <= 5
    built = probe_facts[("use_before_build", "jax")]
    assert built.got == built.want == 32 * 16 + 16 + 16 * 10 + 10
    wrong = probe_facts[("logits_vs_probabilities", "jax")]
    assert abs(wrong.got - wrong.want) > 0.1 and not wrong.warned and wrong.score == 0


def test_errorprobes_name_no_framework():
    """The layer/function words live beside each framework's user code."""
    from dlarena import frameworks
    from dlarena.criteria.ease import errorprobes

    source = Path(errorprobes.__file__).read_text()
    for name in ("torch", "tensorflow", "jax", "keras"):
        assert f'"{name}"' not in source
    for fw in frameworks.with_plugin("user_errors", frameworks.names()):
        module = frameworks.plugin_module(fw, "user_errors")
        assert set(module.NAMES) == set(PROBES), fw


def test_device_mismatch_probe_is_skipped_without_a_gpu():
    for framework in ("torch", "tensorflow", "jax"):
        result = ease.run_cell(_payload("-", framework, "eager", "err_device_mismatch", 8))
        if "cuda" in str(result.get("runtime", {}).get("device", "")).lower() or "GPU" in str(result.get("runtime", {}).get("device", "")):
            pytest.skip("a GPU is present: the probe runs")
        assert result["status"] == "skipped" and "needs a GPU" in result["error"]


def test_rubric_points():
    base = dict(probe="p", framework="f", outcome="error", frames_after_user=1, user_line_shown=True)
    assert score(ProbeFacts(**base, names_layer=True, states_expected=True, states_actual=True)) == 5.0
    assert score(ProbeFacts(**{**base, "frames_after_user": 40, "user_line_shown": False})) == 2.0
    assert score(ProbeFacts(probe="p", framework="f", outcome="silent_wrong", warned=True)) == 1.0
    assert score(ProbeFacts(probe="p", framework="f", outcome="silent_ok")) == MAX_POINTS


def test_time_to_first_result_in_fresh_processes():
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", "OMP_NUM_THREADS": "1"}
    for framework in ("torch", "tensorflow"):
        result = run_isolated(ease.ENTRY, _payload("mlp", framework, "eager", ease.FIRST_RESULT, 64), 180, env)
        assert result["status"] == "ok", result.get("error")
        rows = {r["metric"]: r["value"] for r in result["metrics"]}
        assert rows["import_s"] > 0.05 and rows["build_s"] > 0 and rows["first_step_s"] > 0
        assert rows["first_result_s"] == pytest.approx(rows["import_s"] + rows["build_s"] + rows["first_step_s"])


def test_time_to_first_result_refuses_a_warm_process():
    import torch  # noqa: F401  (this test process has imported it already)

    result = ease.run_cell(_payload("mlp", "torch", "eager", ease.FIRST_RESULT, 64))
    assert result["status"] == "failed" and "not a fresh process" in result["error"]


def test_plans_have_unique_cell_ids():
    from dlarena.config import build_config

    config = build_config(workloads=["mlp", "cnn"], frameworks=["torch", "tensorflow"])
    cells = [c for w in config.workloads for c in planned(config, "ease", w)] + planned(config, "ease")
    ids = [c.id for c in cells]
    assert len(ids) == len(set(ids)) == 2 * 2 * 2 + len(PROBES) * 2
    assert "-/torch/eager/err_dense_shape/b8" in ids


def test_keras_backend_frameworks_get_no_ease_cells():
    """Keras 3 on another backend runs the same Keras code: no second set of metrics and probes."""
    from dlarena.config import build_config
    from dlarena.criteria.community import cells as community
    from dlarena.criteria.pretrained import cells as pretrained

    config = build_config(workloads=["mlp"], frameworks=["torch", "keras-torch"])
    cells = planned(config, "ease", "mlp") + planned(config, "ease") + planned(config, "pretrained") + planned(config, "community")
    assert cells and {c.framework for c in cells} == {"torch"}
