"""TensorFlow's causal-LM generation (the "llm" plugin): TensorFlow users generate with keras-hub
on Keras 3's TensorFlow backend (transformers 5 removed its TensorFlow classes), the same code as
Keras 3 on TensorFlow (frameworks/keras/llm.py)."""

from dlarena.frameworks.keras.llm import causal_lm, generator, logits, parameter_count  # noqa: F401
from dlarena.frameworks.keras.llm import modes as _keras_modes


def modes(framework: str) -> dict[str, str]:
    return _keras_modes("keras-tensorflow")
