"""Deployment: export paths, the runtimes that execute their artifacts, an HTTP server and a
load generator. Each framework declares its export paths and runtimes in its registry entry
(FrameworkInfo.exports / .runtimes; ExportPath is the registry's) and implements them in its folder
(export.py, deploy_runtime.py);
what is here is framework-neutral. Nothing here imports a framework, so the parent process
(planning, CLI, report) stays light; exporters and runtimes import theirs when called, inside
the isolated cell or the server process."""

from __future__ import annotations

from dlarena import frameworks
from dlarena.frameworks import ExportPath  # noqa: F401 (the deployment vocabulary)

# Runtimes no one framework owns (the others are each framework's FrameworkInfo.runtimes).
SHARED_RUNTIMES: dict[str, str] = {"onnxruntime": "ONNX Runtime"}


def paths() -> tuple[ExportPath, ...]:
    """Every registered framework's export paths (FrameworkInfo.exports), in registry order."""
    return tuple(p for fw in frameworks.FRAMEWORKS.values() for p in fw.exports)


def runtime_titles() -> dict[str, str]:
    """runtime key -> title, for every runtime an export path can name."""
    owned = {key: title for fw in frameworks.FRAMEWORKS.values() for key, title in fw.runtimes}
    return {**owned, **SHARED_RUNTIMES}


def runtime_owner(runtime: str) -> str | None:
    """The framework whose ``runtime`` module loads ``runtime`` (None: a shared runtime)."""
    return next((fw.name for fw in frameworks.FRAMEWORKS.values() if runtime in dict(fw.runtimes)), None)


def path_keys() -> list[str]:
    return [p.key for p in paths()]


def served_keys() -> list[str]:
    return [p.key for p in paths() if p.served]


def get_path(framework: str, name: str) -> ExportPath:
    for p in paths():
        if p.framework == framework and p.name == name:
            return p
    raise KeyError(f"unknown export path '{framework}:{name}'; valid: {', '.join(path_keys())}")


def select(names: list[str]) -> list[ExportPath]:
    """Paths named as 'framework:path' or a bare path name (every framework that has it)."""
    chosen: dict[str, ExportPath] = {}
    for name in names:
        matches = [p for p in paths() if name in (p.key, p.name)]
        if not matches:
            raise ValueError(f"unknown export path '{name}'; valid: {', '.join(path_keys())}")
        chosen.update({p.key: p for p in matches})
    return [p for p in paths() if p.key in chosen]
