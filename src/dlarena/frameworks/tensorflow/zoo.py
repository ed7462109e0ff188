"""TensorFlow's model zoos (the "pretrained" plugin) and its zoo ResNet-50 (the "zoo" plugin):
keras.applications.ResNet50, ResNet v1 (stride on the first 1x1 conv, biased convolutions).

A TensorFlow user's zoos are the Keras 3 ones (keras.applications, keras-hub), on the TensorFlow
backend, counted exactly as for PyTorch and JAX users (they serve Keras 3 users on any backend);
transformers' TensorFlow classes are listed to show that transformers 5 removed them (no build).
TensorFlow Hub / Kaggle Models hold checkpoints, not model code: not inventoried.
"""

from __future__ import annotations

import numpy as np

from dlarena.pretrained.inventory import ZooSource, keras_zoos, list_transformers

KERAS = "keras-tensorflow"  # Keras 3 on this framework: the registry entry whose backend runs the Keras zoos here

SOURCES = [
    *keras_zoos(KERAS),
    ZooSource("transformers (TensorFlow classes)", "transformers", list_transformers("TF_"),
              empty_note="transformers 5 removed its TensorFlow classes (PyTorch only since v5)"),
]

DESCRIPTION = "keras.applications.ResNet50 (ResNet v1: stride on the first 1x1 conv, biased convs)"


def build(adapter, spec, mode: str, seed: int):
    import keras

    image = spec.input_shape[0]
    return keras.applications.ResNet50(weights=None, input_shape=(image, image, 3), classes=spec.num_classes), adapter, mode


def parameter_count(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)
