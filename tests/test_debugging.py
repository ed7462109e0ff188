"""Debugging probes in every framework and each mode, training curves through one TensorBoard
writer, graph export (ONNX; StableHLO for JAX) run back by the format's runtime, and Integrated
Gradients agreement across frameworks."""

import pytest

from helpers.planning import planned
from dlarena.config import Cell, build_config
from dlarena.criteria.debugging import cells as debugging


def _run(framework, mode, scenario, batch, tmp_path=None):
    payload = {"cell": Cell(workload="mlp", framework=framework, mode=mode, scenario=scenario, batch=batch).model_dump(),
               "threads": 1, "interop_threads": 1, "seed": 0, "timing": {}}
    if tmp_path is not None:
        payload["artifacts"] = str(tmp_path)
    result = debugging.run_cell(payload)
    assert result["status"] == "ok", result.get("error")
    return result


def _rows(result):
    return {r["metric"]: r for r in result["metrics"]}


# (framework, mode) -> (print behaviour, intermediate value readable, intermediate gradient available)
EXPECTED = {
    ("torch", "eager"): ("runs every step", True, True),
    ("torch", "compile"): ("runs every step", True, True),
    ("torch", "compile-fullgraph"): ("breaks the compile", True, False),
    ("tensorflow", "eager"): ("runs every step", True, True),
    ("tensorflow", "function"): ("runs at trace time only", False, True),
    ("tensorflow", "xla"): ("runs at trace time only", False, True),
    ("jax", "eager"): ("runs every step", True, True),
    ("jax", "jit"): ("runs at trace time only", True, True),
}
FRAMEWORKS = ("torch", "tensorflow", "jax")


@pytest.fixture(scope="module")
def probe_results():
    return {key: _run(*key, debugging.PROBES, 16) for key in EXPECTED}


@pytest.mark.parametrize("framework,mode", sorted(EXPECTED))
def test_hook_probe_facts(probe_results, framework, mode):
    rows = _rows(probe_results[(framework, mode)])
    behaviour, readable, grad_ok = EXPECTED[(framework, mode)]
    assert rows["print_calls"]["extra"]["behaviour"] == behaviour
    assert rows["breakpoint_calls"]["extra"]["behaviour"] == behaviour
    expected_calls = {"runs every step": 3, "runs at trace time only": 1, "breaks the compile": 0}[behaviour]
    assert rows["print_calls"]["value"] == rows["breakpoint_calls"]["value"] == expected_calls
    assert rows["intermediate_read_ok"]["value"] == float(readable)
    assert rows["intermediate_grad_ok"]["value"] == float(grad_ok)
    if readable:
        assert rows["intermediate_read_ok"]["extra"]["max_abs_diff_vs_eager"] < 1e-5
    else:
        assert "'SymbolicTensor' object has no attribute 'numpy'" in rows["intermediate_read_ok"]["extra"]["error"]
    if mode == "compile":
        assert rows["graph_breaks"]["value"] >= 2  # print and breakpoint each break the graph
    if mode == "compile-fullgraph":
        assert "Unsupported" in rows["print_calls"]["extra"]["error"]
    if framework == "jax":  # the read goes through nnx.capture; .numpy()-style reads hit a tracer in both modes
        assert rows["intermediate_read_ok"]["extra"]["numpy_in_call"].startswith("TracerArrayConversionError")
    else:
        assert "native_print_calls" not in rows


@pytest.mark.parametrize("mode", ["eager", "jit"])
def test_jax_debug_print_and_breakpoint_run_every_step(probe_results, mode):
    """jax.debug.print and jax.debug.breakpoint run inside compiled code at every step; the
    breakpoint is JAX's real debugger (jdb), which read the traced value h.shape at each stop."""
    rows = _rows(probe_results[("jax", mode)])
    assert rows["native_print_calls"]["value"] == rows["native_breakpoint_calls"]["value"] == 3
    assert rows["native_print_calls"]["extra"]["how"] == "jax.debug.print"
    assert rows["native_breakpoint_calls"]["extra"]["behaviour"] == "runs every step"
    assert rows["native_breakpoint_calls"]["extra"]["value_read_at_stop"] == "(16, 256)"


def test_intermediate_gradient_agrees_across_frameworks(probe_results):
    rows = [r | {"framework": fw, "mode": mode, "scenario": debugging.PROBES, "status": "ok"}
            for (fw, mode), result in probe_results.items() for r in result["metrics"]]
    diff = debugging.agreement(rows, debugging.PROBES, "intermediate_grad_ok", mode="eager")
    assert diff is not None and diff < 1e-4


def test_summary_scores_follow_the_rubric(probe_results):
    cells, rows = [], []
    for (fw, mode), result in probe_results.items():
        cell_id = f"mlp/{fw}/{mode}/{debugging.PROBES}/b16"
        cells.append({"cell_id": cell_id, "framework": fw, "mode": mode, "scenario": debugging.PROBES, "status": "ok"})
        rows += [r | {"cell_id": cell_id, "framework": fw, "mode": mode, "scenario": debugging.PROBES, "status": "ok"}
                 for r in result["metrics"]]
    summary = debugging.scores(cells, rows)
    # torch (eager, compile): 4 + 4 of 8; fullgraph is recorded, not scored.
    assert summary["torch"]["points"] == 8 and summary["torch"]["max_points"] == 8
    # tensorflow: eager 4; function and xla 0.5 + 0.5 + 0 + 1 each
    assert summary["tensorflow"]["points"] == 8 and summary["tensorflow"]["max_points"] == 12
    assert "runs at trace time only in function, xla" in summary["tensorflow"]["line"]
    # jax: eager 4; jit 0.5 + 0.5 + 1 + 1 (jax.debug.print/breakpoint recorded, not scored)
    assert summary["jax"]["points"] == 7 and summary["jax"]["max_points"] == 8
    assert "jax.debug.print (and its breakpoint): runs every step in eager, jit" in summary["jax"]["line"]
    assert len(summary["torch"]["evidence"]) == 3


def test_training_curves_written_by_one_writer_and_equal_across_frameworks(tmp_path):
    from dlarena.debugging.events import read_scalars

    finals = {}
    for fw in FRAMEWORKS:
        rows = _rows(_run(fw, "eager", debugging.CURVES, 64, tmp_path))
        loss, acc = rows["final_loss"], rows["final_accuracy"]
        assert loss["extra"]["writer"] == "tensorboard.summary.Writer" and loss["extra"]["events_readable"]
        assert list((tmp_path / "tensorboard" / fw).glob("events.out.tfevents.*"))
        assert read_scalars(tmp_path / "tensorboard" / fw)["loss"] == pytest.approx(loss["samples"], rel=1e-6)
        assert loss["samples"][-1] < loss["samples"][0] / 3 and acc["value"] > 0.8  # it learns
        finals[fw] = loss["value"]
    assert finals["torch"] == pytest.approx(finals["tensorflow"], rel=1e-3)  # same weights, data, optimizer
    assert finals["jax"] == pytest.approx(finals["torch"], rel=1e-3)


@pytest.mark.parametrize("fw,suffix,relu,runtime", [
    ("torch", "onnx", "Relu", "onnxruntime"),
    ("tensorflow", "onnx", "Relu", "onnxruntime"),
    ("jax", "jaxexport", "relu", "jax.export.deserialize"),
])
def test_graph_export_run_back_by_the_format_runtime(tmp_path, fw, suffix, relu, runtime):
    rows = _rows(_run(fw, "export", debugging.GRAPH, 1, tmp_path))
    extra = rows["graph_nodes"]["extra"]
    ops = extra["ops"]
    assert ops.count(relu) == 2 and rows["graph_nodes"]["value"] == len(ops)
    assert extra["reloaded_with"] == runtime and extra["reload_max_abs_diff"] < 1e-4
    assert (tmp_path / "graphs" / f"mlp__{fw}.{suffix}").exists()
    if fw == "jax":  # three dense layers as dot_general + bias, weights embedded as 6 constants
        assert ops.count("dot_general") == 3 and extra["initializers"] == 6 and extra["format"].startswith("StableHLO")


def test_integrated_gradients_agree_across_frameworks():
    rows = []
    for fw in FRAMEWORKS:
        r = _rows(_run(fw, "eager", debugging.ATTRIBUTION, debugging.IG_BATCH))["ig_abs_sum"]
        assert r["extra"]["max_abs_convergence_delta"] < 0.05
        rows.append(r | {"framework": fw, "mode": "eager", "scenario": debugging.ATTRIBUTION, "status": "ok"})
    assert rows[0]["extra"]["library"].startswith("captum")
    assert rows[1]["extra"]["library"].startswith("own implementation (TensorFlow")
    assert rows[2]["extra"]["library"].startswith("own implementation (JAX")
    assert len(rows[0]["samples"]) == len(rows[2]["samples"]) == debugging.IG_BATCH * 64
    for other in rows[1:]:  # each implementation against Captum
        diff = debugging.agreement([rows[0], other], debugging.ATTRIBUTION, "ig_abs_sum")
        assert diff is not None and diff < 1e-4
    assert debugging.agreement(rows, debugging.ATTRIBUTION, "ig_abs_sum") < 1e-4


def test_plan_covers_modes_and_strict_compile():
    config = build_config(frameworks=["torch", "tensorflow"])
    ids = [c.id for c in planned(config, "debugging")]
    assert len(ids) == len(set(ids))
    assert "mlp/torch/compile-fullgraph/dbg_probes/b16" in ids and "mlp/tensorflow/xla/dbg_probes/b16" in ids
    eager_only = [c.mode for c in planned(build_config(modes=["eager"]), "debugging") if c.scenario == debugging.PROBES]
    assert eager_only == ["eager", "eager", "eager"]
    ids = [c.id for c in planned(build_config(frameworks=["jax"]), "debugging")]
    assert ids == ["mlp/jax/eager/dbg_probes/b16", "mlp/jax/jit/dbg_probes/b16", "mlp/jax/eager/dbg_curves/b64",
                   "mlp/jax/export/dbg_graph/b1", "mlp/jax/eager/dbg_attribution/b4"]
