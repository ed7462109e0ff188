"""TensorFlow/Keras 3 adapter: NHWC images, (in, out) kernels, tf.function and XLA."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Workers of several frameworks share a GPU: grow into its memory instead of taking it all.
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from dlarena.frameworks import FrameworkInfo  # noqa: E402
from dlarena.frameworks.keras.parity import KerasParityMethods  # noqa: E402
from dlarena.frameworks.base import AdapterDefaults, WeightMapper, build_keras_model  # noqa: E402
from dlarena.frameworks.threads import pin_tf_threads  # noqa: E402
from dlarena.measure.env import bf16_cpu_unsupported  # noqa: E402
from dlarena.workloads.base import Workload  # noqa: E402


def _to_native(kind: str, array: np.ndarray) -> np.ndarray:
    return array  # canonical layouts are Keras layouts; reshapes (attention heads) happen on assign


def _from_native(kind: str, array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return array.reshape(shape)


def wrap_mode(fn, mode: str):
    """A TensorFlow execution mode applied to a Python function: eager, tf.function, or XLA."""
    if mode == "eager":
        return fn
    if mode == "function":
        return tf.function(fn)
    if mode == "xla":
        return tf.function(fn, jit_compile=True)
    raise ValueError(f"unknown TensorFlow mode '{mode}'; valid: eager, function, xla")


class TensorFlowAdapter(KerasParityMethods, AdapterDefaults):
    def __init__(self, info: FrameworkInfo):
        self.info = info
        self.gpu = bool(tf.config.list_physical_devices("GPU"))

    def select_device(self, device: str) -> str | None:
        """``auto`` | ``cpu`` | ``gpu``; returns why not, when a GPU is asked for and there is none."""
        if device == "gpu" and not self.gpu:
            return (f"no GPU: tf.config.list_physical_devices('GPU') is empty (tensorflow {tf.__version__}, "
                    f"built with CUDA: {tf.test.is_built_with_cuda()})")
        if device == "cpu" and self.gpu:
            tf.config.set_visible_devices([], "GPU")
            self.gpu = False
        return None

    def bf16_unsupported(self) -> str | None:
        if self.gpu:
            major, _ = tf.config.experimental.get_device_details(
                tf.config.list_physical_devices("GPU")[0]).get("compute_capability", (0, 0))
            return None if major >= 8 else "bf16 unsupported on this GPU (compute capability < 8.0)"
        return bf16_cpu_unsupported()

    def set_precision(self, precision: str) -> None:
        """Mixed precision as Keras users write it: a global dtype policy, set before building."""
        import keras

        keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bf16" else "float32")

    def gemm(self, n: int, precision: str):
        dtype = {"fp32": tf.float32, "bf16": tf.bfloat16}[precision]
        a = tf.cast(tf.random.normal((n, n)), dtype)
        b = tf.cast(tf.random.normal((n, n)), dtype)
        return lambda: tf.linalg.matmul(a, b)

    def setup(self, threads: int, interop_threads: int, seed: int) -> dict:
        pin_tf_threads(tf, threads, interop_threads)  # recorded below
        import keras

        keras.utils.set_random_seed(seed)
        return {"device": "GPU:0" if self.gpu else "CPU:0",
                "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
                "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads()}

    @property
    def _training(self):
        from dlarena.frameworks.keras import training as keras_training

        return keras_training

    def _mapper(self, workload: Workload) -> WeightMapper:
        return WeightMapper(workload, self.info.model_module, _to_native, _from_native)

    def build(self, workload: Workload, params: dict[str, np.ndarray]):
        return build_keras_model(workload, self.info.model_module, self._mapper(workload), params)

    def inputs(self, workload: Workload, x: np.ndarray, y: np.ndarray):
        return tf.constant(x), tf.constant(y)

    def _wrap(self, fn, mode: str):
        return wrap_mode(fn, mode)

    def predictor(self, model, mode: str):
        training = self._training
        return self._wrap(lambda x: training.predict(model, x), mode)

    def trainer(self, model, mode: str, learning_rate: float):
        training = self._training
        optimizer = training.make_optimizer(learning_rate)
        return self._wrap(lambda x, y: training.train_step(model, optimizer, x, y), mode)

    def loss_and_gradients(self, model, workload: Workload, x, y):
        with tf.GradientTape() as tape:
            loss = self._training.compute_loss(model, x, y)
        grads = tape.gradient(loss, model.trainable_variables)
        # Embedding gradients come back as IndexedSlices; densify them to compare.
        native = {v.path: tf.convert_to_tensor(g).numpy() for v, g in zip(model.trainable_variables, grads)}
        return float(loss.numpy()), self._mapper(workload).canonical_values(native)

    def export_params(self, model, workload: Workload) -> dict[str, np.ndarray]:
        native = {v.path: np.asarray(v.numpy()) for v in model.weights}
        return self._mapper(workload).canonical_values(native)

    def to_numpy(self, value) -> np.ndarray:
        return np.asarray(value)

    def sync(self) -> None:
        # GPU ops are dispatched asynchronously; on CPU, eager ops and tf.function calls
        # return only once computed, so there is nothing to wait for.
        if self.gpu:
            tf.test.experimental.sync_devices()

    def device_memory(self) -> dict[str, float]:
        if not self.gpu:
            return {}
        return {"gpu_peak_allocated_mb": tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20}

    def versions(self) -> dict[str, str]:
        import keras

        return {"tensorflow": tf.__version__, "keras": keras.__version__}
