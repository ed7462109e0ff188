"""Everything about Keras 3 on any of its backends: the same Keras model code (or .keras file) run
by another engine. Selected explicitly (or by --keras-model), never part of the native default
matrix. This file holds their registry entries (metadata only: no framework import); the modules
beside it are their plug-in areas. ``training.py`` and ``parity.py`` also serve TensorFlow's
native (tf.keras) path."""

from dlarena.frameworks import FrameworkInfo

_BACKENDS = {"tensorflow": ("TensorFlow", ("eager", "function", "xla"), "pip install tensorflow-cpu"),
             "torch": ("PyTorch", ("eager", "compile"), "pip install torch==2.13.0 (CPU build)"),
             "jax": ("JAX", ("eager", "xla"), "pip install jax")}

BACKENDS = tuple(
    FrameworkInfo(
        name=f"keras-{backend}",
        display_name=f"Keras 3 on {label}",
        modes=modes,
        import_name=backend,
        model_module="keras_model",
        adapter="dlarena.frameworks.keras.adapter:KerasAdapter",
        install_hint=f"{hint} (Keras 3 runs on it with KERAS_BACKEND={backend})",
        family="keras",
        package=__name__,
        bounds_one_thread=backend != "jax",  # as JAX: XLA's pool follows the CPU affinity only
    )
    for backend, (label, modes, hint) in _BACKENDS.items())
