"""The Keras 3 implementation, written the way a Keras user writes it (backend-agnostic, so it
also runs on Keras's PyTorch and JAX backends: --frameworks keras-torch,keras-jax)."""

import keras
from keras import layers


def build_model(config: dict) -> keras.Model:
    inputs = keras.Input((config["in_features"],))
    h = layers.Dense(config["width"], name="stem")(inputs)
    # PyTorch's LayerNorm epsilon (Keras's default is 1e-3).
    h = layers.LayerNormalization(epsilon=1e-5, name="norm")(h)
    h = layers.Activation("gelu")(h)  # Keras 3's gelu is the exact one unless approximate=True
    h = layers.Add()([h, layers.Dense(config["width"], activation="gelu", name="block")(h)])
    outputs = layers.Dense(config["num_classes"], name="head")(h)
    return keras.Model(inputs, outputs, name="resmlp")


# Keras variable path -> canonical parameter name.
WEIGHT_MAP = {
    "stem/kernel": "stem.kernel", "stem/bias": "stem.bias",
    "norm/gamma": "norm.gamma", "norm/beta": "norm.beta",
    "block/kernel": "block.kernel", "block/bias": "block.bias",
    "head/kernel": "head.kernel", "head/bias": "head.bias",
}
