"""The BERT a PyTorch user loads: Hugging Face transformers' ``BertForSequenceClassification`` from
a config (random weights; ``from_pretrained`` would load a checkpoint into the same modules)."""

import transformers
from torch import nn


class TextClassifier(nn.Module):
    """The class logits; ``.hf`` is the transformers model."""

    def __init__(self, bert: dict, num_classes: int):
        super().__init__()
        self.hf = transformers.BertForSequenceClassification(transformers.BertConfig(**bert, num_labels=num_classes))

    def forward(self, tokens):
        return self.hf(input_ids=tokens).logits


def build_model(config: dict) -> nn.Module:
    return TextClassifier(config["bert"], config["num_classes"])


def _dense(module: str, canonical: str) -> dict:
    return {f"{module}.weight": f"{canonical}.kernel", f"{module}.bias": f"{canonical}.bias"}


def _norm(module: str, canonical: str) -> dict:
    return {f"{module}.weight": f"{canonical}.gamma", f"{module}.bias": f"{canonical}.beta"}


def weight_map(config: dict) -> dict:
    e = "hf.bert.embeddings."
    out = {e + "word_embeddings.weight": "tok_emb", e + "position_embeddings.weight": "pos_emb",
           e + "token_type_embeddings.weight": "seg_emb", **_norm(e + "LayerNorm", "emb_ln")}
    for i in range(config["bert"]["num_hidden_layers"]):
        p, c = f"hf.bert.encoder.layer.{i}.", f"layer{i}."
        out.update({**_dense(p + "attention.self.query", c + "q"), **_dense(p + "attention.self.key", c + "k"),
                    **_dense(p + "attention.self.value", c + "v"), **_dense(p + "attention.output.dense", c + "o"),
                    **_norm(p + "attention.output.LayerNorm", c + "attn_ln"),
                    **_dense(p + "intermediate.dense", c + "ff1"), **_dense(p + "output.dense", c + "ff2"),
                    **_norm(p + "output.LayerNorm", c + "ffn_ln")})
    return {**out, **_dense("hf.bert.pooler.dense", "pool"), **_dense("hf.classifier", "cls")}
