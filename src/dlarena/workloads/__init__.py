"""Registry of workloads: name -> package holding ``spec.py`` and one model file per framework."""

from __future__ import annotations

import importlib

from dlarena.workloads.base import Workload

BUILTIN: dict[str, str] = {
    "mlp": "dlarena.workloads.mlp",
    "cnn": "dlarena.workloads.cnn",
    "transformer": "dlarena.workloads.transformer",
}


def names() -> list[str]:
    return list(BUILTIN)


def package_of(name: str) -> str:
    try:
        return BUILTIN[name]
    except KeyError:
        raise KeyError(f"unknown workload '{name}'; valid: {', '.join(names())}") from None


def get(name: str) -> Workload:
    return importlib.import_module(f"{package_of(name)}.spec").WORKLOAD


def framework_module(name: str, module: str):
    """The framework-specific model module of a workload (e.g. ``torch_model``)."""
    return importlib.import_module(f"{package_of(name)}.{module}")
