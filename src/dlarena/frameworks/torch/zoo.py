"""PyTorch's model zoos (the "pretrained" plugin) and its zoo ResNet-50 (the "zoo" plugin):
torchvision's resnet50, ResNet v1.5.

Zoos a PyTorch user loads: torchvision, timm, torchaudio and Hugging Face transformers natively
(transformers 5 is PyTorch only: its TensorFlow and Flax classes were removed in v5), and the
Keras 3 zoos (keras.applications, keras-hub) through Keras 3 on the PyTorch backend, counted as
they are for TensorFlow and JAX users. Each zoo's representative architectures are built here at
tiny sizes with random weights (nothing downloaded) and run forward once.
"""

from __future__ import annotations

from dlarena.cell import Skipped
from dlarena.pretrained import families as fam
from dlarena.pretrained.builds import as_dicts, run_builders
from dlarena.pretrained.inventory import (ZooSource, keras_zoos, list_timm, list_torchaudio, list_torchvision,
                                          list_transformers)

KERAS = "keras-torch"  # Keras 3 on this framework: the registry entry whose backend runs the Keras zoos here
NATIVE = "PyTorch"


def _transformers_builders() -> dict:
    import torch
    import transformers as hf

    hf.logging.set_verbosity_error()  # tiny vocabularies: its notes on special-token ids are noise here
    tokens = torch.ones((1, fam.SEQ), dtype=torch.long)
    special = dict(pad_token_id=0, bos_token_id=1, eos_token_id=2)
    image = torch.rand((1, 3, fam.IMAGE, fam.IMAGE), generator=torch.Generator().manual_seed(0))
    decoder = dict(vocab_size=fam.VOCAB, hidden_size=fam.HIDDEN, intermediate_size=fam.INTERMEDIATE,
                   num_hidden_layers=fam.LAYERS, num_attention_heads=fam.HEADS, num_key_value_heads=fam.KV_HEADS,
                   max_position_embeddings=64, **special)

    def run(model, **inputs):
        with torch.no_grad():
            return model.eval()(**inputs)

    def whisper():
        config = hf.WhisperConfig(vocab_size=fam.VOCAB, d_model=fam.HIDDEN, encoder_layers=fam.LAYERS,
                                  decoder_layers=fam.LAYERS, encoder_attention_heads=fam.HEADS,
                                  decoder_attention_heads=fam.HEADS, encoder_ffn_dim=fam.INTERMEDIATE,
                                  decoder_ffn_dim=fam.INTERMEDIATE, num_mel_bins=fam.MELS,
                                  max_source_positions=fam.AUDIO_FRAMES // 2, max_target_positions=16,
                                  decoder_start_token_id=1, **special)
        return run(hf.WhisperModel(config), input_features=torch.zeros((1, fam.MELS, fam.AUDIO_FRAMES)),
                   decoder_input_ids=torch.ones((1, 4), dtype=torch.long))

    return {
        "LlamaForCausalLM": ("llama", lambda: run(hf.LlamaForCausalLM(hf.LlamaConfig(**decoder)), input_ids=tokens)),
        "GemmaForCausalLM": ("gemma", lambda: run(hf.GemmaForCausalLM(hf.GemmaConfig(head_dim=fam.HEAD_DIM, **decoder)),
                                                  input_ids=tokens)),
        "Qwen2ForCausalLM": ("qwen", lambda: run(hf.Qwen2ForCausalLM(hf.Qwen2Config(**decoder)), input_ids=tokens)),
        "GPT2LMHeadModel": ("gpt2", lambda: run(hf.GPT2LMHeadModel(hf.GPT2Config(
            vocab_size=fam.VOCAB, n_embd=fam.HIDDEN, n_layer=fam.LAYERS, n_head=fam.HEADS, n_positions=64, **special)),
            input_ids=tokens)),
        "BertModel": ("bert", lambda: run(hf.BertModel(hf.BertConfig(
            vocab_size=fam.VOCAB, hidden_size=fam.HIDDEN, num_hidden_layers=fam.LAYERS, num_attention_heads=fam.HEADS,
            intermediate_size=fam.INTERMEDIATE, max_position_embeddings=64, pad_token_id=0)), input_ids=tokens)),
        "ViTModel": ("vit", lambda: run(hf.ViTModel(hf.ViTConfig(
            image_size=fam.IMAGE, patch_size=fam.PATCH, hidden_size=fam.HIDDEN, num_hidden_layers=fam.LAYERS,
            num_attention_heads=fam.HEADS, intermediate_size=fam.INTERMEDIATE)), pixel_values=image)),
        "ResNetModel": ("resnet", lambda: run(hf.ResNetModel(hf.ResNetConfig(
            embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1], layer_type="basic")), pixel_values=image)),
        "WhisperModel": ("whisper", whisper),
    }


def build_transformers() -> list[dict]:
    import torch

    torch.manual_seed(0)
    return as_dicts(run_builders("transformers", _transformers_builders()))


def _image_model(model):
    import torch

    with torch.no_grad():
        return model.eval()(torch.rand((1, 3, fam.IMAGE, fam.IMAGE)))


def build_torchvision() -> list[dict]:
    """Runs where torchvision imports (not beside the CPU torch here: its PyPI build is CUDA-linked)."""
    import torchvision

    models = torchvision.models
    small = {"resnet18": "resnet", "mobilenet_v3_small": None, "squeezenet1_1": None, "shufflenet_v2_x0_5": None,
             "efficientnet_b0": None}
    builders = {name: (family, lambda name=name: _image_model(models.get_model(name, weights=None, num_classes=10)))
                for name, family in small.items()}
    builders["VisionTransformer"] = ("vit", lambda: _image_model(models.VisionTransformer(
        image_size=fam.IMAGE, patch_size=fam.PATCH, num_layers=fam.LAYERS, num_heads=fam.HEADS, hidden_dim=fam.HIDDEN,
        mlp_dim=fam.INTERMEDIATE, num_classes=10)))
    return as_dicts(run_builders("torchvision", builders))


def build_timm() -> list[dict]:
    import timm

    names = {"resnet18": "resnet", "vit_tiny_patch16_224": "vit", "mobilenetv3_small_050": None,
             "efficientnet_b0": None, "convnext_atto": None}
    options = {"vit_tiny_patch16_224": {"img_size": fam.IMAGE, "patch_size": fam.PATCH, "depth": fam.LAYERS}}
    builders = {name: (family, lambda name=name: _image_model(timm.create_model(
        name, pretrained=False, num_classes=10, **options.get(name, {})))) for name, family in names.items()}
    return as_dicts(run_builders("timm", builders))


SOURCES = [
    ZooSource("torchvision", "torchvision", list_torchvision, native=NATIVE, builder=build_torchvision,
              families=("resnet", "vit")),
    ZooSource("timm", "timm", list_timm, native=NATIVE, builder=build_timm, families=("resnet", "vit")),
    ZooSource("torchaudio", "torchaudio", list_torchaudio, native=NATIVE),
    ZooSource("transformers (PyTorch classes)", "transformers", list_transformers(""),
              native=f"{NATIVE} (transformers 5 is PyTorch only)", builder=build_transformers,
              families=tuple(fam.FAMILIES)),
    *keras_zoos(KERAS),
]

DESCRIPTION = "torchvision resnet50 (ResNet v1.5)"


def build(adapter, spec, mode: str, seed: int):
    try:
        import torchvision
    except Exception as exc:  # e.g. "operator torchvision::nms does not exist" beside a mismatched torch
        raise Skipped(f"torchvision is not importable here: {type(exc).__name__}: {exc}") from None
    model = torchvision.models.resnet50(weights=None, num_classes=spec.num_classes)
    return model.to(adapter.device), adapter, mode


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())
