"""ResNet-50 v1.5 and v2 in PyTorch, written as torchvision writes them (NCHW, padding in the conv)."""

import torch
from torch import nn

from dlarena.workloads.resnet.arch import Block, blocks, final_channels


def _bn_state(prefix: str, canonical: str) -> dict:
    return {f"{prefix}.weight": f"{canonical}.gamma", f"{prefix}.bias": f"{canonical}.beta",
            f"{prefix}.running_mean": f"{canonical}.moving_mean", f"{prefix}.running_var": f"{canonical}.moving_var"}


class Bottleneck(nn.Module):
    """v1.5: conv1x1-BN-ReLU, conv3x3(stride)-BN-ReLU, conv1x1-BN, add the shortcut, ReLU."""

    def __init__(self, b: Block):
        super().__init__()
        self.conv1 = nn.Conv2d(b.c_in, b.width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(b.width)
        self.conv2 = nn.Conv2d(b.width, b.width, 3, stride=b.stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(b.width)
        self.conv3 = nn.Conv2d(b.width, b.c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(b.c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = (nn.Sequential(nn.Conv2d(b.c_in, b.c_out, 1, stride=b.stride, bias=False),
                                         nn.BatchNorm2d(b.c_out)) if b.projection else None)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class PreActBottleneck(nn.Module):
    """v2: BN-ReLU-conv1x1, BN-ReLU-conv3x3(stride), BN-ReLU-conv1x1, add the shortcut."""

    def __init__(self, b: Block):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(b.c_in)
        self.conv1 = nn.Conv2d(b.c_in, b.width, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(b.width)
        self.conv2 = nn.Conv2d(b.width, b.width, 3, stride=b.stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(b.width)
        self.conv3 = nn.Conv2d(b.width, b.c_out, 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = nn.Conv2d(b.c_in, b.c_out, 1, stride=b.stride, bias=False) if b.projection else None

    def forward(self, x):
        pre = self.relu(self.bn1(x))
        shortcut = x if self.downsample is None else self.downsample(pre)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return out + shortcut


class ResNet(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        v2 = config["version"] == "v2"
        block = PreActBottleneck if v2 else Bottleneck
        self.conv1 = nn.Conv2d(3, config["width"], 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(config["width"])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        stages: list[list[nn.Module]] = [[] for _ in config["blocks"]]
        for b in blocks(config):
            stages[b.stage].append(block(b))
        self.layers = nn.ModuleList(nn.Sequential(*s) for s in stages)
        self.post_bn = nn.BatchNorm2d(final_channels(config)) if v2 else None
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(final_channels(config), config["num_classes"])

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in self.layers:
            x = stage(x)
        if self.post_bn is not None:
            x = self.relu(self.post_bn(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_model(config: dict) -> nn.Module:
    return ResNet(config)


def weight_map(config: dict) -> dict:
    v2 = config["version"] == "v2"
    out = {"conv1.weight": "stem.conv.kernel", **_bn_state("bn1", "stem.bn")}
    for b in blocks(config):
        t, c = f"layers.{b.stage}.{b.index}", b.name
        for i in (1, 2, 3):
            out[f"{t}.conv{i}.weight"] = f"{c}.conv{i}.kernel"
            out.update(_bn_state(f"{t}.bn{i}", f"{c}.bn{i}"))
        if b.projection and v2:
            out[f"{t}.downsample.weight"] = f"{c}.down.conv.kernel"
        elif b.projection:
            out[f"{t}.downsample.0.weight"] = f"{c}.down.conv.kernel"
            out.update(_bn_state(f"{t}.downsample.1", f"{c}.down.bn"))
    if v2:
        out.update(_bn_state("post_bn", "post.bn"))
    return {**out, "fc.weight": "head.kernel", "fc.bias": "head.bias"}
