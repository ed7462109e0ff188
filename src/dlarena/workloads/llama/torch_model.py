"""The Llama a PyTorch user loads: Hugging Face transformers' ``LlamaForCausalLM`` from a config
(random weights; ``from_pretrained`` would load a checkpoint into the same modules)."""

import transformers
from torch import nn


class CausalLM(nn.Module):
    """The logits at every position; ``.hf`` is the transformers model (``.hf.generate``)."""

    def __init__(self, llama: dict):
        super().__init__()
        self.hf = transformers.LlamaForCausalLM(transformers.LlamaConfig(**llama))

    def forward(self, tokens):
        return self.hf(input_ids=tokens, use_cache=False).logits


def build_model(config: dict) -> nn.Module:
    return CausalLM(config["llama"])


def weight_map(config: dict) -> dict:
    llama = config["llama"]
    out = {"hf.model.embed_tokens.weight": "embed", "hf.model.norm.weight": "norm.gamma",
           # tied: the LM head is the embedding (state_dict lists the shared tensor under both names)
           "hf.lm_head.weight": "embed" if llama["tie_word_embeddings"] else "lm_head.kernel"}
    for i in range(llama["num_hidden_layers"]):
        p, c = f"hf.model.layers.{i}.", f"layer{i}."
        out.update({p + "input_layernorm.weight": c + "attn_norm.gamma",
                    p + "post_attention_layernorm.weight": c + "mlp_norm.gamma",
                    **{f"{p}self_attn.{x}_proj.weight": f"{c}{x}.kernel" for x in "qkvo"},
                    **{f"{p}mlp.{x}_proj.weight": f"{c}{x}.kernel" for x in ("gate", "up", "down")}})
    return out
