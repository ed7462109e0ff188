"""PyTorch export paths: torch.export, AOTInductor, ONNX, ExecuTorch (XNNPACK), litert-torch (LiteRT
flatbuffer) and TorchScript (trace; legacy). Each writes into ``folder`` and returns the artifact's
file name and what produced it. Runs inside an isolated cell; a path whose package is missing
raises ModuleNotFoundError, which the cell records as skipped."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from dlarena.cell import error_line

# Every artifact accepts any batch up to this size (declared dynamic where the API needs it).
MAX_BATCH = 4096


def _batch_dim(max_batch: int = MAX_BATCH):
    return ({0: torch.export.Dim("batch", min=1, max=max_batch)},)


def _program(model, example, max_batch: int = MAX_BATCH):
    return torch.export.export(model, (example,), dynamic_shapes=_batch_dim(max_batch))


def torchscript(model, example, folder: Path) -> dict:
    info = {"api": "torch.jit.trace + torch.jit.save", "torch": torch.__version__}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript's deprecation notice
        try:
            traced = torch.jit.trace(model, example)
        except torch.jit.TracingCheckError as exc:
            # The sanity check re-traces and compares graphs; it fails on the fused
            # TransformerEncoderLayer fast path although the traced function is right. Parity (checked
            # in the load cell) is what decides; the failed check is recorded.
            info["trace_check"] = "failed: " + str(exc).strip().splitlines()[0]
            traced = torch.jit.trace(model, example, check_trace=False)
        torch.jit.save(traced, str(folder / "model.pt"))
    return {"file": "model.pt", "exporter": info}


def torch_export(model, example, folder: Path) -> dict:
    torch.export.save(_program(model, example), str(folder / "model.pt2"))
    return {"file": "model.pt2", "exporter": {"api": "torch.export.export + torch.export.save",
                                              "torch": torch.__version__}}


def aot_inductor(model, example, folder: Path) -> dict:
    """The exported program compiled to a shared library by Inductor (a C++ compiler must be on the
    machine), packaged with its weights."""
    torch._inductor.aoti_compile_and_package(_program(model, example), package_path=str(folder / "model.pt2"))
    return {"file": "model.pt2", "exporter": {"api": "torch.export.export + torch._inductor.aoti_compile_and_package",
                                              "torch": torch.__version__}}


def executorch(model, example, folder: Path) -> dict:
    """Lowered to ExecuTorch with the XNNPACK delegate (its CPU backend). The batch is dynamic up to
    the export batch only: ExecuTorch plans every tensor's memory for the largest declared shape."""
    from importlib.metadata import version

    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    max_batch = int(example.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pytree deprecation notices from executorch's passes
        lowered = to_edge_transform_and_lower(_program(model, example, max_batch), partitioner=[XnnpackPartitioner()])
        program = lowered.to_executorch()
    (folder / "model.pte").write_bytes(program.buffer)
    return {"file": "model.pte", "exporter": {
        "api": "torch.export.export + executorch.exir.to_edge_transform_and_lower(XnnpackPartitioner) + to_executorch",
        "max_batch": max_batch, "executorch": version("executorch"), "torch": torch.__version__}}


def litert_torch(model, example, folder: Path) -> dict:
    """Google's PyTorch -> LiteRT converter. A dynamic batch is tried first; litert-torch 0.10 fails
    on it (an AssertionError on a tensor of size -2**63), so the model is then converted at the export
    batch and the runtime resizes its input, which works only where no op baked the batch in."""
    from importlib.metadata import version

    import litert_torch as converter

    info: dict = {"api": "litert_torch.convert + export", "litert_torch": version("litert-torch"),
                  "torch": torch.__version__}
    try:
        edge = converter.convert(model, (example,), dynamic_shapes=_batch_dim())
        info["batch"] = "dynamic"
    except Exception as exc:  # noqa: BLE001 - any converter failure: convert at the fixed export batch
        info["dynamic_batch_error"] = error_line(exc, limit=200)
        edge = converter.convert(model, (example,))
        info["batch"] = f"fixed at {example.shape[0]}"
    edge.export(str(folder / "model.tflite"))
    return {"file": "model.tflite", "exporter": info}


def onnx(model, example, folder: Path) -> dict:
    """The dynamo exporter (torch's default, needs onnxscript) first, the legacy TorchScript-based
    exporter if it fails; which one produced the file is recorded."""
    import onnx as onnx_lib

    target = folder / "model.onnx"
    info: dict = {"api": "torch.onnx.export", "torch": torch.__version__}
    try:
        torch.onnx.export(model, (example,), str(target), dynamo=True, dynamic_shapes=_batch_dim(),
                          external_data=False, input_names=["input"], output_names=["output"], verbose=False)
        info["variant"] = "dynamo"
    except Exception as exc:  # noqa: BLE001 - any exporter failure means: try the legacy exporter
        info["dynamo_error"] = error_line(exc)
        for leftover in folder.glob("model.onnx*"):
            leftover.unlink()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (example,), str(target), dynamo=False, input_names=["input"],
                              output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        info["variant"] = "legacy"
    proto = onnx_lib.load(str(target))
    onnx_lib.checker.check_model(proto)
    info["opset"] = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
    return {"file": "model.onnx", "exporter": info}


EXPORTERS = {"torchscript": torchscript, "torch_export": torch_export, "aot_inductor": aot_inductor, "onnx": onnx,
             "executorch": executorch, "litert_torch": litert_torch}
