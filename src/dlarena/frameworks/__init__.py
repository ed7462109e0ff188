"""Registry of frameworks. Metadata lives here so the parent process never imports a framework;
the adapter class (which does) is loaded only inside the isolated worker process."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ExportPath:
    name: str  # the cell's mode, e.g. "onnx"
    framework: str  # source framework (frameworks registry name)
    runtime: str  # what executes the artifact: a key of deploy.runtime_titles()
    title: str
    quantized: bool = False  # compared against the looser int8 tolerance
    served: bool = False  # in the default serving selection (deployment.serve)
    edge: bool = False  # its runtime is made for mobile / edge devices
    legacy: bool = False  # deprecated by its framework; measured, never its framework's native path

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.name}"


# What a framework may plug into: area -> (the file of that area in a framework's folder, what its
# module defines). A criterion looks an area's module up with ``FrameworkInfo.plugin(area)``.
PLUGIN_AREAS = {
    "export": ("export", "EXPORTERS: {export path name: fn(model, example, folder) -> dict}; the paths "
                         "themselves are FrameworkInfo.exports"),
    "deploy_runtime": ("deploy_runtime", "LOADERS: {runtime: (fn() -> library module name, loader(module, file, threads, interop, spin) "
                           "-> (predict, versions), fn(threads) run before the import or None)}; titles in "
                           "FrameworkInfo.runtimes"),
    "training": ("training", "make_optimizer and train_step as this framework's users write them (the ease "
                             "criterion counts this file)"),
    "probes": ("probes", "the debugging probes (see dlarena.frameworks.torch.probes; GRAPH_FORMAT: see "
                               "dlarena.debugging.graphs)"),
    "user_errors": ("user_errors", "the error-probe user code and its NAMES (see dlarena.frameworks.torch.user_errors)"),
    "pretrained": ("zoo", "SOURCES: [ZooSource], the model zoos a user of this framework can load "
                          "(see dlarena.frameworks.torch.zoo)"),
    "zoo": ("zoo", "DESCRIPTION, build(adapter, spec, mode, seed) -> (model, adapter, mode) to time it with, "
                   "parameter_count(model): its zoo ResNet-50"),
    "llm": ("llm", "modes(framework) -> {mode: what it times}, causal_lm(model), parameter_count(lm), "
                   "generator(lm, mode, framework) -> fn(prompt ids, n) -> n greedy ids, logits(lm, ids): "
                   "causal-LM generation as the zoo's users call it (see dlarena.frameworks.torch.llm)"),
    "distributed": ("distributed", "how the data-parallel runtime's workers start, and its names (see "
                                   "dlarena.frameworks.torch.distributed; its worker program: distributed_worker.py)"),
}


@lru_cache(maxsize=None)
def _module_exists(module: str) -> bool:
    # find_spec imports the parent package: a framework folder's __init__ holds metadata only.
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


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
    # The folder (package) holding everything about this framework: each plug-in area is the
    # module of that area's file name in it (PLUGIN_AREAS), when the file exists.
    package: str = ""
    # Per-area overrides (area, module): for a module outside ``package`` (or no package at all,
    # e.g. a framework registered through the entry point keeping its files elsewhere).
    plugins: tuple[tuple[str, str], ...] = ()
    # Deployment: the export paths from this framework (deploy.paths() is assembled from these) and
    # the runtimes its ``runtime`` module loads: (runtime key, title).
    exports: tuple[ExportPath, ...] = ()
    runtimes: tuple[tuple[str, str], ...] = ()
    # Installed distributions recorded in the environment beside user_modules (e.g. a CPU build).
    packages: tuple[str, ...] = ()
    # A framework outside dlarena keeps its built-in workload models in its own package: one
    # module per workload, named like the workload's package (``<models_package>.mlp``).
    models_package: str = ""
    # Where its community figures come from when refreshed: ("github", "owner/repo") and
    # ("pypi", "package") pairs; the first of each kind is the framework's headline figure.
    community: tuple[tuple[str, str], ...] = ()
    # Debugging: stricter variants of its modes, probed and recorded beside them (not scored):
    # (mode, strict mode), e.g. torch.compile with fullgraph=True, to see what breaks it.
    strict_modes: tuple[tuple[str, str], ...] = ()
    # How its CPU intra-op thread pool waits for work, and whether OMP_WAIT_POLICY reaches it
    # (recorded with every run: on a busy machine the wait policy decides how a pool degrades).
    thread_pool: str = ""
    # Whether its own thread setting holds it to one CPU core at one thread. XLA's CPU runtime sizes
    # its Eigen pool from the CPU affinity, and single-threaded Eigen does not cover eager ops: at
    # "one thread" JAX eager used 1.3 cores of 2 and ran 1.6x faster than pinned to one CPU, so a
    # framework that cannot bound itself is pinned to one CPU instead (runner/scheduler.pinned_cpus).
    bounds_one_thread: bool = True
    # Adapters for another framework family's model that this framework's users load, as (model
    # module, "module:Class"): e.g. JAX's for a Keras model (keras-hub's zoo) on Keras's JAX backend,
    # for a workload whose column here runs that model (``Workload.runs_model_of``).
    model_adapters: tuple[tuple[str, str], ...] = ()

    def plugin(self, area: str) -> str | None:
        """The module implementing ``area`` for this framework, or None (the criterion skips it)."""
        if area not in PLUGIN_AREAS:
            raise KeyError(f"unknown plugin area '{area}'; valid: {', '.join(PLUGIN_AREAS)}")
        explicit = dict(self.plugins).get(area)
        if explicit or not self.package:
            return explicit
        module = f"{self.package}.{PLUGIN_AREAS[area][0]}"
        return module if _module_exists(module) else None

    @property
    def user_modules(self) -> tuple[str, ...]:
        return self.api_modules or (self.import_name,)

    @property
    def distributions(self) -> tuple[str, ...]:
        """What the environment record lists the versions of, for this framework."""
        return (*self.user_modules, *self.packages)

    def is_installed(self) -> bool:
        return importlib.util.find_spec(self.import_name) is not None


# Each framework's entry lives in its folder's __init__ (metadata only: no framework import).
from dlarena.frameworks.torch import FRAMEWORK as _torch  # noqa: E402
from dlarena.frameworks.tensorflow import FRAMEWORK as _tensorflow  # noqa: E402
from dlarena.frameworks.jax import FRAMEWORK as _jax  # noqa: E402
from dlarena.frameworks.keras import BACKENDS as _keras_backends  # noqa: E402

FRAMEWORKS: dict[str, FrameworkInfo] = {fw.name: fw for fw in (_torch, _tensorflow, _jax, *_keras_backends)}


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


def distributions() -> list[str]:
    """Every registered framework's installed distributions (for the environment record)."""
    return list(dict.fromkeys(d for fw in FRAMEWORKS.values() for d in fw.distributions))


def display_name(name: str) -> str:
    """The framework's display name; the name itself for one not registered here (a stored run's)."""
    return FRAMEWORKS[name].display_name if name in FRAMEWORKS else name


def color(name: str) -> str:
    return FRAMEWORKS[name].color if name in FRAMEWORKS else "#888888"


def info(name: str) -> FrameworkInfo:
    try:
        return FRAMEWORKS[name]
    except KeyError:
        raise KeyError(f"unknown framework '{name}'; valid: {', '.join(names())}") from None


def load_adapter(name: str, model_module: str | None = None):
    """``name``'s adapter for its own models, or for ``model_module`` (another family's model that
    its users load: ``FrameworkInfo.model_adapters``)."""
    entry = info(name)
    path = entry.adapter if model_module in (None, entry.model_module) else dict(entry.model_adapters).get(model_module)
    if path is None:
        raise LookupError(f"{entry.display_name} has no adapter for {model_module} models")
    module, cls = path.split(":")
    return getattr(importlib.import_module(module), cls)(entry)
