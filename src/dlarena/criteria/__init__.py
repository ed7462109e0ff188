"""The registry of criteria: each built-in criterion is a folder here (``criteria/<name>/``, its
package exposing ``CRITERION``, an instance of ``base.Criterion``), and installed packages add more
through the entry-point group ``dlarena.criteria`` (docs/adding-a-criterion.md). Every list of
criteria elsewhere (the suite's options and choices, the recommendation's weights, the report's
sections, the demo) is derived from ``registered()``, in the criteria's ``order``.

Criteria are discovered when this package is imported, so an installed plug-in's options are part
of the suite configuration from the start. A broken plug-in is reported and left out, never the
end of dlarena.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from dlarena.criteria.base import Criterion, NoOptions, Selection

__all__ = ["Criterion", "NoOptions", "Selection", "ENTRY_POINT_GROUP", "registered", "names", "load",
           "weighed", "title", "load_plugins"]

ENTRY_POINT_GROUP = "dlarena.criteria"
_REGISTRY: dict[str, Criterion] = {}


def _add(criterion: Criterion, origin: str) -> None:
    if not isinstance(criterion, Criterion):
        raise TypeError(f"{origin} is a {type(criterion).__name__}, not a dlarena Criterion instance")
    for attr in ("name", "title", "order"):
        if not hasattr(criterion, attr):
            raise TypeError(f"{origin} does not set '{attr}'")
    known = _REGISTRY.get(criterion.name)
    if known is not None and type(known) is not type(criterion):
        raise ValueError(f"the criterion name '{criterion.name}' is already registered")
    _REGISTRY[criterion.name] = criterion


def _builtin() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}")
            _add(module.CRITERION, f"{module.__name__}.CRITERION")


def load_plugins() -> list[str]:
    """Register the criteria installed packages declare in ``dlarena.criteria`` (each entry a
    Criterion instance or subclass)."""
    from importlib.metadata import entry_points

    added = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found = ep.load()
            criterion = found() if isinstance(found, type) and issubclass(found, Criterion) else found
            if criterion.name in _REGISTRY and type(_REGISTRY[criterion.name]) is type(criterion):
                continue  # already registered (a second call)
            _add(criterion, ep.value)
        except Exception as exc:  # noqa: BLE001 - someone else's package must not break dlarena
            print(f"dlarena: ignoring criterion plug-in '{ep.name}' ({ep.value}): {exc}", file=sys.stderr)
            continue
        added.append(criterion.name)
    return added


def registered() -> list[Criterion]:
    """Every criterion, in order."""
    return sorted(_REGISTRY.values(), key=lambda c: (c.order, c.name))


def names() -> list[str]:
    return [c.name for c in registered()]


def load(name: str) -> Criterion:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown criterion '{name}'; valid: {', '.join(names())}") from None


def weighed() -> list[str]:
    """The criteria whose scores the recommendation weighs, in order."""
    return [c.name for c in registered() if c.weighed]


def title(name: str) -> str:
    """A criterion's title; the name itself for one not registered here (a stored run's)."""
    return _REGISTRY[name].title if name in _REGISTRY else name


_builtin()
load_plugins()
