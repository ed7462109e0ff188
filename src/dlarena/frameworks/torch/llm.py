"""PyTorch's causal-LM generation (the "llm" plugin): Hugging Face transformers' ``generate``, as
its users call it, greedy, on the zoo workload's ``LlamaForCausalLM`` (the model's ``.hf``).

Modes: ``eager`` is ``model.generate`` with its default dynamic KV cache; ``compile`` is the fast
path transformers documents: a static KV cache (``cache_implementation="static"``), with which
generate runs the forward under ``torch.compile`` (automatic on GPUs, with transformers' default
``CompileConfig``; on a CPU the same config, told to compile on every device). CUDA timing: the
cell's adapter synchronises the device after each generate (``adapter.sync``)."""

from __future__ import annotations

import numpy as np

MODES = {
    "eager": "model.generate (transformers), dynamic KV cache",
    "compile": "model.generate, static KV cache, forward under torch.compile (transformers CompileConfig)",
}


def modes(framework: str) -> dict[str, str]:
    return dict(MODES)


def causal_lm(model):
    """The Hugging Face model inside the workload's module (the zoo workload exposes it as ``.hf``)."""
    return getattr(model, "hf", model)


def parameter_count(lm) -> int:
    return int(sum(p.numel() for p in lm.parameters()))


def generator(lm, mode: str, framework: str, device=None):
    """``generate(prompt (1, P) int ids, n) -> (1, n) new ids``: greedy, exactly ``n`` new tokens
    (no stop on the end-of-sequence token), in ``mode``."""
    import torch
    import transformers

    transformers.logging.set_verbosity_error()  # random weights: its notes on special tokens are noise here
    lm.eval()
    device = device or next(lm.parameters()).device
    options = dict(do_sample=False, pad_token_id=0, eos_token_id=None)
    if mode == "compile":
        options.update(cache_implementation="static")  # on a GPU, generate then compiles by itself
        if device.type == "cpu":  # transformers' default CompileConfig, allowed on every device
            compile_config = transformers.CompileConfig()
            compile_config._compile_all_devices = True
            options.update(compile_config=compile_config)
    elif mode != "eager":
        raise ValueError(f"unknown generation mode '{mode}' for {framework}; valid: {', '.join(MODES)}")

    def generate(prompt: np.ndarray, n: int) -> np.ndarray:
        ids = torch.as_tensor(np.asarray(prompt, dtype=np.int64), device=device)
        with torch.no_grad():
            out = lm.generate(ids, max_new_tokens=n, min_new_tokens=n, **options)
        return out[:, ids.shape[1]:].cpu().numpy()

    return generate


def logits(lm, ids: np.ndarray) -> np.ndarray:
    """The model's logits over ``ids`` (1, T) in one teacher-forced forward: (1, T, vocab)."""
    import torch

    device = next(lm.parameters()).device
    with torch.no_grad():
        out = lm.eval()(torch.as_tensor(np.asarray(ids, dtype=np.int64), device=device))
    return out.logits.float().cpu().numpy()
