"""Reading an exported model graph back, by file format: the ops in order, the weights it
carries, and its output on an input when run by the format's own runtime (not the framework
that wrote it). A framework's debug-probe module names its format in ``GRAPH_FORMAT``
(default ONNX) and writes the file in ``export_graph(model, x, path)``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class GraphFormat:
    label: str
    suffix: str
    runtime: str
    read: Callable[[str, np.ndarray], tuple[list[str], int, np.ndarray]]  # path, x -> ops, weights, output


def _read_onnx(path: str, x: np.ndarray) -> tuple[list[str], int, np.ndarray]:
    import onnx
    import onnxruntime as ort

    from dlarena.deploy.runtimes import quiet

    quiet(ort)
    graph = onnx.load(path).graph
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return [node.op_type for node in graph.node], len(graph.initializer), session.run(None, {session.get_inputs()[0].name: x})[0]


def _read_stablehlo(path: str, x: np.ndarray) -> tuple[list[str], int, np.ndarray]:
    """A serialized ``jax.export`` artifact: ops of the main function (calls by callee name);
    weights = its constants (the closed-over parameters are embedded there)."""
    from jax import export

    with open(path, "rb") as f:
        exported = export.deserialize(bytearray(f.read()))
    text = exported.mlir_module()
    main = text[text.index("func.func public @main"):]
    main = main[:main.index("\n  }")]
    ops = [op or call for op, call in re.findall(r"= (?:stablehlo\.(\w+)|call @(\w+))", main)]
    weights = sum(1 for op in ops if op == "constant")
    return [op for op in ops if op != "constant"], weights, np.asarray(exported.call(x))


FORMATS = {
    "onnx": GraphFormat("ONNX", "onnx", "onnxruntime", _read_onnx),
    "stablehlo": GraphFormat("StableHLO (jax.export)", "jaxexport", "jax.export.deserialize", _read_stablehlo),
}


def graph_format(probes_module) -> GraphFormat:
    return FORMATS[getattr(probes_module, "GRAPH_FORMAT", "onnx")]
