"""Bring your own model, way 2: a Keras 3 model file run on Keras 3's backends, parity checked."""

import duckdb
import numpy as np
import pytest

from dlarena import frameworks, workloads
from helpers.cli_util import clean_registry_env, invoke  # noqa: F401 - the fixture applies to every test here
from dlarena.parity import check as parity
from dlarena.workloads.base import Workload
from helpers.keras_runs import RUN_BACKENDS, RUN_MODELS, parity_record
from helpers.parity_util import capture_isolated

JAX_INSTALLED = frameworks.info("keras-jax").is_installed()


def test_keras_file_on_tensorflow_and_pytorch_backends_with_parity(keras_run, keras_zoo, tmp_path):
    folder, result, out = keras_run  # tinycnn.keras beside two other models, on the Keras backends (tests/helpers/keras_runs.py)
    assert result.exit_code == 0, result.output
    assert f"{2 * len(RUN_MODELS) * len(RUN_BACKENDS)} ok" in out  # parity + one latency cell, each model x backend

    con = duckdb.connect(str(folder / "r.duckdb"), read_only=True)
    cells = {(fw, sc): (st, err) for fw, sc, st, err in con.execute(
        "SELECT framework, scenario, status, error FROM cells WHERE workload = 'tinycnn'").fetchall()}
    assert cells[("keras-tensorflow", "parity")][0] == "ok" and cells[("keras-torch", "parity")][0] == "ok"
    diffs = dict(con.execute("SELECT metric, value FROM measurements WHERE framework = 'keras-torch' "
                             "AND scenario = 'parity' AND workload = 'tinycnn'").fetchall())
    assert diffs["parity_forward_rel_diff"] < 1e-4 and diffs["parity_loss_rel_diff"] < 1e-4
    assert diffs["parity_grad_rel_diff"] < 1e-3 and diffs["parity_step_rel_diff"] < 1e-3
    latency = dict(con.execute("SELECT framework, value FROM measurements WHERE metric = 'latency_ms' "
                               "AND status = 'ok' AND workload = 'tinycnn'").fetchall())
    assert set(latency) == set(RUN_BACKENDS) and all(v > 0 for v in latency.values())
    versions = con.execute("SELECT runtime FROM cells WHERE framework = 'keras-torch' AND scenario = 'infer_latency'")
    assert '"keras_backend": "torch"' in versions.fetchone()[0]
    con.close()

    summary = (folder / "report" / "summary.md").read_text()
    assert "Keras 3 on PyTorch: ok" in summary and "Keras 3 on TensorFlow: ok (reference)" in summary
    assert "Keras 3 model file" in summary and "input (12, 12, 3) float32, output (5)" in summary

    # Keras 3 on JAX (in the run itself with DLARENA_FULL_TESTS=1): the same file, the same parity rule
    if JAX_INSTALLED and "keras-jax" not in RUN_BACKENDS:
        [name] = workloads.register_keras_models([str(keras_zoo / "tinycnn.keras")])
        record, _ = capture_isolated(tmp_path, name, "keras-jax")
        jax = parity.compare(workloads.get(name), parity_record(folder, name, "keras-tensorflow"), record,
                             "keras-tensorflow")
        assert jax["status"] == "ok", jax.get("error")
        assert all(r["value"] <= r["extra"]["tolerance"] for r in jax["metrics"])


def test_inspected_spec_gives_the_files_weights_and_loss(keras_zoo):
    [name] = workloads.register_keras_models([str(keras_zoo / "anysize.keras")], (9, 9, 3))
    spec = workloads.get(name)
    assert spec.name == "anysize" and spec.input_shape == (9, 9, 3) and spec.num_classes == 3
    assert spec.loss == "sparse_categorical_crossentropy" and spec.from_logits is False  # softmax output
    params = spec.make_params(seed=123)
    assert set(params) == {"conv/kernel", "conv/bias", "probs/kernel", "probs/bias"}
    assert params["conv/kernel"].shape == (3, 3, 3, 2) and np.any(params["conv/kernel"] != 0)
    x, y = spec.make_batch(4)
    assert x.shape == (4, 9, 9, 3) and y.shape == (4,) and y.max() < 3
    with pytest.raises(KeyError, match="runs on Keras 3 backends only"):
        workloads.framework_module(name, "torch_model")


@pytest.mark.parametrize("args,message", [
    (["--keras-model", "{d}/missing.keras"], "Keras model file not found:"),
    (["--keras-model", "{d}/model.h5"], "is not a Keras 3 model file (.keras)"),
    (["--keras-model", "{d}/garbage.keras"],
     "garbage.keras does not load as a Keras 3 model: it is not a zip archive, as .keras files are"),
    (["--keras-model", "{d}/anysize.keras"], "input shape (None, None, 3) has unknown dimensions; give them with --input-shape"),
    (["--keras-model", "{d}/anysize.keras", "--input-shape", "10,10"],
     "input shape (10, 10) does not fit the model {d}/anysize.keras, which expects (None, None, 3)"),
    (["--keras-model", "{d}/tinycnn.keras", "--input-shape", "12,x"], "--input-shape '12,x' is not a list of positive integers"),
    (["--keras-model", "{d}/tinycnn.keras", "--frameworks", "torch"],
     "a Keras model file runs on Keras 3 backends only; not on torch"),
    (["--input-shape", "3,3"], "--input-shape applies to --keras-model only"),
] + ([] if JAX_INSTALLED else [
    (["--keras-model", "{d}/tinycnn.keras", "--frameworks", "keras-tensorflow,keras-jax"],
     "Keras 3 on JAX is not available: jax is not installed; install it with: pip install jax"),
]))
def test_bad_keras_input_is_one_line_exit_2(tmp_path, keras_zoo, args, message):
    (keras_zoo / "garbage.keras").write_bytes(b"not a zip file")
    (keras_zoo / "model.h5").write_bytes(b"")
    db = tmp_path / "res" / "r.duckdb"
    result, out = invoke("run", *[a.format(d=keras_zoo) for a in args], "--db", db)
    assert result.exit_code == 2, result.output
    assert message.format(d=keras_zoo) in out
    assert not db.parent.exists()


def test_parity_failure_names_the_first_diverging_layer(tmp_path):
    spec = Workload(name="w", description="", input_kind="features", input_shape=(2,), num_classes=2, config={},
                    params={})
    common = {"loss": np.float32(1.0), "grad:k": np.ones(3), "step:k": np.ones(3)}
    ref = {**common, "forward": np.ones((2, 2)), "layer:000:conv:Conv2D": np.ones(4),
           "layer:001:bn:BatchNormalization": np.ones(4), "layer:002:head:Dense": np.ones(2)}
    other = {**common, "forward": np.full((2, 2), 1.5), "layer:000:conv:Conv2D": np.ones(4),
             "layer:001:bn:BatchNormalization": np.array([1.0, 1.0, 1.2, 1.0]), "layer:002:head:Dense": np.ones(2) * 2}
    np.savez(tmp_path / "ref.npz", **ref)
    np.savez(tmp_path / "other.npz", **other)
    result = parity.compare(spec, str(tmp_path / "ref.npz"), str(tmp_path / "other.npz"), "keras-tensorflow")
    assert result["status"] == "not_comparable"
    assert "forward: rel diff 5.00e-01 > tolerance 1e-04" in result["error"]  # no float64 records: fixed tolerance
    assert "first diverging layer: bn (BatchNormalization), rel diff 2.00e-01 > tolerance 1e-04" in result["error"]
    assert result["error"].endswith("fixed tolerance (no noise floor: keras-tensorflow: not recorded; "
                                    "this framework: not recorded)")
    # With float64 records, the limit is the noise floor's; the layer's floor is shown beside it.
    for record in (ref, other):
        record.update({f"f64:{k}": v for k, v in list(record.items())})
    other["f64:layer:001:bn:BatchNormalization"] = np.array([1.0, 1.0, 1.2, 1.0 + 1e-4])  # floor 1e-4
    np.savez(tmp_path / "ref.npz", **ref)
    np.savez(tmp_path / "other.npz", **other)
    result = parity.compare(spec, str(tmp_path / "ref.npz"), str(tmp_path / "other.npz"), "keras-tensorflow")
    assert "first diverging layer: bn (BatchNormalization), rel diff 2.00e-01 > limit 4.0e-04 (noise floor 1.0e-04)" \
        in result["error"]
    # A record without per-layer outputs (a native framework) still compares with one that has them.
    other = {k: v for k, v in other.items() if "layer:" not in k}
    other["forward"] = other["f64:forward"] = np.ones((2, 2))
    np.savez(tmp_path / "other.npz", **other)
    assert parity.compare(spec, str(tmp_path / "ref.npz"), str(tmp_path / "other.npz"), "x")["status"] == "ok"


FLOAT64_TWIN = """
import numpy as np, keras
from dlarena.frameworks.keras.parity import float64_context, float64_copy
rng = np.random.default_rng(0)
x = rng.standard_normal((8, 4, 4, 16)) * 3 + 1
inp = keras.Input((4, 4, 16))
model = keras.Model(inp, keras.layers.GlobalAveragePooling2D()(keras.layers.BatchNormalization()(inp)))
gamma, beta = (rng.standard_normal(16).astype(np.float32).astype(np.float64) for _ in range(2))
model.layers[1].set_weights([gamma, beta, np.zeros(16), np.ones(16)])
mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
expected = (((x - mean) / np.sqrt(var + 1e-3)) * gamma + beta).mean(axis=(1, 2))
with float64_context():
    out = keras.ops.convert_to_numpy(float64_copy(model)(x, training=True))
print(out.dtype, np.abs(out - expected).max() / np.abs(expected).max())
"""


def test_float64_twin_computes_batchnorm_and_pooling_in_float64():
    """Keras 3 promotes float64 to float32 on JAX and PyTorch (keras.backend.result_type), so a
    float64 model's BatchNormalization and mean ran in float32 there (1e-7 off numpy's float64);
    the parity's float64 pass keeps float64 (frameworks/keras/parity.py: keep_float64)."""
    import os
    import subprocess
    import sys

    backend = "jax" if JAX_INSTALLED else "torch"  # the same Keras code path on both
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run([sys.executable, "-c", FLOAT64_TWIN], env=env, capture_output=True, text=True, timeout=120)
    dtype, error = out.stdout.split()[-2:]
    assert dtype == "float64" and float(error) < 1e-12, out.stderr[-2000:]
