"""ResNet-50 v1.5 and v2 in Keras (NHWC), written as keras.applications writes ResNets.

Padding: a stride-2 convolution with padding='same' pads asymmetrically (0 before, 1 after on an
even input), PyTorch's padding=1 symmetrically; explicit ZeroPadding2D + 'valid' computes what
PyTorch computes. Zero padding before max-pooling equals PyTorch's -inf padding because the
pooled input follows a ReLU (>= 0).
"""

import keras
from keras import layers

from dlarena.workloads.resnet.arch import Block, blocks

# PyTorch's BatchNorm defaults (momentum 0.1 == Keras 0.9, eps 1e-5) so both compute the same function.
BN = dict(momentum=0.9, epsilon=1e-5)


def _conv(x, filters: int, kernel: int, stride: int, name: str):
    if kernel > 1:
        x = layers.ZeroPadding2D(kernel // 2, name=f"{name}_pad")(x)
    return layers.Conv2D(filters, kernel, strides=stride, use_bias=False, name=name)(x)


def bottleneck(x, b: Block):
    p = b.name
    shortcut = x
    if b.projection:
        shortcut = layers.Conv2D(b.c_out, 1, strides=b.stride, use_bias=False, name=f"{p}_down_conv")(x)
        shortcut = layers.BatchNormalization(**BN, name=f"{p}_down_bn")(shortcut)
    out = layers.ReLU()(layers.BatchNormalization(**BN, name=f"{p}_bn1")(_conv(x, b.width, 1, 1, f"{p}_conv1")))
    out = layers.ReLU()(layers.BatchNormalization(**BN, name=f"{p}_bn2")(_conv(out, b.width, 3, b.stride, f"{p}_conv2")))
    out = layers.BatchNormalization(**BN, name=f"{p}_bn3")(_conv(out, b.c_out, 1, 1, f"{p}_conv3"))
    return layers.ReLU()(layers.Add()([out, shortcut]))


def preact_bottleneck(x, b: Block):
    p = b.name
    pre = layers.ReLU()(layers.BatchNormalization(**BN, name=f"{p}_bn1")(x))
    shortcut = x
    if b.projection:
        shortcut = layers.Conv2D(b.c_out, 1, strides=b.stride, use_bias=False, name=f"{p}_down_conv")(pre)
    out = _conv(pre, b.width, 1, 1, f"{p}_conv1")
    out = _conv(layers.ReLU()(layers.BatchNormalization(**BN, name=f"{p}_bn2")(out)), b.width, 3, b.stride, f"{p}_conv2")
    out = _conv(layers.ReLU()(layers.BatchNormalization(**BN, name=f"{p}_bn3")(out)), b.c_out, 1, 1, f"{p}_conv3")
    return layers.Add()([out, shortcut])


def build_model(config: dict) -> keras.Model:
    v2 = config["version"] == "v2"
    inputs = keras.Input((config["image"], config["image"], 3))
    x = _conv(inputs, config["width"], 7, 2, "conv1")
    x = layers.ReLU()(layers.BatchNormalization(**BN, name="bn1")(x))
    x = layers.MaxPooling2D(3, strides=2)(layers.ZeroPadding2D(1, name="pool_pad")(x))
    block = preact_bottleneck if v2 else bottleneck
    for b in blocks(config):
        x = block(x, b)
    if v2:
        x = layers.ReLU()(layers.BatchNormalization(**BN, name="post_bn")(x))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(config["num_classes"], name="fc")(x)
    return keras.Model(inputs, outputs, name=f"resnet50_{config['version'].replace('.', '_')}")


def _bn(layer: str, canonical: str) -> dict:
    return {f"{layer}/gamma": f"{canonical}.gamma", f"{layer}/beta": f"{canonical}.beta",
            f"{layer}/moving_mean": f"{canonical}.moving_mean", f"{layer}/moving_variance": f"{canonical}.moving_var"}


def weight_map(config: dict) -> dict:
    v2 = config["version"] == "v2"
    out = {"conv1/kernel": "stem.conv.kernel", **_bn("bn1", "stem.bn")}
    for b in blocks(config):
        p = b.name
        for i in (1, 2, 3):
            out[f"{p}_conv{i}/kernel"] = f"{p}.conv{i}.kernel"
            out.update(_bn(f"{p}_bn{i}", f"{p}.bn{i}"))
        if b.projection:
            out[f"{p}_down_conv/kernel"] = f"{p}.down.conv.kernel"
            if not v2:
                out.update(_bn(f"{p}_down_bn", f"{p}.down.bn"))
    if v2:
        out.update(_bn("post_bn", "post.bn"))
    return {**out, "fc/kernel": "head.kernel", "fc/bias": "head.bias"}
