"""The ViT a PyTorch user loads: Hugging Face transformers' ``ViTForImageClassification`` from a
config (random weights; ``from_pretrained`` would load a checkpoint into the same modules)."""

import transformers
from torch import nn


class ImageClassifier(nn.Module):
    """The class logits of (N, C, H, W) images; ``.hf`` is the transformers model."""

    def __init__(self, vit: dict, num_classes: int):
        super().__init__()
        self.hf = transformers.ViTForImageClassification(transformers.ViTConfig(**vit, num_labels=num_classes))

    def forward(self, images):
        return self.hf(pixel_values=images).logits


def build_model(config: dict) -> nn.Module:
    return ImageClassifier(config["vit"], config["num_classes"])


def _pair(module: str, canonical: str, names=("kernel", "bias")) -> dict:
    return {f"{module}.weight": f"{canonical}.{names[0]}", f"{module}.bias": f"{canonical}.{names[1]}"}


def weight_map(config: dict) -> dict:
    e = "hf.vit.embeddings."
    # the position embeddings are (1, tokens, hidden) here, (tokens, hidden) canonically: copied by broadcast
    out = {e + "cls_token": "cls_token", e + "position_embeddings": "pos_emb",
           **_pair(e + "patch_embeddings.projection", "patch")}
    norm = ("gamma", "beta")
    for i in range(config["vit"]["num_hidden_layers"]):
        p, c = f"hf.vit.layers.{i}.", f"layer{i}."
        out.update({**_pair(p + "layernorm_before", c + "ln1", norm), **_pair(p + "layernorm_after", c + "ln2", norm),
                    **{k: v for x in "qkvo" for k, v in _pair(f"{p}attention.{x}_proj", c + x).items()},
                    **_pair(p + "mlp.fc1", c + "ff1"), **_pair(p + "mlp.fc2", c + "ff2")})
    return {**out, **_pair("hf.vit.layernorm", "ln", norm), **_pair("hf.classifier", "cls")}
