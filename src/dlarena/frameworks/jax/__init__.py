"""Everything about JAX (with Flax NNX and optax). This file is its registry entry (metadata only:
nothing here imports JAX, since the CLI process plans with it); the modules beside it are its
plug-in areas (``frameworks.PLUGIN_AREAS``), imported inside the isolated worker process."""

from dlarena.frameworks import ExportPath
from dlarena.frameworks import FrameworkInfo

FRAMEWORK = FrameworkInfo(
    name="jax",
    display_name="JAX",
    modes=("eager", "jit"),
    import_name="jax",
    model_module="jax_model",
    adapter="dlarena.frameworks.jax.adapter:JaxAdapter",
    api_modules=("jax", "flax", "optax"),
    install_hint="pip install 'dlarena[jax]' (CPU: pip install jax flax optax)",
    color="#5e97f6",
    package=__name__,
    exports=(
        ExportPath("jax_export", "jax", "jax_export", "jax.export (serialized StableHLO)", served=True),
        ExportPath("savedmodel", "jax", "tf_savedmodel", "SavedModel (jax2tf)"),
        ExportPath("tflite_fp32", "jax", "tflite", "TFLite float32 (jax2tf)", edge=True),
        ExportPath("tflite_int8", "jax", "tflite", "TFLite dynamic-range int8 (jax2tf)", quantized=True, edge=True),
        ExportPath("onnx", "jax", "onnxruntime", "ONNX (jax2tf + tf2onnx)"),
    ),
    runtimes=(("jax_export", "jax.export (deserialized, jit)"),),
    packages=("jaxlib",),
    community=(("github", "jax-ml/jax"), ("github", "google/flax"), ("pypi", "jax"), ("pypi", "flax")),
    thread_pool="XLA CPU runtime's Eigen thread pool: spins briefly, then sleeps; OMP_WAIT_POLICY does not apply "
                "(no setting); threads bounded by CPU affinity",
    bounds_one_thread=False,
    # the zoo models: JAX users load them from keras-hub, run by Keras 3 on the JAX backend
    model_adapters=(("keras_model", "dlarena.frameworks.jax.keras_models:KerasOnJaxAdapter"),),
)
