"""ResNet-50 shared by ``resnet50_v1_5`` and ``resnet50_v2``: the layout both frameworks build from,
the canonical parameters, analytical FLOPs and the size presets.

- v1.5 (torchvision's / NVIDIA's ResNet-50): post-activation bottlenecks, the stride-2 of a
  stage on the 3x3 convolution (v1 put it on the first 1x1), projection shortcut conv1x1 + BN.
- v2 (pre-activation, He et al. 2016 "Identity Mappings"): BN-ReLU before each convolution,
  the projection shortcut reads the pre-activated input, a final BN-ReLU before pooling;
  stride on the 3x3 convolution as in v1.5.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlarena.workloads.base import ParamSpec, Tolerance, Workload, conv2d_flops, dense, dense_flops, norm

EXPANSION = 4
# size -> image side, blocks per stage, base width, classes, batches per scenario
SIZES = {
    "full": dict(image=224, blocks=(3, 4, 6, 3), width=64, classes=1000,
                 batches={"infer_latency": 1, "infer_throughput": 32, "train": 32, "parity": 2}),
    "small": dict(image=112, blocks=(3, 4, 6, 3), width=64, classes=1000,
                  batches={"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 2}),
    "tiny": dict(image=32, blocks=(1, 1, 1, 1), width=8, classes=10,
                 batches={"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 4}),
}
# At 50 layers, gradients that are sums with heavy cancellation (BN offsets, 1x1 kernels of some
# blocks) carry fp32 rounding noise of a few percent in EITHER framework, measured against the
# same model in fp64: 224x224 batch 2, PyTorch 5e-2 (s1b3.bn1.beta), TensorFlow 9e-3; 112x112,
# TensorFlow's oneDNN kernels 7e-2 (s3b0.conv1), PyTorch 4e-6. Forward and loss still agree to
# ~1e-6 and are held to 1e-4, which is what catches a structural mistake (wrong padding: 1.5).
# Parity now judges every tensor against the frameworks' own fp32 noise (measured against float64,
# criteria/noise_floor.py); this hand-set bound applies only where float64 cannot run.
DEEP_TOLERANCE = Tolerance(forward=1e-4, loss=1e-4, grad=1e-1)
VERSIONS = {"v1.5": "ResNet-50 v1.5 (stride on the 3x3 conv)", "v2": "ResNet-50 v2 (pre-activation)"}


@dataclass(frozen=True)
class Block:
    name: str  # canonical prefix, also the Keras layer prefix: s{stage}b{index}
    stage: int
    index: int
    c_in: int
    width: int  # bottleneck width; the block outputs width * EXPANSION channels
    stride: int
    projection: bool  # a 1x1 convolution on the shortcut

    @property
    def c_out(self) -> int:
        return self.width * EXPANSION


def blocks(config: dict) -> list[Block]:
    out, c_in = [], config["width"]
    for stage, count in enumerate(config["blocks"]):
        width = config["width"] * 2**stage
        for index in range(count):
            stride = 2 if stage > 0 and index == 0 else 1
            out.append(Block(f"s{stage}b{index}", stage, index, c_in, width, stride,
                             projection=stride != 1 or c_in != width * EXPANSION))
            c_in = width * EXPANSION
    return out


def final_channels(config: dict) -> int:
    return config["width"] * 2 ** (len(config["blocks"]) - 1) * EXPANSION


def _params(config: dict) -> dict:
    v2 = config["version"] == "v2"
    params = {"stem.conv.kernel": ParamSpec((7, 7, 3, config["width"]), "conv2d"),
              **norm(config["width"], "stem.bn", running_stats=True)}
    for b in blocks(config):
        p = b.name
        bn_channels = (b.c_in, b.width, b.width) if v2 else (b.width, b.width, b.c_out)
        params[f"{p}.conv1.kernel"] = ParamSpec((1, 1, b.c_in, b.width), "conv2d")
        params[f"{p}.conv2.kernel"] = ParamSpec((3, 3, b.width, b.width), "conv2d")
        params[f"{p}.conv3.kernel"] = ParamSpec((1, 1, b.width, b.c_out), "conv2d")
        for i, channels in enumerate(bn_channels, start=1):
            params.update(norm(channels, f"{p}.bn{i}", running_stats=True))
        # Near-zero scale on the branch's last BN (as torchvision's zero_init_residual, Goyal et
        # al. 2017). With unit scales, BN ResNets' gradients at init explode towards the stem and
        # are ill-conditioned in fp32: PyTorch fp32 vs fp64 differ by ~20% on deep layers, so
        # parity could not tell a bug from rounding; with it they agree to ~1e-5.
        params[f"{p}.bn3.gamma"] = ParamSpec((bn_channels[2],), "vector", init="small")
        if b.projection:
            params[f"{p}.down.conv.kernel"] = ParamSpec((1, 1, b.c_in, b.c_out), "conv2d")
            if not v2:
                params.update(norm(b.c_out, f"{p}.down.bn", running_stats=True))
    if v2:
        params.update(norm(final_channels(config), "post.bn", running_stats=True))
    params.update(dense(final_channels(config), config["num_classes"], "head"))
    return params


def _flops(config: dict) -> int:
    side = config["image"] // 2  # stem: 7x7 stride 2, padding 3
    total = conv2d_flops(side, side, 7, 7, 3, config["width"])
    side = (side + 1) // 2  # max-pool 3x3 stride 2, padding 1
    for b in blocks(config):
        out_side = (side + b.stride - 1) // b.stride  # 3x3 padding 1 (and 1x1) at stride s: ceil(side / s)
        total += conv2d_flops(side, side, 1, 1, b.c_in, b.width)
        total += conv2d_flops(out_side, out_side, 3, 3, b.width, b.width)
        total += conv2d_flops(out_side, out_side, 1, 1, b.width, b.c_out)
        if b.projection:
            total += conv2d_flops(out_side, out_side, 1, 1, b.c_in, b.c_out)
        side = out_side
    return total + dense_flops(final_channels(config), config["num_classes"])


def make(name: str, version: str, size: str = "full", image: int | None = None) -> Workload:
    preset = SIZES[size]
    image = image or preset["image"]
    config = {"version": version, "image": image, "blocks": preset["blocks"], "width": preset["width"],
              "num_classes": preset["classes"]}
    full = SIZES["full"]
    changes = [f"{what} {was}" for what, now, was in [
        ("image", f"{image}x{image}", f"{full['image']}x{full['image']}"), ("blocks", preset["blocks"], full["blocks"]),
        ("base width", preset["width"], full["width"]), ("classes", preset["classes"], full["classes"])] if now != was]
    reduction = f" [size {size}: reduced from {', '.join(changes)}]" if changes else ""
    return Workload(
        name=name,
        description=f"{VERSIONS[version]}: {image}x{image}x3 images, blocks {preset['blocks']}, "
        f"base width {preset['width']}, {preset['classes']} classes{reduction}",
        input_kind="image",
        input_shape=(image, image, 3),
        num_classes=preset["classes"],
        config=config,
        params=_params(config),
        batch_sizes=dict(preset["batches"]),
        forward_flops=_flops(config),
        size=size,
        tolerance=Tolerance() if size == "tiny" else DEEP_TOLERANCE,
    )
