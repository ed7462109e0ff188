"""Common mistakes, written as a PyTorch user would make them (the "user code" of the error
probes). Each function makes one mistake on the line marked ``# mistake`` and returns
``(what the code computed, what correct code computes)``, or raises. Only imported inside a
probe cell."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# Per probe: the words by which a message names the offending layer or function.
NAMES = {
    "dense_shape": ("fc1", "Linear"),
    "label_dtype": ("cross_entropy",),
    "channel_order": ("conv1", "Conv2d"),
    "use_before_build": ("LazyLinear", "Sequential"),
    "logits_vs_probabilities": ("cross_entropy",),
    "device_mismatch": ("fc1", "Linear"),
}


class Net(nn.Module):
    def __init__(self, in_features: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, 16)
        self.out = nn.Linear(16, 10)

    def forward(self, x):
        return self.out(F.relu(self.fc1(x)))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3)

    def forward(self, x):
        return self.conv1(x)


def dense_shape(x64: np.ndarray, y: np.ndarray):
    model = Net(in_features=32)
    return model(torch.from_numpy(x64)), None  # mistake: 64 features into a model built for 32


def label_dtype(logits: np.ndarray, y: np.ndarray):
    labels = torch.from_numpy(y.astype(np.float32))  # labels loaded as floats, as from a CSV
    got = F.cross_entropy(torch.from_numpy(logits), labels)  # mistake
    return float(got), float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y).long()))


def channel_order(images_nhwc: np.ndarray, y: np.ndarray):
    model = ConvNet()
    return model(torch.from_numpy(images_nhwc)), None  # mistake: NHWC images into an NCHW model


def use_before_build(x: np.ndarray, y: np.ndarray):
    model = nn.Sequential(nn.LazyLinear(16), nn.ReLU(), nn.LazyLinear(10))
    return sum(p.numel() for p in model.parameters()), None  # mistake: input size not known yet


def logits_vs_probabilities(x: np.ndarray, y: np.ndarray):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(x.shape[1], 10), nn.Softmax(dim=-1))
    probs = model(torch.from_numpy(x))
    labels = torch.from_numpy(y).long()
    got = F.cross_entropy(probs, labels)  # mistake: cross_entropy expects logits
    return float(got.detach()), float(F.nll_loss(torch.log(probs), labels).detach())


def device_mismatch(x: np.ndarray, y: np.ndarray):
    model = Net(in_features=x.shape[1]).to("cuda")
    return model(torch.from_numpy(x)), None  # mistake: input left on the CPU
