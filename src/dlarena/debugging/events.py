"""Training curves as TensorBoard event files, written by one writer for every framework.

The writer is TensorBoard's own ``tensorboard.summary.Writer``: it belongs to neither framework,
so a PyTorch process does not import TensorFlow to log (``tf.summary`` would) and a TensorFlow
process does not import torch (``torch.utils.tensorboard`` would), and both frameworks' curves
come out byte-for-byte in the same format. TensorBoard uses TensorFlow for file I/O when it can
import it; registering ``tensorboard.compat.notf`` (TensorBoard's own switch for this) makes it
use its built-in stub instead, in both processes alike.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

WRITER = "tensorboard.summary.Writer"


def write_scalars(log_dir: str | Path, series: dict[str, list[float]]) -> Path:
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
    from tensorboard.summary import Writer

    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    writer = Writer(str(log_dir))
    try:
        for tag, values in series.items():
            for step, value in enumerate(values):
                writer.add_scalar(tag, float(value), step=step)
        writer.flush()
    finally:
        writer.close()
    return log_dir


def read_scalars(log_dir: str | Path) -> dict[str, list[float]]:
    """Reads the event files back (TensorBoard's own reader): what TensorBoard will show."""
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(log_dir), size_guidance={"tensors": 0})  # 0: keep every step
    acc.Reload()
    out = {}
    for tag in acc.Tags()["tensors"]:
        events = sorted(acc.Tensors(tag), key=lambda e: e.step)
        out[tag] = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
    return out
