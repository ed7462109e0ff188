"""TensorFlow/Keras side of the debugging probes. Imported only inside a debugging cell."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from dlarena.cell import error_line
from dlarena.debugging.probes import PRINT_MARKER, STEPS, HookCounts, ProbeResult, behaviour, counting_hooks, intermediate_grad
from dlarena.frameworks.tensorflow.adapter import wrap_mode

loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


class _Sink:
    """Plain holder, so Keras does not track (and wrap) what the probe stores."""

    def __init__(self):
        self.values: list[np.ndarray] = []


class _Probe(keras.Model):
    """Wraps the workload's MLP layers (fc1 -> fc2 -> out) so the probe code sits inside call."""

    def __init__(self, inner: keras.Model):
        super().__init__()
        self.fc1, self.fc2, self.out = (inner.get_layer(n) for n in ("fc1", "fc2", "out"))

    def head(self, h):
        return self.out(self.fc2(h))


class PrintAndBreak(_Probe):
    def call(self, x):
        h = self.fc1(x)
        print(PRINT_MARKER, tuple(h.shape))
        breakpoint()
        return self.head(h)


class ReadValue(_Probe):
    def __init__(self, inner: keras.Model):
        super().__init__(inner)
        self.sink = _Sink()

    def call(self, x):
        h = self.fc1(x)
        self.sink.values.append(h.numpy())
        return self.head(h)


class HiddenToo(_Probe):
    def call(self, x):
        h = self.fc1(x)
        return self.head(h), h



def _train_step(model):
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return loss, tape.gradient(loss, model.trainable_variables)
    return step


def hook_probes(model: keras.Model, x, y, mode: str) -> list[ProbeResult]:
    ref_hidden = np.asarray(model.get_layer("fc1")(x))
    results = []

    counts, module = HookCounts(), PrintAndBreak(model)
    try:
        with counting_hooks(counts):
            step = wrap_mode(_train_step(module), mode)
            for _ in range(STEPS):
                step(x, y)
    except Exception as exc:
        counts.error = error_line(exc)
    for metric, calls in (("print_calls", counts.prints), ("breakpoint_calls", counts.breakpoints)):
        results.append(ProbeResult(metric, calls, "calls", {"steps": STEPS, "behaviour": behaviour(calls, STEPS, counts.error),
                                                            "error": counts.error}))

    module = ReadValue(model)
    try:
        step = wrap_mode(_train_step(module), mode)
        for _ in range(STEPS):
            step(x, y)
        value = module.sink.values[0]
        diff = float(np.max(np.abs(value - ref_hidden)))
        results.append(ProbeResult("intermediate_read_ok", 1.0, "bool",
                                   {"how": "h.numpy() inside call", "reads": len(module.sink.values),
                                    "max_abs_diff_vs_eager": diff}, value[0].tolist()))
    except Exception as exc:
        results.append(ProbeResult("intermediate_read_ok", 0.0, "bool", {"how": "h.numpy() inside call", "error": error_line(exc)}))

    module = HiddenToo(model)

    def grad_step(x, y):
        with tf.GradientTape() as tape:
            logits, h = module(x, training=True)
            loss = loss_fn(y, logits)
        return tape.gradient(loss, h)

    def read():
        grad = wrap_mode(grad_step, mode)(x, y)
        if grad is None:
            raise RuntimeError("tape.gradient(loss, h) returned None")
        return grad

    results.append(intermediate_grad("call returns h too; tape.gradient(loss, h)", read))
    return results


def export_graph(model: keras.Model, x, path: str) -> np.ndarray:
    """Writes the model as ONNX (Keras 3 ``model.export(format="onnx")``, via tf2onnx)."""
    import contextlib
    import io

    expected = np.asarray(model(x, training=False))  # Keras exports only a model that has been called
    with contextlib.redirect_stdout(io.StringIO()):
        model.export(path, format="onnx", verbose=False)
    return expected


def integrated_gradients(model: keras.Model, x, target, n_steps: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Integrated Gradients written for TensorFlow (no first-party library), with the same
    zero baseline and Gauss-Legendre nodes and weights as Captum's default method."""
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    alphas, step_sizes = 0.5 * (1 + nodes), 0.5 * weights
    x = tf.convert_to_tensor(x)
    target = tf.convert_to_tensor(target)
    batch = tf.shape(x)[0]
    scaled = tf.concat([a * x for a in alphas.astype(np.float32)], axis=0)  # baseline 0 + alpha * (x - 0)
    with tf.GradientTape() as tape:
        tape.watch(scaled)
        out = model(scaled, training=False)
        picked = tf.gather(out, tf.tile(target, [n_steps]), batch_dims=1)
    grads = tf.reshape(tape.gradient(picked, scaled), (n_steps, batch, -1))
    avg = tf.tensordot(tf.constant(step_sizes, tf.float32), grads, axes=1)
    attributions = (x * tf.reshape(avg, tf.shape(x))).numpy()
    outputs = model(x, training=False)
    baseline_out = model(tf.zeros_like(x), training=False)
    gap = tf.gather(outputs, target, batch_dims=1) - tf.gather(baseline_out, target, batch_dims=1)
    delta = attributions.reshape(attributions.shape[0], -1).sum(axis=1) - gap.numpy()
    return attributions, delta, "own implementation (TensorFlow, ~20 lines)"
