import torch
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, seq_len, d_model, heads, ff, layers, num_classes):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(seq_len, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, ff, dropout=0.0, activation="gelu", batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.cls = nn.Linear(d_model, num_classes)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.tok_emb(tokens) + self.pos_emb(positions)
        x = self.encoder(x)
        return self.cls(x[:, 0])


def build_model(config: dict) -> nn.Module:
    return TextClassifier(**config)


def _layer(i: int) -> dict:
    p, c = f"encoder.layers.{i}.", f"layer{i}."
    return {
        p + "self_attn.in_proj_weight": [c + "q.kernel", c + "k.kernel", c + "v.kernel"],
        p + "self_attn.in_proj_bias": [c + "q.bias", c + "k.bias", c + "v.bias"],
        p + "self_attn.out_proj.weight": c + "o.kernel",
        p + "self_attn.out_proj.bias": c + "o.bias",
        p + "linear1.weight": c + "ff1.kernel", p + "linear1.bias": c + "ff1.bias",
        p + "linear2.weight": c + "ff2.kernel", p + "linear2.bias": c + "ff2.bias",
        p + "norm1.weight": c + "ln1.gamma", p + "norm1.bias": c + "ln1.beta",
        p + "norm2.weight": c + "ln2.gamma", p + "norm2.bias": c + "ln2.beta",
    }


def weight_map(config: dict) -> dict:
    per_layer = {k: v for i in range(config["layers"]) for k, v in _layer(i).items()}
    return {
        "tok_emb.weight": "tok_emb",
        "pos_emb.weight": "pos_emb",
        **per_layer,
        "cls.weight": "cls.kernel",
        "cls.bias": "cls.bias",
    }
