"""PyTorch side of the debugging probes. Imported only inside a debugging cell."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlarena.cell import error_line
from dlarena.debugging.probes import PRINT_MARKER, STEPS, HookCounts, ProbeResult, behaviour, counting_hooks, intermediate_grad

MODES = {"eager": {}, "compile": {"fullgraph": False}, "compile-fullgraph": {"fullgraph": True}}


class _Probe(nn.Module):
    """Wraps the workload's MLP (fc1 -> fc2 -> out) so the probe code sits inside forward."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def hidden(self, x):
        return F.relu(self.inner.fc1(x))

    def head(self, h):
        return self.inner.out(F.relu(self.inner.fc2(h)))


class PrintAndBreak(_Probe):
    def forward(self, x):
        h = self.hidden(x)
        print(PRINT_MARKER, tuple(h.shape))
        breakpoint()
        return self.head(h)


class ReadValue(_Probe):
    def __init__(self, inner: nn.Module):
        super().__init__(inner)
        self.seen: list[np.ndarray] = []

    def forward(self, x):
        h = self.hidden(x)
        self.seen.append(h.detach().cpu().numpy().copy())
        return self.head(h)


class GradOfHidden(_Probe):
    def forward(self, x):
        h = self.hidden(x)
        h.retain_grad()
        self.h = h
        return self.head(h)


def _runnable(module: nn.Module, mode: str):
    if mode not in MODES:
        raise ValueError(f"unknown PyTorch debugging mode '{mode}'; valid: {', '.join(MODES)}")
    torch._dynamo.reset()
    return module if mode == "eager" else torch.compile(module, **MODES[mode])


def _steps(runnable, module: nn.Module, x, y, steps: int = STEPS) -> None:
    for _ in range(steps):
        module.zero_grad(set_to_none=True)
        F.cross_entropy(runnable(x), y).backward()


def _graph_breaks() -> int:
    from torch._dynamo.utils import counters

    return int(sum(counters["graph_break"].values()))


def _reset_counters() -> None:
    from torch._dynamo.utils import counters

    counters.clear()


def hook_probes(model: nn.Module, x, y, mode: str) -> list[ProbeResult]:
    model.train()
    with torch.no_grad():
        ref_hidden = F.relu(model.fc1(x)).cpu().numpy()
    results = []

    _reset_counters()
    counts, module = HookCounts(), PrintAndBreak(model)
    try:
        with counting_hooks(counts):
            _steps(_runnable(module, mode), module, x, y)
    except Exception as exc:  # a probe that breaks the compile is a fact to record
        counts.error = error_line(exc)
    for metric, calls in (("print_calls", counts.prints), ("breakpoint_calls", counts.breakpoints)):
        results.append(ProbeResult(metric, calls, "calls", {"steps": STEPS, "behaviour": behaviour(calls, STEPS, counts.error),
                                                            "error": counts.error}))
    if mode != "eager":
        results.append(ProbeResult("graph_breaks", _graph_breaks(), "breaks", {"probe": "print_and_breakpoint"}))

    module = ReadValue(model)
    try:
        _steps(_runnable(module, mode), module, x, y)
        value = module.seen[0]
        diff = float(np.max(np.abs(value - ref_hidden)))
        results.append(ProbeResult("intermediate_read_ok", 1.0, "bool",
                                   {"how": "h.detach().numpy() inside forward", "reads": len(module.seen),
                                    "max_abs_diff_vs_eager": diff}, value[0].tolist()))
    except Exception as exc:
        results.append(ProbeResult("intermediate_read_ok", 0.0, "bool",
                                   {"how": "h.detach().numpy() inside forward", "error": error_line(exc)}))

    module = GradOfHidden(model)

    def read():
        _steps(_runnable(module, mode), module, x, y, steps=1)
        if module.h.grad is None:
            raise RuntimeError("h.grad is None after backward (retain_grad had no effect)")
        return module.h.grad.detach().cpu().numpy()

    results.append(intermediate_grad("h.retain_grad() in forward, read h.grad after backward", read))
    return results


def export_graph(model: nn.Module, x, path: str) -> np.ndarray:
    """Writes the model as ONNX (torch.onnx's default exporter); returns the framework's output."""
    import contextlib
    import io

    model.eval()
    with contextlib.redirect_stdout(io.StringIO()):
        torch.onnx.export(model, (x,), path, dynamo=True, external_data=False)
    with torch.no_grad():
        return model(x).cpu().numpy()


def integrated_gradients(model: nn.Module, x, target, n_steps: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Captum's Integrated Gradients (zero baseline, Gauss-Legendre, its default method)."""
    import captum
    from captum.attr import IntegratedGradients

    model.eval()
    ig = IntegratedGradients(model)
    attributions, delta = ig.attribute(x, baselines=torch.zeros_like(x), target=torch.as_tensor(target), n_steps=n_steps,
                                       method="gausslegendre", return_convergence_delta=True)
    return attributions.detach().cpu().numpy(), delta.detach().cpu().numpy(), f"captum {captum.__version__}"
