"""Bring your own model, way 3: a model written in one framework, converted to the other.

Two routes exist: PyTorch -> ONNX -> TensorFlow (onnx2tf) and Keras -> ONNX -> PyTorch
(onnx2torch). dlarena checks, before a run starts, whether the converter works on the installed
stack and otherwise says why in one line (exit code 2); it never patches a converter's
internals to force a path. A converter is probed in a subprocess, because importing it loads a
framework (and onnx2torch loads torchvision), which the parent process must not do.

Where a converter works, its twin is labelled "converted by <tool> <version>" wherever it
appears; on this project's reference stack (torch 2.13.0 CPU, tensorflow-cpu 2.21, numpy 2.4)
neither does (see docs/custom-workloads.md), so ``check`` always explains why.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Converter:
    name: str
    source: str  # framework whose model is converted
    target: str  # framework the converted twin runs on
    route: str
    install: str

    def version(self) -> str | None:
        try:
            return importlib.metadata.version(self.name)
        except importlib.metadata.PackageNotFoundError:
            return None

    def label(self) -> str:
        return f"converted by {self.name} {self.version() or '?'}"


CONVERTERS: dict[str, Converter] = {
    "onnx2tf": Converter(
        name="onnx2tf", source="torch", target="tensorflow", route="PyTorch -> ONNX -> TensorFlow",
        install="pip install --no-deps onnx2tf 'onnx-graphsurgeon>=0.6.1' (its own requirements pin "
                "tensorflow 2.19 / numpy 1.26 and would replace the installed stack)",
    ),
    "onnx2torch": Converter(
        name="onnx2torch", source="tensorflow", target="torch", route="Keras -> ONNX -> PyTorch",
        install="pip install onnx2torch plus a torchvision build matching the installed torch",
    ),
}

# Why dlarena does not yet drive a converter even where it imports (checked after the import).
NOT_DRIVEN = {
    "onnx2tf": "for 3-channel fixed-size inputs it downloads calibration data from the network unless given a "
               "local calibration file, and its TF 2.19 pin is untested beside tensorflow 2.21",
    "onnx2torch": "it was never importable on the reference stack (torchvision), so its twins are unverified",
}


class ConversionUnavailable(ValueError):
    """One line: which converter, and why it cannot be used here."""


def _import_error(module: str) -> str | None:
    """The last line of the error importing ``module`` in a fresh interpreter (None if it imports)."""
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=300)
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {proc.returncode}"


def check(name: str) -> Converter:
    """Returns the converter if dlarena can run it here; otherwise raises ConversionUnavailable
    with the reason (today always: no route has been verified on the reference stack)."""
    if name not in CONVERTERS:
        raise ConversionUnavailable(f"unknown converter '{name}'; valid: {', '.join(CONVERTERS)}")
    conv = CONVERTERS[name]
    where = f"{conv.name} ({conv.route})"
    if importlib.util.find_spec(conv.name) is None:
        raise ConversionUnavailable(f"{where} is unavailable: it is not installed; install it with: {conv.install}")
    if name == "onnx2torch" and importlib.util.find_spec("torchvision") is None:
        raise ConversionUnavailable(f"{where} is unavailable: it imports torchvision, which is not installed; "
                                    f"install it with: {conv.install}")
    error = _import_error(conv.name)
    if error is not None:
        hint = " (onnx2torch imports torchvision, which must match the installed torch)" if name == "onnx2torch" else ""
        raise ConversionUnavailable(f"{where} {conv.version()} is unavailable: importing it fails with {error}{hint}")
    raise ConversionUnavailable(f"{where} {conv.version()} imports, but dlarena does not drive it yet: "
                                f"{NOT_DRIVEN[name]}")
