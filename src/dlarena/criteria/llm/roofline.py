"""The physical limits of generation, as arithmetic on a decoder's shape (LlamaConfig-style keys).

- Batch-1 decoding is memory-bound: each new token reads every weight once, plus the KV cache so
  far. Its roof is the measured memory bandwidth / bytes read per token; the fraction of it a
  framework reaches is decode tokens/s / that roof.
- Prefill is compute-bound: its roof is the measured GEMM peak; the fraction is achieved FLOP/s
  (prefill tokens/s x FLOPs per prompt token) / the peak (MFU).
Counting conventions (stated with every row): 2 FLOPs per multiply-add; fp32 weights (4 bytes);
with tied embeddings the LM head reads the whole embedding matrix per token, untied the input
embedding reads one row."""

from __future__ import annotations

from dataclasses import dataclass

BYTES_PER_PARAM = {"fp32": 4, "bf16": 2}


@dataclass(frozen=True)
class DecoderShape:
    vocab: int
    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    tied: bool

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def layer_params(self) -> int:
        """Weights of one block: q, o (hidden x hidden), k, v (hidden x kv), gate, up, down, two norms."""
        kv = self.kv_heads * self.head_dim
        return 2 * self.hidden * self.hidden + 2 * self.hidden * kv + 3 * self.hidden * self.intermediate + 2 * self.hidden

    @property
    def parameters(self) -> int:
        embeddings = self.vocab * self.hidden * (1 if self.tied else 2)
        return self.layers * self.layer_params + embeddings + self.hidden  # + final norm

    def kv_bytes_per_position(self, itemsize: int = 4) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * itemsize


def shape_of(config: dict) -> DecoderShape | None:
    """The decoder's shape from a workload's config (LlamaConfig keyword names, at its top level or
    under "llama"), or None."""
    config = config.get("llama", config) if isinstance(config, dict) else {}
    try:
        heads = int(config["num_attention_heads"])
        return DecoderShape(vocab=int(config["vocab_size"]), hidden=int(config["hidden_size"]),
                            intermediate=int(config["intermediate_size"]), layers=int(config["num_hidden_layers"]),
                            heads=heads, kv_heads=int(config.get("num_key_value_heads") or heads),
                            tied=bool(config.get("tie_word_embeddings", False)))
    except (KeyError, TypeError, ValueError):
        return None


def decode_bytes_per_token(shape: DecoderShape, context: float, itemsize: int = 4) -> float:
    """Bytes read to produce one token at ``context`` positions already cached: every weight once
    (an untied input embedding: one row) and the KV cache of those positions."""
    unread = 0 if shape.tied else (shape.vocab - 1) * shape.hidden  # untied: one embedding row read
    return (shape.parameters - unread) * itemsize + context * shape.kv_bytes_per_position(itemsize)


def prefill_flops_per_token(shape: DecoderShape, prompt: int) -> float:
    """FLOPs per prompt token of a prefill over ``prompt`` tokens: the blocks' matmuls, causal
    attention (scores and weighted sum over (prompt + 1) / 2 positions on average) and the LM head
    once per prompt (generation needs the last position's logits only)."""
    matmuls = 2 * shape.layers * (shape.layer_params - 2 * shape.hidden)
    attention = 2 * 2 * shape.layers * shape.heads * shape.head_dim * (prompt + 1) / 2
    return matmuls + attention + 2 * shape.vocab * shape.hidden / prompt


def fraction(achieved: float | None, roof: float | None) -> float | None:
    """achieved / roof, or None when either is missing or the roof is not positive."""
    if achieved is None or roof is None or roof <= 0:
        return None
    return achieved / roof


def decode_roof_tokens_per_s(bandwidth_gb_per_s: float | None, bytes_per_token: float | None) -> float | None:
    """Tokens/s the memory bandwidth allows: bandwidth / bytes read per token."""
    if not bandwidth_gb_per_s or not bytes_per_token:
        return None
    return bandwidth_gb_per_s * 1e9 / bytes_per_token
