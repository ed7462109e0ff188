from dlarena.workloads.base import ParamSpec, Workload, dense, dense_flops, norm

VOCAB, SEQ, D_MODEL, HEADS, FF, LAYERS, CLASSES = 8000, 64, 128, 4, 512, 2, 2


def encoder_params(vocab: int, seq: int, d_model: int, ff: int, layers: int, classes: int) -> dict:
    params = {
        "tok_emb": ParamSpec((vocab, d_model), "embedding", init="small"),
        "pos_emb": ParamSpec((seq, d_model), "embedding", init="small"),
    }
    for i in range(layers):
        for proj in ("q", "k", "v", "o"):
            params.update(dense(d_model, d_model, f"layer{i}.{proj}"))
        params.update(norm(d_model, f"layer{i}.ln1"))
        params.update(dense(d_model, ff, f"layer{i}.ff1"))
        params.update(dense(ff, d_model, f"layer{i}.ff2"))
        params.update(norm(d_model, f"layer{i}.ln2"))
    params.update(dense(d_model, classes, "cls"))
    return params


def encoder_flops(seq: int, d_model: int, ff: int, layers: int, classes: int) -> int:
    per_layer = (
        4 * seq * dense_flops(d_model, d_model)  # q, k, v, output projections
        + 2 * 2 * seq * seq * d_model  # scores q.k and the weighted sum of values, all heads
        + seq * (dense_flops(d_model, ff) + dense_flops(ff, d_model))
    )
    return layers * per_layer + dense_flops(d_model, classes)  # the head reads the first token only


def encoder(name: str, description: str, *, vocab: int, seq: int, d_model: int, heads: int, ff: int,
            layers: int, classes: int, batch_sizes: dict[str, int], size: str | None = None) -> Workload:
    """A BERT-style text classifier; the same implementation serves ``transformer`` and ``bert_large``."""
    if d_model % heads:
        raise ValueError(f"workload '{name}': d_model {d_model} is not divisible by {heads} heads")
    return Workload(
        name=name,
        description=f"{description}: {layers} post-LN layers, d_model {d_model}, {heads} heads, "
        f"FF {ff}, seq {seq}, vocab {vocab}, first-token classification head",
        input_kind="tokens",
        input_shape=(seq,),
        vocab_size=vocab,
        num_classes=classes,
        config={"vocab_size": vocab, "seq_len": seq, "d_model": d_model, "heads": heads, "ff": ff,
                "layers": layers, "num_classes": classes},
        params=encoder_params(vocab, seq, d_model, ff, layers, classes),
        batch_sizes=batch_sizes,
        forward_flops=encoder_flops(seq, d_model, ff, layers, classes),
        size=size,
    )


def variant(layers: int = LAYERS, d_model: int = D_MODEL, heads: int = HEADS, seq: int = SEQ) -> Workload:
    """The small encoder at another depth/width/sequence length (FF stays 4 x d_model)."""
    return encoder("transformer", "BERT-style encoder", vocab=VOCAB, seq=seq, d_model=d_model, heads=heads,
                   ff=4 * d_model, layers=layers, classes=CLASSES,
                   batch_sizes={"infer_latency": 1, "infer_throughput": 32, "train": 16, "parity": 4})


WORKLOAD = variant()
