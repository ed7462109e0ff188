"""Registry of frameworks. Metadata lives here so the parent process never imports a framework;
the adapter class (which does) is loaded only inside the isolated worker process."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class FrameworkInfo:
    name: str
    display_name: str
    modes: tuple[str, ...]
    import_name: str  # the module whose presence means "installed"
    model_module: str  # file name of this framework's implementation in each workload package
    adapter: str  # "module:Class"
    install_hint: str
    family: str = "native"  # "native": the framework's own idiom; "keras": a Keras 3 backend
    # The modules a user of this framework imports (its public API, for the ease criterion);
    # empty means just import_name.
    api_modules: tuple[str, ...] = ()

    @property
    def user_modules(self) -> tuple[str, ...]:
        return self.api_modules or (self.import_name,)

    def is_installed(self) -> bool:
        return importlib.util.find_spec(self.import_name) is not None


FRAMEWORKS: dict[str, FrameworkInfo] = {
    "torch": FrameworkInfo(
        name="torch",
        display_name="PyTorch",
        modes=("eager", "compile"),
        import_name="torch",
        model_module="torch_model",
        adapter="dlarena.frameworks.torch_adapter:TorchAdapter",
        install_hint="pip install 'dlarena[torch]' (CPU-only build: pip install torch==2.13.0)",
    ),
    "tensorflow": FrameworkInfo(
        name="tensorflow",
        display_name="TensorFlow",
        modes=("eager", "function", "xla"),
        import_name="tensorflow",
        model_module="keras_model",
        adapter="dlarena.frameworks.tensorflow_adapter:TensorFlowAdapter",
        api_modules=("tensorflow", "keras"),
        install_hint="pip install 'dlarena[tensorflow]' (CPU-only: pip install tensorflow-cpu)",
    ),
    "jax": FrameworkInfo(
        name="jax",
        display_name="JAX",
        modes=("eager", "jit"),
        import_name="jax",
        model_module="jax_model",
        adapter="dlarena.frameworks.jax_adapter:JaxAdapter",
        api_modules=("jax", "flax", "optax"),
        install_hint="pip install 'dlarena[jax]' (CPU: pip install jax flax optax)",
    ),
}

# Keras 3 on each of its backends: the same Keras model code (or .keras file) run by another
# engine. Selected explicitly (or by --keras-model), never part of the native default matrix.
KERAS_BACKENDS = {"tensorflow": ("TensorFlow", ("eager", "function", "xla"), "pip install tensorflow-cpu"),
                  "torch": ("PyTorch", ("eager", "compile"), "pip install torch==2.13.0 (CPU build)"),
                  "jax": ("JAX", ("eager", "xla"), "pip install jax")}
for _backend, (_label, _modes, _hint) in KERAS_BACKENDS.items():
    FRAMEWORKS[f"keras-{_backend}"] = FrameworkInfo(
        name=f"keras-{_backend}",
        display_name=f"Keras 3 on {_label}",
        modes=_modes,
        import_name=_backend,
        model_module="keras_model",
        adapter="dlarena.frameworks.keras_adapter:KerasAdapter",
        install_hint=f"{_hint} (Keras 3 runs on it with KERAS_BACKEND={_backend})",
        family="keras",
    )


def names() -> list[str]:
    """The native frameworks (the default selection)."""
    return [name for name, fw in FRAMEWORKS.items() if fw.family == "native"]


def keras_names() -> list[str]:
    return [name for name, fw in FRAMEWORKS.items() if fw.family == "keras"]


def all_modes() -> list[str]:
    seen: dict[str, None] = {}
    for info in FRAMEWORKS.values():
        seen.update(dict.fromkeys(info.modes))
    return list(seen)


def info(name: str) -> FrameworkInfo:
    try:
        return FRAMEWORKS[name]
    except KeyError:
        raise KeyError(f"unknown framework '{name}'; valid: {', '.join(names())}") from None


def load_adapter(name: str):
    module, cls = info(name).adapter.split(":")
    return getattr(importlib.import_module(module), cls)(info(name))
