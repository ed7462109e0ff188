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
    # torch.export is PyTorch's deployment format (TorchScript is deprecated: kept, labelled legacy);
    # AOTInductor compiles it ahead of time; ExecuTorch is PyTorch's edge runtime and litert-torch
    # converts to Google's LiteRT (the TFLite runtime), the cross path.
    exports=(
        ExportPath("torchscript", "torch", "torchscript", "TorchScript (torch.jit.trace; legacy)", legacy=True),
        ExportPath("torch_export", "torch", "torch_export", "torch.export (ExportedProgram)", served=True),
        ExportPath("aot_inductor", "torch", "aot_inductor", "AOTInductor (torch.export, compiled ahead of time)"),
        ExportPath("onnx", "torch", "onnxruntime", "ONNX (torch.onnx.export)", served=True),
        ExportPath("executorch", "torch", "executorch", "ExecuTorch .pte (XNNPACK delegate)", edge=True),
        ExportPath("litert_torch", "torch", "tflite", "LiteRT flatbuffer (litert-torch)", edge=True),
    ),
    runtimes=(("torchscript", "TorchScript (torch.jit; legacy)"), ("torch_export", "torch.export module"),
              ("aot_inductor", "AOTInductor (aoti_load_package)"), ("executorch", "ExecuTorch runtime")),
    community=(("github", "pytorch/pytorch"), ("pypi", "torch")),
    thread_pool="OpenMP (GNU libgomp): idle threads spin, then sleep; OMP_WAIT_POLICY / GOMP_SPINCOUNT apply",
    strict_modes=(("compile", "compile-fullgraph"),),
)
