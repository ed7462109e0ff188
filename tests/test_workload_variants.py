"""Workload variants (name@key=value), size presets, and parity of the paper workloads at tiny size."""

import numpy as np
import pytest

from dlarena import frameworks, workloads
from dlarena.cli import _split
from dlarena.config import ConfigError, build_config
from dlarena.parity import check as parity
from conftest import FULL
from helpers.parity_util import capture, capture_side_by_side

# Default (CI) form: one workload per family (convolutional, attention, recurrent);
# DLARENA_FULL_TESTS=1 adds ResNet-50 v2, which differs from v1.5 in the order of its layers only.
# bert_large is the transformer encoder at another shape (its parity runs with the transformer workload)
PAPER_TINY = ["resnet50_v1_5@size=tiny", "lstm@size=tiny"] + (["bert_large@size=tiny", "resnet50_v2@size=tiny"] if FULL else [])
REFERENCE = "torch"
# Every native framework is checked against PyTorch; one not installed here is skipped with its hint.
OTHERS = [name for name in frameworks.names() if name != REFERENCE]
INSTALLED = [name for name in frameworks.names() if frameworks.FRAMEWORKS[name].is_installed()]


def _require(framework: str) -> None:
    info = frameworks.FRAMEWORKS[framework]
    if not info.is_installed():
        pytest.skip(f"{info.display_name} is not installed: {info.install_hint}")


def test_variant_names_are_canonical_and_carry_their_config():
    spec = workloads.get("transformer@seq=32, layers=1")
    assert spec.name == "transformer@layers=1,seq=32"
    assert spec.config["layers"] == 1 and spec.config["seq_len"] == 32 and spec.input_shape == (32,)
    assert workloads.get("mlp@width=1024").config["hidden"] == 1024
    assert workloads.get("mlp@width=1024").parameter_count == 64 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10
    assert workloads.get("mlp").name == "mlp"


@pytest.mark.parametrize("name,message", [
    ("mlp@depth=3", "workload 'mlp' has no parameter 'depth'; valid: width"),
    ("cnn@size=tiny", "workload 'cnn' has no parameter 'size'; valid: none (it has no variants)"),
    ("lstm@size=huge", "workload 'lstm': unknown size 'huge'; valid: tiny, small, full"),
    ("mlp@width", "workload 'mlp@width': parameter 'width' is not of the form key=value"),
])
def test_bad_variants_are_one_clear_line(name, message):
    with pytest.raises(ConfigError) as info:
        build_config(workloads=[name])
    assert str(info.value) == f"config field 'workloads': {message}"


def test_size_option_applies_to_sized_workloads_only():
    config = build_config(workloads=["mlp", "resnet50_v1_5", "lstm@size=small"], size="tiny")
    assert config.workloads == ["mlp", "resnet50_v1_5@size=tiny", "lstm@size=small"]
    # idempotent: a stored config rebuilt on resume names the same cells
    assert build_config(**config.model_dump()).workloads == config.workloads
    assert build_config().workloads == ["mlp", "cnn", "transformer"]


def test_cli_split_keeps_variant_parameters_together():
    assert _split(["transformer@layers=4,seq=128,mlp", "cnn"]) == ["transformer@layers=4,seq=128", "mlp", "cnn"]


def test_full_shapes_match_the_published_models():
    r50 = workloads.get("resnet50_v1_5")
    assert r50.input_shape == (224, 224, 3) and r50.parameter_count == 25_557_032  # torchvision's resnet50
    assert r50.forward_flops == pytest.approx(2 * 4.09e9, rel=0.01)  # 4.09 GMACs
    bert = workloads.get("bert_large")
    assert (bert.config["layers"], bert.config["d_model"], bert.config["heads"], bert.config["seq_len"]) == (24, 1024, 16, 512)
    assert bert.parameter_count == pytest.approx(334e6, rel=0.01)


def test_size_reduction_is_recorded_in_the_description():
    assert "[size small: reduced from BERT-Large's layers 24, seq 512]" in workloads.get("bert_large@size=small").description
    assert "reduced from image 224x224" in workloads.get("resnet50_v2@size=small").description
    assert "reduced" not in workloads.get("resnet50_v2").description
    assert workloads.get("lstm@size=tiny").size == "tiny"


def _capture(tmp_path, workload: str, framework: str) -> str:
    path, result = capture(tmp_path, workload, framework)
    assert result["runtime"]["workload"]["size"] == "tiny"
    return path


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parity")
    out = {}
    for pair, (path, result) in capture_side_by_side(tmp, [(w, fw) for w in PAPER_TINY for fw in INSTALLED]).items():
        assert result["runtime"]["workload"]["size"] == "tiny"
        out[pair] = path
    return out


@pytest.mark.parametrize("framework", OTHERS)
@pytest.mark.parametrize("workload", PAPER_TINY)
def test_paper_workloads_match_at_tiny_size(captures, workload, framework):
    """Forward, loss, every gradient and one optimizer step, against PyTorch."""
    _require(REFERENCE)
    _require(framework)
    spec = workloads.get(workload)
    result = parity.compare(spec, captures[(workload, REFERENCE)], captures[(workload, framework)], REFERENCE)
    assert result["status"] == "ok", result.get("error")
    assert [row["metric"] for row in result["metrics"]] == [
        "parity_forward_rel_diff", "parity_loss_rel_diff", "parity_grad_rel_diff", "parity_step_rel_diff"]
    record = np.load(captures[(workload, framework)])
    trainable = {k for k, p in spec.params.items() if p.trainable}
    assert {k[5:] for k in record.files if k.startswith("grad:")} == trainable
    assert {k[5:] for k in record.files if k.startswith("step:")} == trainable


def test_same_padding_at_stride_2_would_break_resnet_parity(captures, tmp_path, monkeypatch):
    """Keras 'same' pads a stride-2 conv asymmetrically; parity must catch that mistake."""
    _require(REFERENCE)
    _require("tensorflow")
    from keras import layers

    import dlarena.workloads.resnet.keras_model as keras_resnet

    def same_padding(x, filters, kernel, stride, name):
        return layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=name)(x)

    monkeypatch.setattr(keras_resnet, "_conv", same_padding)
    name = "resnet50_v1_5@size=tiny"
    bad = _capture(tmp_path, name, "tensorflow")
    result = parity.compare(workloads.get(name), captures[(name, "torch")], bad, "torch")
    assert result["status"] == "not_comparable" and "forward: rel diff" in result["error"]


@pytest.mark.slow  # ~25 s: a full JAX capture; the Keras twin above checks the same catch in the default run
@pytest.mark.skipif(not FULL, reason="DLARENA_FULL_TESTS=1 runs the Flax twin of the padding check")
def test_flax_same_padding_at_stride_2_would_break_resnet_parity(captures, tmp_path, monkeypatch):
    """Flax's default padding='SAME' is asymmetric at stride 2 as Keras' is; parity catches it."""
    _require(REFERENCE)
    _require("jax")
    from flax import nnx

    import dlarena.workloads.resnet.jax_model as jax_resnet

    def same_padding(c_in, c_out, kernel, stride=1, *, rngs):
        return nnx.Conv(c_in, c_out, (kernel, kernel), strides=stride, padding="SAME", use_bias=False, rngs=rngs)

    monkeypatch.setattr(jax_resnet, "conv", same_padding)
    name = "resnet50_v1_5@size=tiny"
    bad = _capture(tmp_path, name, "jax")
    result = parity.compare(workloads.get(name), captures[(name, REFERENCE)], bad, REFERENCE)
    assert result["status"] == "not_comparable" and "forward: rel diff" in result["error"]


def test_flax_lstm_loads_the_fused_keras_layout_unchanged():
    _require("jax")
    spec = workloads.get("lstm@size=tiny")
    params = spec.make_params(0)
    adapter = frameworks.load_adapter("jax")
    model = adapter.build(spec, params)
    np.testing.assert_array_equal(np.asarray(model.lstm[1].cell.dense_h.bias[...]), params["lstm1.bias"])
    np.testing.assert_array_equal(np.asarray(model.lstm[0].cell.dense_i.kernel[...]), params["lstm0.kernel"])
    assert set(adapter.export_params(model, spec)) == set(spec.params)  # RNG state is not a weight


def test_lstm_second_torch_bias_is_zero_and_not_recorded():
    from dlarena import frameworks

    spec = workloads.get("lstm@size=tiny")
    adapter = frameworks.load_adapter("torch")
    model = adapter.build(spec, spec.make_params(0))
    assert float(model.lstm.bias_hh_l0.detach().abs().max()) == 0.0
    np.testing.assert_array_equal(model.lstm.bias_ih_l1.detach().numpy(), spec.make_params(0)["lstm1.bias"])
    assert set(adapter.export_params(model, spec)) == set(spec.params)
