"""Everything about PyTorch. This file is its registry entry (metadata only: nothing here imports
torch, since the CLI process plans with it); the modules beside it are its plug-in areas
(``frameworks.PLUGIN_AREAS``), imported inside the isolated worker process."""

from dlarena.frameworks import ExportPath
from dlarena.frameworks import FrameworkInfo

FRAMEWORK = FrameworkInfo(
    name="torch",
    display_name="PyTorch",
    modes=("eager", "compile"),
    import_name="torch",
    model_module="torch_model",
    adapter="dlarena.frameworks.torch.adapter:TorchAdapter",
    install_hint="pip install 'dlarena[torch]' (CPU-only build: pip install torch==2.13.0)",
    image_layout="NCHW",
    color="#ee4c2c",
    package=__name__,
    exports=(
        ExportPath("torchscript", "torch", "torchscript", "TorchScript (torch.jit.trace)", served=True),
        ExportPath("torch_export", "torch", "torch_export", "torch.export (ExportedProgram)"),
        ExportPath("onnx", "torch", "onnxruntime", "ONNX (torch.onnx.export)", served=True),
    ),
    runtimes=(("torchscript", "TorchScript (torch.jit)"), ("torch_export", "torch.export module")),
    community=(("github", "pytorch/pytorch"), ("pypi", "torch")),
    thread_pool="OpenMP (GNU libgomp): idle threads spin, then sleep; OMP_WAIT_POLICY / GOMP_SPINCOUNT apply",
    strict_modes=(("compile", "compile-fullgraph"),),
)
