"""The training step as a PyTorch user writes it; shared by every workload."""

import contextlib

import torch
import torch.nn.functional as F


def make_optimizer(model: torch.nn.Module, learning_rate: float) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)


def compute_loss(model, x, y):
    # Every position is a prediction: a classifier's (batch, classes) and a language model's
    # (batch, tokens, vocab) logits alike.
    return F.cross_entropy(model(x).flatten(0, -2), y.flatten())


def train_step(model, optimizer, x, y, autocast=contextlib.nullcontext):
    """``autocast``: e.g. ``lambda: torch.autocast("cpu", torch.bfloat16)`` for mixed precision,
    which covers the forward pass and the loss only (backward follows the forward's dtypes)."""
    optimizer.zero_grad(set_to_none=True)
    with autocast():
        loss = compute_loss(model, x, y)
    loss.backward()
    optimizer.step()
    return loss


def predict(model, x, autocast=contextlib.nullcontext):
    with torch.inference_mode(), autocast():
        return model(x)
