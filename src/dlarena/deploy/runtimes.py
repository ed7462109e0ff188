"""Runtimes that execute exported artifacts. Each loader imports its library only when called,
pins its threads, and returns a numpy -> numpy callable, so the load cell (a fresh process)
measures exactly what a deployment pays: the runtime's import, the artifact's load, the calls.

Callers must pass C-contiguous arrays of the manifest's dtype. Not thread-safe (the TFLite
interpreter holds one set of tensors): the server runs every call on one thread.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from dlarena.deploy.manifest import Manifest

Predict = Callable[[np.ndarray], np.ndarray]


@dataclass
class Loaded:
    predict: Predict
    runtime: str
    import_s: float  # importing the runtime library in a fresh process
    load_s: float  # reading the artifact into a ready-to-call model
    versions: dict = field(default_factory=dict)


def _tflite_module() -> str:
    # LiteRT's standalone interpreter is what edge deployments ship; tf.lite.Interpreter (deprecated,
    # same kernels) needs all of TensorFlow and is the fallback when ai-edge-litert is absent.
    return "ai_edge_litert.interpreter" if importlib.util.find_spec("ai_edge_litert") else "tensorflow"


def _torch_threads(torch, threads: int, interop: int) -> None:
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(interop)
    except RuntimeError:
        pass  # already set in this process


def _torch_predict(torch, module) -> tuple[Predict, dict]:
    def predict(x):
        with torch.inference_mode():
            return module(torch.from_numpy(x)).numpy()

    return predict, {"torch": torch.__version__}


def _torchscript(torch, file: Path, threads: int, interop: int, spin: bool) -> tuple[Predict, dict]:
    _torch_threads(torch, threads, interop)
    return _torch_predict(torch, torch.jit.load(str(file)).eval())


def _torch_export(torch, file: Path, threads: int, interop: int, spin: bool) -> tuple[Predict, dict]:
    _torch_threads(torch, threads, interop)
    return _torch_predict(torch, torch.export.load(str(file)).module())


def _savedmodel(tf, file: Path, threads: int, interop: int, spin: bool) -> tuple[Predict, dict]:
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(interop)
    except RuntimeError:
        pass  # already initialised in this process
    loaded = tf.saved_model.load(str(file))  # keep the object alive: its tf.functions only reference its variables

    def predict(x):
        return loaded.serve(tf.constant(x)).numpy()

    return predict, {"tensorflow": tf.__version__}


def _tflite(module, file: Path, threads: int, interop: int, spin: bool) -> tuple[Predict, dict]:
    interpreter_cls = module.Interpreter if hasattr(module, "Interpreter") else module.lite.Interpreter
    interpreter = interpreter_cls(model_path=str(file), num_threads=threads)
    inp, out = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    state = {"shape": None}

    def predict(x):
        if state["shape"] != x.shape:  # the converted model has a dynamic batch: resize once per shape
            interpreter.resize_tensor_input(inp, x.shape)
            interpreter.allocate_tensors()
            state["shape"] = x.shape
        interpreter.set_tensor(inp, x)
        interpreter.invoke()
        return interpreter.get_tensor(out).copy()

    name = "ai-edge-litert" if module.__name__.startswith("ai_edge_litert") else "tensorflow (tf.lite.Interpreter)"
    return predict, {"interpreter": name}


def _onnxruntime(ort, file: Path, threads: int, interop: int, spin: bool) -> tuple[Predict, dict]:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = interop
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return (lambda x: session.run(None, {name: x})[0]), {"onnxruntime": ort.__version__}


def _jax_threads(threads: int) -> None:
    # XLA's CPU client reads its threading flags once, at import: the only documented knob is
    # single-threaded Eigen (the same rule as the JAX adapter).
    if threads == 1 and "--xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()


def _jax_export(jax, file: Path, threads: int, interop: int, spin: bool) -> tuple[Predict, dict]:
    from jax import export

    exported = export.deserialize(bytearray(file.read_bytes()))
    call = jax.jit(exported.call)  # compiled once per input shape, on the first call

    def predict(x):
        return np.asarray(call(x))

    single = "--xla_cpu_multi_thread_eigen=false" in os.environ.get("XLA_FLAGS", "")
    return predict, {"jax": jax.__version__, "platforms": ",".join(exported.platforms),
                     "xla_cpu_threads": "1 (single-threaded Eigen)" if single else "XLA default (all cores)"}


# runtime -> (the library to import, the loader)
_LOADERS = {
    "torchscript": (lambda: "torch", _torchscript),
    "torch_export": (lambda: "torch", _torch_export),
    "tf_savedmodel": (lambda: "tensorflow", _savedmodel),
    "tflite": (_tflite_module, _tflite),
    "onnxruntime": (lambda: "onnxruntime", _onnxruntime),
    "jax_export": (lambda: "jax", _jax_export),
}
_BEFORE_IMPORT = {"jax_export": _jax_threads}


def load(folder: Path, manifest: Manifest, threads: int, interop_threads: int = 1, spin: bool = True) -> Loaded:
    """``spin=False`` for a server: ONNX Runtime's intra-op pool busy-waits between calls by default,
    taking the cores that the HTTP stack and its clients need (measured: 1.6-2x fewer req/s on
    2 cores; docs/deployment.md). Micro-benchmarks keep the default."""
    try:
        module_name, loader = _LOADERS[manifest.runtime]
    except KeyError:
        raise ValueError(f"unknown runtime '{manifest.runtime}' in the manifest; valid: {', '.join(_LOADERS)}") from None
    if manifest.runtime in _BEFORE_IMPORT:
        _BEFORE_IMPORT[manifest.runtime](threads)
    started = time.perf_counter()
    module = importlib.import_module(module_name())
    imported = time.perf_counter()
    predict, versions = loader(module, Path(folder) / manifest.file, threads, interop_threads, spin)
    return Loaded(predict, manifest.runtime, imported - started, time.perf_counter() - imported, versions)


def as_input(x: np.ndarray, manifest: Manifest) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.dtype(manifest.input.dtype))
