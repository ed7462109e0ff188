"""The training step as a PyTorch user writes it; shared by every workload."""

import torch
import torch.nn.functional as F


def make_optimizer(model: torch.nn.Module, learning_rate: float) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)


def compute_loss(model, x, y):
    return F.cross_entropy(model(x), y)


def train_step(model, optimizer, x, y):
    optimizer.zero_grad(set_to_none=True)
    loss = compute_loss(model, x, y)
    loss.backward()
    optimizer.step()
    return loss


def predict(model, x):
    with torch.inference_mode():
        return model(x)
