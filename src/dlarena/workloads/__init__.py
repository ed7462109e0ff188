"""Registry of workloads: name -> module holding ``WORKLOAD`` and one model per framework.

Three sources, resolved in this order:
- the built-in packages (``BUILTIN``: ``spec.py`` plus ``torch_model.py`` / ``keras_model.py``);
- user sources: a Python file or package directory given with ``dlarena run --workload PATH``
  (listed in ``$DLARENA_USER_WORKLOADS`` so that the isolated worker processes resolve them
  too), and Keras 3 model files given with ``--keras-model`` (``$DLARENA_KERAS_MODELS``);
- installed packages registering workloads under the entry-point group ``dlarena.workloads``
  (``name = "package.module"``).

A workload name may carry parameters: ``mlp@width=1024``, ``resnet50_v1_5@size=tiny``,
``transformer@layers=4,seq=128``. ``get`` passes them to the ``variant(**params)`` function of the
workload's spec, which returns a ``Workload`` named by the canonical spelling of the variant, so
every criterion (parity, speed, ...) works on variants without knowing about them.

A user module has the built-ins' interface: ``WORKLOAD`` (a ``Workload``) at its top level or in
a ``spec`` submodule, and per framework an attribute or submodule named after the framework's
``model_module`` (``torch_model``, ``keras_model``) exposing ``build_model(config)`` and
``WEIGHT_MAP`` or ``weight_map(config)``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
import traceback
from functools import lru_cache
from pathlib import Path

from dlarena.workloads.base import Workload

BUILTIN: dict[str, str] = {
    "mlp": "dlarena.workloads.mlp",
    "cnn": "dlarena.workloads.cnn",
    "transformer": "dlarena.workloads.transformer",
    "resnet50_v1_5": "dlarena.workloads.resnet50_v1_5",
    "resnet50_v2": "dlarena.workloads.resnet50_v2",
    "bert_large": "dlarena.workloads.bert_large",
    "lstm": "dlarena.workloads.lstm",
    "llama": "dlarena.workloads.llama",
    "bert": "dlarena.workloads.bert",
    "vit": "dlarena.workloads.vit",
}
# What runs when no workload is named (and in the quick suite): small enough for a 2-core CPU.
DEFAULT: list[str] = ["mlp", "cnn", "transformer"]
# The zoo models: the architectures as HF transformers (PyTorch) and keras-hub (Keras 3) ship them.
ZOO: list[str] = ["llama", "bert", "vit"]
SIZES = ("tiny", "small", "full")
USER_SOURCES_ENV = "DLARENA_USER_WORKLOADS"
KERAS_MODELS_ENV = "DLARENA_KERAS_MODELS"
ENTRY_POINT_GROUP = "dlarena.workloads"
# Names reach cell ids ("/"-separated), file names and reports: no separators, dots or controls.
BASE_NAME = re.compile(r"\w[\w-]*")
PARAMETER_KEY = re.compile(r"[A-Za-z_]\w*")
PARAMETER_VALUE = re.compile(r"[\w+-]+(\.[\w+-]+)*")  # 4, 0.5, 1e-3, gelu; never ".."
MAX_NAME = 100  # characters of a name with its parameters: it becomes part of file and folder names
NAME_RULE = ("a workload name holds only letters, digits, '_' and '-', and its parameters are key=value "
             "pairs of the same characters (values may hold '.', '+'), e.g. transformer@layers=4,seq=128")


class WorkloadError(ValueError):
    """A user workload that cannot be used; the CLI prints it as one line and exits with code 2."""


def names() -> list[str]:
    """The built-in workloads."""
    return list(BUILTIN)


def available() -> list[str]:
    """Every selectable name: built-ins, registered user sources, then installed entry points."""
    return list(dict.fromkeys([*BUILTIN, *_user_modules(), *_keras_workloads(), *_entry_points()]))


def parse(name: str) -> tuple[str, dict[str, object]]:
    """``"mlp@width=64"`` -> ``("mlp", {"width": 64})``. Values are ints, floats or strings."""
    _check_length(name)
    base, _, suffix = name.partition("@")
    params: dict[str, object] = {}
    for item in filter(None, (s.strip() for s in suffix.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise ValueError(f"workload '{name}': parameter '{item}' is not of the form key=value")
        params[key.strip()] = _value(value.strip())
    base = base.strip()
    if not (BASE_NAME.fullmatch(base) and all(PARAMETER_KEY.fullmatch(k) and PARAMETER_VALUE.fullmatch(str(v))
                                              for k, v in params.items())):
        raise WorkloadError(f"invalid workload name {name!r}: {NAME_RULE}")
    return base, params


def _check_length(name: str, where: str = "") -> None:
    if len(name) > MAX_NAME:
        raise WorkloadError(f"{where}workload name {name[:24]!r}... has {len(name)} characters; "
                            f"at most {MAX_NAME}")


def _value(text: str) -> object:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def canonical(base: str, params: dict[str, object]) -> str:
    """The one spelling of a variant (sorted parameters), used as its name and in cell ids."""
    if not params:
        return base
    return base + "@" + ",".join(f"{k}={params[k]}" for k in sorted(params))


def base_name(name: str) -> str:
    return name.partition("@")[0].strip()


def package_of(name: str) -> str:
    base = base_name(name)
    if base in BUILTIN:
        return BUILTIN[base]
    if base in _user_modules():
        return _user_modules()[base]
    if base in _entry_points():
        return _entry_points()[base]
    raise KeyError(f"unknown workload '{base}'; valid: {', '.join(available())}")


def _spec(name: str):
    """The module holding ``WORKLOAD`` (and ``variant``): the workload module or its ``spec``."""
    module = importlib.import_module(package_of(name))
    if hasattr(module, "WORKLOAD"):
        return module
    return importlib.import_module(f"{module.__name__}.spec")


def parameters(name: str) -> list[str]:
    """The parameters a workload's variants accept (empty if it has none)."""
    variant = getattr(_spec(name), "variant", None)
    return list(inspect.signature(variant).parameters) if variant else []


def supports_size(name: str) -> bool:
    return name not in _keras_workloads() and "size" in parameters(name)


def get(name: str) -> Workload:
    """The workload (or variant) named; KeyError for an unknown workload, ValueError for a bad variant."""
    if name in _keras_workloads():
        return _keras_workloads()[name]
    base, params = parse(name)
    if params:
        return _variant(base, tuple(sorted(params.items())))
    module = _spec(base)
    workload = module.WORKLOAD
    if workload.name != base:  # adapters find a workload's models by its WORKLOAD.name
        raise WorkloadError(f"workload registered as '{base}' ({module.__name__}) names itself '{workload.name}'")
    return workload


def described(names: list[str]) -> dict[str, dict]:
    """What a report says about each workload, stored with the run (``env["workloads"]``): a report
    reads it from the rows and never imports a workload named in a results file."""
    out = {}
    for name in names:
        try:
            workload = get(name)
            out[name] = {"description": workload.description, "parameter_count": workload.parameter_count}
        except Exception:  # noqa: BLE001 - a workload the run will report as failed: nothing to describe
            continue
    return out


@lru_cache(maxsize=None)
def _variant(base: str, items: tuple) -> Workload:
    params = dict(items)
    valid = parameters(base)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"workload '{base}' has no parameter '{unknown[0]}'; "
                         f"valid: {', '.join(valid) if valid else 'none (it has no variants)'}")
    if "size" in params and params["size"] not in SIZES:
        raise ValueError(f"workload '{base}': unknown size '{params['size']}'; valid: {', '.join(SIZES)}")
    return dataclasses.replace(_spec(base).variant(**params), name=canonical(base, params))


def with_size(name: str, size: str | None) -> str:
    """``name`` at ``size`` if the workload supports sizes and the name does not fix one already."""
    if size is None or not supports_size(name):
        return name
    base, params = parse(name)
    params.setdefault("size", size)
    return canonical(base, params)


def implements(name: str, module: str) -> bool:
    """Whether a workload has a model for a framework (e.g. ``jax_model``), without importing it;
    for a framework whose column runs another model module (``Workload.runs_model_of``), that one."""
    if name in _keras_workloads():
        return module == "keras_model"
    package = importlib.import_module(package_of(name))
    module = get(name).model_module_for(module)
    if hasattr(package, module):
        return True
    own = [f"{package.__name__}.{module}"] if hasattr(package, "__path__") else []
    return any(_module_exists(m) for m in [*own, *_plugin_model_modules(package.__name__, module)])


def column_label(name: str, framework: str) -> str:
    """A framework's name on this workload's column, saying what the column runs when its users
    load another framework family's model: "JAX (keras-hub on JAX)" on the zoo models."""
    from dlarena import frameworks

    display = frameworks.display_name(framework)
    if base_name(name) not in BUILTIN or framework not in frameworks.FRAMEWORKS:
        return display  # reports never import a workload named in a results file: built-ins only
    try:
        note = get(name).column_note(frameworks.info(framework).model_module)
    except (KeyError, ValueError):  # a variant this version does not know
        return display
    return f"{display} ({note})" if note else display


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def framework_module(name: str, module: str):
    """The framework-specific model of a workload (e.g. ``torch_model``): an attribute of the
    workload module, or its submodule."""
    if name in _keras_workloads():
        from dlarena.workloads import keras_file

        return keras_file.model_module(_keras_workloads()[name], module)
    package = importlib.import_module(package_of(name))
    if hasattr(package, module):
        return getattr(package, module)
    for candidate in [f"{package.__name__}.{module}", *_plugin_model_modules(package.__name__, module)]:
        try:
            return importlib.import_module(candidate)
        except ModuleNotFoundError as exc:
            if exc.name != candidate:
                raise  # the model module exists but imports something missing: the user's real error
    raise KeyError(f"workload '{name}' has no '{module}' (neither an attribute nor a submodule "
                   f"of {package.__name__})")


def _plugin_model_modules(package: str, module: str) -> list[str]:
    """Where a framework registered from outside dlarena keeps this workload's model."""
    from dlarena import frameworks

    leaf = package.rsplit(".", 1)[-1]
    return [f"{fw.models_package}.{leaf}" for fw in frameworks.FRAMEWORKS.values()
            if fw.model_module == module and fw.models_package]


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
    from concurrent.futures import ThreadPoolExecutor

    from dlarena.workloads import keras_file

    sources = [str(Path(p).expanduser().resolve()) for p in paths]
    # Each inspection is a process importing Keras (~5 s): several files are inspected side by side
    # (nothing is timed yet); the first failing file, in the given order, is the error reported.
    with ThreadPoolExecutor(max(1, min(len(sources), os.cpu_count() or 1, 4))) as pool:
        specs = list(pool.map(lambda source: keras_file.prepare(source, input_shape), sources))
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
    _check_length(workload.name, f"workload module {path}: ")
    if workload.name in BUILTIN:
        raise WorkloadError(f"workload module {path} uses the built-in name '{workload.name}'; rename its WORKLOAD")
    if not BASE_NAME.fullmatch(workload.name):
        raise WorkloadError(f"workload module {path} names its WORKLOAD {workload.name!r}: a workload name holds "
                            "only letters, digits, '_' and '-'")
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
