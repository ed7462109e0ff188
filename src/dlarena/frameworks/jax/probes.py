"""JAX side of the debugging probes (Flax NNX + optax, as a JAX user writes them). Imported only
inside a debugging cell.

Beside Python's own ``print`` and ``breakpoint()`` (the probes every framework gets), JAX has its
own pair meant for compiled code, ``jax.debug.print`` and ``jax.debug.breakpoint``: recorded as
``native_print_calls`` / ``native_breakpoint_calls``. The breakpoint is JAX's real CLI debugger
(jdb), driven through a replaced ``sys.stdin``: at each stop it is asked for ``h.shape`` and then
told to continue, so a stop counts only if the debugger ran and could read the traced value.
"""

from __future__ import annotations

import io
import re
import sys
from contextlib import contextmanager, redirect_stdout

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from dlarena.cell import error_line
from dlarena.debugging.probes import (NATIVE_PRINT_MARKER, PRINT_MARKER, STEPS, HookCounts, ProbeResult, behaviour,
                                      counting_hooks, intermediate_grad)

MODES = ("eager", "jit")
GRAPH_FORMAT = "stablehlo"
JDB_PROMPT = "(jdb) "


class _Probe(nnx.Module):
    """Shares the workload's MLP layers (fc1 -> fc2 -> out) so the probe code sits inside __call__."""

    def __init__(self, inner: nnx.Module):
        self.fc1, self.fc2, self.out = inner.fc1, inner.fc2, inner.out

    def hidden(self, x):
        return jax.nn.relu(self.fc1(x))

    def head(self, h):
        return self.out(jax.nn.relu(self.fc2(h)))


class PrintAndBreak(_Probe):
    def __call__(self, x):
        h = self.hidden(x)
        print(PRINT_MARKER, tuple(h.shape))
        breakpoint()
        jax.debug.print(NATIVE_PRINT_MARKER + " {}", h[0, 0])
        jax.debug.breakpoint()
        return self.head(h)


class ReadValue(_Probe):
    def __call__(self, x):
        h = self.hidden(x)
        self.sow(nnx.Intermediate, "h", h)
        return self.head(h)


class NumpyInCall(_Probe):
    """The other frameworks' way (``.numpy()`` inside forward/call), for the record."""

    def __call__(self, x):
        h = self.hidden(x)
        self.seen = np.asarray(h)
        return self.head(h)


class GradOfHidden(_Probe):
    def __call__(self, x):
        h = self.perturb("h", self.hidden(x))
        return self.head(h)


def _runnable(fn, mode: str):
    if mode not in MODES:
        raise ValueError(f"unknown JAX debugging mode '{mode}'; valid: {', '.join(MODES)}")
    return nnx.jit(fn) if mode == "jit" else fn


def _loss(model, x, y):
    return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()


def _train_step(model, x, y):  # loss and gradients; the weights stay as they are for the next probe
    return nnx.value_and_grad(_loss)(model, x, y)


def _capturing_loss(model, x, y):
    logits, intermediates = nnx.capture(model, nnx.Intermediate)(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), intermediates


def _read_step(model, x, y):
    (loss, intermediates), _ = nnx.value_and_grad(_capturing_loss, has_aux=True)(model, x, y)
    return loss, intermediates


def _perturbed_loss(model, perturbations, x, y):
    logits = nnx.capture(model, init=perturbations)(x)
    logits = logits[0] if isinstance(logits, tuple) else logits
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _hidden_grad_step(model, perturbations, x, y):
    return nnx.grad(_perturbed_loss, argnums=1)(model, perturbations, x, y)


@contextmanager
def _jdb_session(stops: int, out: dict):
    """Feeds JAX's CLI debugger ``h.shape`` then ``c`` at each stop; counts the stops."""
    previous = sys.stdin
    sys.stdin = io.StringIO("h.shape\nc\n" * (stops + 2))
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            yield
            jax.effects_barrier()  # debug callbacks of compiled code run on another thread
    finally:
        sys.stdin = previous
        text = buffer.getvalue()
        out["stops"] = text.count("Entering jdb:")
        out["shapes_read"] = re.findall(r"\(jdb\) (\(\d+, \d+\))", text)
        out["native_prints"] = text.count(NATIVE_PRINT_MARKER)
        out["plain_prints"] = text.count(PRINT_MARKER)


def hook_probes(model: nnx.Module, x, y, mode: str) -> list[ProbeResult]:
    model.train()
    ref_hidden = np.asarray(jax.nn.relu(model.fc1(x)))
    results = []

    counts, seen = HookCounts(), {}
    module = PrintAndBreak(model)
    try:
        with counting_hooks(counts), _jdb_session(STEPS, seen):
            step = _runnable(_train_step, mode)
            for _ in range(STEPS):
                jax.block_until_ready(step(module, x, y))
    except Exception as exc:  # a probe that breaks the compile is a fact to record
        counts.error = error_line(exc)
    counts.prints = seen.get("plain_prints", 0)
    for metric, calls in (("print_calls", counts.prints), ("breakpoint_calls", counts.breakpoints)):
        results.append(ProbeResult(metric, calls, "calls", {"steps": STEPS, "behaviour": behaviour(calls, STEPS, counts.error),
                                                            "error": counts.error, "how": metric.split("_")[0] + "()"}))
    native = (("native_print_calls", seen.get("native_prints", 0), "jax.debug.print", {}),
              ("native_breakpoint_calls", seen.get("stops", 0), "jax.debug.breakpoint (jdb, driven by stdin)",
               {"value_read_at_stop": (seen.get("shapes_read") or [None])[0]}))
    for metric, calls, how, extra in native:
        results.append(ProbeResult(metric, calls, "calls", {"steps": STEPS, "behaviour": behaviour(calls, STEPS, counts.error),
                                                            "error": counts.error, "how": how, **extra}))

    how = "self.sow(nnx.Intermediate, 'h', h) in __call__, nnx.capture(model, nnx.Intermediate) in the loss"
    try:
        step, numpy_error = _runnable(_read_step, mode), None
        values = [np.asarray(jax.tree.leaves(step(ReadValue(model), x, y)[1])[0]) for _ in range(STEPS)]
        try:
            _runnable(_read_step, mode)(NumpyInCall(model), x, y)
        except Exception as exc:
            numpy_error = error_line(exc)
        diff = float(np.max(np.abs(values[0] - ref_hidden)))
        results.append(ProbeResult("intermediate_read_ok", 1.0, "bool",
                                   {"how": how, "reads": len(values), "max_abs_diff_vs_eager": diff,
                                    "numpy_in_call": numpy_error or "works"}, values[0][0].tolist()))
    except Exception as exc:
        results.append(ProbeResult("intermediate_read_ok", 0.0, "bool", {"how": how, "error": error_line(exc)}))

    how = "h = self.perturb('h', h) in __call__, nnx.grad w.r.t. the nnx.Perturbation state"
    def read():
        module = GradOfHidden(model)
        _, perturbations = nnx.capture(module, nnx.Perturbation)(x)
        grads = _runnable(_hidden_grad_step, mode)(module, perturbations, x, y)
        return jax.tree.leaves(grads)[0]

    results.append(intermediate_grad(how, read))
    return results


def export_graph(model: nnx.Module, x, path: str) -> np.ndarray:
    """Writes the model as a serialized ``jax.export`` artifact (StableHLO, weights embedded as
    constants); returns the framework's output."""
    from jax import export

    model.eval()
    exported = export.export(jax.jit(lambda inputs: model(inputs)))(x)
    with open(path, "wb") as f:
        f.write(exported.serialize())
    return np.asarray(model(x))


def integrated_gradients(model: nnx.Module, x, target, n_steps: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Integrated Gradients written for JAX (no library installed here): ``jax.grad`` over the
    interpolation path, with the same zero baseline and Gauss-Legendre nodes and weights as
    Captum's default method."""
    model.eval()
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    alphas, step_sizes = jnp.asarray(0.5 * (1 + nodes), jnp.float32), jnp.asarray(0.5 * weights, jnp.float32)
    x, target = jnp.asarray(x), jnp.asarray(target)

    def picked(inputs):  # the target logit of each example, summed: its gradient is per example
        return jnp.take_along_axis(model(inputs), target[:, None], axis=1).sum()

    grads = jax.vmap(jax.grad(picked))(alphas[:, None, None] * x[None])  # baseline 0 + alpha * (x - 0)
    attributions = x * jnp.tensordot(step_sizes, grads, axes=1)
    gap = jnp.take_along_axis(model(x) - model(jnp.zeros_like(x)), target[:, None], axis=1)[:, 0]
    delta = attributions.reshape(x.shape[0], -1).sum(axis=1) - gap
    return np.asarray(attributions), np.asarray(delta), "own implementation (JAX, ~15 lines)"
