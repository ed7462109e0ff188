"""The interface every framework adapter implements, and the weight-mapping logic they share.

An adapter is the only code that knows a framework's conventions: threads, devices, device
synchronisation, compile modes, memory statistics and parameter layouts. Criteria drive
adapters; workloads never see them.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

import numpy as np

from dlarena import workloads
from dlarena.frameworks import FrameworkInfo
from dlarena.workloads.base import Workload

Predictor = Callable[[Any], Any]
Trainer = Callable[[Any, Any], Any]


class Adapter(Protocol):
    info: FrameworkInfo

    def setup(self, threads: int, interop_threads: int, seed: int) -> dict: ...
    def build(self, workload: Workload, params: dict[str, np.ndarray]) -> Any: ...
    def inputs(self, workload: Workload, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]: ...
    def predictor(self, model: Any, mode: str) -> Predictor: ...
    def trainer(self, model: Any, mode: str, learning_rate: float) -> Trainer: ...
    def loss_and_gradients(self, model: Any, workload: Workload, x: Any, y: Any) -> tuple[float, dict]: ...
    def export_params(self, model: Any, workload: Workload) -> dict[str, np.ndarray]: ...
    def to_numpy(self, value: Any) -> np.ndarray: ...
    def sync(self) -> None: ...
    def device_memory(self) -> dict[str, float]: ...
    def versions(self) -> dict[str, str]: ...
    # device and precision (criteria record "skipped" with the returned reason)
    def select_device(self, device: str) -> str | None: ...
    def precision_unsupported(self, precision: str) -> str | None: ...
    def set_precision(self, precision: str) -> None: ...
    def gemm(self, n: int, precision: str) -> Callable[[], Any]: ...


class AdapterDefaults:
    """What an adapter may leave to defaults: the CPU/GPU choice, fp32 only, no GEMM probe."""

    def select_device(self, device: str) -> str | None:
        if device == "gpu":
            return f"no GPU support in dlarena's {self.info.display_name} adapter yet"
        return None

    def precision_unsupported(self, precision: str) -> str | None:
        """None when ``precision`` can run here, else why not."""
        if precision == "fp32":
            return None
        if precision != "bf16":
            return f"unknown precision '{precision}'"
        return self.bf16_unsupported()

    def bf16_unsupported(self) -> str | None:
        return f"bf16 mixed precision is not implemented for {self.info.display_name} in dlarena yet"

    def set_precision(self, precision: str) -> None:
        pass

    def gemm(self, n: int, precision: str):
        raise NotImplementedError(f"no GEMM peak probe for {self.info.display_name} in dlarena yet")

    def compile_cache_counts(self) -> dict[str, int]:
        """Hits and misses so far in this process of a compilation cache kept across runs ({}: none)."""
        return {}


class WeightMapper:
    """Moves canonical parameters into a framework's parameter dict and back.

    ``to_native(kind, array)`` / ``from_native(kind, array, canonical_shape)`` are the
    framework's layout conventions; the mapper handles names, fused parameters (several
    canonical tensors concatenated on axis 0, e.g. PyTorch's attention in_proj), framework
    parameters with no canonical counterpart (mapped to ``None``: loaded as zeros, left out of
    the records; e.g. PyTorch's second LSTM bias) and checks
    that every parameter on both sides is accounted for, since a silently unloaded weight
    would make parity fail for a confusing reason.
    """

    def __init__(self, workload: Workload, model_module: str, to_native, from_native):
        module = workloads.framework_module(workload.name, model_module)
        mapping = module.weight_map(workload.config) if hasattr(module, "weight_map") else module.WEIGHT_MAP
        self.mapping: dict[str, list[str]] = {
            target: [names] if isinstance(names, str) else list(names or []) for target, names in mapping.items()
        }
        self.workload = workload
        self.to_native = to_native
        self.from_native = from_native

    def check_coverage(self, native_names: set[str]) -> None:
        mapped = {name for names in self.mapping.values() for name in names}
        missing_canonical = set(self.workload.params) - mapped
        unknown_targets = set(self.mapping) - native_names
        unmapped_native = native_names - set(self.mapping)
        problems = []
        if missing_canonical:
            problems.append(f"canonical params not mapped: {sorted(missing_canonical)}")
        if unknown_targets:
            problems.append(f"weight map names missing in the model: {sorted(unknown_targets)}")
        if unmapped_native:
            problems.append(f"model params not in the weight map: {sorted(unmapped_native)}")
        if problems:
            raise ValueError(f"weight map of workload '{self.workload.name}' is inconsistent: " + "; ".join(problems))

    def native_values(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray | None]:
        """Native values per framework parameter; ``None`` for one to be zeroed."""
        out: dict[str, np.ndarray | None] = {}
        for target, names in self.mapping.items():
            if not names:
                out[target] = None
                continue
            parts = [self.to_native(self.workload.params[n].kind, params[n]) for n in names]
            out[target] = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
        return out

    def canonical_values(self, native: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {}
        for target, names in self.mapping.items():
            if target not in native or not names:
                continue
            parts = np.split(native[target], len(names), axis=0) if len(names) > 1 else [native[target]]
            for name, part in zip(names, parts):
                spec = self.workload.params[name]
                out[name] = self.from_native(spec.kind, part, spec.shape)
        return out


def build_keras_model(workload: Workload, model_module: str, mapper: "WeightMapper", params: dict[str, np.ndarray]):
    """Builds a workload's Keras model and assigns the canonical parameters by variable path
    (shared by the TensorFlow adapter and the Keras-3-on-any-backend adapter)."""
    module = workloads.framework_module(workload.name, model_module)
    model = module.build_model(workload.config)
    variables = {v.path: v for v in model.weights}
    mapper.check_coverage(set(variables))
    for target, value in mapper.native_values(params).items():
        variable = variables[target]
        variable.assign(np.zeros(variable.shape, variable.dtype) if value is None else value.reshape(variable.shape))
    return model
