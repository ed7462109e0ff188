"""TensorFlow export paths: SavedModel (Keras ``model.export``), TFLite float32 and dynamic-range
int8, ONNX via tf2onnx. Each writes into ``folder`` and returns the artifact's file name and what
produced it. Runs inside an isolated cell."""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from dlarena.frameworks.tensorflow.tf2onnx_log import tf2onnx_errors


def _versions() -> dict:
    import keras

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def savedmodel(model, example, folder: Path) -> dict:
    model.export(str(folder / "savedmodel"), format="tf_saved_model", verbose=False)
    return {"file": "savedmodel", "exporter": {"api": "keras.Model.export(format='tf_saved_model')", **_versions()}}


def _tflite(model, folder: Path, quantize: bool) -> dict:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # no representative data: dynamic range
    (folder / "model.tflite").write_bytes(converter.convert())
    api = "tf.lite.TFLiteConverter.from_keras_model" + (" + Optimize.DEFAULT (dynamic-range int8)" if quantize else "")
    return {"file": "model.tflite", "exporter": {"api": api, **_versions()}}


def tflite_fp32(model, example, folder: Path) -> dict:
    return _tflite(model, folder, quantize=False)


def tflite_int8(model, example, folder: Path) -> dict:
    return _tflite(model, folder, quantize=True)


def onnx(model, example, folder: Path) -> dict:
    """tf2onnx ``from_function`` on the Keras call (``from_keras`` fails on Keras 3 models). tf2onnx
    logs unsupported ops and still writes a model; the ONNX checker turns that into a failure."""
    import onnx as onnx_lib
    import tf2onnx

    spec = [tf.TensorSpec([None, *example.shape[1:]], example.dtype, name="input")]
    function = tf.function(lambda x: model(x, training=False), input_signature=spec)
    with tf2onnx_errors() as errors:
        proto, _ = tf2onnx.convert.from_function(function, input_signature=spec, output_path=str(folder / "model.onnx"))
    unsupported = [m for m in errors if m.startswith("Unsupported ops")]
    try:
        onnx_lib.checker.check_model(proto)
    except onnx_lib.checker.ValidationError as exc:
        reason = unsupported[0] if unsupported else str(exc).strip().splitlines()[0]
        raise RuntimeError(f"tf2onnx {tf2onnx.__version__} wrote an invalid ONNX model: {reason}") from None
    opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
    return {"file": "model.onnx", "exporter": {"api": "tf2onnx.convert.from_function", "tf2onnx": tf2onnx.__version__,
                                               "opset": opset, **_versions()}}


EXPORTERS = {"savedmodel": savedmodel, "tflite_fp32": tflite_fp32, "tflite_int8": tflite_int8, "onnx": onnx}
