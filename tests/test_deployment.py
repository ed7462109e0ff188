"""The deployment criterion: every export path round-trips with parity, failures are results,
the cells run in order in isolated processes, the report section and the per-framework summary."""

import json

import numpy as np
import pytest
from conftest import FULL
from helpers.deploy_util import payload

from helpers.planning import planned, payload as options_payload
from dlarena import deploy
from dlarena.config import ConfigError, build_config
from dlarena.criteria.deployment import cells as deployment
from dlarena.deploy.manifest import MANIFEST, REFERENCE, Manifest, artifact_dir
from dlarena.measure.env import fingerprint
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore

TIMING = {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 2.0}
# Default (CI) form: the mlp only; DLARENA_FULL_TESTS=1 adds the cnn and the transformer.
WORKLOADS = ["mlp", "cnn", "transformer"] if FULL else ["mlp"]
# Known failures on this stack (see docs/deployment.md): tf2onnx has no converter for the Erfc op
# that Keras' exact GELU lowers to; the TFLite converter cannot lower jax2tf's dynamic_gather
# (the embedding lookup under a symbolic batch), and JAX's ONNX path goes through TFLite.
EXPECTED_FAILURES = {("transformer", "tensorflow:onnx"): "Unsupported ops",
                     **{("transformer", f"jax:{p}"): "'vhlo.dynamic_gather_v1' op is not part of the vhlo support"
                        for p in ("tflite_fp32", "tflite_int8", "onnx")}}


# PyTorch's compiled and edge paths (minutes of export each on 2 cores): tests/test_deployment_torch_paths.py
TORCH_PATHS_TESTED_APART = {"torch:aot_inductor", "torch:executorch", "torch:litert_torch"}


def _metrics(result: dict) -> dict:
    return {r["metric"]: r for r in result["metrics"]}


@pytest.mark.slow
@pytest.mark.parametrize("workload", WORKLOADS)
def test_every_export_path_round_trips_with_parity(tmp_path, workload):
    """Export then load each path (in this process, to keep the test short; the suite runs each in
    its own process): the artifact loads in its runtime and matches the source model."""
    for path in (p for p in deploy.paths() if p.key not in TORCH_PATHS_TESTED_APART):
        export = deployment.run_cell(payload(tmp_path, workload, path.framework, path.name, deployment.EXPORT, TIMING))
        expected_failure = EXPECTED_FAILURES.get((workload, path.key))
        if expected_failure:
            assert export["status"] == "failed" and expected_failure in export["error"], export
            continue
        assert export["status"] == "ok", (path.key, export.get("error"))
        m = _metrics(export)
        assert m["export_s"]["value"] > 0 and m["artifact_size_mb"]["value"] > 0.01
        folder = artifact_dir(tmp_path, workload, path.framework, path.name)
        manifest = Manifest.load(folder)
        assert (manifest.runtime, manifest.quantized, manifest.input.shape[0]) == (path.runtime, path.quantized, None)
        if path.key == "torch:onnx":
            assert manifest.exporter["variant"] in ("dynamo", "legacy")

        loaded = deployment.run_cell(payload(tmp_path, workload, path.framework, path.name, deployment.RUNTIME, TIMING))
        assert loaded["status"] == "ok", (path.key, loaded.get("error"))
        m = _metrics(loaded)
        tolerance = m["parity_rel_diff"]["extra"]["tolerance"]
        assert tolerance == (5e-2 if path.quantized else 1e-4)
        assert 0 <= m["parity_rel_diff"]["value"] <= tolerance
        if path.quantized:  # int8 really changes the numbers; the check is not vacuous
            assert m["parity_rel_diff"]["value"] > 1e-4
        for name in ("load_s", "first_inference_ms", "cold_start_s", "latency_ms", "latency_p99_ms", "throughput_sps"):
            assert m[name]["value"] > 0, name
        assert m["latency_ms"]["n"] >= 3 and m["throughput_sps"]["extra"]["batch"] > 1


def test_failing_export_is_a_result_not_an_exception(tmp_path, monkeypatch):
    from dlarena.frameworks.torch import export as export_torch

    def broken(model, example, folder):
        raise RuntimeError("deliberately broken exporter\nwith a long second line")

    monkeypatch.setitem(export_torch.EXPORTERS, "torchscript", broken)
    result = deployment.run_cell(payload(tmp_path, "mlp", "torch", "torchscript", deployment.EXPORT, TIMING))
    assert result["status"] == "failed"
    assert result["error"] == "TorchScript (torch.jit.trace; legacy) export failed: RuntimeError: deliberately broken exporter"
    # The load cell of a path whose export failed says why, instead of crashing.
    loaded = deployment.run_cell(payload(tmp_path, "mlp", "torch", "torchscript", deployment.RUNTIME, TIMING))
    assert loaded["status"] == "skipped"
    assert "export cell mlp/torch/torchscript/deploy_export/b256 did not produce one" in loaded["error"]


def test_parity_failure_is_reported_with_the_tolerance(tmp_path):
    export = deployment.run_cell(payload(tmp_path, "mlp", "tensorflow", "tflite_fp32", deployment.EXPORT, TIMING))
    assert export["status"] == "ok", export.get("error")
    folder = artifact_dir(tmp_path, "mlp", "tensorflow", "tflite_fp32")
    ref = dict(np.load(folder / REFERENCE))
    np.savez(folder / REFERENCE, x=ref["x"], y=ref["y"] * 1.01)  # pretend the source model said otherwise
    result = deployment.run_cell(payload(tmp_path, "mlp", "tensorflow", "tflite_fp32", deployment.RUNTIME, TIMING))
    assert result["status"] == "failed"
    assert "output differs from the source model: rel diff" in result["error"] and "> tolerance 1e-04" in result["error"]
    assert _metrics(result)["latency_ms"]["value"] > 0  # the measurements are kept


def _suite(tmp_path, **deploy_options):
    store = ResultStore(tmp_path / "r.duckdb")
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"], criteria=["deployment"],
                          timing=TIMING, timeout_s=300,
                          deployment={"serve_s": 1.0, "serve_concurrency": 3, **deploy_options})
    store.start_run("r", "custom", config.model_dump(), fingerprint(config.threads, config.interop_threads))
    return store, config


def test_suite_runs_export_load_and_serve_cells_in_order(tmp_path):
    paths = [k for k in deploy.path_keys() if k.split(":")[0] in ("torch", "tensorflow")
             and k not in TORCH_PATHS_TESTED_APART] if FULL else [
        "torch:onnx", "tensorflow:tflite_int8"]  # the two frameworks of _suite
    serve = ["torch:torch_export", "tensorflow:savedmodel", "torch:onnx"] if FULL else ["torch:onnx"]
    store, config = _suite(tmp_path, paths=paths, serve=serve)
    outcome = SuiteRunner(config, store, "r").run()
    cells = store.cells("r")
    order = [c["scenario"] for c in cells]  # no parity cells: each artifact is checked against its source model
    assert order == ["deploy_export"] * len(paths) + ["deploy_runtime"] * len(paths) + ["deploy_serve"] * len(serve)
    assert all(c["status"] == "ok" for c in cells), [(c["cell_id"], c["error"]) for c in cells if c["status"] != "ok"]
    assert outcome.counts == {"ok": 2 * len(paths) + len(serve)}
    # the exports ran side by side (their time is not compared), stored in plan order; the timed loads one by one
    exports = [c for c in cells if c["scenario"] == "deploy_export"]
    started = [c["recorded_at"].timestamp() - c["duration_s"] for c in exports]
    assert started[1] < exports[0]["recorded_at"].timestamp()
    loads = [c for c in cells if c["scenario"] == "deploy_runtime"]
    assert loads[1]["recorded_at"].timestamp() - loads[1]["duration_s"] >= loads[0]["recorded_at"].timestamp() - 0.5

    rows = store.measurements("r")
    value = {(r["cell_id"], r["metric"]): r for r in rows}
    for key in paths:
        fw, name = key.split(":")
        folder = store.artifacts_dir / "r" / "deploy" / "mlp" / f"{fw}-{name}"
        assert (folder / MANIFEST).is_file() and (folder / REFERENCE).is_file()
        runtime = value[(f"mlp/{fw}/{name}/deploy_runtime/b256", "parity_rel_diff")]
        assert runtime["value"] <= runtime["extra"]["tolerance"]
    for key in serve:
        fw, name = key.split(":")
        cell = f"mlp/{fw}/{name}/deploy_serve/b1"
        assert value[(cell, "serve_errors")]["value"] == 0
        assert value[(cell, "serve_requests")]["value"] > 0 and value[(cell, "serve_throughput_rps")]["value"] > 0
        assert value[(cell, "serve_latency_p99_ms")]["value"] >= value[(cell, "serve_latency_ms")]["value"] > 0
        assert value[(cell, "server_rss_mb")]["value"] > 10

    # The recommendation protocol: one line and a 0..1 score per framework, with the cells it rests on.
    summary = deployment.scores(cells, rows)
    assert set(summary) == {"torch", "tensorflow"}
    assert summary["torch"]["score"] == 1.0 and summary["tensorflow"]["score"] == 1.0
    assert summary["torch"]["line"].startswith("PyTorch: 1/1 export paths load and match the source model" if not FULL
                                               else "PyTorch: 3/3 export paths")
    assert "fastest at batch 1: mlp" in summary["tensorflow"]["line"]
    assert all(cid.endswith("deploy_runtime/b256") for s in summary.values() for cid in s["evidence"])

    from dlarena.report.render import write_report

    html, md = write_report(store, store.run("r"), tmp_path / "report")
    text = html.read_text()
    assert "Export matrix" in text and "HTTP serving under load" in text and "data:image/png;base64," in text
    assert ("mlp, PyTorch→ONNX vs TensorFlow→ONNX" in text) == ("torch:onnx" in paths and "tensorflow:onnx" in paths)
    summary_md = md.read_text()
    assert "| mlp | PyTorch | ONNX (torch.onnx.export) | ok |" in summary_md
    assert (tmp_path / "report" / "deployment_serving.png").stat().st_size > 1000


def test_failed_export_in_a_suite_skips_its_load_and_serve_cells(tmp_path):
    store, config = _suite(tmp_path, paths=["torch:torchscript"], serve=["torch:torchscript"])
    config = config.model_copy(update={"frameworks": ["torch"]})
    blocked = store.artifacts_dir / "r" / "deploy" / "mlp"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the workload's artifact folder should be")  # a bogus path
    outcome = SuiteRunner(config, store, "r").run()
    cells = {c["scenario"]: c for c in store.cells("r")}
    assert cells["deploy_export"]["status"] == "failed" and "deploy/mlp" in cells["deploy_export"]["error"]
    for scenario in ("deploy_runtime", "deploy_serve"):
        assert cells[scenario]["status"] == "skipped"
        assert "export cell mlp/torch/torchscript/deploy_export/b256 did not produce one" in cells[scenario]["error"]
    assert outcome.counts == {"failed": 1, "skipped": 2}  # no parity cell: deployment does not depend on it
    summary = deployment.scores(store.cells("r"), store.measurements("r"))
    assert summary["torch"]["score"] == 0.0 and "(not: mlp torchscript)" in summary["torch"]["line"]


def test_plan_order_and_framework_filter():
    config = build_config(workloads=["cnn"], frameworks=["tensorflow"], criteria=["deployment"])
    ids = [c.id for c in planned(config, "deployment", "cnn")]
    assert ids[:4] == ["cnn/tensorflow/savedmodel/deploy_export/b64", "cnn/tensorflow/tflite_fp32/deploy_export/b64",
                       "cnn/tensorflow/tflite_int8/deploy_export/b64", "cnn/tensorflow/onnx/deploy_export/b64"]
    assert ids[4:8] == [i.replace("deploy_export", "deploy_runtime") for i in ids[:4]]
    assert ids[8:] == ["cnn/tensorflow/savedmodel/deploy_serve/b1"]
    assert options_payload(config, "deployment")["deployment"]["serve_s"] == 3.0


@pytest.mark.parametrize("options,message", [
    ({"paths": ["torch:tflite"]}, "unknown export path 'torch:tflite'; valid: torch:torchscript"),
    ({"serve": ["keras"]}, "unknown export path 'keras'"),
    ({"serve_s": 0}, "config field 'deployment.serve_s': Input should be greater than 0"),
    ({"colour": 1}, "config field 'deployment.colour': extra inputs are not permitted"),
])
def test_deployment_options_are_validated(options, message):
    with pytest.raises(ConfigError) as info:
        build_config(criteria=["deployment"], deployment=options)
    assert message in str(info.value)


def test_bare_path_names_select_every_framework():
    config = build_config(deployment={"paths": ["onnx"], "serve": []})
    assert config.deployment.paths == ["torch:onnx", "tensorflow:onnx", "jax:onnx"]
    assert json.loads(config.model_dump_json())["deployment"]["serve"] == []
