"""Keras 3 on one of its backends (TensorFlow, PyTorch, JAX): one adapter, parameterised by backend.

The model is the workload's ``keras_model`` (or a .keras file), run the way a Keras user runs
it: ``model.compile(...)`` then ``predict_on_batch`` / ``train_on_batch``. Modes map to Keras's
own switches: ``eager`` = ``run_eagerly=True``; ``function`` (TensorFlow) = Keras's default
graph (``jit_compile=False``); ``xla`` (TensorFlow, JAX) and ``compile`` (PyTorch: torch.compile)
= ``jit_compile=True``. Keras keeps its own weight layouts on every backend, so canonical
parameters load unchanged, and inputs stay channels-last.

KERAS_BACKEND must be set before Keras is first imported; each cell runs in its own process, so
the adapter sets it on construction and refuses to run if Keras was already loaded on another.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from dlarena.frameworks import FrameworkInfo
from dlarena.frameworks.keras.parity import KerasParityMethods
from dlarena.frameworks.base import AdapterDefaults, WeightMapper, build_keras_model
from dlarena.frameworks.threads import pin_tf_threads, pin_torch_threads
from dlarena.workloads.base import Workload


LAYER_RECORD_LIMIT_BYTES = 256 * 2**20


def _identity(kind: str, array: np.ndarray) -> np.ndarray:
    return array


def _reshape(kind: str, array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return array.reshape(shape)


class KerasAdapter(KerasParityMethods, AdapterDefaults):
    def __init__(self, info: FrameworkInfo):
        self.info = info
        self.backend = info.name.removeprefix("keras-")
        if "keras" in sys.modules and sys.modules["keras"].backend.backend() != self.backend:
            raise RuntimeError(f"Keras is already loaded on the {sys.modules['keras'].backend.backend()} backend "
                               f"in this process; {info.display_name} needs a fresh process")
        os.environ["KERAS_BACKEND"] = self.backend
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        self.keras = keras
        self._built: dict[int, Workload] = {}
        # Parity's float64 pass: on JAX, op-by-op dispatch would compile every op again for float64.
        self.float64_mode = "xla" if self.backend == "jax" else "eager"
        self.compiled_gradients = False  # parity's float32 gradients on JAX as the user's eager call computes them
        self.compiler_options: dict = {}  # XLA options of parity's compiled gradients (JAX)

    def setup(self, threads: int, interop_threads: int, seed: int) -> dict:
        runtime = {"device": "CPU", "keras_backend": self.keras.backend.backend()}
        if self.backend == "torch":
            import torch

            pin_torch_threads(torch, threads, interop_threads)
            runtime.update(intra_op_threads=torch.get_num_threads(), inter_op_threads=torch.get_num_interop_threads())
        elif self.backend == "tensorflow":
            import tensorflow as tf

            pin_tf_threads(tf, threads, interop_threads)
            runtime.update(intra_op_threads=tf.config.threading.get_intra_op_parallelism_threads(),
                           inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads())
        # JAX/XLA reads its thread settings from the environment (OMP_NUM_THREADS, set per cell).
        self.keras.utils.set_random_seed(seed)
        return runtime

    def _mapper(self, workload: Workload) -> WeightMapper:
        return WeightMapper(workload, self.info.model_module, _identity, _reshape)

    def build(self, workload: Workload, params: dict[str, np.ndarray]):
        model = build_keras_model(workload, self.info.model_module, self._mapper(workload), params)
        self._built[id(model)] = workload  # trainer() needs the workload's loss
        return model

    def adopt(self, model, workload: Workload):
        """A Keras model built elsewhere (a model zoo's), trained with ``workload``'s loss."""
        self._built[id(model)] = workload
        return model

    def inputs(self, workload: Workload, x: np.ndarray, y: np.ndarray):
        ops = self.keras.ops
        return ops.convert_to_tensor(x), ops.convert_to_tensor(y)

    def _loss(self, workload: Workload):
        from dlarena.workloads.keras_file import loss_function

        return loss_function(workload)

    def _switches(self, mode: str) -> dict:
        if mode not in self.info.modes:
            raise ValueError(f"unknown {self.info.display_name} mode '{mode}'; valid: {', '.join(self.info.modes)}")
        if mode == "eager":
            return {"run_eagerly": True, "jit_compile": False}
        return {"run_eagerly": False, "jit_compile": mode in ("xla", "compile")}

    def predictor(self, model, mode: str):
        model.compile(**self._switches(mode))
        return model.predict_on_batch

    def trainer(self, model, mode: str, learning_rate: float):
        optimizer = self.keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
        model.compile(optimizer=optimizer, loss=self._loss(self._built[id(model)]), **self._switches(mode))
        return model.train_on_batch

    def loss_and_gradients(self, model, workload: Workload, x, y):
        loss_fn = self._loss(workload)
        trainable = model.trainable_variables
        if self.backend == "tensorflow":
            import tensorflow as tf

            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = [tf.convert_to_tensor(g) for g in tape.gradient(loss, trainable)]
        elif self.backend == "torch":
            import torch

            loss = loss_fn(y, model(x, training=True))
            grads = torch.autograd.grad(loss, [v.value for v in trainable])
            loss = loss.detach()
        else:  # jax: gradients of a pure function of the trainable values
            import jax

            non_trainable = [v.value for v in model.non_trainable_variables]

            def compute(values):
                out, _ = model.stateless_call(values, non_trainable, x, training=True)
                return loss_fn(y, out)

            gradients = jax.value_and_grad(compute)
            compiled = self.compiled_gradients or (self.float64_mode != "eager" and self.keras.config.floatx() == "float64")
            values = [v.value for v in trainable]
            if compiled and self.compiler_options:  # compiled once, for this record only
                gradients = jax.jit(gradients).lower(values).compile(compiler_options=self.compiler_options)
            elif compiled:
                gradients = jax.jit(gradients)
            loss, grads = gradients(values)
        native = {v.path: self.to_numpy(g) for v, g in zip(trainable, grads)}
        return float(self.to_numpy(loss)), self._mapper(workload).canonical_values(native)

    def export_params(self, model, workload: Workload) -> dict[str, np.ndarray]:
        native = {v.path: self.to_numpy(v.value) for v in model.weights}
        return self._mapper(workload).canonical_values(native)

    def float64_model(self, workload: Workload, params: dict[str, np.ndarray]):
        twin = super().float64_model(workload, params)
        self._built[id(twin)] = workload  # layer_outputs finds the workload of the twin too
        return twin

    def layer_outputs(self, model, x, training: bool = False) -> dict[str, np.ndarray]:
        """Each top-level layer's output on ``x`` (Functional/Sequential models), keyed
        ``index:name:class``, to locate the first layer where two backends diverge. Empty when
        the model's graph is not inspectable."""
        try:
            layers = [layer for layer in model.layers if not isinstance(layer, self.keras.layers.InputLayer)]
            outputs = [layer.output for layer in layers]
            if not layers or any(isinstance(o, (list, tuple, dict)) for o in outputs):
                return {}
            probe = self.keras.Model(model.inputs, outputs)
            values = probe(x, training=training)
        except Exception:  # noqa: BLE001 - a diagnostic only; parity itself does not depend on it
            return {}
        out, size = {}, 0
        for i, (layer, value) in enumerate(zip(layers, values)):
            array = self.to_numpy(value)
            size += array.nbytes
            if size > LAYER_RECORD_LIMIT_BYTES:  # a big model: keep the first layers only
                break
            out[f"{i:03d}:{layer.name}:{type(layer).__name__}"] = array
        return out

    def to_numpy(self, value) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        return np.asarray(self.keras.ops.convert_to_numpy(value))

    def sync(self) -> None:
        # predict_on_batch returns numpy and train_on_batch a Python float: both wait for the result.
        pass

    def device_memory(self) -> dict[str, float]:
        return {}

    def versions(self) -> dict[str, str]:
        versions = {"keras": self.keras.__version__, "keras_backend": self.backend}
        module = sys.modules.get(self.backend)
        if module is not None:
            versions[self.backend] = getattr(module, "__version__", "?")
        return versions
