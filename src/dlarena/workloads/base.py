"""What a workload is: a canonical parameter set, an input generator and batch sizes.

A workload is described once here, in framework-neutral numpy terms. Each framework's
model lives beside it (``torch_model.py``, ``keras_model.py``) and loads the canonical
parameters through a ``WEIGHT_MAP`` (framework parameter path -> canonical name(s)).

Canonical layouts (the "math" layout, ``y = x @ W + b``):
- ``dense``: (in, out)
- ``conv2d``: (kh, kw, in, out)
- ``vector``: 1-D (biases, norm scales/offsets, running statistics)
- ``embedding``: (rows, dim)
Images are channels-last (N, H, W, C); adapters convert to their framework's layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

ParamKind = Literal["dense", "conv2d", "vector", "embedding"]
InputKind = Literal["features", "image", "tokens"]
# What the labels are: one class per sample (batch,), or a language model's next token at every
# position (batch, tokens), the inputs shifted by one; the loss is cross-entropy over every label.
Target = Literal["class", "next_token"]


@dataclass(frozen=True)
class ParamSpec:
    shape: tuple[int, ...]
    kind: ParamKind
    init: Literal["he", "small", "ones", "zeros", "positive"] = "he"
    trainable: bool = True


@dataclass(frozen=True)
class Tolerance:
    """Parity tolerances (fp32), as max |a-b| / max |reference| per tensor.

    Forward and loss agree to ~1e-6 in practice; gradients go through more reductions in
    different orders (and different conv/attention kernels), so they get a looser bound.
    """

    forward: float = 1e-4
    loss: float = 1e-4
    grad: float = 1e-3


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    input_kind: InputKind
    input_shape: tuple[int, ...]  # per sample, channels-last for images
    num_classes: int
    config: dict  # model hyper-parameters passed to every framework's build_model
    params: dict[str, ParamSpec]
    batch_sizes: dict[str, int] = field(default_factory=dict)  # scenario -> batch
    vocab_size: int = 0  # for token inputs
    learning_rate: float = 0.01
    tolerance: Tolerance = Tolerance()
    # Forward FLOPs per sample, counted analytically (2 per multiply-add of every matmul and
    # convolution; element-wise ops, norms and softmax are left out, as FLOP counters do).
    forward_flops: int = 0
    size: str | None = None  # the size preset of a sized workload (tiny, small, full)
    target: Target = "class"
    # The model zoos its framework models import: (model module, import name, install command). A
    # framework whose zoo is not installed has its cells skipped with the command, not failed.
    requires: tuple[tuple[str, str, str], ...] = ()
    # Model modules left out on purpose: (model module, why), the reason its framework's cells give.
    left_out: tuple[tuple[str, str], ...] = ()
    # Frameworks whose users load another framework family's model of this workload: (model module,
    # the model module it runs instead, what the column is), e.g. ("jax_model", "keras_model",
    # "keras-hub on JAX"): JAX users load the zoo models from keras-hub on Keras's JAX backend.
    runs_model_of: tuple[tuple[str, str, str], ...] = ()

    @property
    def base_name(self) -> str:
        return self.name.partition("@")[0]

    def step_flops(self, scenario: str, batch: int) -> int:
        """FLOPs of one call: forward for inference, forward + backward (~2x forward) for training."""
        return batch * self.forward_flops * (3 if scenario == "train" else 1)

    def make_params(self, seed: int = 0) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(seed)
        out: dict[str, np.ndarray] = {}
        for name, p in self.params.items():
            out[name] = _init(rng, p).astype(np.float32)
        return out

    def make_batch(self, batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        shape = (batch, *self.input_shape)
        if self.target == "next_token":
            text = rng.integers(0, self.vocab_size, size=(batch, self.input_shape[0] + 1)).astype(np.int32)
            return text[:, :-1], text[:, 1:]
        if self.input_kind == "tokens":
            x = rng.integers(0, self.vocab_size, size=shape, dtype=np.int64).astype(np.int32)
        else:
            x = rng.standard_normal(shape).astype(np.float32)
        y = rng.integers(0, self.num_classes, size=(batch,)).astype(np.int32)
        return x, y

    def batch_for(self, scenario: str) -> int:
        return self.batch_sizes.get(scenario, 1)

    def model_module_for(self, model_module: str) -> str:
        """The model module a framework whose own is ``model_module`` runs for this workload."""
        return next((runs for own, runs, _ in self.runs_model_of if own == model_module), model_module)

    def column_note(self, model_module: str) -> str | None:
        """What that framework's column of this workload is, when it runs another model module."""
        return next((note for own, _, note in self.runs_model_of if own == model_module), None)

    def unavailable(self, model_module: str) -> str | None:
        """Why this workload's ``model_module`` cannot run here (left out, or its zoo not installed)."""
        import importlib.util

        reason = dict(self.left_out).get(model_module)
        if reason:
            return reason
        model_module = self.model_module_for(model_module)
        for module, import_name, install in self.requires:
            if module == model_module and importlib.util.find_spec(import_name) is None:
                return f"not installed: {install} (this workload's {model_module} imports {import_name})"
        return None

    @property
    def parameter_count(self) -> int:
        return int(sum(np.prod(p.shape) for p in self.params.values() if p.trainable))


def _init(rng: np.random.Generator, p: ParamSpec) -> np.ndarray:
    if p.init == "zeros":
        return np.zeros(p.shape)
    if p.init == "ones":
        return np.ones(p.shape) + 0.1 * rng.standard_normal(p.shape)
    if p.init == "positive":  # running variances
        return 1.0 + 0.2 * rng.random(p.shape)
    if p.init == "small":
        return 0.05 * rng.standard_normal(p.shape)
    fan_in = int(np.prod(p.shape[:-1])) if p.kind in ("dense", "conv2d") else p.shape[-1]
    return rng.standard_normal(p.shape) * np.sqrt(2.0 / max(fan_in, 1))


def dense_flops(n_in: int, n_out: int) -> int:
    return 2 * n_in * n_out


def conv2d_flops(out_h: int, out_w: int, kh: int, kw: int, c_in: int, c_out: int) -> int:
    return 2 * out_h * out_w * kh * kw * c_in * c_out


def dense(n_in: int, n_out: int, prefix: str, bias: bool = True) -> dict[str, ParamSpec]:
    out = {f"{prefix}.kernel": ParamSpec((n_in, n_out), "dense")}
    if bias:
        out[f"{prefix}.bias"] = ParamSpec((n_out,), "vector", init="small")
    return out


def norm(dim: int, prefix: str, running_stats: bool = False) -> dict[str, ParamSpec]:
    out = {
        f"{prefix}.gamma": ParamSpec((dim,), "vector", init="ones"),
        f"{prefix}.beta": ParamSpec((dim,), "vector", init="small"),
    }
    if running_stats:
        out[f"{prefix}.moving_mean"] = ParamSpec((dim,), "vector", init="small", trainable=False)
        out[f"{prefix}.moving_var"] = ParamSpec((dim,), "vector", init="positive", trainable=False)
    return out
