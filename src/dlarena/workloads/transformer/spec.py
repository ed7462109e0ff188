from dlarena.workloads.base import ParamSpec, Workload, dense, norm

VOCAB, SEQ, D_MODEL, HEADS, FF, LAYERS, CLASSES = 8000, 64, 128, 4, 512, 2, 2


def _params() -> dict:
    params = {
        "tok_emb": ParamSpec((VOCAB, D_MODEL), "embedding", init="small"),
        "pos_emb": ParamSpec((SEQ, D_MODEL), "embedding", init="small"),
    }
    for i in range(LAYERS):
        for proj in ("q", "k", "v", "o"):
            params.update(dense(D_MODEL, D_MODEL, f"layer{i}.{proj}"))
        params.update(norm(D_MODEL, f"layer{i}.ln1"))
        params.update(dense(D_MODEL, FF, f"layer{i}.ff1"))
        params.update(dense(FF, D_MODEL, f"layer{i}.ff2"))
        params.update(norm(D_MODEL, f"layer{i}.ln2"))
    params.update(dense(D_MODEL, CLASSES, "cls"))
    return params


WORKLOAD = Workload(
    name="transformer",
    description=f"BERT-style encoder: {LAYERS} post-LN layers, d_model {D_MODEL}, {HEADS} heads, "
    f"FF {FF}, seq {SEQ}, vocab {VOCAB}, first-token classification head",
    input_kind="tokens",
    input_shape=(SEQ,),
    vocab_size=VOCAB,
    num_classes=CLASSES,
    config={"vocab_size": VOCAB, "seq_len": SEQ, "d_model": D_MODEL, "heads": HEADS, "ff": FF,
            "layers": LAYERS, "num_classes": CLASSES},
    params=_params(),
    batch_sizes={"infer_latency": 1, "infer_throughput": 32, "train": 16, "parity": 4},
)
