"""Zoo architectures as workloads: the model each framework's users load (Hugging Face transformers
on PyTorch, keras-hub on Keras 3), one canonical random parameter set ported into both, parity
checked with the noise-floor rule. Default form: a one-layer, short-sequence variant of each, PyTorch
against keras-hub on TensorFlow in this process; DLARENA_FULL_TESTS=1 adds keras-hub on native JAX's
column (Keras's JAX backend under JAX's modes) and Keras 3 on JAX and PyTorch."""

import importlib.util

import numpy as np
import pytest

from dlarena import frameworks, workloads
from dlarena.config import ConfigError, build_config
from dlarena.frameworks.base import WeightMapper
from dlarena.parity import check as parity
from conftest import FULL
from helpers.parity_util import capture, capture_isolated

# A one-layer, 16-token Llama: the architecture whole, a few seconds to build in each zoo.
LLAMA = "llama@layers=1,seq=16,size=tiny"
BERT = "bert@layers=1,seq=16,size=tiny"
VIT = "vit@layers=1,size=tiny"
ZOO_MODELS = [LLAMA, BERT, VIT]


def _require(*modules: str) -> None:
    for module in modules:
        pytest.importorskip(module)


@pytest.fixture(scope="module")
def torch_records(tmp_path_factory):
    _require("torch", "transformers")
    folder = tmp_path_factory.mktemp("zoo_parity")
    return folder, {name: capture(folder, name, "torch") for name in ZOO_MODELS}


@pytest.fixture(scope="module")
def tensorflow_records(torch_records):
    _require("tensorflow", "keras_hub")
    folder, _ = torch_records
    return {name: capture(folder, name, "tensorflow")[0] for name in ZOO_MODELS}


def _assert_comparable(result: dict) -> dict:
    assert result["status"] == "ok", result.get("error")
    rows = {row["metric"]: row for row in result["metrics"]}
    greedy = rows.pop("parity_greedy_identical_steps", None)  # a decoder's greedy ids (parity/generation.py)
    assert greedy is None or greedy["value"] == greedy["extra"]["horizon"] == 16
    for row in rows.values():  # the real difference, under the noise-floor limit, with both floors measured
        assert row["extra"]["noise_floor"] is not None and row["value"] <= row["extra"]["tolerance"]
    return {metric: row["value"] for metric, row in rows.items()}


@pytest.mark.parametrize("name", ZOO_MODELS)
def test_keras_hub_on_tensorflow_computes_what_hf_transformers_computes(torch_records, tensorflow_records, name):
    _, records = torch_records
    diffs = _assert_comparable(parity.compare(workloads.get(name), records[name][0], tensorflow_records[name], "torch"))
    # measured 1e-6 (forward) and 2e-6 (gradients): float32 rounding, far below a layout mistake
    assert diffs["parity_forward_rel_diff"] < 1e-5 and diffs["parity_grad_rel_diff"] < 1e-4


@pytest.mark.parametrize("framework", ["jax", "keras-jax", "keras-torch"])
@pytest.mark.parametrize("name", ZOO_MODELS)
def test_keras_hub_on_jax_and_pytorch_backends_computes_the_same(torch_records, name, framework):
    if not FULL:
        pytest.skip("keras-hub on 3 backends runs with DLARENA_FULL_TESTS=1 (TensorFlow's runs by default)")
    _require("keras_hub", framework.removeprefix("keras-"))
    folder, records = torch_records
    other, result = capture_isolated(folder, name, framework)
    diffs = _assert_comparable(parity.compare(workloads.get(name), records[name][0], other, "torch"))
    assert diffs["parity_forward_rel_diff"] < 1e-5 and diffs["parity_grad_rel_diff"] < 1e-4
    if framework == "jax":  # JAX's column: the keras-hub model, run by Keras on JAX
        assert result["runtime"]["model"] == "keras-hub on Keras 3's JAX backend"
        assert result["runtime"]["versions"]["keras_backend"] == "jax" and "flax" in result["runtime"]["versions"]


def test_native_jax_runs_the_keras_hub_model_of_a_zoo_workload_under_its_own_name_and_modes():
    for name in ZOO_MODELS:
        workload = workloads.get(name)
        assert workload.model_module_for("jax_model") == "keras_model"
        assert workload.model_module_for("torch_model") == "torch_model" and workloads.implements(name, "jax_model")
    assert workloads.get("mlp").model_module_for("jax_model") == "jax_model"  # the Flax NNX models: unchanged
    assert workloads.column_label(LLAMA, "jax") == "JAX (keras-hub on JAX)"
    assert workloads.column_label(LLAMA, "tensorflow") == "TensorFlow" and workloads.column_label("mlp", "jax") == "JAX"
    assert workloads.column_label("not-a-workload", "jax") == "JAX"  # a stored run's workload unknown here
    assert dict(frameworks.info("jax").model_adapters) == {
        "keras_model": "dlarena.frameworks.jax.keras_models:KerasOnJaxAdapter"}
    with pytest.raises(LookupError, match="^JAX has no adapter for torch_model models$"):
        frameworks.load_adapter("jax", "torch_model")
    _require("jax", "flax")
    from dlarena.frameworks.jax.keras_models import KerasOnJaxAdapter

    adapter = KerasOnJaxAdapter.__new__(KerasOnJaxAdapter)  # its mode switches only: no Keras import here
    adapter.info = frameworks.info("keras-jax")
    assert adapter._switches("jit") == {"run_eagerly": False, "jit_compile": True}  # jax.jit of Keras's steps
    assert adapter._switches("eager") == {"run_eagerly": True, "jit_compile": False}
    with pytest.raises(ValueError, match="^unknown JAX mode 'xla' for a keras-hub model; valid: eager, jit$"):
        adapter._switches("xla")


@pytest.mark.parametrize("name", ZOO_MODELS)
def test_weight_maps_cover_every_parameter_of_both_zoo_models(name):
    _require("torch", "transformers", "keras_hub")
    import keras
    import torch

    workload = workloads.get(name)
    for framework, names in [("torch", lambda m: {k for k in m.state_dict()}),
                             ("tensorflow", lambda m: {v.path for v in m.weights})]:
        info = frameworks.info(framework)
        module = workloads.framework_module(name, info.model_module)
        model = module.build_model(workload.config)
        mapper = WeightMapper(workload, info.model_module, lambda kind, a: a, lambda kind, a, shape: a)
        mapper.check_coverage(names(model))  # raises, naming what is unmapped, on any gap
        native = {k: tuple(v.shape) for k, v in (model.state_dict().items() if framework == "torch" else
                                                 ((v.path, v) for v in model.weights))}
        for target, canonical in mapper.mapping.items():  # every mapped tensor holds as many numbers
            assert int(np.prod(native[target])) == sum(int(np.prod(workload.params[c].shape)) for c in canonical)
        assert isinstance(model, torch.nn.Module if framework == "torch" else keras.Model)


def test_hf_bert_with_its_default_exact_gelu_is_a_named_difference_from_keras_hub(torch_records, tensorflow_records):
    """keras-hub's BERT computes the tanh-approximated GELU (Google's original BERT); HF's BertConfig
    defaults to the exact erf GELU: the same weights give another function, and parity says so."""
    folder, _ = torch_records
    exact = BERT.replace("layers=1,", "gelu=exact,layers=1,")
    record, _ = capture(folder, exact, "torch")
    result = parity.compare(workloads.get(exact), record, tensorflow_records[BERT], "torch")
    assert result["status"] == "not_comparable" and result["finding"].startswith("forward: rel diff")
    forward = next(r for r in result["metrics"] if r["metric"] == "parity_forward_rel_diff")
    assert forward["value"] > 10 * forward["extra"]["tolerance"]  # far outside the noise, not a rounding edge


def test_llama_sizes_are_the_published_shapes_with_their_parameter_counts():
    # SmolLM-135M and Llama-3.2-1B as published (tied embeddings, counted once)
    assert workloads.get("llama@size=small").parameter_count == 134_515_008
    assert workloads.get("llama@size=full").parameter_count == 1_235_814_400
    tiny = workloads.get("llama@size=tiny")
    assert tiny.parameter_count == 4_000_000 and tiny.size == "tiny" and tiny.input_shape == (64,)
    assert "134,515,008" not in tiny.description and "next-token cross-entropy" in tiny.description
    assert workloads.described(["llama@size=small"])["llama@size=small"]["parameter_count"] == 134_515_008
    one = workloads.get(LLAMA)
    assert one.config["llama"]["num_hidden_layers"] == 1 and "1 of its layers" in one.description


def test_bert_and_vit_sizes_are_the_published_shapes_with_their_parameter_counts():
    # bert-base-uncased / bert-large-uncased (BertModel with pooler) + a 2-class head;
    # google/vit-base-patch16-224 / vit-large-patch16-224 with their 1000-class heads
    assert workloads.get("bert@size=small").parameter_count == 109_482_240 + 768 * 2 + 2
    assert workloads.get("bert@size=full").parameter_count == 335_141_888 + 1024 * 2 + 2
    assert workloads.get("vit@size=small").parameter_count == 86_567_656
    assert workloads.get("vit@size=full").parameter_count == 304_326_632
    assert workloads.get("vit@size=tiny").input_shape == (32, 32, 3)
    with pytest.raises(ConfigError, match="workload 'bert': unknown gelu 'erf'; valid: tanh, exact"):
        build_config(workloads=["bert@gelu=erf"])


def test_next_token_batches_label_every_position_with_the_following_token():
    workload = workloads.get(LLAMA)
    x, y = workload.make_batch(3, seed=5)
    assert x.shape == y.shape == (3, 16) and x.dtype == y.dtype == np.int32
    assert np.array_equal(x[:, 1:], y[:, :-1]) and y.max() < workload.vocab_size
    classes = workloads.get("transformer").make_batch(3)[1]
    assert classes.shape == (3,)  # a classifier's labels are unchanged


def test_an_unknown_size_is_one_line_listing_the_valid_ones():
    with pytest.raises(ConfigError) as info:
        build_config(workloads=["llama@size=huge"])
    assert str(info.value) == "config field 'workloads': workload 'llama': unknown size 'huge'; valid: tiny, small, full"
    assert build_config(workloads=["llama"], size="small").workloads == ["llama@size=small"]


def test_a_zoo_that_is_not_installed_is_a_skip_with_its_install_command(monkeypatch):
    from dlarena.runner.scheduler import SuiteRunner

    workload = workloads.get(LLAMA)
    if importlib.util.find_spec("transformers"):
        assert workload.unavailable("torch_model") is None
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "transformers" else real(name, *a))
    reason = workload.unavailable("torch_model")
    assert reason == "not installed: pip install 'transformers>=5,<6' (this workload's torch_model imports transformers)"
    scheduler = SuiteRunner.__new__(SuiteRunner)  # the parent-side decision only: no run, no worker
    assert scheduler._missing_framework("torch", LLAMA) == {
        "status": "skipped", "error": f"workload '{LLAMA}' on PyTorch: {reason}"}
    assert scheduler._missing_framework("tensorflow", LLAMA) is None  # keras-hub is there: runs
    assert scheduler._missing_framework("jax", LLAMA) is None  # JAX's column: keras-hub on JAX
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "keras_hub" else real(name, *a))
    hub = ("not installed: pip install keras-hub (see requirements-nodeps.txt: tensorflow-text) "
           "(this workload's keras_model imports keras_hub)")
    assert scheduler._missing_framework("jax", LLAMA) == {"status": "skipped", "error": f"workload '{LLAMA}' on JAX: {hub}"}
    assert scheduler._missing_framework("jax", "mlp") is None  # a Flax NNX model needs no keras-hub


def test_zoo_suite_runs_the_three_at_size_small_on_hf_and_keras_hub_frameworks():
    from dlarena.suites import suite_defaults

    config = build_config(**suite_defaults("zoo"))
    assert config.workloads == ["llama@size=small", "bert@size=small", "vit@size=small"]
    # JAX's and TensorFlow's columns are keras-hub on their backends: no keras-jax / keras-tensorflow beside them
    assert config.frameworks == ["torch", "tensorflow", "jax", "keras-torch"]
    assert config.skip_speed_modes == ["tensorflow:eager", "tensorflow:xla", "jax:eager"]
    assert "jit" in config.modes
    assert config.budget_s == 480.0 and not config.repetitions.interleave_workloads
    assert not set(workloads.ZOO) & set(suite_defaults("deployment")["workloads"])  # no zoo export paths yet
