"""Registry of workloads: name -> package holding ``spec.py`` and one model file per framework.

A workload name may carry parameters: ``mlp@width=1024``, ``resnet50_v1_5@size=tiny``,
``transformer@layers=4,seq=128``. ``get`` passes them to the ``variant(**params)`` function of the
workload's ``spec.py``, which returns a ``Workload`` named by the canonical spelling of the
variant, so every criterion (parity, speed, ...) works on variants without knowing about them.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect

from dlarena.workloads.base import Workload

BUILTIN: dict[str, str] = {
    "mlp": "dlarena.workloads.mlp",
    "cnn": "dlarena.workloads.cnn",
    "transformer": "dlarena.workloads.transformer",
    "resnet50_v1_5": "dlarena.workloads.resnet50_v1_5",
    "resnet50_v2": "dlarena.workloads.resnet50_v2",
    "bert_large": "dlarena.workloads.bert_large",
    "lstm": "dlarena.workloads.lstm",
}

# What runs when no workload is named (and in the quick suite): small enough for a 2-core CPU.
DEFAULT: list[str] = ["mlp", "cnn", "transformer"]

SIZES = ("tiny", "small", "full")


def names() -> list[str]:
    return list(BUILTIN)


def parse(name: str) -> tuple[str, dict[str, object]]:
    """``"mlp@width=64"`` -> ``("mlp", {"width": 64})``. Values are ints, floats or strings."""
    base, _, suffix = name.partition("@")
    params: dict[str, object] = {}
    for item in filter(None, (s.strip() for s in suffix.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise ValueError(f"workload '{name}': parameter '{item}' is not of the form key=value")
        params[key.strip()] = _value(value.strip())
    return base.strip(), params


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
    try:
        return BUILTIN[base_name(name)]
    except KeyError:
        raise KeyError(f"unknown workload '{base_name(name)}'; valid: {', '.join(names())}") from None


def _spec(name: str):
    return importlib.import_module(f"{package_of(name)}.spec")


def parameters(name: str) -> list[str]:
    """The parameters a workload's variants accept (empty if it has none)."""
    variant = getattr(_spec(name), "variant", None)
    return list(inspect.signature(variant).parameters) if variant else []


def supports_size(name: str) -> bool:
    return "size" in parameters(name)


@functools.lru_cache(maxsize=None)
def get(name: str) -> Workload:
    """The workload (or variant) named; KeyError for an unknown workload, ValueError for a bad variant."""
    base, params = parse(name)
    spec = _spec(base)
    if not params:
        return spec.WORKLOAD
    valid = parameters(base)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"workload '{base}' has no parameter '{unknown[0]}'; "
                         f"valid: {', '.join(valid) if valid else 'none (it has no variants)'}")
    if "size" in params and params["size"] not in SIZES:
        raise ValueError(f"workload '{base}': unknown size '{params['size']}'; valid: {', '.join(SIZES)}")
    return dataclasses.replace(spec.variant(**params), name=canonical(base, params))


def with_size(name: str, size: str | None) -> str:
    """``name`` at ``size`` if the workload supports sizes and the name does not fix one already."""
    if size is None or not supports_size(name):
        return name
    base, params = parse(name)
    params.setdefault("size", size)
    return canonical(base, params)


def framework_module(name: str, module: str):
    """The framework-specific model module of a workload (e.g. ``torch_model``)."""
    return importlib.import_module(f"{package_of(name)}.{module}")
