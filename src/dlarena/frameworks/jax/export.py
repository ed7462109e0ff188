"""JAX export paths: ``jax.export`` (serialized StableHLO), and through ``jax2tf`` a TF SavedModel,
TFLite float32 / dynamic-range int8 and ONNX. Each writes into ``folder`` and returns the
artifact's file name and what produced it. Runs inside an isolated cell.

Every path exports a pure function of the input: ``nnx.split`` the model (in eval mode) and close
over its state, so the weights become constants of the exported computation.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import jax
from flax import nnx

from dlarena.cell import error_line
from dlarena.frameworks.tensorflow.tf2onnx_log import tf2onnx_errors

SERVE_FN = "serve"  # the tf.Module attribute the TF SavedModel runtime calls


def _pure(model):
    model.eval()
    graphdef, state = nnx.split(model)
    return lambda x: nnx.merge(graphdef, state)(x)


def _versions() -> dict:
    import flax

    return {"jax": jax.__version__, "flax": flax.__version__}


def jax_export(model, example, folder: Path) -> dict:
    from jax import export

    batch, = export.symbolic_shape("b")
    spec = jax.ShapeDtypeStruct((batch, *example.shape[1:]), example.dtype)
    exported = export.export(jax.jit(_pure(model)))(spec)
    (folder / "model.jaxexport").write_bytes(exported.serialize())
    return {"file": "model.jaxexport", "exporter": {
        "api": "jax.export.export(jax.jit(fn)) + Exported.serialize", "platforms": ",".join(exported.platforms),
        "calling_convention": exported.calling_convention_version, **_versions()}}


# -- through jax2tf -----------------------------------------------------------------------------
def _tf():
    import tensorflow as tf

    return tf


def _tf_module(model, example):
    """A tf.Module whose ``serve`` is the jax2tf conversion (native serialization: one
    XlaCallModule op holding the StableHLO) with a symbolic batch."""
    from jax.experimental import jax2tf

    tf = _tf()
    module = tf.Module()
    spec = tf.TensorSpec([None, *example.shape[1:]], tf.as_dtype(example.dtype), name="input")
    converted = jax2tf.convert(_pure(model), polymorphic_shapes=["(b, ...)"])
    setattr(module, SERVE_FN, tf.function(converted, autograph=False, input_signature=[spec]))
    return module, spec


def _tf_versions() -> dict:
    return {"tensorflow": _tf().__version__, **_versions()}


def savedmodel(model, example, folder: Path) -> dict:
    tf = _tf()
    module, _ = _tf_module(model, example)
    fn = getattr(module, SERVE_FN)
    tf.saved_model.save(module, str(folder / "savedmodel"), signatures={"serving_default": fn})
    return {"file": "savedmodel", "exporter": {
        "api": "jax2tf.convert(polymorphic_shapes) + tf.saved_model.save", "serialization": "native (XlaCallModule)",
        **_tf_versions()}}


def _tflite_bytes(model, example, quantize: bool) -> bytes:
    tf = _tf()
    module, _ = _tf_module(model, example)
    # The weights are constants inside the XlaCallModule (no tf.Variables), so converting the
    # concrete function keeps them (the parity check in the load cell confirms it).
    converter = tf.lite.TFLiteConverter.from_concrete_functions([getattr(module, SERVE_FN).get_concrete_function()],
                                                                module)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # no representative data: dynamic range
    try:
        return converter.convert()
    except Exception as exc:  # noqa: BLE001 - keep the converter's reason, not its MLIR location dump
        raise RuntimeError(f"TFLite converter: {_mlir_error(exc)}") from None


def _mlir_error(exc: BaseException) -> str:
    """The converter's message is one MLIR location chain per failing op; the reason follows
    the last ' error: '."""
    text = str(exc)
    reasons = [line.rsplit(" error: ", 1)[1].strip() for line in text.splitlines() if " error: " in line]
    return reasons[0] if reasons else error_line(exc)


def _tflite(model, example, folder: Path, quantize: bool) -> dict:
    (folder / "model.tflite").write_bytes(_tflite_bytes(model, example, quantize))
    api = "jax2tf.convert + tf.lite.TFLiteConverter.from_concrete_functions"
    return {"file": "model.tflite", "exporter": {
        "api": api + (" + Optimize.DEFAULT (dynamic-range int8)" if quantize else ""), **_tf_versions()}}


def tflite_fp32(model, example, folder: Path) -> dict:
    return _tflite(model, example, folder, quantize=False)


def tflite_int8(model, example, folder: Path) -> dict:
    return _tflite(model, example, folder, quantize=True)


def onnx(model, example, folder: Path) -> dict:
    """tf2onnx on the jax2tf function first; tf2onnx 1.17 has no handler for XlaCallModule (the
    only op native serialization emits, and jax 0.10 ignores ``native_serialization=False``), so
    the fallback converts the TFLite float32 flatbuffer, whose ops the TFLite converter already
    lowered from StableHLO, with ``tf2onnx.convert.from_tflite``. Which route wrote the file and
    why the first failed are recorded."""
    import onnx as onnx_lib
    import tf2onnx

    module, spec = _tf_module(model, example)
    target = folder / "model.onnx"
    info: dict = {"tf2onnx": tf2onnx.__version__, **_tf_versions()}
    # quiet: the failing route logs the whole XlaCallModule node
    with tf2onnx_errors(quiet=True) as errors:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                proto, _ = tf2onnx.convert.from_function(getattr(module, SERVE_FN), input_signature=[spec],
                                                         output_path=str(target))
                onnx_lib.checker.check_model(proto)
                info.update(api="jax2tf.convert + tf2onnx.convert.from_function", variant="from_function")
            except Exception as exc:  # noqa: BLE001 - any failure of the direct route: convert via TFLite
                failed = [m.splitlines()[0].rsplit("name: ", 1)[-1].strip('"') for m in errors
                          if "convert failed for name" in m]
                info["from_function_error"] = (f"tf2onnx cannot convert {', '.join(dict.fromkeys(failed))}" if failed
                                               else error_line(exc))
                target.unlink(missing_ok=True)
                direct = info["from_function_error"]
                staging = folder / "staging"
                staging.mkdir()
                try:
                    flatbuffer = staging / "model.tflite"
                    flatbuffer.write_bytes(_tflite_bytes(model, example, quantize=False))
                    proto, _ = tf2onnx.convert.from_tflite(str(flatbuffer), output_path=str(target))
                except Exception as fallback:  # noqa: BLE001 - both routes failed: say why for each
                    raise RuntimeError(f"from_function: {direct}; via TFLite: {error_line(fallback)}") from None
                finally:
                    shutil.rmtree(staging)
                onnx_lib.checker.check_model(proto)
                info.update(api="jax2tf.convert + TFLiteConverter + tf2onnx.convert.from_tflite", variant="via TFLite")
    info["opset"] = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
    return {"file": "model.onnx", "exporter": info}


EXPORTERS = {"jax_export": jax_export, "savedmodel": savedmodel, "tflite_fp32": tflite_fp32,
             "tflite_int8": tflite_int8, "onnx": onnx}
