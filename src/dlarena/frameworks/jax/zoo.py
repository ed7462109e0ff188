"""What a JAX user can load pretrained (the "pretrained" plugin), and the zoo ResNet-50 a JAX user
gets (the "zoo" plugin).

Flax (``flax.nnx`` included) ships examples, not a model zoo. What a JAX user loads instead:
Keras 3 zoos (keras.applications, keras-hub) run on the JAX backend, so they count as available
to JAX users, labelled "via Keras 3", exactly as for PyTorch and TensorFlow users; their
representative architectures are built here on the JAX backend. The Flax classes of Hugging Face
transformers are listed to show that transformers 5 removed them (no build). The zoo ResNet-50 is therefore keras.applications.ResNet50 run by Keras 3
on JAX, timed through the Keras-on-JAX adapter (``jit`` = Keras's ``jit_compile=True``).
"""

from __future__ import annotations

import numpy as np

from dlarena.cell import Skipped
from dlarena.pretrained.inventory import ZooSource, keras_zoos, list_nothing, list_transformers

KERAS = "keras-jax"  # Keras 3 on this framework: the registry entry whose backend runs the Keras zoos here
SOURCES = [
    ZooSource("flax", "flax", list_nothing, native="JAX",
              empty_note="Flax (flax.nnx included) ships examples, not a pretrained model zoo"),
    *keras_zoos(KERAS, compiled_forward=f"{__name__}:keras_forward"),
    ZooSource("transformers (Flax classes)", "transformers", list_transformers("FLAX_"),
              empty_note="transformers 5 removed its Flax classes (PyTorch only since v5)"),
]

# XLA's quickest compilation: the pass runs once, on tiny inputs (halves a small CNN's compile time).
QUICK_COMPILE = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}


def keras_forward(keras, model, inputs):
    """One inference pass of a Keras-on-JAX model as one jitted function (an eager call would
    compile every op on its own), compiled with QUICK_COMPILE: it runs once."""
    import jax

    trainable = [v.value for v in model.trainable_variables]
    other = [v.value for v in model.non_trainable_variables]
    fn = jax.jit(lambda t, o, x: model.stateless_call(t, o, x, training=False)[0])
    out = fn.lower(trainable, other, inputs).compile(compiler_options=QUICK_COMPILE)(trainable, other, inputs)
    return jax.tree.map(np.asarray, out)


DESCRIPTION = "keras.applications.ResNet50 (ResNet v1) via Keras 3 on the JAX backend"
KERAS_MODES = {"eager": "eager", "jit": "xla"}  # JAX mode -> the Keras-on-JAX switch that matches it


def build(adapter, spec, mode: str, seed: int):
    from dlarena import frameworks

    try:  # sets KERAS_BACKEND=jax; refuses when Keras was already loaded on another backend here
        keras_jax = frameworks.load_adapter(KERAS)
    except RuntimeError as exc:
        raise Skipped(f"Keras 3 on JAX cannot run in this process: {exc}") from None
    keras_jax.setup(1, 1, seed)  # XLA takes its threads from the environment, set per cell
    image = spec.input_shape[0]
    model = keras_jax.keras.applications.ResNet50(weights=None, input_shape=(image, image, 3), classes=spec.num_classes)
    return keras_jax.adopt(model, spec), keras_jax, KERAS_MODES[mode]


def parameter_count(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)
