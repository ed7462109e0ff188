"""JAX's column of a workload whose JAX users load a Keras model (the zoo models: keras-hub on
Keras's JAX backend, since transformers 5 has no Flax models and Flax ships no zoo).

The model is run as keras-hub's users on JAX run it, by Keras 3 on the JAX backend (the Keras
adapter), under JAX's names: mode ``jit`` is Keras's ``jit_compile=True`` (``jax.jit`` of the
predict and train steps), ``eager`` is ``run_eagerly=True``. Parity runs compiled, as JAX's own
adapter does (op-by-op JAX dispatch compiles every primitive on its own: the 1-layer tiny Llama's
eager capture took minutes under load). The JAX adapter module is imported first: it sets XLA's
threads, memory and compilation cache before JAX starts, for the Flax models in the same worker too.
"""

from __future__ import annotations

import contextlib

import numpy as np

from dlarena import frameworks
from dlarena.frameworks import FrameworkInfo
from dlarena.frameworks.jax.adapter import JaxAdapter
from dlarena.frameworks.jax.zoo import QUICK_COMPILE
from dlarena.frameworks.keras.adapter import KerasAdapter
from dlarena.workloads.base import Workload

KERAS = "keras-jax"  # the registry entry whose adapter runs Keras models on this framework
MODES = {"eager": "eager", "jit": "xla"}  # JAX mode -> the Keras-on-JAX switch that is the same thing


class KerasOnJaxAdapter(KerasAdapter):
    def __init__(self, info: FrameworkInfo):
        super().__init__(frameworks.info(KERAS))  # sets KERAS_BACKEND=jax; refuses Keras on another backend
        self.jax = JaxAdapter(info)  # device choice, thread record, device memory: JAX's own
        self.parity_mode = self.float64_mode = "jit"
        self.compiled_gradients = True
        self.compiler_options = QUICK_COMPILE  # compiled for one call: XLA's quickest compilation

    def _switches(self, mode: str) -> dict:
        if mode not in MODES:
            raise ValueError(f"unknown JAX mode '{mode}' for a keras-hub model; valid: {', '.join(MODES)}")
        return super()._switches(MODES[mode])

    def build(self, workload: Workload, params: dict[str, np.ndarray]):
        """The Keras adapter's build, with the random initializers of floating-point weights skipped:
        on JAX each compiles on its own (8 of the 1-layer tiny Llama's 8.5 s build, under load), and
        the canonical parameters replace every weight (the weight map's coverage is checked), as JAX's
        own adapter builds Flax models from shapes (``nnx.eval_shape``)."""
        with _zeros_for_float_initializers():
            return super().build(workload, params)

    def select_device(self, device: str) -> str | None:
        reason = self.jax.select_device(device)
        if reason is None:  # Keras puts its arrays on JAX's default device: the one chosen here
            import jax

            jax.config.update("jax_default_device", self.jax.device)
        return reason

    def setup(self, threads: int, interop_threads: int, seed: int) -> dict:
        return {**self.jax.setup(threads, interop_threads, seed), **super().setup(threads, interop_threads, seed),
                "model": "keras-hub on Keras 3's JAX backend"}

    def device_memory(self) -> dict[str, float]:
        return self.jax.device_memory()

    def versions(self) -> dict[str, str]:
        return {**self.jax.versions(), **super().versions()}


@contextlib.contextmanager
def _zeros_for_float_initializers():
    """Keras variables created here start at zeros when floating-point (integer state, e.g. random
    seeds, is initialized as usual). Keras's variable initialization hook, patched for the build only."""
    from keras.src.backend.common.variables import Variable

    original = Variable._initialize_with_initializer

    def zeros_first(variable, initializer):
        if np.issubdtype(np.dtype(variable._dtype), np.floating):
            initializer = lambda shape, dtype=None: np.zeros(shape, dtype)  # noqa: E731
        return original(variable, initializer)

    Variable._initialize_with_initializer = zeros_first
    try:
        yield
    finally:
        Variable._initialize_with_initializer = original
