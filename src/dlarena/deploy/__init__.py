"""Deployment: export paths, the runtimes that execute their artifacts, an HTTP server and a
load generator. The registry below is metadata only: nothing here imports a framework, so the
parent process (planning, CLI, report) stays light; exporters and runtimes import theirs when
called, inside the isolated cell or the server process."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportPath:
    name: str  # the cell's mode, e.g. "onnx"
    framework: str  # source framework (frameworks registry name)
    runtime: str  # key of RUNTIMES: what executes the artifact
    title: str
    quantized: bool = False  # compared against the looser int8 tolerance
    served: bool = False  # in the default serving selection (deployment.serve)
    edge: bool = False  # its runtime is made for mobile / edge devices

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.name}"


PATHS: tuple[ExportPath, ...] = (
    ExportPath("torchscript", "torch", "torchscript", "TorchScript (torch.jit.trace)", served=True),
    ExportPath("torch_export", "torch", "torch_export", "torch.export (ExportedProgram)"),
    ExportPath("onnx", "torch", "onnxruntime", "ONNX (torch.onnx.export)", served=True),
    ExportPath("savedmodel", "tensorflow", "tf_savedmodel", "SavedModel (Keras model.export)", served=True),
    ExportPath("tflite_fp32", "tensorflow", "tflite", "TFLite float32", edge=True),
    ExportPath("tflite_int8", "tensorflow", "tflite", "TFLite dynamic-range int8", quantized=True, edge=True),
    ExportPath("onnx", "tensorflow", "onnxruntime", "ONNX (tf2onnx)"),
    ExportPath("jax_export", "jax", "jax_export", "jax.export (serialized StableHLO)", served=True),
    ExportPath("savedmodel", "jax", "tf_savedmodel", "SavedModel (jax2tf)"),
    ExportPath("tflite_fp32", "jax", "tflite", "TFLite float32 (jax2tf)", edge=True),
    ExportPath("tflite_int8", "jax", "tflite", "TFLite dynamic-range int8 (jax2tf)", quantized=True, edge=True),
    ExportPath("onnx", "jax", "onnxruntime", "ONNX (jax2tf + tf2onnx)"),
)

RUNTIMES: dict[str, str] = {
    "torchscript": "TorchScript (torch.jit)",
    "torch_export": "torch.export module",
    "tf_savedmodel": "TensorFlow SavedModel",
    "tflite": "TFLite interpreter",
    "onnxruntime": "ONNX Runtime",
    "jax_export": "jax.export (deserialized, jit)",
}


def path_keys() -> list[str]:
    return [p.key for p in PATHS]


def served_keys() -> list[str]:
    return [p.key for p in PATHS if p.served]


def get_path(framework: str, name: str) -> ExportPath:
    for p in PATHS:
        if p.framework == framework and p.name == name:
            return p
    raise KeyError(f"unknown export path '{framework}:{name}'; valid: {', '.join(path_keys())}")


def select(names: list[str]) -> list[ExportPath]:
    """Paths named as 'framework:path' or a bare path name (every framework that has it)."""
    chosen: dict[str, ExportPath] = {}
    for name in names:
        matches = [p for p in PATHS if name in (p.key, p.name)]
        if not matches:
            raise ValueError(f"unknown export path '{name}'; valid: {', '.join(path_keys())}")
        chosen.update({p.key: p for p in matches})
    return [p for p in PATHS if p.key in chosen]
