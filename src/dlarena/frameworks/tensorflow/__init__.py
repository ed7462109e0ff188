"""Everything about TensorFlow (with its Keras). This file is its registry entry (metadata only:
nothing here imports TensorFlow, since the CLI process plans with it); the modules beside it are
its plug-in areas (``frameworks.PLUGIN_AREAS``), imported inside the isolated worker process. Its
training step is the Keras one (``frameworks/keras/training.py``), shared with Keras 3."""

from dlarena.frameworks import ExportPath
from dlarena.frameworks import FrameworkInfo

FRAMEWORK = FrameworkInfo(
    name="tensorflow",
    display_name="TensorFlow",
    modes=("eager", "function", "xla"),
    import_name="tensorflow",
    model_module="keras_model",
    adapter="dlarena.frameworks.tensorflow.adapter:TensorFlowAdapter",
    api_modules=("tensorflow", "keras"),
    install_hint="pip install 'dlarena[tensorflow]' (CPU-only: pip install tensorflow-cpu)",
    color="#ff9f00",
    package=__name__,
    plugins=(("training", "dlarena.frameworks.keras.training"),),
    exports=(
        ExportPath("savedmodel", "tensorflow", "tf_savedmodel", "SavedModel (Keras model.export)", served=True),
        ExportPath("tflite_fp32", "tensorflow", "tflite", "TFLite float32", edge=True),
        ExportPath("tflite_int8", "tensorflow", "tflite", "TFLite dynamic-range int8", quantized=True, edge=True),
        ExportPath("onnx", "tensorflow", "onnxruntime", "ONNX (tf2onnx)"),
    ),
    runtimes=(("tf_savedmodel", "TensorFlow SavedModel"), ("tflite", "TFLite interpreter")),
    packages=("tensorflow-cpu",),
    community=(("github", "tensorflow/tensorflow"), ("pypi", "tensorflow")),
    thread_pool="Eigen non-blocking thread pool (oneDNN runs on it): spins briefly, then sleeps; OMP_WAIT_POLICY "
                "does not apply (no setting)",
)
