"""A workload made from a Keras 3 model file (``.keras``): the same model and weights on every
Keras backend.

The parent process never imports Keras: the file is inspected once in an isolated worker (which
also runs one forward pass, so a model that does not load or an input shape that does not fit is
reported before anything is measured). The inspection writes a small spec (input shape and dtype,
output shape, loss, parameter names/shapes) and the file's weights as the canonical parameters;
every backend's worker loads the model from the file and then those exact values.

Loss for parity and training: sparse categorical cross-entropy when the output is (batch, classes)
with at least 2 classes (``from_logits`` unless the last layer applies a softmax), otherwise mean
squared error against a fixed random target of the output's shape.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from dlarena import frameworks
from dlarena.workloads.base import ParamSpec, Workload

INSPECT_ENTRY = "dlarena.workloads.keras_file:inspect"
SPEC_ROOT = Path(tempfile.gettempdir()) / "dlarena-keras"
BATCH_SIZES = {"infer_latency": 1, "infer_throughput": 32, "train": 32, "parity": 8}
# Keras 3 backends in registry order (frameworks/keras/__init__.py)
BACKEND_ORDER = tuple(fw.import_name for fw in frameworks.FRAMEWORKS.values() if fw.family == "keras")
INSPECT_TIMEOUT_S = 300


@dataclass(frozen=True)
class KerasFileWorkload(Workload):
    source: str = ""
    spec_dir: str = ""
    input_dtype: str = "float32"
    output_shape: tuple[int, ...] = ()
    loss: str = "sparse_categorical_crossentropy"  # or "mean_squared_error"
    from_logits: bool = True
    param_order: tuple[str, ...] = ()

    def make_params(self, seed: int = 0) -> dict[str, np.ndarray]:
        # The file's own weights, whatever the seed: that is the model the user wants compared.
        with np.load(Path(self.spec_dir) / "params.npz") as data:
            return {name: data[f"p{i}"] for i, name in enumerate(self.param_order)}

    def make_batch(self, batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        shape = (batch, *self.input_shape)
        if np.issubdtype(np.dtype(self.input_dtype), np.integer):
            x = rng.integers(0, max(self.vocab_size, 2), size=shape).astype(self.input_dtype)
        else:
            x = rng.standard_normal(shape).astype(self.input_dtype)
        if self.loss == "sparse_categorical_crossentropy":
            y = rng.integers(0, self.num_classes, size=(batch,)).astype(np.int32)
        else:
            y = rng.standard_normal((batch, *self.output_shape)).astype(np.float32)
        return x, y


def model_module(workload: KerasFileWorkload, module: str = "keras_model"):
    """The ``keras_model`` interface for a model file: load it, map each weight to itself."""
    if module != "keras_model":
        raise KeyError(f"workload '{workload.name}' comes from a Keras model file and runs on Keras 3 backends "
                       f"only (frameworks keras-tensorflow, keras-torch, keras-jax)")

    def build_model(config: dict):
        import keras

        return keras.saving.load_model(workload.source, compile=False)

    return SimpleNamespace(build_model=build_model, WEIGHT_MAP={name: name for name in workload.param_order})


def loss_function(workload: Workload):
    """The loss a Keras backend trains this workload with (classifier logits for the built-ins)."""
    import keras

    if getattr(workload, "loss", "sparse_categorical_crossentropy") == "mean_squared_error":
        return keras.losses.MeanSquaredError()
    return keras.losses.SparseCategoricalCrossentropy(from_logits=getattr(workload, "from_logits", True))


def load(spec_path: str) -> KerasFileWorkload:
    spec = json.loads(Path(spec_path).read_text())
    params = {name: ParamSpec(tuple(shape), "vector", trainable=trainable)
              for name, shape, trainable in spec["params"]}
    return KerasFileWorkload(
        name=spec["name"], description=f"Keras 3 model file {spec['source']} ({spec['summary']})",
        input_kind="tokens" if np.issubdtype(np.dtype(spec["input_dtype"]), np.integer) else "features",
        input_shape=tuple(spec["input_shape"]), num_classes=spec["num_classes"], config={}, params=params,
        batch_sizes=dict(BATCH_SIZES), vocab_size=spec["vocab_size"], source=spec["source"],
        spec_dir=str(Path(spec_path).parent), input_dtype=spec["input_dtype"], output_shape=tuple(spec["output_shape"]),
        loss=spec["loss"], from_logits=spec["from_logits"], param_order=tuple(name for name, *_ in spec["params"]),
    )


# --- parent side: inspect once, in an isolated worker ------------------------------------------


def inspection_backend() -> str | None:
    if importlib.util.find_spec("keras") is None:
        return None
    return next((b for b in BACKEND_ORDER if importlib.util.find_spec(b) is not None), None)


def prepare(source: str, input_shape: tuple[int, ...] | None = None, timeout_s: float = INSPECT_TIMEOUT_S) -> str:
    """Inspects ``source`` (once per file content and input shape); returns its spec path."""
    from dlarena.process.isolate import run_isolated
    from dlarena.workloads import BUILTIN, WorkloadError

    path = Path(source)
    if not path.is_file():
        raise WorkloadError(f"Keras model file not found: {source}")
    if path.suffix != ".keras":
        raise WorkloadError(f"{source} is not a Keras 3 model file (.keras); legacy .h5/SavedModel files: load them "
                            f"in Keras 3 and save with model.save('model.keras')")
    if not zipfile.is_zipfile(path):  # a .keras file is a zip archive: say so before a ~5 s Keras import
        raise WorkloadError(f"{source} does not load as a Keras 3 model: it is not a zip archive, as .keras files are")
    backend = inspection_backend()
    if backend is None:
        raise WorkloadError("Keras 3 with a backend is needed to read a .keras file: pip install keras tensorflow-cpu "
                            "(or torch, or jax)")
    digest = hashlib.sha256(path.read_bytes() + repr(input_shape).encode()).hexdigest()[:16]
    out_dir = SPEC_ROOT / digest
    spec_path = out_dir / "spec.json"
    if spec_path.exists():
        return str(spec_path)
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in path.stem)
    payload = {"source": str(path), "input_shape": list(input_shape) if input_shape else None,
               "out_dir": str(out_dir), "name": f"{name}_keras" if name in BUILTIN else name}
    result = run_isolated(INSPECT_ENTRY, payload, timeout_s,
                          {"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if result.get("status") != "ok":
        raise WorkloadError(result.get("error") or "inspection of the Keras model file failed")
    return str(spec_path)


# --- worker side ----------------------------------------------------------------------------------


def _fail(message: str) -> dict:
    return {"status": "failed", "error": message, "metrics": []}


def inspect(payload: dict) -> dict:
    import keras

    source = payload["source"]
    try:
        model = keras.saving.load_model(source, compile=False)
    except Exception as exc:  # noqa: BLE001 - reported as the user's problem, in one line
        return _fail(f"{source} does not load as a Keras 3 model: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not inputs or not outputs:
        return _fail(f"{source}: only Functional or Sequential models with a known input are supported "
                     f"(a subclassed model has no model.inputs)")
    if len(inputs) != 1 or len(outputs) != 1:
        return _fail(f"{source}: only single-input, single-output models are supported "
                     f"({len(inputs)} inputs, {len(outputs)} outputs)")
    declared = tuple(inputs[0].shape[1:])
    shape = tuple(payload["input_shape"]) if payload["input_shape"] else declared
    if any(d is None for d in shape):
        return _fail(f"{source}: input shape {_fmt(declared)} has unknown dimensions; give them with --input-shape")
    if len(shape) != len(declared) or any(d is not None and d != s for d, s in zip(declared, shape)):
        return _fail(f"input shape {_fmt(shape)} does not fit the model {source}, which expects {_fmt(declared)}")
    dtype = str(np.dtype(keras.backend.standardize_dtype(inputs[0].dtype)))
    vocab = 0
    if np.issubdtype(np.dtype(dtype), np.integer):
        dims = [layer.input_dim for layer in model._flatten_layers() if isinstance(layer, keras.layers.Embedding)]
        vocab = min(dims) if dims else 2
    probe = KerasFileWorkload(name="probe", description="", input_kind="features", input_shape=shape, num_classes=2,
                              config={}, params={}, input_dtype=dtype, vocab_size=vocab)
    x, _ = probe.make_batch(2)
    try:
        out = keras.ops.convert_to_numpy(model(x, training=False))
    except Exception as exc:  # noqa: BLE001
        return _fail(f"input shape {_fmt(shape)} does not fit the model {source}: {type(exc).__name__}: "
                     f"{str(exc).splitlines()[0] if str(exc) else ''}")
    classifier = out.ndim == 2 and out.shape[1] >= 2
    last_activation = getattr(model.layers[-1], "activation", None) if model.layers else None
    softmax = last_activation is not None and getattr(last_activation, "__name__", "") == "softmax"
    paths = [v.path for v in model.weights]
    if len(set(paths)) != len(paths):
        return _fail(f"{source}: weight paths are not unique, so weights cannot be matched across backends")
    trainable = {id(v) for v in model.trainable_weights}
    out_dir = Path(payload["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez(out_dir / "params.npz", **{f"p{i}": keras.ops.convert_to_numpy(v.value) for i, v in enumerate(model.weights)})
    spec = {
        "name": payload["name"], "source": source, "input_shape": list(shape), "input_dtype": dtype,
        "output_shape": list(out.shape[1:]), "num_classes": int(out.shape[1]) if classifier else 0,
        "vocab_size": int(vocab), "loss": "sparse_categorical_crossentropy" if classifier else "mean_squared_error",
        "from_logits": not softmax,
        "params": [[v.path, list(v.shape), id(v) in trainable] for v in model.weights],
        "summary": f"{len(model.layers)} layers, {sum(int(np.prod(v.shape)) for v in model.weights):,} weights, "
                   f"input {_fmt(shape)} {dtype}, output {_fmt(tuple(out.shape[1:]))}",
    }
    (out_dir / "spec.json.tmp").write_text(json.dumps(spec))
    (out_dir / "spec.json.tmp").replace(out_dir / "spec.json")
    return {"status": "ok", "metrics": []}


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
