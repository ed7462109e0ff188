"""PyTorch's model zoos (the "pretrained" plugin) and its zoo ResNet-50 (the "zoo" plugin):
torchvision's resnet50, ResNet v1.5."""

from __future__ import annotations

from dlarena.cell import Skipped
from dlarena.pretrained.inventory import ZooSource, list_timm, list_torchaudio, list_torchvision, list_transformers

SOURCES = [
    ZooSource("torchvision", "torchvision", list_torchvision),
    ZooSource("timm", "timm", list_timm),
    ZooSource("torchaudio", "torchaudio", list_torchaudio),
    ZooSource("transformers (PyTorch classes)", "transformers", list_transformers("")),
]

DESCRIPTION = "torchvision resnet50 (ResNet v1.5)"


def build(adapter, spec, mode: str, seed: int):
    try:
        import torchvision
    except Exception as exc:  # e.g. "operator torchvision::nms does not exist" beside a mismatched torch
        raise Skipped(f"torchvision is not importable here: {type(exc).__name__}: {exc}") from None
    model = torchvision.models.resnet50(weights=None, num_classes=spec.num_classes)
    return model.to(adapter.device), adapter, mode


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())
