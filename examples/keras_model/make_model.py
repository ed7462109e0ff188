"""Writes small_cnn.keras, a Keras 3 model file to try `dlarena run --keras-model` with:
a 32x32x3 image classifier (conv-BN-ReLU blocks, pooling, dense head; logits output).

    python examples/keras_model/make_model.py            # -> examples/keras_model/small_cnn.keras
    dlarena run --keras-model examples/keras_model/small_cnn.keras --suite smoke
"""

import sys
from pathlib import Path

import keras
from keras import layers


def build() -> keras.Model:
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for i, filters in enumerate((16, 32), start=1):
        x = layers.Conv2D(filters, 3, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("small_cnn.keras")
    build().save(out)
    print(out)
