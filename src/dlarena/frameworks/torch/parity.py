"""PyTorch models in parity mode.

- ``neutralise``: dropout modules (``nn.Dropout*``, ``AlphaDropout``, ``FeatureAlphaDropout``)
  get p = 0, ``nn.MultiheadAttention`` and the recurrent layers (``nn.RNN/LSTM/GRU``) their
  ``dropout`` 0. Functional dropout written inside ``forward`` (``F.dropout(x, p, self.training)``
  and kin) is caught while the model runs: a function mode turns those calls into identity, and
  records random draws it cannot switch off (``torch.rand*``, ``bernoulli``, ``normal_`` ...) with
  the module that made them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

DROPOUT_FUNCTIONS = {F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout,
                     torch.dropout, torch.alpha_dropout, torch.feature_dropout, torch.feature_alpha_dropout}
DROPOUT_MODULES = (torch.nn.modules.dropout._DropoutNd, torch.nn.MultiheadAttention, torch.nn.RNNBase)
RANDOM_FUNCTIONS = {torch.rand, torch.randn, torch.rand_like, torch.randn_like, torch.randint, torch.randint_like,
                    torch.randperm, torch.bernoulli, torch.normal, torch.multinomial, torch.poisson,
                    torch.Tensor.bernoulli_, torch.Tensor.normal_, torch.Tensor.uniform_, torch.Tensor.random_,
                    torch.Tensor.exponential_, torch.Tensor.bernoulli}


class _ParityMode(TorchFunctionMode):
    """Functional dropout -> identity; other random draws recorded by the module that made them."""

    def __init__(self, stack: list[tuple[str, torch.nn.Module]], found: dict[str, list[str]]):
        super().__init__()
        self.stack, self.found = stack, found

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        where, module = self.stack[-1] if self.stack else ("forward", None)
        if func in DROPOUT_FUNCTIONS:
            if not isinstance(module, DROPOUT_MODULES):  # those are switched off (and reported) already
                self._note("disabled", f"{where}: {getattr(func, '__name__', 'dropout')}()")
            return args[0] if args else kwargs["input"]
        if func in RANDOM_FUNCTIONS:
            self._note("remaining", f"{where} ({getattr(func, '__name__', func)})")
        return func(*args, **kwargs)

    def _note(self, kind: str, what: str) -> None:
        if what not in self.found[kind]:
            self.found[kind].append(what)


def neutralise(model: torch.nn.Module) -> tuple[list[str], dict[str, list[str]]]:
    """Switches off dropout modules in place and wraps ``forward`` in the parity mode; returns
    the modules disabled now and the live record ({"disabled": ..., "remaining": ...}) that the
    model's own functional calls fill in as it runs."""
    disabled = []
    for name, module in model.named_modules():
        path = name or type(module).__name__
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):
            if module.p > 0:
                module.p = 0.0
                disabled.append(path)
        elif isinstance(module, DROPOUT_MODULES) and module.dropout > 0:
            module.dropout = 0.0
            disabled.append(f"{path}.dropout")
    found: dict[str, list[str]] = {"disabled": [], "remaining": []}
    stack: list[tuple[str, torch.nn.Module]] = []

    def enter(name):
        return lambda module, args: stack.append((name, module))  # returns None: inputs unchanged

    def leave(module, args, output):
        stack.pop()  # returns None: the output unchanged

    for name, module in model.named_modules():
        if name:
            module.register_forward_pre_hook(enter(name))
            module.register_forward_hook(leave)
    forward = model.forward

    def parity_forward(*args, **kwargs):
        with _ParityMode(stack, found):
            return forward(*args, **kwargs)

    model.forward = parity_forward
    return disabled, found

