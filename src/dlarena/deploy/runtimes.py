"""Runtimes that execute exported artifacts. Each loader imports its library only when called,
pins its threads, and returns a numpy -> numpy callable, so the load cell (a fresh process)
measures exactly what a deployment pays: the runtime's import, the artifact's load, the calls.
ONNX Runtime (which runs artifacts from several frameworks) is here; the others are each in their
framework's folder (``frameworks/<name>/deploy_runtime.py``).

Callers must pass C-contiguous arrays of the manifest's dtype. Not thread-safe (the TFLite
interpreter holds one set of tensors): the server runs every call on one thread.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from dlarena import deploy, frameworks
from dlarena.cell import error_line
from dlarena.deploy.manifest import Manifest

Predict = Callable[[np.ndarray], np.ndarray]


class LoadError(RuntimeError):
    """An artifact its runtime could not load (or a runtime that is not installed): one line that
    names the runtime and the file."""


@dataclass
class Loaded:
    predict: Predict
    runtime: str
    import_s: float  # importing the runtime library in a fresh process
    load_s: float  # reading the artifact into a ready-to-call model
    versions: dict = field(default_factory=dict)


def quiet(ort) -> None:
    """ONNX Runtime's telemetry events off (Windows builds send them; elsewhere a no-op)."""
    disable = getattr(ort, "disable_telemetry_events", None)
    if disable is not None:
        disable()


def _onnxruntime(ort, file: Path, threads: int, interop: int, spin: bool) -> tuple[Predict, dict]:
    quiet(ort)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = interop
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return (lambda x: session.run(None, {name: x})[0]), {"onnxruntime": ort.__version__}


# The shared runtime; every other one is its framework's ``runtime`` plug-in (FrameworkInfo.runtimes).
SHARED_LOADERS = {"onnxruntime": (lambda: "onnxruntime", _onnxruntime, None)}


def loader_of(runtime: str):
    """(library module name fn, loader, before-import fn or None) for ``runtime``."""
    if runtime in SHARED_LOADERS:
        return SHARED_LOADERS[runtime]
    owner = deploy.runtime_owner(runtime)
    loaders = frameworks.plugin_module(owner, "deploy_runtime").LOADERS if owner else {}
    if runtime not in loaders:
        raise ValueError(f"unknown runtime '{runtime}' in the manifest; valid: {', '.join(deploy.runtime_titles())}")
    return loaders[runtime]


def load(folder: Path, manifest: Manifest, threads: int, interop_threads: int = 1, spin: bool = True) -> Loaded:
    """``spin=False`` for a server: ONNX Runtime's intra-op pool busy-waits between calls by default,
    taking the cores that the HTTP stack and its clients need (measured: 1.6-2x fewer req/s on
    2 cores; docs/deployment.md). Micro-benchmarks keep the default."""
    module_name, loader, before_import = loader_of(manifest.runtime)
    if before_import is not None:
        before_import(threads)
    title = deploy.runtime_titles().get(manifest.runtime, manifest.runtime)
    file = Path(folder) / manifest.file
    started = time.perf_counter()
    try:
        module = importlib.import_module(module_name())
    except ImportError as exc:
        raise LoadError(f"cannot load {file} with {title}: the runtime is not installed ({error_line(exc)})") from None
    imported = time.perf_counter()
    try:
        predict, versions = loader(module, file, threads, interop_threads, spin)
    except Exception as exc:  # noqa: BLE001 - whatever the runtime raises on a bad artifact: one line
        raise LoadError(f"cannot load {file} with {title}: {error_line(exc)}") from None
    return Loaded(predict, manifest.runtime, imported - started, time.perf_counter() - imported, versions)


def as_input(x: np.ndarray, manifest: Manifest) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.dtype(manifest.input.dtype))
