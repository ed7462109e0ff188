"""The representative model families the pretrained criterion tries to build: one fixed,
framework-neutral list, the same for every framework, so that a score is "the share of these
families a framework's users could build and run here from some zoo available to them".

A family counts as built for a framework when any zoo its users can load (its own, or one it runs
through Keras 3) built one architecture of that family from a config with random weights and ran
one forward pass in that framework's worker process. Dimensions are tiny (2 layers, hidden 32,
vocabulary 128, 32x32 images): the build exercises the model code, not the hardware.
"""

from __future__ import annotations

# family -> (domain, what it stands for)
FAMILIES: dict[str, tuple[str, str]] = {
    "llama": ("text", "decoder LLM (Llama)"),
    "gemma": ("text", "decoder LLM (Gemma)"),
    "qwen": ("text", "decoder LLM (Qwen 2)"),
    "gpt2": ("text", "decoder LM (GPT-2)"),
    "bert": ("text", "encoder (BERT)"),
    "vit": ("vision", "vision transformer (ViT)"),
    "resnet": ("vision", "convolutional network (ResNet)"),
    "whisper": ("audio", "speech encoder-decoder (Whisper)"),
}

# The tiny dimensions every builder uses.
VOCAB = 128
HIDDEN = 32
INTERMEDIATE = 64
LAYERS = 2
HEADS = 4
KV_HEADS = 2
HEAD_DIM = HIDDEN // HEADS
SEQ = 8
IMAGE = 32
PATCH = 8
MELS = 16
AUDIO_FRAMES = 32  # Whisper's encoder input frames (its positions: half of this)


def domain(family: str | None) -> str | None:
    return FAMILIES[family][0] if family in FAMILIES else None
