"""TensorFlow's model zoos (the "pretrained" plugin) and its zoo ResNet-50 (the "zoo" plugin):
keras.applications.ResNet50, ResNet v1 (stride on the first 1x1 conv, biased convolutions)."""

from __future__ import annotations

import numpy as np

from dlarena.pretrained.inventory import ZooSource, list_keras_applications, list_keras_hub, list_transformers

SOURCES = [
    ZooSource("keras.applications", "keras", list_keras_applications),
    ZooSource("keras-hub", "keras_hub", list_keras_hub),
    ZooSource("transformers (TensorFlow classes)", "transformers", list_transformers("TF_")),
]

DESCRIPTION = "keras.applications.ResNet50 (ResNet v1: stride on the first 1x1 conv, biased convs)"


def build(adapter, spec, mode: str, seed: int):
    import keras

    image = spec.input_shape[0]
    return keras.applications.ResNet50(weights=None, input_shape=(image, image, 3), classes=spec.num_classes), adapter, mode


def parameter_count(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)
