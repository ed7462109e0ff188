"""Keras 3 models in parity mode (any backend, and the TensorFlow adapter's Keras models).

- ``neutralise``: random layers run as identity for the parity check only (the parity worker
  builds its own model, so every speed cell still times the model exactly as written). Found by
  walking the model's layers and sublayers: Dropout and its kin (SpatialDropout*, GaussianDropout,
  AlphaDropout) get rate 0, GaussianNoise stddev 0, MultiHeadAttention its attention dropout 0,
  RNN cells their dropout / recurrent_dropout 0, random augmentation layers run as in inference.
  Any other layer that owns a random seed generator draws random numbers dlarena cannot switch
  off: it is named, so a parity failure can point at it.
- ``float64_copy``: the same model with every layer in float64 (the noise-floor reference). A model
  whose layers take their dtype from ``keras.config.floatx()`` (keras-hub's zoo models) is built
  in float64 directly inside ``float64_context``: cloning one from its config is not always
  possible (keras-hub 0.32's ``LlamaTransformerDecoder`` does not rebuild from its own config).
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np


def _walk(layer, path: str = ""):
    """(path, layer) for every sublayer, depth first, in tracking order (model order)."""
    for child in layer._flatten_layers(include_self=False, recursive=False):
        child_path = f"{path}.{child.name}" if path else child.name
        yield child_path, child
        yield from _walk(child, child_path)


def neutralise(model) -> tuple[list[str], list[str]]:
    """Switches off the model's random layers in place; returns (disabled, not neutralisable)."""
    import keras
    from keras.src.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
        BaseImagePreprocessingLayer)
    from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell

    rate_layers = (keras.layers.Dropout, keras.layers.GaussianDropout, keras.layers.AlphaDropout)
    disabled, remaining, handled = [], [], set()
    for path, layer in _walk(model):
        if id(layer) in handled:
            continue
        if isinstance(layer, keras.layers.MultiHeadAttention):
            inner = getattr(layer, "_dropout_layer", None)
            if inner is not None:
                handled.add(id(inner))
            if layer._dropout > 0:
                layer._dropout = 0.0
                if inner is not None:
                    inner.rate = 0.0
                disabled.append(f"{path}.dropout")
        elif isinstance(layer, rate_layers):
            if layer.rate > 0:
                layer.rate = 0.0
                disabled.append(path)
        elif isinstance(layer, keras.layers.GaussianNoise):
            if layer.stddev > 0:
                layer.stddev = 0.0
                disabled.append(path)
        elif isinstance(layer, keras.layers.RNN) and isinstance(layer.cell, DropoutRNNCell):
            handled.add(id(layer.cell))
            for attribute in ("dropout", "recurrent_dropout"):
                if getattr(layer.cell, attribute, 0) > 0:
                    setattr(layer.cell, attribute, 0.0)
                    disabled.append(f"{path}.{attribute}")
        elif isinstance(layer, DropoutRNNCell):
            for attribute in ("dropout", "recurrent_dropout"):
                if getattr(layer, attribute, 0) > 0:
                    setattr(layer, attribute, 0.0)
                    disabled.append(f"{path}.{attribute}")
        elif isinstance(layer, BaseImagePreprocessingLayer) and _owns_seeds(layer):
            layer.call = functools.partial(_as_in_inference, type(layer).call.__get__(layer))
            disabled.append(path)
        elif _owns_seeds(layer):
            remaining.append(f"{path} ({type(layer).__name__})")
    return disabled, remaining


def _owns_seeds(layer) -> bool:
    return bool(getattr(layer, "_seed_generators", None))


def _as_in_inference(call, inputs, *args, training=None, **kwargs):
    return call(inputs, *args, training=False, **kwargs)


@contextlib.contextmanager
def float64_context():
    """Keras's default float type (losses, optimizer slots) and dtype policy, on JAX 64-bit arrays, and on every
    backend but TensorFlow Keras's type promotion kept at float64 (``keep_float64``); restored."""
    import keras

    previous = keras.config.floatx()
    jax_x64 = None
    if keras.backend.backend() == "jax":
        import jax

        jax_x64 = jax.config.read("jax_enable_x64")
        jax.config.update("jax_enable_x64", True)
    keras.config.set_floatx("float64")
    # The global dtype policy is fixed at floatx's value by its first reader (the float32 build):
    # layers that take their dtype from it (keras-hub's) are built in float64 only if it is reset.
    from keras.src.backend.common import global_state

    policy = global_state.get_global_attribute("dtype_policy", None)
    keras.config.set_dtype_policy("float64")
    try:
        with keep_float64():
            yield
    finally:
        keras.config.set_floatx(previous)
        global_state.set_global_attribute("dtype_policy", policy)
        if jax_x64 is not None:
            import jax

            jax.config.update("jax_enable_x64", jax_x64)


@contextlib.contextmanager
def keep_float64():
    """Keras 3's type promotion (``keras.backend.result_type``) turns float64 into float32 on every
    backend but TensorFlow (``BIT64_TO_BIT32_DTYPE``, "aligned with JAX's default", even with 64-bit
    JAX enabled), and BatchNormalization, GroupNormalization, ``ops.mean`` (global pooling, loss
    reductions) and the cross-entropies compute in ``result_type(x, "float32")``: in a float64
    model on JAX or PyTorch they ran in float32, so the "float64" record was not the float64
    reference the noise floor needs (docs/custom-workloads.md, "Keras on JAX and PyTorch"). Here
    float64 stays float64 for the float64 pass only. A Keras without the table: nothing to do."""
    try:
        from keras.src.backend.common import dtypes
    except ImportError:
        yield
        return
    table = getattr(dtypes, "BIT64_TO_BIT32_DTYPE", None)
    if not isinstance(table, dict) or table.get("float64", "float64") == "float64":
        yield
        return
    table["float64"] = "float64"
    try:
        yield
    finally:
        table["float64"] = "float32"


def float64_copy(model):
    """A float64 twin of a Functional or Sequential model (same layer names, so the same variable
    paths) holding the same weight values. Call inside ``float64_context``."""
    import keras

    if not getattr(model, "inputs", None):
        raise TypeError("a subclassed model (no model.inputs) cannot be cloned in float64")

    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, keras.layers.Layer):  # not operators (x + y): they follow their inputs' dtype
            config["dtype"] = "float64"
        return layer.__class__.from_config(config)

    inputs = [keras.Input(batch_shape=t.shape, dtype="float64" if "float" in str(t.dtype) else t.dtype, name=t.name)
              for t in model.inputs]
    twin = keras.models.clone_model(model, input_tensors=inputs if len(inputs) > 1 else inputs[0],
                                    clone_function=clone, recursive=True)
    values = {v.path: v for v in model.weights}
    for variable in twin.weights:
        if variable.path not in values:
            raise KeyError(f"variable {variable.path} of the float64 copy has no float32 original")
        original = np.asarray(keras.ops.convert_to_numpy(values[variable.path].value))
        variable.assign(original.astype(variable.dtype))
    return twin


class KerasParityMethods:
    """The parity hooks of an adapter whose models are Keras models (TensorFlow's, Keras 3's)."""

    def neutralise_randomness(self, model) -> dict[str, list[str]]:
        disabled, remaining = neutralise(model)
        return {"disabled": disabled, "remaining": remaining}

    def float64(self):
        return float64_context()

    def float64_model(self, workload, params):
        model = self.build(workload, params)
        if built_in_float64(model):  # its layers follow keras.config.floatx() (keras-hub's do): no clone
            return model
        return float64_copy(model)


def built_in_float64(model) -> bool:
    """Whether every floating-point weight of ``model`` is float64 already."""
    floats = [str(v.dtype) for v in model.weights if "float" in str(v.dtype)]
    return bool(floats) and all(dtype == "float64" for dtype in floats)
