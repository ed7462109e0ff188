"""Registry of workloads: name -> module holding ``WORKLOAD`` and one model per framework.

Three sources, resolved in this order:
- the built-in packages (``BUILTIN``: ``spec.py`` plus ``torch_model.py`` / ``keras_model.py``);
- user sources: a Python file or package directory given with ``dlarena run --workload PATH``
  (listed in ``$DLARENA_USER_WORKLOADS`` so that the isolated worker processes resolve them
  too), and Keras 3 model files given with ``--keras-model`` (``$DLARENA_KERAS_MODELS``);
- installed packages registering workloads under the entry-point group ``dlarena.workloads``
  (``name = "package.module"``).

A user module has the built-ins' interface: ``WORKLOAD`` (a ``Workload``) at its top level or in
a ``spec`` submodule, and per framework an attribute or submodule named after the framework's
``model_module`` (``torch_model``, ``keras_model``) exposing ``build_model(config)`` and
``WEIGHT_MAP`` or ``weight_map(config)``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import traceback
from functools import lru_cache
from pathlib import Path

from dlarena.workloads.base import Workload

BUILTIN: dict[str, str] = {
    "mlp": "dlarena.workloads.mlp",
    "cnn": "dlarena.workloads.cnn",
    "transformer": "dlarena.workloads.transformer",
}
USER_SOURCES_ENV = "DLARENA_USER_WORKLOADS"
KERAS_MODELS_ENV = "DLARENA_KERAS_MODELS"
ENTRY_POINT_GROUP = "dlarena.workloads"


class WorkloadError(ValueError):
    """A user workload that cannot be used; the CLI prints it as one line and exits with code 2."""


def names() -> list[str]:
    """The built-in workloads (the default selection of every suite)."""
    return list(BUILTIN)


def available() -> list[str]:
    """Every selectable name: built-ins, registered user sources, then installed entry points."""
    return list(dict.fromkeys([*BUILTIN, *_user_modules(), *_keras_workloads(), *_entry_points()]))


def package_of(name: str) -> str:
    if name in BUILTIN:
        return BUILTIN[name]
    if name in _user_modules():
        return _user_modules()[name]
    if name in _entry_points():
        return _entry_points()[name]
    raise KeyError(f"unknown workload '{name}'; valid: {', '.join(available())}")


def get(name: str) -> Workload:
    if name in _keras_workloads():
        return _keras_workloads()[name]
    module = importlib.import_module(package_of(name))
    workload = getattr(module, "WORKLOAD", None)
    if workload is None:
        workload = importlib.import_module(f"{module.__name__}.spec").WORKLOAD
    if workload.name != name:  # adapters find a workload's models by its WORKLOAD.name
        raise WorkloadError(f"workload registered as '{name}' ({module.__name__}) names itself '{workload.name}'")
    return workload


def implements(name: str, module: str) -> bool:
    """Whether a workload has a model for a framework (e.g. ``jax_model``), without importing it."""
    if name in _keras_workloads():
        return module == "keras_model"
    package = importlib.import_module(package_of(name))
    if hasattr(package, module):
        return True
    return hasattr(package, "__path__") and importlib.util.find_spec(f"{package.__name__}.{module}") is not None


def framework_module(name: str, module: str):
    """The framework-specific model of a workload (e.g. ``torch_model``): an attribute of the
    workload module, or its submodule."""
    if name in _keras_workloads():
        from dlarena.workloads import keras_file

        return keras_file.model_module(_keras_workloads()[name], module)
    package = importlib.import_module(package_of(name))
    if hasattr(package, module):
        return getattr(package, module)
    try:
        return importlib.import_module(f"{package.__name__}.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package.__name__}.{module}":
            raise  # the model module exists but imports something missing: the user's real error
        raise KeyError(f"workload '{name}' has no '{module}' (neither an attribute nor a submodule "
                       f"of {package.__name__})") from None


# --- user sources -------------------------------------------------------------------------------


def _env_paths(var: str) -> tuple[str, ...]:
    return tuple(p for p in os.environ.get(var, "").split(os.pathsep) if p)


def register_sources(paths: list[str]) -> list[str]:
    """Loads user workload files/directories, makes them visible to worker processes (via the
    environment) and returns their workload names. Raises ``WorkloadError`` with one line."""
    resolved = [str(Path(p).expanduser().resolve()) for p in paths]
    found = []
    for path in resolved:
        found.append(load_source(path))
    _add_env(USER_SOURCES_ENV, resolved)
    return [name for name, _ in found]


def register_keras_models(paths: list[str], input_shape: tuple[int, ...] | None = None) -> list[str]:
    """Inspects Keras 3 model files (in an isolated process) and registers one workload each;
    the environment lists their inspected specs, so worker processes never re-inspect."""
    from dlarena.workloads import keras_file

    specs = [keras_file.prepare(str(Path(p).expanduser().resolve()), input_shape) for p in paths]
    _add_env(KERAS_MODELS_ENV, specs)
    return [keras_file.load(spec).name for spec in specs]


def _add_env(var: str, paths: list[str]) -> None:
    current = list(_env_paths(var))
    os.environ[var] = os.pathsep.join(dict.fromkeys([*current, *paths]))


def _module_name(path: Path) -> str:
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return f"dlarena_user_{stem}_{digest}"


def load_source(path: str) -> tuple[str, str]:
    """Imports a workload file or package directory; returns (workload name, module name)."""
    source = Path(path)
    if not source.exists():
        raise WorkloadError(f"workload source not found: {path}")
    module_name = _module_name(source)
    if module_name in sys.modules:
        module = sys.modules[module_name]
    else:
        if source.is_dir():
            init = source / "__init__.py"
            if not init.exists():
                raise WorkloadError(f"workload directory {path} is not a Python package (no __init__.py)")
            spec = importlib.util.spec_from_file_location(module_name, init, submodule_search_locations=[str(source)])
        elif source.suffix == ".py":
            spec = importlib.util.spec_from_file_location(module_name, source)
        else:
            raise WorkloadError(f"workload source {path} is neither a .py file nor a package directory")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:
            del sys.modules[module_name]
            raise WorkloadError(f"workload module {path} does not import: {type(exc).__name__}: {exc}\n"
                                + user_traceback(exc, str(source))) from None
    try:
        workload = getattr(module, "WORKLOAD", None) or importlib.import_module(f"{module_name}.spec").WORKLOAD
    except (ImportError, AttributeError):
        workload = None
    if not isinstance(workload, Workload):
        raise WorkloadError(f"workload module {path} defines no WORKLOAD (a dlarena.workloads.base.Workload)")
    if workload.name in BUILTIN:
        raise WorkloadError(f"workload module {path} uses the built-in name '{workload.name}'; rename its WORKLOAD")
    return workload.name, module_name


def user_traceback(exc: BaseException, under: str) -> str:
    """The traceback frames in the user's own files (the rest is dlarena's or Python's machinery)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(under)]
    return "".join(traceback.format_list(frames)).rstrip() if frames else ""


def _user_modules() -> dict[str, str]:
    return _load_user_modules(_env_paths(USER_SOURCES_ENV))


@lru_cache(maxsize=8)
def _load_user_modules(paths: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for path in paths:
        name, module_name = load_source(path)
        out[name] = module_name
    return out


def _keras_workloads() -> dict[str, Workload]:
    return _load_keras_workloads(_env_paths(KERAS_MODELS_ENV))


@lru_cache(maxsize=8)
def _load_keras_workloads(paths: tuple[str, ...]) -> dict[str, Workload]:
    if not paths:
        return {}
    from dlarena.workloads import keras_file

    workloads = [keras_file.load(path) for path in paths]
    return {w.name: w for w in workloads}


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value.split(":")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)}
