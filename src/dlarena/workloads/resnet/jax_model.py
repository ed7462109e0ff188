"""ResNet-50 v1.5 and v2 in Flax NNX (NHWC), written as a Flax user writes them.

Padding: Flax's default 'SAME' pads a stride-2 convolution asymmetrically (0 before, 1 after
on an even input) where PyTorch's padding=1 pads both sides; explicit symmetric padding
computes what PyTorch computes. ``nnx.max_pool`` pads with -inf, as PyTorch's MaxPool2d does.
"""

from __future__ import annotations

import jax
from flax import nnx

from dlarena.workloads.resnet.arch import Block, blocks, final_channels


def conv(c_in: int, c_out: int, kernel: int, stride: int = 1, *, rngs: nnx.Rngs) -> nnx.Conv:
    return nnx.Conv(c_in, c_out, kernel_size=(kernel, kernel), strides=stride, padding=kernel // 2,
                    use_bias=False, rngs=rngs)


def batch_norm(channels: int, *, rngs: nnx.Rngs) -> nnx.BatchNorm:
    # PyTorch's defaults (momentum 0.1 == Flax 0.9, eps 1e-5) so all compute the same function.
    return nnx.BatchNorm(channels, momentum=0.9, epsilon=1e-5, rngs=rngs)


class Bottleneck(nnx.Module):
    """v1.5: conv1x1-BN-ReLU, conv3x3(stride)-BN-ReLU, conv1x1-BN, add the shortcut, ReLU."""

    def __init__(self, b: Block, *, rngs: nnx.Rngs):
        self.conv1 = conv(b.c_in, b.width, 1, rngs=rngs)
        self.bn1 = batch_norm(b.width, rngs=rngs)
        self.conv2 = conv(b.width, b.width, 3, b.stride, rngs=rngs)
        self.bn2 = batch_norm(b.width, rngs=rngs)
        self.conv3 = conv(b.width, b.c_out, 1, rngs=rngs)
        self.bn3 = batch_norm(b.c_out, rngs=rngs)
        if b.projection:
            self.down_conv = conv(b.c_in, b.c_out, 1, b.stride, rngs=rngs)
            self.down_bn = batch_norm(b.c_out, rngs=rngs)
        self.projection = b.projection

    def __call__(self, x):
        shortcut = self.down_bn(self.down_conv(x)) if self.projection else x
        out = jax.nn.relu(self.bn1(self.conv1(x)))
        out = jax.nn.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return jax.nn.relu(out + shortcut)


class PreActBottleneck(nnx.Module):
    """v2: BN-ReLU-conv1x1, BN-ReLU-conv3x3(stride), BN-ReLU-conv1x1, add the shortcut."""

    def __init__(self, b: Block, *, rngs: nnx.Rngs):
        self.bn1 = batch_norm(b.c_in, rngs=rngs)
        self.conv1 = conv(b.c_in, b.width, 1, rngs=rngs)
        self.bn2 = batch_norm(b.width, rngs=rngs)
        self.conv2 = conv(b.width, b.width, 3, b.stride, rngs=rngs)
        self.bn3 = batch_norm(b.width, rngs=rngs)
        self.conv3 = conv(b.width, b.c_out, 1, rngs=rngs)
        if b.projection:
            self.down_conv = conv(b.c_in, b.c_out, 1, b.stride, rngs=rngs)
        self.projection = b.projection

    def __call__(self, x):
        pre = jax.nn.relu(self.bn1(x))
        shortcut = self.down_conv(pre) if self.projection else x
        out = self.conv1(pre)
        out = self.conv2(jax.nn.relu(self.bn2(out)))
        out = self.conv3(jax.nn.relu(self.bn3(out)))
        return out + shortcut


class ResNet(nnx.Module):
    def __init__(self, config: dict, *, rngs: nnx.Rngs):
        v2 = config["version"] == "v2"
        block = PreActBottleneck if v2 else Bottleneck
        self.conv1 = conv(3, config["width"], 7, 2, rngs=rngs)
        self.bn1 = batch_norm(config["width"], rngs=rngs)
        self.blocks = nnx.List([block(b, rngs=rngs) for b in blocks(config)])
        self.post_bn = batch_norm(final_channels(config), rngs=rngs) if v2 else None
        self.fc = nnx.Linear(final_channels(config), config["num_classes"], rngs=rngs)

    def __call__(self, x):
        x = jax.nn.relu(self.bn1(self.conv1(x)))
        x = nnx.max_pool(x, (3, 3), strides=(2, 2), padding=((1, 1), (1, 1)))
        for block in self.blocks:
            x = block(x)
        if self.post_bn is not None:
            x = jax.nn.relu(self.post_bn(x))
        return self.fc(x.mean(axis=(1, 2)))


def build_model(config: dict) -> nnx.Module:
    return ResNet(config, rngs=nnx.Rngs(0))


def _bn(layer: str, canonical: str) -> dict:
    return {f"{layer}/scale": f"{canonical}.gamma", f"{layer}/bias": f"{canonical}.beta",
            f"{layer}/mean": f"{canonical}.moving_mean", f"{layer}/var": f"{canonical}.moving_var"}


def weight_map(config: dict) -> dict:
    v2 = config["version"] == "v2"
    out = {"conv1/kernel": "stem.conv.kernel", **_bn("bn1", "stem.bn")}
    for i, b in enumerate(blocks(config)):
        f, c = f"blocks/{i}", b.name
        for n in (1, 2, 3):
            out[f"{f}/conv{n}/kernel"] = f"{c}.conv{n}.kernel"
            out.update(_bn(f"{f}/bn{n}", f"{c}.bn{n}"))
        if b.projection:
            out[f"{f}/down_conv/kernel"] = f"{c}.down.conv.kernel"
            if not v2:
                out.update(_bn(f"{f}/down_bn", f"{c}.down.bn"))
    if v2:
        out.update(_bn("post_bn", "post.bn"))
    return {**out, "fc/kernel": "head.kernel", "fc/bias": "head.bias"}
