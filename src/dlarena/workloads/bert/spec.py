"""A BERT encoder from the model zoos its users load: Hugging Face transformers'
``BertForSequenceClassification`` (PyTorch) and keras-hub's ``BertTextClassifier`` on a
``BertBackbone`` (Keras 3 on TensorFlow, JAX and PyTorch), built from one size preset
(``configs.SIZES``) with random weights. Classification of the pooled first token (dense + tanh),
one segment, no padding. Distinct from ``bert_large``, dlarena's hand-written BERT-Large-shaped
encoder in each framework's own layers."""

from __future__ import annotations

from dlarena.workloads.base import ParamSpec, Workload, dense_flops
from dlarena.workloads.bert.configs import SIZES
from dlarena.workloads.zoo_common import JAX_FROM_KERAS_HUB, ZOOS
from dlarena.workloads.zoo_common import dense as _dense, norm as _norm

CLASSES = 2
SEQ = {"tiny": 64, "small": 128, "full": 512}
BATCHES = {
    "tiny": {"infer_latency": 1, "infer_throughput": 16, "train": 16, "parity": 4},
    "small": {"infer_latency": 1, "infer_throughput": 8, "train": 1, "parity": 1},
    "full": {"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 1},
}
SOURCE = {"tiny": "Google's BERT-Tiny shape", "small": "bert-base-uncased's shape", "full": "bert-large-uncased's shape"}
GELU = {"tanh": "gelu_new", "exact": "gelu"}


def bert_params(c: dict, classes: int) -> dict[str, ParamSpec]:
    d, f = c["hidden_size"], c["intermediate_size"]
    params = {"tok_emb": ParamSpec((c["vocab_size"], d), "embedding", init="small"),
              "pos_emb": ParamSpec((c["max_position_embeddings"], d), "embedding", init="small"),
              "seg_emb": ParamSpec((c["type_vocab_size"], d), "embedding", init="small"),
              **_norm(d, "emb_ln")}
    for i in range(c["num_hidden_layers"]):
        p = f"layer{i}."
        for proj in "qkvo":
            params.update(_dense(d, d, p + proj))
        params.update({**_norm(d, p + "attn_ln"), **_dense(d, f, p + "ff1"), **_dense(f, d, p + "ff2"),
                       **_norm(d, p + "ffn_ln")})
    return {**params, **_dense(d, d, "pool"), **_dense(d, classes, "cls")}


def bert_flops(c: dict, seq: int, classes: int) -> int:
    d, f = c["hidden_size"], c["intermediate_size"]
    per_layer = seq * (4 * dense_flops(d, d) + dense_flops(d, f) + dense_flops(f, d)) + 2 * 2 * seq * seq * d
    return c["num_hidden_layers"] * per_layer + dense_flops(d, d) + dense_flops(d, classes)


def variant(size: str = "tiny", layers: int = 0, seq: int = 0, gelu: str = "tanh") -> Workload:
    """``size``: tiny | small | full (``configs.SIZES``); ``layers`` / ``seq`` override the preset's
    depth / sequence length; ``gelu=exact`` gives the HF model BertConfig's default erf GELU, which
    keras-hub's BERT does not compute (a parity finding, kept reproducible)."""
    if gelu not in GELU:
        raise ValueError(f"workload 'bert': unknown gelu '{gelu}'; valid: {', '.join(GELU)}")
    bert = {**SIZES[size], "hidden_act": GELU[gelu], **({"num_hidden_layers": layers} if layers else {})}
    seq = seq or SEQ[size]
    if seq > bert["max_position_embeddings"]:
        raise ValueError(f"workload 'bert': seq {seq} is longer than its {bert['max_position_embeddings']} positions")
    notes = (f", {layers} of its layers" if layers else "") + (", HF with exact GELU" if gelu == "exact" else "")
    return Workload(
        name="bert",
        description=(f"BERT encoder ({SOURCE[size]}{notes}; HF transformers BertForSequenceClassification vs "
                     f"keras-hub BertTextClassifier, random weights): {bert['num_hidden_layers']} post-LN layers, "
                     f"hidden {bert['hidden_size']}, {bert['num_attention_heads']} heads, FF "
                     f"{bert['intermediate_size']}, seq {seq}, vocab {bert['vocab_size']}, pooled first-token "
                     f"classification"),
        input_kind="tokens",
        input_shape=(seq,),
        vocab_size=bert["vocab_size"],
        num_classes=CLASSES,
        config={"bert": bert, "seq_len": seq, "num_classes": CLASSES},
        params=bert_params(bert, CLASSES),
        batch_sizes=dict(BATCHES[size]),
        forward_flops=bert_flops(bert, seq, CLASSES),
        size=size,
        requires=ZOOS,
        runs_model_of=JAX_FROM_KERAS_HUB,
    )


WORKLOAD = variant()
