"""PyTorch's deployment runtimes: load a TorchScript or torch.export artifact (the ``runtime``
plug-in area; see ``dlarena.deploy.runtimes``). Each loader receives the imported library."""

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


# runtime -> (the library to import, the loader, what to do before the import)
LOADERS = {
    "torchscript": (lambda: "torch", _torchscript, None),
    "torch_export": (lambda: "torch", _torch_export, None),
}
