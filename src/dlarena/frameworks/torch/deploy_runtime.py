"""PyTorch's deployment runtimes: load a torch.export, AOTInductor, ExecuTorch or TorchScript (legacy)
artifact (the ``runtime`` plug-in area; see ``dlarena.deploy.runtimes``). Each loader receives the
imported library. litert-torch's flatbuffers run in the LiteRT interpreter (TensorFlow's folder)."""

from __future__ import annotations

from pathlib import Path

from dlarena.frameworks.threads import pin_torch_threads


def _predict(torch, module):
    def predict(x):
        with torch.inference_mode():
            return module(torch.from_numpy(x)).numpy()

    return predict, {"torch": torch.__version__}


def _torchscript(torch, file: Path, threads: int, interop: int, spin: bool):
    pin_torch_threads(torch, threads, interop)
    return _predict(torch, torch.jit.load(str(file)).eval())


def _torch_export(torch, file: Path, threads: int, interop: int, spin: bool):
    pin_torch_threads(torch, threads, interop)
    return _predict(torch, torch.export.load(str(file)).module())


def _aot_inductor(torch, file: Path, threads: int, interop: int, spin: bool):
    pin_torch_threads(torch, threads, interop)  # the compiled kernels use torch's OpenMP pool
    return _predict(torch, torch._inductor.aoti_load_package(str(file)))


def _executorch(runtime, file: Path, threads: int, interop: int, spin: bool):
    """The Python bindings of the ExecuTorch runtime (the C++ runtime a phone app links), which take
    and return torch tensors. XNNPACK runs on ExecuTorch's own thread pool, resized here."""
    from importlib.metadata import version

    import torch
    from executorch.extension.pybindings import portable_lib

    portable_lib._unsafe_reset_threadpool(threads)  # the only thread setting the bindings offer
    method = runtime.Runtime.get().load_program(str(file)).load_method("forward")

    def predict(x):
        return method.execute([torch.from_numpy(x)])[0].numpy()

    return predict, {"executorch": version("executorch"), "torch": torch.__version__,
                     "threads": portable_lib._threadpool_get_thread_count()}


# runtime -> (the library to import, the loader, what to do before the import)
LOADERS = {
    "torchscript": (lambda: "torch", _torchscript, None),
    "torch_export": (lambda: "torch", _torch_export, None),
    "aot_inductor": (lambda: "torch", _aot_inductor, None),
    "executorch": (lambda: "executorch.runtime", _executorch, None),
}
