"""The PyTorch implementation, written the way a PyTorch user writes it."""

import torch.nn.functional as F
from torch import nn


class ResMLP(nn.Module):
    def __init__(self, in_features: int, width: int, num_classes: int):
        super().__init__()
        self.stem = nn.Linear(in_features, width)
        self.norm = nn.LayerNorm(width, eps=1e-5)
        self.block = nn.Linear(width, width)
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        h = F.gelu(self.norm(self.stem(x)))
        h = h + F.gelu(self.block(h))
        return self.head(h)


def build_model(config: dict) -> nn.Module:
    return ResMLP(**config)


# PyTorch parameter name -> canonical parameter name (the adapter transposes Linear weights).
WEIGHT_MAP = {
    "stem.weight": "stem.kernel", "stem.bias": "stem.bias",
    "norm.weight": "norm.gamma", "norm.bias": "norm.beta",
    "block.weight": "block.kernel", "block.bias": "block.bias",
    "head.weight": "head.kernel", "head.bias": "head.bias",
}
