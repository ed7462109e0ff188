"""Keras 3 models for the bring-your-own-model tests, built offline and saved as .keras files
(run in a subprocess: ``python keras_model_zoo.py FOLDER NAME...``)."""

import sys


def sequence_model(epsilon: float = 1e-3, **_):
    """The issue's everyday model: Conv1D, LayerNorm, GRU with recurrent dropout, attention with
    dropout and a residual Add, pooling, Dropout(0.1), a Dense head (~19k parameters)."""
    import keras
    from keras import layers

    inputs = keras.Input((24, 8))
    x = layers.Conv1D(32, 3, padding="same", activation="relu", name="conv")(inputs)
    x = layers.LayerNormalization(epsilon=epsilon, name="norm")(x)
    x = layers.GRU(32, return_sequences=True, dropout=0.1, recurrent_dropout=0.2, name="gru")(x)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=16, dropout=0.1, name="mha")(x, x)
    x = layers.Add(name="residual")([x, attended])
    x = layers.GlobalAveragePooling1D(name="pool")(x)
    x = layers.Dropout(0.1, name="dropout")(x)
    outputs = layers.Dense(5, name="activity")(x)
    return keras.Model(inputs, outputs, name="sequence")


def cnn_padding(padding: str = "valid", **_):
    """A small CNN whose second conv's padding a test changes (a structural mistake)."""
    import keras
    from keras import layers

    inputs = keras.Input((12, 12, 3))
    x = layers.Conv2D(4, 3, padding="same", name="conv1")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.ReLU(name="relu")(x)
    x = layers.ZeroPadding2D(((0, 1), (0, 1)) if padding == "valid" else ((1, 0), (1, 0)), name="pad")(x)
    x = layers.Conv2D(4, 3, strides=2, name="conv2")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, layers.Dense(3, name="logits")(x), name="cnn")


def applications(name: str):
    """``MobileNetV2`` (alpha 0.35), ``EfficientNetB0``, ``ResNet50``, ``DenseNet121`` at 64x64, 10
    classes, weights=None (builds offline); ``MobileNetV2@32``: at 32x32."""
    import keras

    name, _, size = name.partition("@")
    extra = {"alpha": 0.35} if name == "MobileNetV2" else {}
    return getattr(keras.applications, name)(weights=None, classes=10, input_shape=(int(size or 64),) * 2 + (3,),
                                             **extra)


def tinycnn(**_):
    """Conv, BatchNorm, ReLU, pooling, a Dense head on 12x12x3 images (BatchNorm parity on Keras backends)."""
    import keras
    from keras import layers

    inputs = keras.Input((12, 12, 3))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(5, name="logits")(x))


def anysize(**_):
    """Images of any size (None, None, 3): the input shape must be given to inspect it."""
    import keras
    from keras import layers

    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(2, 3, name="conv")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(3, activation="softmax", name="probs")(x))


BUILDERS = {
    "tinycnn": tinycnn,
    "anysize": anysize,
    "sequence": sequence_model,
    "sequence_eps": lambda: sequence_model(epsilon=1e-5),
    "cnn": cnn_padding,
    "cnn_shifted": lambda: cnn_padding(padding="shifted"),
}


if __name__ == "__main__":
    import keras

    folder = sys.argv[1]
    for name in sys.argv[2:]:
        keras.utils.set_random_seed(0)
        model = BUILDERS[name]() if name in BUILDERS else applications(name)
        model.save(f"{folder}/{name.replace('@', '_')}.keras")
