"""Bring your own Keras model with random layers and real depth: the issue's everyday model
(dropout, recurrent and attention dropout) and keras.applications architectures, every installed
Keras backend, parity judged against the fp32 noise floor; deliberate mistakes still caught."""


import duckdb
import pytest

from dlarena import workloads
from helpers.cli_util import clean_registry_env  # noqa: F401 - the fixture applies to every test here
from conftest import FULL
from dlarena.parity import check as parity
from helpers.keras_runs import INSTALLED, RUN_BACKENDS, parity_record, save_models
from helpers.parity_util import capture_isolated

# ~45 s each even at 32x32 (two Keras workers, float32 and float64 passes): DLARENA_FULL_TESTS=1 only; the
# default run's BatchNorm parity on Keras backends is tests/test_keras_model.py's small CNN
APPLICATIONS = ["MobileNetV2", "EfficientNetB0", "ResNet50", "DenseNet121"] if FULL else []
# Models a backend is expected to differ on, with the text of the finding. ResNet50 on Keras-on-JAX
# was one ("_bn/beta: rel diff", 1.2e-5 > 5.4e-6) while its float64 pass ran BatchNormalization in
# float32 (issue 28). With that pass float64 (frameworks/keras/parity.keep_float64) the two float64
# records agree to ~1e-14, so |a32 - b32| <= floor A + floor B holds per tensor and the rule
# (4 x the floors + 1e-6) passes: none expected. Reasoned from the rule, not re-run here (the
# 64x64 ResNet50 capture on three backends outlasted 25 min on the loaded 2-core machine).
FINDINGS: dict[tuple[str, str], str] = {}


def test_model_with_dropout_gru_and_attention_is_comparable_and_timed(keras_run):
    folder, result, out = keras_run  # the model, beside two others (tests/helpers/keras_runs.py)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(folder / "r.duckdb"), read_only=True)
    rows = con.execute("SELECT framework, metric, value, extra FROM measurements WHERE scenario = 'parity' "
                       "AND metric LIKE 'parity_%_rel_diff' AND workload = 'sequence'").fetchall()
    latency = con.execute("SELECT framework FROM measurements WHERE metric = 'latency_ms' AND status = 'ok' "
                          "AND workload = 'sequence'").fetchall()
    con.close()
    assert {fw for (fw,) in latency} == set(RUN_BACKENDS)  # every backend timed, the model as written
    assert {fw for fw, *_ in rows} == set(RUN_BACKENDS[1:])
    for fw, metric, value, extra in rows:
        assert '"note": "parity checked with 4 random layers disabled: gru.dropout, gru.recurrent_dropout, ' \
               'mha.dropout, dropout"' in extra and '"rule": "noise floor x4 + 1e-06"' in extra
        assert value < 1e-5, (fw, metric, value)  # the deterministic function agrees to fp32 noise

    summary = (folder / "report" / "summary.md").read_text()
    assert "Keras 3 on PyTorch: ok" in summary and "parity checked with 4 random layers disabled" in summary
    assert "(noise floor " in (folder / "report" / "report.html").read_text()


@pytest.mark.parametrize("right,wrong,layer", [
    ("sequence", "sequence_eps", "first diverging layer: norm (LayerNormalization), rel diff"),
    *([("cnn", "cnn_shifted", "first diverging layer: pad (ZeroPadding2D), rel diff")] if FULL else []),
])
def test_a_wrong_layer_is_still_caught(tmp_path, keras_zoo, keras_run, right, wrong, layer):
    """The same weights, one layer changed (LayerNorm epsilon 1e-5 against 1e-3; padding on the
    other side): orders of magnitude above the noise floor, and the layer is named with its class."""
    good, bad = workloads.register_keras_models([str(keras_zoo / f"{right}.keras"), str(keras_zoo / f"{wrong}.keras")])
    if right == "sequence":  # both records come from the shared run
        reference, other = (parity_record(keras_run[0], good, "keras-tensorflow"),
                            parity_record(keras_run[0], bad, "keras-torch"))
    else:
        reference, other = (capture_isolated(tmp_path, good, "keras-tensorflow")[0],
                            capture_isolated(tmp_path, bad, "keras-torch")[0])
    result = parity.compare(workloads.get(good), reference, other, "keras-tensorflow")
    assert result["status"] == "not_comparable"
    assert layer in result["error"] and "(noise floor" in result["error"]
    forward = next(r for r in result["metrics"] if r["metric"] == "parity_forward_rel_diff")
    assert forward["value"] > 100 * forward["extra"]["tolerance"]


@pytest.mark.slow
@pytest.mark.skipif(not FULL, reason="DLARENA_FULL_TESTS=1 runs the keras.applications acceptance (~45 s a model)")
@pytest.mark.parametrize("name", APPLICATIONS or ["MobileNetV2@32"])
def test_keras_applications_are_comparable_on_every_backend(tmp_path, name):
    """keras.applications architectures built offline (weights=None) at 64x64, saved as .keras.
    DLARENA_FULL_TESTS=1 only: all four at 64x64 on every installed backend."""
    save_models(tmp_path, name)
    [workload] = workloads.register_keras_models([str(tmp_path / f"{name.replace('@', '_')}.keras")])
    records = {fw: capture_isolated(tmp_path, workload, fw)[0] for fw in INSTALLED}
    for fw in INSTALLED[1:]:
        result = parity.compare(workloads.get(workload), records[INSTALLED[0]], records[fw], INSTALLED[0])
        rows = {r["metric"]: (r["value"], r["extra"]["noise_floor"], r["extra"]["tolerance"]) for r in result["metrics"]}
        print(name, fw, result["status"], rows, result.get("error", ""))
        assert all(floor is not None for _, floor, _ in rows.values())  # judged against the noise floor
        if (name, fw) in FINDINGS:
            assert result["status"] == "not_comparable" and FINDINGS[(name, fw)] in result["error"]
        else:
            assert result["status"] == "ok", result.get("error")
