"""PyTorch's deployment paths of 2026 (torch.export, AOTInductor, ExecuTorch, litert-torch; TorchScript
kept as legacy), the LiteRT runtime for every .tflite artifact with tf.lite.Interpreter as the named
fallback, failures as rows, an artifact that fails to load as one line, and the mobile / edge answer
that names each runtime."""

import numpy as np
import pytest
from conftest import FULL
from helpers.deploy_util import payload

from dlarena import deploy, frameworks
from dlarena.criteria import deployment as criterion
from dlarena.criteria.deployment import cells as deployment
from dlarena.criteria.deployment.report import Row, _notes
from dlarena.deploy import runtimes
from dlarena.deploy.manifest import Manifest, TensorSpec, artifact_dir
from dlarena.report import use_cases
from dlarena.report.overview import Overview

TIMING = {"warmup_iters": 1, "warmup_s": 0.0, "min_iters": 3, "min_s": 0.0, "max_s": 1.0}
TORCH_PATHS = ["torchscript", "torch_export", "aot_inductor", "onnx", "executorch", "litert_torch"]


def _metrics(result: dict) -> dict:
    return {r["metric"]: r for r in result["metrics"]}


def _cell(root, workload, path, scenario, framework="torch"):
    return deployment.run_cell(payload(root, workload, framework, path, scenario, TIMING))


def test_pytorch_paths_native_edge_cross_and_legacy():
    paths = {p.name: p for p in deploy.paths() if p.framework == "torch"}
    assert list(paths) == TORCH_PATHS
    assert set(frameworks.plugin_module("torch", "export").EXPORTERS) == set(TORCH_PATHS)
    assert [n for n, p in paths.items() if p.served] == ["torch_export", "onnx"]
    assert [n for n, p in paths.items() if p.legacy] == ["torchscript"]
    assert [n for n, p in paths.items() if p.edge] == ["executorch", "litert_torch"]
    assert paths["litert_torch"].runtime == "tflite"  # the LiteRT interpreter, shared with TensorFlow and JAX
    # the demo: native formats, ONNX, and each framework's first float32 edge path
    assert criterion.DEMO_PATHS == ["torch:torch_export", "torch:onnx", "torch:executorch", "tensorflow:savedmodel",
                                    "tensorflow:tflite_fp32", "tensorflow:onnx", "jax:jax_export", "jax:tflite_fp32",
                                    "jax:onnx"]


# -- real exports, tiny models (the mlp workload); the CNN and the transformer with the full tests ---
ROUND_TRIPS = ["torch_export", "executorch"] + (["litert_torch", "aot_inductor"] if FULL else [])
WORKLOADS = ["mlp", "cnn", "transformer"] if FULL else ["mlp"]


@pytest.mark.slow
@pytest.mark.parametrize("workload", WORKLOADS)
@pytest.mark.parametrize("path", ROUND_TRIPS)
def test_pytorch_paths_round_trip_with_parity(tmp_path, workload, path):
    if path == "executorch":
        pytest.importorskip("executorch")
    if path == "litert_torch":
        pytest.importorskip("litert_torch")
    export = _cell(tmp_path, workload, path, deployment.EXPORT)
    assert export["status"] == "ok", export.get("error")
    assert _metrics(export)["artifact_size_mb"]["value"] > 0.01
    manifest = Manifest.load(artifact_dir(tmp_path, workload, "torch", path))
    loaded = _cell(tmp_path, workload, path, deployment.RUNTIME)
    if (workload, path) == ("transformer", "litert_torch"):  # its reshapes bake in the fixed batch
        assert loaded["status"] == "failed"
        assert loaded["error"].startswith("fails at batch 1 (artifact batch fixed at 32): RuntimeError: ")
        assert "(RESHAPE) failed to prepare" in loaded["error"]
        return
    assert loaded["status"] == "ok", loaded.get("error")
    m = _metrics(loaded)
    # fp32 everywhere: measured 0 to 4e-7 of the output scale on these workloads
    assert 0 <= m["parity_rel_diff"]["value"] < 1e-5 < m["parity_rel_diff"]["extra"]["tolerance"]
    assert m["latency_ms"]["value"] > 0 and m["throughput_sps"]["extra"]["batch"] > 1
    versions = loaded["runtime"]["versions"]
    if path == "executorch":
        assert manifest.exporter["max_batch"] == export["metrics"][0]["extra"]["max_batch"] > 1
        assert versions["executorch"] == manifest.exporter["executorch"] and versions["threads"] == 1
    if path == "litert_torch":  # litert-torch 0.10 cannot convert a dynamic batch: the fallback says so
        assert manifest.exporter["batch"].startswith("fixed at ") and "dynamic_batch_error" in manifest.exporter
        assert versions["interpreter"] == "ai-edge-litert"


# -- failures are rows -----------------------------------------------------------------------------
def test_a_missing_exporter_package_is_a_skipped_row_with_the_reason(tmp_path, monkeypatch):
    from dlarena.frameworks.torch import export as export_torch

    def absent(model, example, folder):
        raise ModuleNotFoundError("No module named 'executorch'", name="executorch")

    monkeypatch.setitem(export_torch.EXPORTERS, "executorch", absent)
    result = _cell(tmp_path, "mlp", "executorch", deployment.EXPORT)
    assert result["status"] == "skipped" and result["metrics"] == []
    assert result["error"] == ("ExecuTorch .pte (XNNPACK delegate) not measured: executorch is not installed "
                               "(ModuleNotFoundError: No module named 'executorch')")
    loaded = _cell(tmp_path, "mlp", "executorch", deployment.RUNTIME)
    assert loaded["status"] == "skipped" and "did not produce one" in loaded["error"]


def test_aot_inductor_that_does_not_build_is_a_failed_row_with_its_error(tmp_path, monkeypatch):
    import torch

    def no_compiler(program, package_path):
        raise RuntimeError("CppCompileError: C++ compile error\nCommand: g++ ... (many lines)")

    monkeypatch.setattr(torch._inductor, "aoti_compile_and_package", no_compiler)
    result = _cell(tmp_path, "mlp", "aot_inductor", deployment.EXPORT)
    assert result["status"] == "failed"
    assert result["error"] == ("AOTInductor (torch.export, compiled ahead of time) export failed: "
                               "RuntimeError: CppCompileError: C++ compile error")
    assert _metrics(result)["export_s"]["extra"]["succeeded"] is False


@pytest.mark.parametrize("runtime,file,title", [
    ("executorch", "model.pte", "ExecuTorch runtime"),
    ("tflite", "model.tflite", "TFLite interpreter"),
    ("torch_export", "model.pt2", "torch.export module"),
])
def test_an_artifact_that_fails_to_load_is_one_line_naming_the_runtime_and_the_file(tmp_path, runtime, file, title):
    if runtime == "executorch":
        pytest.importorskip("executorch")
    (tmp_path / file).write_bytes(b"not a model at all")
    manifest = Manifest(workload="mlp", framework="torch", path=runtime, runtime=runtime, file=file,
                        input=TensorSpec([None, 4], "float32", "input"), output=TensorSpec([None, 2], "float32", "output"))
    with pytest.raises(runtimes.LoadError) as info:
        runtimes.load(tmp_path, manifest, 1)
    text = str(info.value)
    assert text.startswith(f"cannot load {tmp_path / file} with {title}: ") and "\n" not in text
    assert len(text) < 500


def test_a_load_failure_in_the_runtime_cell_is_its_error(tmp_path):
    export = _cell(tmp_path, "mlp", "torch_export", deployment.EXPORT)
    assert export["status"] == "ok", export.get("error")
    artifact = artifact_dir(tmp_path, "mlp", "torch", "torch_export") / "model.pt2"
    artifact.write_bytes(b"truncated")
    loaded = _cell(tmp_path, "mlp", "torch_export", deployment.RUNTIME)
    assert loaded["status"] == "failed" and loaded["metrics"] == []
    assert loaded["error"].startswith(f"cannot load {artifact} with torch.export module: ")


def test_an_artifact_that_fails_at_batch_1_is_a_failed_row_saying_so(tmp_path, monkeypatch):
    folder = artifact_dir(tmp_path, "mlp", "torch", "litert_torch")
    folder.mkdir(parents=True)
    Manifest(workload="mlp", framework="torch", path="litert_torch", runtime="tflite", file="model.tflite",
             input=TensorSpec([None, 4], "float32", "input"), output=TensorSpec([None, 2], "float32", "output"),
             exporter={"batch": "fixed at 8"}).save(folder)
    np.savez(folder / "reference.npz", x=np.ones((8, 4), np.float32), y=np.ones((8, 2), np.float32))

    def fixed(x):
        if len(x) != 8:
            raise RuntimeError("Node number 0 (RESHAPE) failed to prepare.")
        return np.ones((8, 2), np.float32)

    monkeypatch.setattr(runtimes, "load", lambda *a, **k: runtimes.Loaded(fixed, "tflite", 0.1, 0.1, {"interpreter": "x"}))
    result = _cell(tmp_path, "mlp", "litert_torch", deployment.RUNTIME)
    assert result["status"] == "failed" and result["metrics"] == []
    assert result["error"] == "fails at batch 1 (artifact batch fixed at 8): RuntimeError: Node number 0 (RESHAPE) failed to prepare."


# -- the LiteRT runtime, and tf.lite.Interpreter named as the fallback -------------------------------
@pytest.mark.slow
def test_tflite_artifacts_run_on_ai_edge_litert_and_fall_back_to_tf_lite_by_name(tmp_path, monkeypatch):
    pytest.importorskip("ai_edge_litert")
    from dlarena.frameworks.tensorflow import deploy_runtime

    assert _cell(tmp_path, "mlp", "tflite_fp32", deployment.EXPORT, "tensorflow")["status"] == "ok"
    folder = artifact_dir(tmp_path, "mlp", "tensorflow", "tflite_fp32")
    manifest = Manifest.load(folder)
    x = np.load(folder / "reference.npz")["x"][:3]
    litert = runtimes.load(folder, manifest, 1)
    assert litert.versions["interpreter"] == "ai-edge-litert" and litert.versions["ai-edge-litert"]
    monkeypatch.setattr(deploy_runtime, "_tflite_module", lambda: "tensorflow")
    monkeypatch.setitem(deploy_runtime.LOADERS, "tflite", (lambda: "tensorflow", deploy_runtime._tflite, None))
    fallback = runtimes.load(folder, manifest, 1)
    assert fallback.versions["interpreter"] == "tf.lite.Interpreter (fallback: ai-edge-litert is not installed)"
    np.testing.assert_array_equal(litert.predict(x), fallback.predict(x))  # the same kernels


# -- the report: legacy labelled, a converter's fallback said -------------------------------------
def test_report_notes_label_legacy_and_a_fixed_batch():
    legacy = Row("mlp", "torch", "torchscript", "TorchScript", "TorchScript", "ok", None)
    assert _notes(legacy) == "legacy: deprecated by PyTorch"
    fixed = Row("mlp", "torch", "litert_torch", "LiteRT", "TFLite interpreter", "ok", None, metrics={
        "export_s": {"extra": {"batch": "fixed at 256", "dynamic_batch_error": "AssertionError: float32[-9223372036854775808,256]"}}})
    assert _notes(fixed) == ("batch: fixed at 256; dynamic batch exporter failed: "
                             "AssertionError: float32[-9223372036854775808,256]")


# -- "Mobile / edge": named runtimes of every framework, the fastest against each other one ---------
FRAMEWORKS = [("torch", "PyTorch"), ("tensorflow", "TensorFlow"), ("jax", "JAX")]


def _edge_run(latencies: dict[tuple[str, str], float | None], workload="mlp"):
    cells, rows = [], []
    for (fw, mode), ms in latencies.items():
        cid = f"{workload}/{fw}/{mode}/deploy_runtime/b256"
        cells.append({"cell_id": cid, "workload": workload, "framework": fw, "mode": mode,
                      "scenario": "deploy_runtime", "status": "ok" if ms else "failed"})
        if ms:
            rows.append({"cell_id": cid, "metric": "latency_ms", "value": ms, "ci_low": ms * 0.98, "ci_high": ms * 1.02})
    return cells, rows


def _edge_answer(latencies, band=0.05):
    cells, rows = _edge_run(latencies)
    answers = use_cases.answers(Overview(FRAMEWORKS, [], []), cells, rows, band)
    return {a.question: a for a in answers}[use_cases.EDGE]


def test_the_mobile_edge_answer_names_each_runtime_and_compares_the_fastest():
    answer = _edge_answer({("torch", "executorch"): 0.038, ("torch", "litert_torch"): 0.014,
                           ("torch", "torch_export"): 0.01,  # not an edge runtime: not in this answer
                           ("tensorflow", "tflite_fp32"): 0.010, ("tensorflow", "tflite_int8"): 0.005,
                           ("jax", "tflite_fp32"): 0.020})
    assert answer.measured
    assert answer.text == (
        "PyTorch: ExecuTorch .pte (XNNPACK delegate) 0.038 ms, LiteRT flatbuffer (litert-torch) 0.014 ms; "
        "TensorFlow: TFLite float32 0.01 ms; JAX: TFLite float32 (jax2tf) 0.02 ms — "
        "TFLite float32 (TensorFlow) faster than LiteRT flatbuffer (litert-torch) (PyTorch) by 40% [36–44%]; "
        "TFLite float32 (TensorFlow) faster than TFLite float32 (jax2tf) (JAX) by 100% [94–106%] (2.0x)")
    assert len(answer.links) == 4


def test_the_mobile_edge_answer_at_its_edges():
    # within the band: equivalent, not a winner
    answer = _edge_answer({("torch", "executorch"): 0.0102, ("tensorflow", "tflite_fp32"): 0.010})
    assert answer.text.endswith("TFLite float32 (TensorFlow) and ExecuTorch .pte (XNNPACK delegate) (PyTorch) "
                                "equivalent: ratio 1.02 [0.99–1.05], within ±5%")
    # just past it, with the CIs apart: a winner
    answer = _edge_answer({("torch", "executorch"): 0.0107, ("tensorflow", "tflite_fp32"): 0.010})
    assert answer.text.endswith("TFLite float32 (TensorFlow) faster than ExecuTorch .pte (XNNPACK delegate) (PyTorch) "
                                "by 7% [4–10%]")
    # a failed edge path is named with its status; a framework without one says so; one timed
    # framework: no comparison
    answer = _edge_answer({("torch", "executorch"): None, ("tensorflow", "tflite_fp32"): 0.010})
    assert answer.text == ("PyTorch: ExecuTorch .pte (XNNPACK delegate) failed; TensorFlow: TFLite float32 0.01 ms; "
                           "JAX: no mobile / edge path measured")
