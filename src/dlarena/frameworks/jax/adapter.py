"""JAX adapter: Flax NNX models, optax optimizers, NHWC images, (in, out) kernels, ``jax.jit``.

JAX dispatches asynchronously on every backend, CPU included, so the callables returned here
end with ``block_until_ready``: the clock stops when the result exists, not when it was queued.
"""

from __future__ import annotations

import contextlib
import os

from dlarena.frameworks.compile_cache import use_run_cache  # noqa: E402
from dlarena.frameworks.threads import pin_xla_cpu_threads, xla_cpu_single_threaded  # noqa: E402

# Single-threaded Eigen when the run asks for one thread (recorded), before JAX is imported.
if os.environ.get("OMP_NUM_THREADS") == "1":
    pin_xla_cpu_threads(1)

# Workers of several frameworks share a GPU: take memory as needed, not 75% of it up front.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

# The run's private compilation cache (frameworks/compile_cache.py), every compiled program kept.
if use_run_cache("JAX_COMPILATION_CACHE_DIR", "jax"):
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import jax  # noqa: E402
import numpy as np  # noqa: E402
from flax import nnx  # noqa: E402

from dlarena import workloads  # noqa: E402
from dlarena.frameworks import FrameworkInfo  # noqa: E402
from dlarena.frameworks.base import AdapterDefaults, WeightMapper  # noqa: E402
from dlarena.measure.env import bf16_cpu_unsupported  # noqa: E402
from dlarena.frameworks.jax import training  # noqa: E402
from dlarena.workloads.base import Workload  # noqa: E402


def _to_native(kind: str, array: np.ndarray) -> np.ndarray:
    return array  # canonical layouts are Flax layouts; attention heads are reshaped on assign


def _from_native(kind: str, array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return array.reshape(shape)


def _flat(state) -> dict[str, object]:
    return {"/".join(str(p) for p in path): var for path, var in nnx.to_flat_state(state)}


def _weights(model):
    """The model's parameters and batch statistics: random-number state (e.g. the key
    ``nnx.RNN`` keeps for its carry initializer) is not a weight."""
    return nnx.state(model, nnx.Not(nnx.RngState))


class JaxAdapter(AdapterDefaults):
    def __init__(self, info: FrameworkInfo):
        self.info = info
        self.device = jax.devices()[0]
        self.compute_dtype = None  # None: every layer computes in its parameters' dtype (float32)
        # parity's passes run compiled: op-by-op dispatch compiles every primitive on its own (float64
        # again), ~4x the time of one compilation of the whole step; jit is JAX's idiomatic mode
        self.parity_mode = self.float64_mode = "jit"

    def select_device(self, device: str) -> str | None:
        if device == "gpu" and self.device.platform != "gpu":
            return f"no GPU: jax.devices() lists {self.device.platform} only (jax {jax.__version__})"
        if device == "cpu":
            self.device = jax.devices("cpu")[0]
        return None

    def bf16_unsupported(self) -> str | None:
        if self.device.platform == "gpu":
            major = int(str(getattr(self.device, "compute_capability", "0")).split(".")[0])
            return None if major >= 8 else "bf16 unsupported on this GPU (compute capability < 8.0)"
        return bf16_cpu_unsupported()

    def set_precision(self, precision: str) -> None:
        """Mixed precision as Flax users write it: layers compute in bfloat16 (their ``dtype``)
        over float32 parameters (their ``param_dtype``); applied to the model when built."""
        self.compute_dtype = jax.numpy.bfloat16 if precision == "bf16" else None

    def gemm(self, n: int, precision: str):
        dtype = {"fp32": jax.numpy.float32, "bf16": jax.numpy.bfloat16}[precision]
        a = jax.device_put(jax.random.normal(jax.random.key(0), (n, n)).astype(dtype), self.device)
        b = jax.device_put(jax.random.normal(jax.random.key(1), (n, n)).astype(dtype), self.device)
        matmul = jax.jit(jax.numpy.matmul)
        return lambda: matmul(a, b).block_until_ready()

    def setup(self, threads: int, interop_threads: int, seed: int) -> dict:
        single = xla_cpu_single_threaded()
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return {"device": f"{self.device.platform}:{self.device.id}",
                "intra_op_threads": 1 if single else usable, "inter_op_threads": 1,
                "threads_note": "XLA sizes its CPU thread pool from the CPUs the process may use; dlarena's "
                                "workers are pinned to --threads CPUs, which is how the thread count holds"}

    def _mapper(self, workload: Workload) -> WeightMapper:
        return WeightMapper(workload, self.info.model_module, _to_native, _from_native)

    def build(self, workload: Workload, params: dict[str, np.ndarray]):
        module = workloads.framework_module(workload.name, self.info.model_module)
        # Shapes only, as Flax users restore a checkpoint: the initializers would run (and, op by
        # op, compile) only to be overwritten. A model holding RNG state is built for real, since
        # that state is not loaded from the canonical parameters.
        model = nnx.eval_shape(lambda: module.build_model(workload.config))
        if nnx.state(model, nnx.RngState):
            model = module.build_model(workload.config)
        state = _weights(model)
        flat = dict(nnx.to_flat_state(state))
        by_name = {"/".join(str(p) for p in path): path for path in flat}
        mapper = self._mapper(workload)
        mapper.check_coverage(set(by_name))
        for target, value in mapper.native_values(params).items():
            path = by_name[target]
            shape = flat[path].get_value().shape
            flat[path] = flat[path].replace(jax.numpy.asarray(value.reshape(shape)))
        nnx.update(model, nnx.from_flat_state(list(flat.items())))
        if self.compute_dtype is not None:
            # What ``dtype=jnp.bfloat16`` passed to every Flax layer's constructor does.
            model.set_attributes(dtype=self.compute_dtype, raise_if_not_found=False)
        return model

    def inputs(self, workload: Workload, x: np.ndarray, y: np.ndarray):
        return jax.device_put(x, self.device), jax.device_put(y, self.device)

    def _mode(self, fn, mode: str, *bound):
        """``fn`` with the model (and optimizer) bound, run as ``mode`` asks."""
        if mode == "jit":
            # Flax's own low-overhead form for a fixed model: the module graph is flattened once,
            # not on every call as plain ``nnx.jit`` does (340 us vs 21 us per mlp batch-1 call
            # here); Variable updates (optimizer, BatchNorm statistics) still reach the model.
            return nnx.jit_partial(fn, *bound, graph=False)
        if mode == "eager":  # op-by-op dispatch: every jnp operation is its own XLA call
            return lambda *args: fn(*bound, *args)
        raise ValueError(f"unknown JAX mode '{mode}'; valid: {', '.join(self.info.modes)}")

    def predictor(self, model, mode: str):
        model.eval()
        fn = self._mode(training.predict, mode, model)
        return lambda x: jax.block_until_ready(fn(x))

    def trainer(self, model, mode: str, learning_rate: float):
        model.train()
        optimizer = training.make_optimizer(model, learning_rate)
        fn = self._mode(training.train_step, mode, model, optimizer)
        return lambda x, y: jax.block_until_ready(fn(x, y))

    def loss_and_gradients(self, model, workload: Workload, x, y):
        model.train()
        # jitted: the same function, compiled once, where op-by-op dispatch compiles every primitive
        # of the backward pass on its own (cnn: ~5 s against ~20 s on 2 cores)
        loss, grads = nnx.jit(nnx.value_and_grad(training.compute_loss))(model, x, y)
        native = {name: np.asarray(var.get_value()) for name, var in _flat(grads).items()}
        return float(loss), self._mapper(workload).canonical_values(native)

    def neutralise_randomness(self, model) -> dict[str, list[str]]:
        """Flax dropout (``nnx.Dropout`` and the attention's ``dropout_rate``) at rate 0. (Other
        random draws are not detected here: modules keep RNG state for harmless uses too.)"""
        disabled, remaining = [], []
        for path, module in nnx.iter_modules(model):
            name = ".".join(str(p) for p in path) or type(module).__name__
            if isinstance(module, nnx.Dropout):
                if module.rate > 0:
                    module.rate = 0.0
                    disabled.append(name)
            elif getattr(module, "dropout_rate", 0) > 0:
                module.dropout_rate = 0.0
                disabled.append(f"{name}.dropout_rate")
        return {"disabled": disabled, "remaining": remaining}

    @contextlib.contextmanager
    def float64(self):
        previous = jax.config.read("jax_enable_x64")
        jax.config.update("jax_enable_x64", True)
        try:
            yield
        finally:
            jax.config.update("jax_enable_x64", previous)

    def float64_model(self, workload: Workload, params: dict[str, np.ndarray]):
        model = self.build(workload, params)
        state = nnx.state(model, nnx.Not(nnx.RngState))
        nnx.update(model, jax.tree.map(lambda a: a.astype(jax.numpy.float64)
                                       if jax.numpy.issubdtype(a.dtype, jax.numpy.floating) else a, state))
        return model

    def export_params(self, model, workload: Workload) -> dict[str, np.ndarray]:
        native = {name: np.asarray(var.get_value()) for name, var in _flat(_weights(model)).items()}
        return self._mapper(workload).canonical_values(native)

    def to_numpy(self, value) -> np.ndarray:
        return np.asarray(value)

    def sync(self) -> None:
        pass  # the callables above already block until their result is ready

    def device_memory(self) -> dict[str, float]:
        if self.device.platform != "gpu":
            return {}
        stats = self.device.memory_stats() or {}
        return {"gpu_peak_allocated_mb": stats.get("peak_bytes_in_use", 0) / 2**20}

    def versions(self) -> dict[str, str]:
        import flax
        import optax

        return {"jax": jax.__version__, "flax": flax.__version__, "optax": optax.__version__}
