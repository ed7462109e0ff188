"""PyTorch export paths: TorchScript (trace), torch.export, ONNX. Each writes into ``folder`` and
returns the artifact's file name and what produced it. Runs inside an isolated cell."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from dlarena.cell import error_line

# Every artifact accepts any batch up to this size (declared dynamic where the API needs it).
MAX_BATCH = 4096


def _batch_dim():
    return ({0: torch.export.Dim("batch", min=1, max=MAX_BATCH)},)


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
    program = torch.export.export(model, (example,), dynamic_shapes=_batch_dim())
    torch.export.save(program, str(folder / "model.pt2"))
    return {"file": "model.pt2", "exporter": {"api": "torch.export.export + torch.export.save",
                                              "torch": torch.__version__}}


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


EXPORTERS = {"torchscript": torchscript, "torch_export": torch_export, "onnx": onnx}
