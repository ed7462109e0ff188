"""Verify, don't list: build a zoo's representative architectures from configs with random weights
(nothing is downloaded: no preset, no hub fetch) and run one forward pass, in the framework's own
worker process. Each attempt is one ``Build`` record: built, or failed with its error line.

A zoo's builders are ``{architecture: (family or None, fn() -> output array-like)}``; each ``fn``
builds its model at the tiny sizes of ``families`` and returns the forward pass's output.
The Keras 3 zoos (keras-hub, keras.applications) are written once here, for the Keras module
of whichever backend the framework's worker loaded (a framework's ``zoo.py`` names its Keras:
``KERAS``, its registry entry of Keras 3 on that framework).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from dlarena.cell import error_line
from dlarena.pretrained import families as fam

Builders = dict[str, tuple["str | None", Callable[[], object]]]


@dataclass
class Build:
    zoo: str
    arch: str
    family: str | None
    status: str  # "built" | "failed"
    error: str = ""
    output_shape: list[int] | None = None
    seconds: float = 0.0


def _shape(output) -> list[int] | None:
    """The shape of a forward pass's output (the first tensor of a dict, tuple or model output)."""
    if isinstance(output, dict):
        output = next(iter(output.values()))
    elif isinstance(output, (list, tuple)):
        output = output[0]
    elif hasattr(output, "last_hidden_state") and output.last_hidden_state is not None:
        output = output.last_hidden_state
    elif hasattr(output, "logits") and output.logits is not None:
        output = output.logits
    shape = getattr(output, "shape", None)
    return [int(d) for d in shape] if shape is not None else None


def run_builders(zoo: str, builders: Builders) -> list[Build]:
    out = []
    for arch, (family, fn) in builders.items():
        started = time.perf_counter()
        try:
            shape = _shape(fn())
            if not shape:
                raise RuntimeError("the forward pass returned no tensor")
            out.append(Build(zoo, arch, family, "built", output_shape=shape, seconds=time.perf_counter() - started))
        except Exception as exc:  # a failed build is a result to report, not the end of the cell
            out.append(Build(zoo, arch, family, "failed", error=error_line(exc, limit=200),
                             seconds=time.perf_counter() - started))
    return out


def as_dicts(builds: list[Build]) -> list[dict]:
    return [asdict(b) | {"seconds": round(b.seconds, 3)} for b in builds]


# -- Keras 3 zoos: the same code on the TensorFlow, JAX and PyTorch backends ------------------

def _tokens(keras):
    return {"token_ids": np.ones((1, fam.SEQ), "int32"), "padding_mask": np.ones((1, fam.SEQ), "int32")}


def _image(batch: int = 1):
    return np.random.default_rng(0).random((batch, fam.IMAGE, fam.IMAGE, 3)).astype("float32")


def keras_hub_builders(keras, hub, compiled: str | None = None) -> Builders:
    m = hub.models
    common = dict(vocabulary_size=fam.VOCAB, num_layers=fam.LAYERS, hidden_dim=fam.HIDDEN,
                  intermediate_dim=fam.INTERMEDIATE)
    decoders = dict(common, num_query_heads=fam.HEADS, num_key_value_heads=fam.KV_HEADS)

    def call(model, inputs):
        return next(iter(_outputs(forward(keras, model, inputs, compiled))))

    def bert():
        model = m.BertBackbone(num_heads=fam.HEADS, max_sequence_length=64, **common)
        return call(model, _tokens(keras) | {"segment_ids": np.zeros((1, fam.SEQ), "int32")})

    def whisper():
        model = m.WhisperBackbone(num_heads=fam.HEADS, num_mels=fam.MELS, max_encoder_sequence_length=fam.AUDIO_FRAMES,
                                  max_decoder_sequence_length=16, **common)
        inputs = {"encoder_features": np.zeros((1, fam.AUDIO_FRAMES, fam.MELS), "float32"),
                  "decoder_token_ids": np.ones((1, 4), "int32"), "decoder_padding_mask": np.ones((1, 4), "int32")}
        return call(model, inputs)

    return {
        "LlamaBackbone": ("llama", lambda: call(m.LlamaBackbone(**decoders), _tokens(keras))),
        "GemmaBackbone": ("gemma", lambda: call(m.GemmaBackbone(head_dim=fam.HEAD_DIM, **decoders), _tokens(keras))),
        "QwenBackbone": ("qwen", lambda: call(m.QwenBackbone(**decoders), _tokens(keras))),
        "GPT2Backbone": ("gpt2", lambda: call(m.GPT2Backbone(num_heads=fam.HEADS, max_sequence_length=64, **common),
                                              _tokens(keras))),
        "BertBackbone": ("bert", bert),
        "ViTBackbone": ("vit", lambda: call(m.ViTBackbone(
            image_shape=(fam.IMAGE, fam.IMAGE, 3), patch_size=fam.PATCH, num_layers=fam.LAYERS, num_heads=fam.HEADS,
            hidden_dim=fam.HIDDEN, mlp_dim=fam.INTERMEDIATE), _image())),
        "ResNetBackbone": ("resnet", lambda: call(m.ResNetBackbone(
            input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 64],
            stackwise_num_blocks=[1, 1], stackwise_num_strides=[1, 2], block_type="basic_block",
            image_shape=(fam.IMAGE, fam.IMAGE, 3)), _image())),
        "WhisperBackbone": ("whisper", whisper),
    }


def forward(keras, model, inputs, compiled: str | None):
    """One inference pass: an eager call (cheapest for one pass on PyTorch and TensorFlow, where a
    graph would be traced first), or the framework zoo's own compiled pass ``compiled``
    ("module:function" taking (keras, model, inputs); on JAX an eager Keras call compiles every op
    on its own: 4-9 s for a small CNN against 0.5-2 s)."""
    if compiled:
        import importlib

        module, name = compiled.split(":")
        return getattr(importlib.import_module(module), name)(keras, model, inputs)
    return keras.ops.convert_to_numpy(next(iter(_outputs(model(inputs, training=False)))))


def _outputs(output):
    if isinstance(output, dict):
        return output.values()
    if isinstance(output, (list, tuple)):
        return output
    return [output]


# keras.applications: vision CNNs only, at 32x32. ResNet50 stands for its family (the score); MobileNet
# shows the zoo's mobile models build too. MobileNetV2, VGG16 and ConvNeXtTiny were built as well until
# 2026-12-08: no family rests on them, and they cost 4-12 s a framework per run (JAX builds op by op).
KERAS_APPLICATIONS = {"ResNet50": ("resnet", {}), "MobileNet": (None, {"alpha": 0.25})}


def keras_applications_builders(keras, compiled: str | None = None) -> Builders:
    def build(name: str, options: dict):
        def fn():
            model = getattr(keras.applications, name)(weights=None, input_shape=(fam.IMAGE, fam.IMAGE, 3), classes=10,
                                                      **options)
            return forward(keras, model, _image(), compiled)
        return fn

    return {name: (family, build(name, options)) for name, (family, options) in KERAS_APPLICATIONS.items()}


def keras_module(keras_framework: str):
    """Keras 3 on this worker's backend, through its registry entry (e.g. Keras on the worker's own
    framework); RuntimeError when Keras was already loaded here on another backend."""
    from dlarena import frameworks

    return frameworks.load_adapter(keras_framework).keras


def build_keras_zoo(package: str, keras_framework: str, compiled: str | None = None) -> list[dict]:
    """Build a Keras 3 zoo's architectures in this process on ``keras_framework``'s backend, or, when
    this worker already loaded Keras on another backend, in a child process with the right one."""
    try:
        keras = keras_module(keras_framework)
    except RuntimeError as exc:
        return _build_keras_zoo_elsewhere(package, keras_framework, compiled, error_line(exc, limit=200))
    return _build_with(keras, package, compiled)


@contextmanager
def numpy_initializers(keras):
    """Random weights drawn by NumPy while models are built. Keras draws each initial weight with its
    backend's RNG; on JAX that compiles one XLA program per weight shape (a ResNet-50 took ~15 s to
    build on 2 cores, ~1 s this way). The weights are random either way; the builds check the model
    code. The backend's functions are restored afterwards."""
    import keras.src.backend as backend

    module, rng = backend.random, np.random.default_rng(0)
    saved = {name: getattr(module, name) for name in ("uniform", "normal", "truncated_normal")}

    def tensor(array, dtype):
        return keras.ops.convert_to_tensor(array.astype(dtype or keras.config.floatx()))

    def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        return tensor(rng.uniform(minval, maxval, size=tuple(shape)), dtype)

    def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        return tensor(rng.standard_normal(tuple(shape)) * stddev + mean, dtype)

    def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        return tensor(np.clip(rng.standard_normal(tuple(shape)), -2.0, 2.0) * stddev + mean, dtype)

    module.uniform, module.normal, module.truncated_normal = uniform, normal, truncated_normal
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(module, name, fn)


def _build_with(keras, package: str, compiled: str | None) -> list[dict]:
    import importlib

    keras.utils.set_random_seed(0)
    if package == "keras":
        builders = keras_applications_builders(keras, compiled)
    else:
        builders = keras_hub_builders(keras, importlib.import_module(package), compiled)
    with numpy_initializers(keras):
        return as_dicts(run_builders(package, builders))


def child_entry(payload: dict) -> dict:
    """``dlarena.process.worker`` entry: a Keras zoo built in a fresh process on one backend."""
    keras = keras_module(payload["keras_framework"])
    return {"status": "ok", "builds": _build_with(keras, payload["package"], payload.get("compiled"))}


CHILD_TIMEOUT_S = 300


def _build_keras_zoo_elsewhere(package: str, keras_framework: str, compiled: str | None, why: str) -> list[dict]:
    from dlarena.process.isolate import run_isolated

    backend = keras_framework.removeprefix("keras-")
    env = {"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = run_isolated("dlarena.pretrained.builds:child_entry", {"package": package, "keras_framework": keras_framework, "compiled": compiled},
                          CHILD_TIMEOUT_S, env)
    if result.get("status") != "ok":
        return [asdict(Build(package, "(all)", None, "failed",
                             error=f"in a child process ({why}): {result.get('error') or result.get('status')}"))]
    return [b | {"note": f"built in a child process: {why}"} for b in result["builds"]]
