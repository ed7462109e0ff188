"""The manifest written beside every exported artifact: what runtime loads it and what input it
takes. The load cell, the server and the load generator read it instead of guessing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

MANIFEST = "manifest.json"
REFERENCE = "reference.npz"  # the input and the source model's output on it, for parity


class ManifestError(ValueError):
    """A manifest that cannot be used; the message is one line."""


@dataclass
class TensorSpec:
    shape: list[int | None]  # None: dynamic (the batch dimension)
    dtype: str
    name: str = "input"
    value_range: list[int] | None = None  # [low, high) for token ids

    def describe(self) -> str:
        dims = ", ".join("batch" if d is None else str(d) for d in self.shape)
        return f"({dims}) {self.dtype}"


@dataclass
class Manifest:
    workload: str
    framework: str
    path: str  # export path name
    runtime: str
    file: str  # artifact file or folder, relative to the manifest
    input: TensorSpec
    output: TensorSpec
    layout: str = ""  # e.g. NCHW / NHWC for images
    exporter: dict = field(default_factory=dict)  # what produced it (API, variant, opset, notes)
    quantized: bool = False

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.path}"

    def save(self, folder: Path) -> Path:
        target = Path(folder) / MANIFEST
        target.write_text(json.dumps(asdict(self), indent=2))
        return target

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        path = Path(folder) / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["input"], data["output"] = TensorSpec(**data["input"]), TensorSpec(**data["output"])
            manifest = cls(**data)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # JSON and Unicode errors are ValueErrors
            raise ManifestError(f"{path} is not a valid manifest: {type(exc).__name__}: {str(exc)[:200]}") from None
        for which, spec in (("input", manifest.input), ("output", manifest.output)):
            problem = _spec_problem(spec)
            if problem:
                raise ManifestError(f"{path} is not a valid manifest: {which} {problem}")
        return manifest


def _spec_problem(spec: TensorSpec) -> str | None:
    if not isinstance(spec.shape, list) or not all(d is None or (type(d) is int and d > 0) for d in spec.shape):
        return f"shape {spec.shape!r} is not a list of positive sizes (null: the batch)"
    try:
        np.dtype(spec.dtype)
    except TypeError:
        return f"dtype {spec.dtype!r} is not a numpy dtype"
    return None


def locate(artifact: str | Path) -> tuple[Path, Manifest]:
    """The artifact folder and its manifest, given the folder, the manifest or the artifact file."""
    p = Path(artifact)
    if not p.exists():
        raise FileNotFoundError(f"no such artifact: {p}")
    for folder in (p, p.parent, p.parent.parent):
        if (folder / MANIFEST).is_file():
            return folder, Manifest.load(folder)
    raise FileNotFoundError(f"no {MANIFEST} at or beside {p}: serve an artifact folder written by the "
                            "deployment criterion (it records the runtime and the input shape/dtype)")


def artifact_dir(root: str | Path, workload: str, framework: str, path: str) -> Path:
    return Path(root) / "deploy" / workload / f"{framework}-{path}"


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20
