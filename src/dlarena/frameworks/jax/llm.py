"""JAX's causal-LM generation (the "llm" plugin): JAX users generate with keras-hub on Keras 3's
JAX backend (transformers 5 has no Flax models), the same code as Keras 3 on JAX
(frameworks/keras/llm.py). keras-hub always ``jax.jit``s generate on JAX: JAX's mode ``jit``."""

import numpy as np

from dlarena.frameworks.keras import llm as keras_llm
from dlarena.frameworks.keras.llm import causal_lm, parameter_count  # noqa: F401

KERAS = "keras-jax"
MODES = {"jit": "CausalLM.generate (keras-hub on JAX), jax.jit (keras-hub always jits generate on JAX)"}
KERAS_MODE = {"jit": "xla"}  # the same thing under Keras's name


def modes(framework: str) -> dict[str, str]:
    return dict(MODES)


def generator(lm, mode: str, framework: str, device=None):
    if mode not in MODES:
        raise ValueError(f"unknown generation mode '{mode}' for {framework}; valid: {', '.join(MODES)}")
    return keras_llm.generator(lm, KERAS_MODE[mode], KERAS, device)


def logits(lm, ids: np.ndarray) -> np.ndarray:
    """The model's logits over ``ids`` (1, T) in one teacher-forced forward, jitted: op by op,
    JAX compiles every operation of the forward on its own (7 s against 2 s for the 1-layer tiny
    Llama, under load)."""
    import keras

    from dlarena.frameworks.jax.zoo import keras_forward

    ids = np.asarray(ids, dtype=np.int32)
    out = keras_forward(keras, lm, {"token_ids": ids, "padding_mask": np.ones(ids.shape, bool)})
    return np.asarray(out, dtype=np.float32)
