"""A Vision Transformer from the model zoos its users load: Hugging Face transformers'
``ViTForImageClassification`` (PyTorch) and keras-hub's ``ViTImageClassifier`` on a ``ViTBackbone``
(Keras 3 on TensorFlow, JAX and PyTorch), built from one size preset (``configs.SIZES``) with random
weights. Pre-LN encoder, class token, classification of the final layer-normed class token."""

from __future__ import annotations

from dlarena.workloads.base import ParamSpec, Workload, conv2d_flops, dense_flops
from dlarena.workloads.vit.configs import CLASSES, SIZES
from dlarena.workloads.zoo_common import JAX_FROM_KERAS_HUB, ZOOS
from dlarena.workloads.zoo_common import dense as _dense, norm as _norm

BATCHES = {
    "tiny": {"infer_latency": 1, "infer_throughput": 16, "train": 16, "parity": 4},
    "small": {"infer_latency": 1, "infer_throughput": 4, "train": 1, "parity": 1},
    "full": {"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 1},
}
SOURCE = {"tiny": "DeiT-Tiny's width, reduced", "small": "ViT-B/16's shape", "full": "ViT-L/16's shape"}


def tokens(c: dict) -> int:
    return (c["image_size"] // c["patch_size"]) ** 2 + 1  # the patches and the class token


def vit_params(c: dict, classes: int) -> dict[str, ParamSpec]:
    d, f, p = c["hidden_size"], c["intermediate_size"], c["patch_size"]
    params = {"patch.kernel": ParamSpec((p, p, c["num_channels"], d), "conv2d", init="small"),
              "patch.bias": ParamSpec((d,), "vector", init="small"),
              "cls_token": ParamSpec((1, 1, d), "vector", init="small"),
              "pos_emb": ParamSpec((tokens(c), d), "embedding", init="small")}
    for i in range(c["num_hidden_layers"]):
        q = f"layer{i}."
        params.update(_norm(d, q + "ln1"))
        for proj in "qkvo":
            params.update(_dense(d, d, q + proj))
        params.update({**_norm(d, q + "ln2"), **_dense(d, f, q + "ff1"), **_dense(f, d, q + "ff2")})
    return {**params, **_norm(d, "ln"), **_dense(d, classes, "cls")}


def vit_flops(c: dict, classes: int) -> int:
    d, f, p, n = c["hidden_size"], c["intermediate_size"], c["patch_size"], tokens(c)
    side = c["image_size"] // p
    per_layer = n * (4 * dense_flops(d, d) + dense_flops(d, f) + dense_flops(f, d)) + 2 * 2 * n * n * d
    return conv2d_flops(side, side, p, p, c["num_channels"], d) + c["num_hidden_layers"] * per_layer + dense_flops(d, classes)


def variant(size: str = "tiny", layers: int = 0) -> Workload:
    """``size``: tiny | small | full (``configs.SIZES``); ``layers`` overrides the preset's depth."""
    vit = {**SIZES[size], **({"num_hidden_layers": layers} if layers else {})}
    classes = CLASSES[size]
    image = vit["image_size"]
    note = f", {layers} of its layers" if layers else ""
    return Workload(
        name="vit",
        description=(f"Vision Transformer ({SOURCE[size]}{note}; HF transformers ViTForImageClassification vs "
                     f"keras-hub ViTImageClassifier, random weights): {vit['num_hidden_layers']} pre-LN layers, "
                     f"hidden {vit['hidden_size']}, {vit['num_attention_heads']} heads, MLP "
                     f"{vit['intermediate_size']}, {image}x{image} images in {vit['patch_size']}x{vit['patch_size']} "
                     f"patches, class-token head, {classes} classes"),
        input_kind="image",
        input_shape=(image, image, vit["num_channels"]),
        num_classes=classes,
        config={"vit": vit, "num_classes": classes},
        params=vit_params(vit, classes),
        batch_sizes=dict(BATCHES[size]),
        forward_flops=vit_flops(vit, classes),
        size=size,
        requires=ZOOS,
        runs_model_of=JAX_FROM_KERAS_HUB,
    )


WORKLOAD = variant()
