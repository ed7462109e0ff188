"""Text classifier: embedding -> 2-layer LSTM -> dense on the last hidden state. Recurrent
kernels are where the frameworks' implementations differ most (fused cells, loops)."""

from dlarena.workloads.base import ParamSpec, Workload, dense, dense_flops

FULL = dict(vocab=20000, embed=128, hidden=256, layers=2, seq=128)
SIZES = {
    "full": (FULL, {"infer_latency": 1, "infer_throughput": 64, "train": 64, "parity": 8}),
    "small": ({**FULL, "seq": 64}, {"infer_latency": 1, "infer_throughput": 32, "train": 32, "parity": 8}),
    "tiny": (dict(vocab=100, embed=8, hidden=16, layers=2, seq=8),
             {"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 4}),
}
CLASSES = 2


def _params(vocab: int, embed: int, hidden: int, layers: int) -> dict:
    params = {"embedding": ParamSpec((vocab, embed), "embedding", init="small")}
    for i in range(layers):
        n_in = embed if i == 0 else hidden
        # Gate order i, f, g (cell candidate), o along the 4*hidden axis in both frameworks.
        params[f"lstm{i}.kernel"] = ParamSpec((n_in, 4 * hidden), "dense", init="small")
        params[f"lstm{i}.recurrent_kernel"] = ParamSpec((hidden, 4 * hidden), "dense", init="small")
        params[f"lstm{i}.bias"] = ParamSpec((4 * hidden,), "vector", init="small")
    params.update(dense(hidden, CLASSES, "fc"))
    return params


def variant(size: str = "full", seq: int = 0) -> Workload:
    """``size``: tiny | small | full; ``seq`` overrides the sequence length."""
    shape, batches = SIZES[size]
    shape = {**shape, **({"seq": seq} if seq else {})}
    v, e, h, n, s = (shape[k] for k in ("vocab", "embed", "hidden", "layers", "seq"))
    changes = [f"{k} {FULL[k]}" for k in FULL if shape[k] != FULL[k]]
    note = f" [size {size}: reduced from {', '.join(changes)}]" if changes else ""
    step = sum(dense_flops(e if i == 0 else h, 4 * h) + dense_flops(h, 4 * h) for i in range(n))
    return Workload(
        name="lstm",
        description=f"LSTM text classifier: embedding {v}x{e}, {n} LSTM layers of {h} units over {s} tokens, "
        f"dense head on the last hidden state{note}",
        input_kind="tokens",
        input_shape=(s,),
        vocab_size=v,
        num_classes=CLASSES,
        config={"vocab_size": v, "embed": e, "hidden": h, "layers": n, "num_classes": CLASSES},
        params=_params(v, e, h, n),
        batch_sizes=dict(batches),
        forward_flops=s * step + dense_flops(h, CLASSES),
        size=size,
    )


WORKLOAD = variant()
