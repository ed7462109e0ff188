"""JAX in the deployment criterion: its export paths (jax.export, and through jax2tf a SavedModel,
TFLite and ONNX), what fails on this stack and why, the jax.export runtime in a fresh process and
behind the HTTP server, and a report that compares any number of frameworks' ONNX exports."""

import httpx
import numpy as np
import pytest
from conftest import FULL
from helpers.deploy_util import payload, start_server, stop_server

from helpers.planning import planned
from dlarena import deploy, frameworks
from dlarena.config import build_config
from dlarena.criteria.deployment import cells as deployment
from dlarena.deploy.manifest import REFERENCE, Manifest, artifact_dir
from dlarena.criteria.deployment import report as report
from dlarena.process.isolate import run_isolated

TIMING = {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 1.0}
JAX_PATHS = ["jax_export", "savedmodel", "tflite_fp32", "tflite_int8", "onnx"]
# The TFLite converter cannot lower the embedding lookup once the batch is symbolic (jax2tf's
# polymorphic_shapes turns the gather into a dynamic_gather); ONNX goes through TFLite, so it fails too.
TRANSFORMER_TFLITE = "TFLite converter: 'vhlo.dynamic_gather_v1' op is not part of the vhlo support yet."


def _metrics(result: dict) -> dict:
    return {r["metric"]: r for r in result["metrics"]}


def _export(root, workload, path):
    return deployment.run_cell(payload(root, workload, "jax", path, deployment.EXPORT, TIMING))


def test_jax_paths_are_registered_planned_and_served_by_default():
    assert [p.name for p in deploy.paths() if p.framework == "jax"] == JAX_PATHS
    assert set(frameworks.plugin_module("jax", "export").EXPORTERS) == set(JAX_PATHS)
    assert "jax" in frameworks.with_plugin("export", frameworks.names())
    config = build_config(workloads=["mlp"], frameworks=["jax"], criteria=["deployment"])
    ids = [c.id for c in planned(config, "deployment", "mlp")]
    assert ids == ([f"mlp/jax/{p}/deploy_export/b256" for p in JAX_PATHS]
                   + [f"mlp/jax/{p}/deploy_runtime/b256" for p in JAX_PATHS] + ["mlp/jax/jax_export/deploy_serve/b1"])
    assert "jax:jax_export" in config.deployment.serve and "jax:savedmodel" not in config.deployment.serve


def test_jax2tf_artifacts_load_in_the_tensorflow_runtimes(tmp_path):
    """The SavedModel and TFLite artifacts run in the same runtimes as TensorFlow's own; parity is
    checked at the export batch and at batch 1 (the batch is symbolic in the export)."""
    for path, runtime in [("savedmodel", "tf_savedmodel"), ("tflite_fp32", "tflite")]:
        export = _export(tmp_path, "mlp", path)
        assert export["status"] == "ok", export.get("error")
        manifest = Manifest.load(artifact_dir(tmp_path, "mlp", "jax", path))
        assert (manifest.runtime, manifest.input.shape) == (runtime, [None, 64])
        assert manifest.exporter["api"].startswith("jax2tf.convert")
        loaded = deployment.run_cell(payload(tmp_path, "mlp", "jax", path, deployment.RUNTIME, TIMING))
        assert loaded["status"] == "ok", loaded.get("error")
        assert _metrics(loaded)["parity_rel_diff"]["value"] <= 1e-4


def test_onnx_goes_through_tflite_because_tf2onnx_cannot_convert_xla_call_module(tmp_path):
    export = _export(tmp_path, "mlp", "onnx")
    assert export["status"] == "ok", export.get("error")
    exporter = Manifest.load(artifact_dir(tmp_path, "mlp", "jax", "onnx")).exporter
    assert exporter["from_function_error"] == "tf2onnx cannot convert XlaCallModule"
    assert exporter["variant"] == "via TFLite" and exporter["api"].endswith("tf2onnx.convert.from_tflite")
    assert not (artifact_dir(tmp_path, "mlp", "jax", "onnx") / "staging").exists()
    loaded = deployment.run_cell(payload(tmp_path, "mlp", "jax", "onnx", deployment.RUNTIME, TIMING))
    assert loaded["status"] == "ok", loaded.get("error")
    m = _metrics(loaded)
    assert m["parity_rel_diff"]["value"] <= 1e-4 and m["latency_ms"]["value"] > 0
    # The report says which route wrote the file and why the direct one failed.
    row = report.Row("mlp", "jax", "onnx", "", "", "ok", None, metrics=_metrics(export))
    assert report._notes(row) == ("variant: via TFLite; opset: 15; "
                                  "from function exporter failed: tf2onnx cannot convert XlaCallModule")


@pytest.mark.slow
def test_transformer_tflite_and_onnx_fail_with_the_converter_reason(tmp_path):
    paths = ["tflite_fp32", "onnx"] if FULL else ["tflite_fp32"]
    for path in paths:
        export = _export(tmp_path, "transformer", path)
        assert export["status"] == "failed"
        title = deploy.get_path("jax", path).title
        if path == "onnx":
            assert export["error"] == (f"{title} export failed: RuntimeError: from_function: tf2onnx cannot convert "
                                       f"XlaCallModule; via TFLite: RuntimeError: {TRANSFORMER_TFLITE}")
        else:
            assert export["error"] == f"{title} export failed: RuntimeError: {TRANSFORMER_TFLITE}"
        assert not (artifact_dir(tmp_path, "transformer", "jax", path) / "staging").exists()


def test_jax_export_cold_start_in_a_fresh_process(tmp_path):
    """The load cell as the suite runs it: its own process, one thread, jax imported there."""
    assert _export(tmp_path, "mlp", "jax_export")["status"] == "ok"
    cell = payload(tmp_path, "mlp", "jax", "jax_export", deployment.RUNTIME, TIMING)
    result = run_isolated(deployment.ENTRY, cell, 120, {"OMP_NUM_THREADS": "1", "XLA_FLAGS": ""})
    assert result["status"] == "ok", result.get("error") or result.get("log_tail")
    m = _metrics(result)
    assert m["parity_rel_diff"]["value"] <= 1e-4 and m["parity_rel_diff"]["extra"]["tolerance"] == 1e-4
    # Importing jax happens in this process (it was imported above in the test process already).
    assert m["runtime_import_s"]["value"] > 0.01
    assert m["cold_start_s"]["value"] >= m["runtime_import_s"]["value"] + m["load_s"]["value"]
    versions = result["runtime"]["versions"]
    assert versions["platforms"] == "cpu" and versions["xla_cpu_threads"] == "1 (single-threaded Eigen)"


def test_jax_export_artifact_is_served_over_http(tmp_path):
    assert _export(tmp_path, "mlp", "jax_export")["status"] == "ok"
    folder = artifact_dir(tmp_path, "mlp", "jax", "jax_export")
    ref = np.load(folder / REFERENCE)
    proc, url = start_server(folder, log=tmp_path / "serve.log")
    try:
        meta = httpx.get(url + "/metadata", trust_env=False).json()
        assert (meta["runtime"], meta["framework"], meta["export_path"]) == ("jax_export", "jax", "jax_export")
        got = httpx.post(url + "/predict", json={"inputs": ref["x"][:3].tolist()}, trust_env=False, timeout=30)
        assert got.status_code == 200, got.text
        out = np.asarray(got.json()["outputs"], dtype=np.float32)
        assert out.shape == (3, 10)
        np.testing.assert_allclose(out, ref["y"][:3], rtol=0, atol=1e-4 * np.abs(ref["y"]).max())
    finally:
        stop_server(proc)


# -- the report, with synthetic rows: no framework is imported ---------------------------------------
def _onnx_row(framework: str, latency: float, ci: float, status: str = "ok") -> report.Row:
    def est(v):
        return {"value": v, "ci_low": v - ci, "ci_high": v + ci}

    row = report.Row("mlp", framework, "onnx", "ONNX", "ONNX Runtime", "ok", None, runtime_status=status,
                     runtime_error=None if status == "ok" else "output differs from the source model")
    row.metrics = {"latency_ms": est(latency), "throughput_sps": est(1000 / latency)}
    return row


def _parity(framework: str, status: str = "ok") -> dict:
    return {"workload": "mlp", "framework": framework, "scenario": "parity", "status": status}


def test_onnx_comparisons_cover_every_pair_of_frameworks():
    table = [_onnx_row("torch", 0.010, 0.0001), _onnx_row("tensorflow", 0.010, 0.0001),
             _onnx_row("jax", 0.020, 0.0001), _onnx_row("fourth", 0.030, 0.0001, status="failed")]
    cells = [_parity(fw) for fw in ("torch", "tensorflow", "jax", "fourth")]
    got = report.onnx_comparisons(cells, table)
    assert [c.label for c in got] == [
        "mlp, PyTorch→ONNX vs TensorFlow→ONNX", "mlp, PyTorch→ONNX vs JAX→ONNX", "mlp, PyTorch→ONNX vs fourth→ONNX",
        "mlp, TensorFlow→ONNX vs JAX→ONNX", "mlp, TensorFlow→ONNX vs fourth→ONNX", "mlp, JAX→ONNX vs fourth→ONNX"]
    assert got[0].latency.winner is None and got[0].latency.outcome == "equivalent"  # same latency, tight CIs
    assert got[1].latency.winner == "PyTorch→ONNX" and got[1].throughput.winner == "PyTorch→ONNX"
    assert got[5].note == "no comparison: fourth→ONNX parity failed" and got[5].latency is None

    # A framework that failed parity blocks only its own pairs.
    cells = [_parity("torch"), _parity("tensorflow"), _parity("jax", "failed")]
    got = report.onnx_comparisons(cells, table[:3])
    assert [c.note for c in got] == ["", "not comparable: the workload did not pass parity",
                                     "not comparable: the workload did not pass parity"]


def test_served_backend_names_its_source_when_a_runtime_runs_several_frameworks():
    cells = [{"cell_id": f"mlp/{fw}/{p}/deploy_serve/b1", "workload": "mlp", "framework": fw, "mode": p,
              "scenario": deployment.SERVE, "status": "ok", "error": None}
             for fw, p in [("torch", "torchscript"), ("tensorflow", "savedmodel"), ("jax", "savedmodel"),
                           ("jax", "jax_export")]]
    assert [s.backend for s in report.serving(cells, [])] == [
        "TorchScript (torch.jit; legacy)", "TensorFlow SavedModel (from TensorFlow)", "TensorFlow SavedModel (from JAX)",
        "jax.export (deserialized, jit)"]
