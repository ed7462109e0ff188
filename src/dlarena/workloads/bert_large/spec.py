"""A BERT-Large-shaped encoder: the ``transformer`` implementation at BERT-Large's shape
(24 layers, d_model 1024, 16 heads, FF 4096, seq 512, WordPiece vocabulary 30522), with presets
that cut depth and sequence length for a CPU (width and heads stay real, so per-layer kernels
are BERT-Large's)."""

from dlarena.workloads.base import Workload
from dlarena.workloads.transformer.spec import encoder

FULL = dict(layers=24, d_model=1024, heads=16, ff=4096, seq=512, vocab=30522)
SIZES = {
    "full": (FULL, {"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 2}),
    "small": ({**FULL, "layers": 4, "seq": 128}, {"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 2}),
    "tiny": (dict(layers=2, d_model=64, heads=4, ff=256, seq=16, vocab=1000),
             {"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 4}),
}


def variant(size: str = "full", layers: int = 0, seq: int = 0) -> Workload:
    """``size``: tiny | small | full; ``layers`` / ``seq`` override the preset's depth / length."""
    shape, batches = SIZES[size]
    shape = {**shape, **({"layers": layers} if layers else {}), **({"seq": seq} if seq else {})}
    reduced = {k: (v, FULL[k]) for k, v in shape.items() if v != FULL[k]}
    note = "" if not reduced else " [size {}: reduced from BERT-Large's {}]".format(
        size, ", ".join(f"{k} {full}" for k, (_, full) in reduced.items()))
    encoder_workload = encoder("bert_large", "BERT-Large-shaped encoder", vocab=shape["vocab"], seq=shape["seq"],
                               d_model=shape["d_model"], heads=shape["heads"], ff=shape["ff"], layers=shape["layers"],
                               classes=2, batch_sizes=dict(batches), size=size)
    return _with_note(encoder_workload, note)


def _with_note(workload: Workload, note: str) -> Workload:
    from dataclasses import replace

    return replace(workload, description=workload.description + note)


WORKLOAD = variant()
