"""Common mistakes, written as a TensorFlow/Keras user would make them (the "user code" of the
error probes). Each function makes one mistake on the line marked ``# mistake`` and returns
``(what the code computed, what correct code computes)``, or raises. Only imported inside a
probe cell."""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

# Per probe: the words by which a message names the offending layer or function.
NAMES = {
    "dense_shape": ("fc1", "Dense"),
    "label_dtype": ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"),
    "channel_order": ("conv1", "Conv2D"),
    "use_before_build": ("net", "Sequential"),
    "logits_vs_probabilities": ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"),
    "device_mismatch": ("fc1", "Dense"),
}


def net(in_features: int) -> keras.Model:
    return keras.Sequential(
        [keras.Input((in_features,)), layers.Dense(16, activation="relu", name="fc1"), layers.Dense(10, name="out")],
        name="net",
    )


def conv_net() -> keras.Model:
    return keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(8, 3, name="conv1")], name="conv_net")


def dense_shape(x64: np.ndarray, y: np.ndarray):
    model = net(in_features=32)
    return model(x64), None  # mistake: 64 features into a model built for 32


def label_dtype(logits: np.ndarray, y: np.ndarray):
    labels = y.astype(np.float32)  # labels loaded as floats, as from a CSV
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    got = loss_fn(labels, logits)  # mistake
    return float(got), float(loss_fn(y.astype(np.int64), logits))


def channel_order(images_nchw: np.ndarray, y: np.ndarray):
    model = conv_net()
    return model(images_nchw), None  # mistake: NCHW images into an NHWC model


def use_before_build(x: np.ndarray, y: np.ndarray):
    model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10)], name="net")
    return model.count_params(), None  # mistake: input size not known yet


def logits_vs_probabilities(x: np.ndarray, y: np.ndarray):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((x.shape[1],)), layers.Dense(10, activation="softmax", name="out")])
    probs = model(x)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    got = loss_fn(y, probs)  # mistake: the loss is told these are logits
    return float(got), float(keras.losses.SparseCategoricalCrossentropy(from_logits=False)(y, probs))


def device_mismatch(x: np.ndarray, y: np.ndarray):
    with tf.device("/GPU:0"):
        model = net(in_features=x.shape[1])
    with tf.device("/CPU:0"):
        inputs = tf.constant(x)
    return model(inputs), None  # mistake?: model variables on the GPU, input on the CPU
