"""TensorFlow's deployment runtimes: a SavedModel, and the TFLite interpreter (LiteRT) that also runs
the JAX paths converted through jax2tf and PyTorch's litert-torch flatbuffers (the ``runtime``
plug-in area; see ``dlarena.deploy.runtimes``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dlarena.frameworks.threads import pin_tf_threads


def _tflite_module() -> str:
    # LiteRT's standalone interpreter is what edge deployments ship; tf.lite.Interpreter (deprecated,
    # same kernels) needs all of TensorFlow and is the fallback when ai-edge-litert is absent.
    return "ai_edge_litert.interpreter" if importlib.util.find_spec("ai_edge_litert") else "tensorflow"


def _savedmodel(tf, file: Path, threads: int, interop: int, spin: bool):
    pin_tf_threads(tf, threads, interop)
    loaded = tf.saved_model.load(str(file))  # keep the object alive: its tf.functions only reference its variables

    def predict(x):
        return loaded.serve(tf.constant(x)).numpy()

    return predict, {"tensorflow": tf.__version__}


def _tflite(module, file: Path, threads: int, interop: int, spin: bool):
    interpreter_cls = module.Interpreter if hasattr(module, "Interpreter") else module.lite.Interpreter
    interpreter = interpreter_cls(model_path=str(file), num_threads=threads)
    detail = interpreter.get_input_details()[0]
    inp, out = detail["index"], interpreter.get_output_details()[0]["index"]
    dtype = detail["dtype"]  # litert-torch turns torch's int64 token ids into int32
    state = {"shape": None}

    def predict(x):
        x = x.astype(dtype, copy=False)
        if state["shape"] != x.shape:  # the converted model has a dynamic batch: resize once per shape
            interpreter.resize_tensor_input(inp, x.shape)
            interpreter.allocate_tensors()
            state["shape"] = x.shape
        interpreter.set_tensor(inp, x)
        interpreter.invoke()
        return interpreter.get_tensor(out).copy()

    if module.__name__.startswith("ai_edge_litert"):
        from importlib.metadata import version

        return predict, {"interpreter": "ai-edge-litert", "ai-edge-litert": version("ai-edge-litert")}
    return predict, {"interpreter": "tf.lite.Interpreter (fallback: ai-edge-litert is not installed)",
                     "tensorflow": module.__version__}


# runtime -> (the library to import, the loader, what to do before the import)
LOADERS = {
    "tf_savedmodel": (lambda: "tensorflow", _savedmodel, None),
    "tflite": (_tflite_module, _tflite, None),
}
