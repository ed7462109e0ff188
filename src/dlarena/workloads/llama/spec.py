"""A Llama decoder LLM from the model zoos its users load: Hugging Face transformers'
``LlamaForCausalLM`` (PyTorch) and keras-hub's ``LlamaCausalLM`` (Keras 3 on TensorFlow, JAX and
PyTorch), both built from one size preset (``configs.SIZES``) with random weights.

Trained the way a language model is trained: the output is the logits at every position
(batch, tokens, vocab) and the loss is next-token cross-entropy averaged over all positions
(``target="next_token"``: the labels are the input shifted by one). Canonical parameters are in the
math layout (``x @ W``); a projection's heads are its output columns (q: hidden -> heads x head_dim).
"""

from __future__ import annotations

from dlarena.workloads.base import ParamSpec, Workload, dense_flops
from dlarena.workloads.llama.configs import SIZES
from dlarena.workloads.zoo_common import JAX_FROM_KERAS_HUB, ZOOS

# What each zoo model imports (a missing one skips that column); native JAX's column is the keras-hub
# model on Keras's JAX backend (what JAX users load: transformers 5 has no Flax models).

SEQ = {"tiny": 64, "small": 128, "full": 512}
BATCHES = {
    "tiny": {"infer_latency": 1, "infer_throughput": 8, "train": 8, "parity": 2},
    "small": {"infer_latency": 1, "infer_throughput": 4, "train": 1, "parity": 1},
    "full": {"infer_latency": 1, "infer_throughput": 8, "train": 4, "parity": 1},
}
SOURCE = {"tiny": "a reduced Llama", "small": "SmolLM-135M's shape", "full": "Llama-3.2-1B's shape"}


def _vector(dim: int) -> ParamSpec:
    return ParamSpec((dim,), "vector", init="ones")


def _dense(n_in: int, n_out: int) -> ParamSpec:
    return ParamSpec((n_in, n_out), "dense", init="small")  # like the zoos' 0.02-std init, not He


def llama_params(c: dict) -> dict[str, ParamSpec]:
    d, f = c["hidden_size"], c["intermediate_size"]
    head = d // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * head, c["num_key_value_heads"] * head
    params = {"embed": ParamSpec((c["vocab_size"], d), "embedding", init="small")}
    for i in range(c["num_hidden_layers"]):
        p = f"layer{i}."
        params.update({p + "attn_norm.gamma": _vector(d), p + "q.kernel": _dense(d, q), p + "k.kernel": _dense(d, kv),
                       p + "v.kernel": _dense(d, kv), p + "o.kernel": _dense(q, d), p + "mlp_norm.gamma": _vector(d),
                       p + "gate.kernel": _dense(d, f), p + "up.kernel": _dense(d, f), p + "down.kernel": _dense(f, d)})
    params["norm.gamma"] = _vector(d)
    if not c["tie_word_embeddings"]:
        params["lm_head.kernel"] = _dense(d, c["vocab_size"])
    return params


def llama_flops(c: dict, seq: int) -> int:
    """Per sequence: every projection per token, attention scores and weighted values over the full
    (seq x seq) square (as SDPA computes it, causal mask or not), and the LM head at every position."""
    d, f = c["hidden_size"], c["intermediate_size"]
    head = d // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * head, c["num_key_value_heads"] * head
    per_token = dense_flops(d, q) + 2 * dense_flops(d, kv) + dense_flops(q, d) + 3 * dense_flops(d, f)
    attention = 2 * 2 * seq * seq * q
    return c["num_hidden_layers"] * (seq * per_token + attention) + seq * dense_flops(d, c["vocab_size"])


def variant(size: str = "tiny", layers: int = 0, seq: int = 0) -> Workload:
    """``size``: tiny | small | full (``configs.SIZES``); ``layers`` / ``seq`` override the preset's
    depth / sequence length (e.g. ``layers=1`` for fast tests)."""
    llama = {**SIZES[size], **({"num_hidden_layers": layers} if layers else {})}
    seq = seq or SEQ[size]
    note = f", {layers} of its layers" if layers else ""
    return Workload(
        name="llama",
        description=(f"Llama decoder LLM ({SOURCE[size]}{note}; HF transformers LlamaForCausalLM vs keras-hub "
                     f"LlamaCausalLM, random weights): {llama['num_hidden_layers']} layers, hidden "
                     f"{llama['hidden_size']}, {llama['num_attention_heads']} query / {llama['num_key_value_heads']} "
                     f"key-value heads, vocab {llama['vocab_size']}, seq {seq}; full-sequence next-token "
                     f"cross-entropy"),
        input_kind="tokens",
        input_shape=(seq,),
        vocab_size=llama["vocab_size"],
        num_classes=llama["vocab_size"],
        target="next_token",
        config={"llama": llama, "seq_len": seq},
        params=llama_params(llama),
        batch_sizes=dict(BATCHES[size]),
        forward_flops=llama_flops(llama, seq),
        learning_rate=0.01,
        size=size,
        requires=ZOOS,
        runs_model_of=JAX_FROM_KERAS_HUB,
    )


WORKLOAD = variant()
