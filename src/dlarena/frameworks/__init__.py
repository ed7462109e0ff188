"""Registry of frameworks. Metadata lives here so the parent process never imports a framework;
the adapter class (which does) is loaded only inside the isolated worker process."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass


# What a framework may plug into, and the module attribute each area's criterion reads.
PLUGIN_AREAS = {
    "deploy": "EXPORTERS: {export path name: fn(model, example, folder) -> dict}",
    "debug_probes": "the debugging probes (see dlarena.debugging.torch_probes; GRAPH_FORMAT: see dlarena.debugging.graphs)",
    "ease_user": "the error-probe user code and its NAMES (see dlarena.ease.user_torch)",
    "pretrained": "SOURCES: [ZooSource], the model zoos a user of this framework can load (see dlarena.pretrained.torch_zoo)",
    "zoo": "DESCRIPTION, build(adapter, spec, mode, seed) -> (model, adapter, mode) to time it with, parameter_count(model): its zoo ResNet-50",
    "distributed": "how the data-parallel runtime's workers start, and its names (see dlarena.distributed.runtime_torch)",
}


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
    image_layout: str = "NHWC"  # how this framework's models take images
    color: str = "#888888"  # in every plot
    # Per-criterion code for this framework, by area (see PLUGIN_AREAS). A criterion looks its
    # module up here, so a new framework registers its pieces in this one place.
    plugins: tuple[tuple[str, str], ...] = ()
    # A framework outside dlarena keeps its built-in workload models in its own package: one
    # module per workload, named like the workload's package (``<models_package>.mlp``).
    models_package: str = ""
    # Where its community figures come from when refreshed: ("github", "owner/repo") and
    # ("pypi", "package") pairs; the first of each kind is the framework's headline figure.
    community: tuple[tuple[str, str], ...] = ()
    # Debugging: stricter variants of its modes, probed and recorded beside them (not scored):
    # (mode, strict mode), e.g. torch.compile with fullgraph=True, to see what breaks it.
    strict_modes: tuple[tuple[str, str], ...] = ()

    def plugin(self, area: str) -> str | None:
        """The module implementing ``area`` for this framework, or None (the criterion skips it)."""
        if area not in PLUGIN_AREAS:
            raise KeyError(f"unknown plugin area '{area}'; valid: {', '.join(PLUGIN_AREAS)}")
        return dict(self.plugins).get(area)

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
        image_layout="NCHW",
        color="#ee4c2c",
        plugins=(("deploy", "dlarena.deploy.export_torch"), ("debug_probes", "dlarena.debugging.torch_probes"),
                 ("ease_user", "dlarena.ease.user_torch"), ("pretrained", "dlarena.pretrained.torch_zoo"),
                 ("zoo", "dlarena.pretrained.torch_zoo"),
                 ("distributed", "dlarena.distributed.runtime_torch")),
        community=(("github", "pytorch/pytorch"), ("pypi", "torch")),
        strict_modes=(("compile", "compile-fullgraph"),),
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
        color="#ff9f00",
        plugins=(("deploy", "dlarena.deploy.export_tf"), ("debug_probes", "dlarena.debugging.keras_probes"),
                 ("ease_user", "dlarena.ease.user_keras"), ("pretrained", "dlarena.pretrained.tensorflow_zoo"),
                 ("zoo", "dlarena.pretrained.tensorflow_zoo"),
                 ("distributed", "dlarena.distributed.runtime_tf")),
        community=(("github", "tensorflow/tensorflow"), ("pypi", "tensorflow")),
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
        color="#5e97f6",
        plugins=(("deploy", "dlarena.deploy.export_jax"), ("debug_probes", "dlarena.debugging.jax_probes"),
                 ("ease_user", "dlarena.ease.user_jax"), ("distributed", "dlarena.distributed.runtime_jax"),
                 ("pretrained", "dlarena.pretrained.jax_zoo"), ("zoo", "dlarena.pretrained.jax_zoo")),
        community=(("github", "jax-ml/jax"), ("github", "google/flax"), ("pypi", "jax"), ("pypi", "flax")),
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


ENTRY_POINT_GROUP = "dlarena.frameworks"


def load_plugins() -> list[str]:
    """Register the frameworks installed packages declare in the entry-point group
    ``dlarena.frameworks`` (each entry a FrameworkInfo, in a module that does not import the
    framework itself). A broken declaration is reported and left out, never the end of dlarena."""
    from importlib.metadata import entry_points

    added = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            fw = ep.load()
            if not isinstance(fw, FrameworkInfo):
                raise TypeError(f"{ep.value} is a {type(fw).__name__}, not a dlarena FrameworkInfo")
            if FRAMEWORKS.get(fw.name, fw) != fw:
                raise ValueError(f"the name '{fw.name}' is already registered")
        except Exception as exc:  # noqa: BLE001 - someone else's package must not break dlarena
            print(f"dlarena: ignoring framework plug-in '{ep.name}' ({ep.value}): {exc}", file=sys.stderr)
            continue
        FRAMEWORKS[fw.name] = fw
        added.append(fw.name)
    return added


load_plugins()


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


def with_plugin(area: str, selected) -> list[str]:
    """Those of ``selected`` that implement ``area``, in their order."""
    return [name for name in selected if name in FRAMEWORKS and FRAMEWORKS[name].plugin(area)]


def plugin_module(name: str, area: str):
    """Import the module implementing ``area`` for ``name`` (inside a worker process)."""
    module = info(name).plugin(area)
    if module is None:
        raise LookupError(f"{info(name).display_name} has no '{area}' implementation")
    return importlib.import_module(module)


def color(name: str) -> str:
    return FRAMEWORKS[name].color if name in FRAMEWORKS else "#888888"


def info(name: str) -> FrameworkInfo:
    try:
        return FRAMEWORKS[name]
    except KeyError:
        raise KeyError(f"unknown framework '{name}'; valid: {', '.join(names())}") from None


def load_adapter(name: str):
    module, cls = info(name).adapter.split(":")
    return getattr(importlib.import_module(module), cls)(info(name))
