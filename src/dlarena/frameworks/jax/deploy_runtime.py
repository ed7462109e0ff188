"""JAX's deployment runtime: a serialized jax.export artifact, deserialized and jitted (the
``runtime`` plug-in area; see ``dlarena.deploy.runtimes``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlarena.frameworks.threads import pin_xla_cpu_threads, xla_cpu_single_threaded


def _jax_export(jax, file: Path, threads: int, interop: int, spin: bool):
    from jax import export

    exported = export.deserialize(bytearray(file.read_bytes()))
    call = jax.jit(exported.call)  # compiled once per input shape, on the first call

    def predict(x):
        return np.asarray(call(x))

    single = xla_cpu_single_threaded()
    return predict, {"jax": jax.__version__, "platforms": ",".join(exported.platforms),
                     "xla_cpu_threads": "1 (single-threaded Eigen)" if single else "XLA default (all cores)"}


# runtime -> (the library to import, the loader, what to do before the import: XLA's CPU client
# reads its threading flags once, at import)
LOADERS = {
    "jax_export": (lambda: "jax", _jax_export, pin_xla_cpu_threads),
}
