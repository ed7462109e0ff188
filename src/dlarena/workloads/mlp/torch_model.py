import torch.nn.functional as F
from torch import nn


class MLP(nn.Module):
    def __init__(self, in_features: int, hidden: int, num_classes: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, num_classes)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.out(x)


def build_model(config: dict) -> nn.Module:
    return MLP(**config)


WEIGHT_MAP = {
    "fc1.weight": "fc1.kernel", "fc1.bias": "fc1.bias",
    "fc2.weight": "fc2.kernel", "fc2.bias": "fc2.bias",
    "out.weight": "out.kernel", "out.bias": "out.bias",
}
