"""Keras 3's causal-LM generation (the "llm" plugin) on any backend, and the TensorFlow adapter's:
keras-hub's ``CausalLM.generate`` as its users call it, greedy (``compile(sampler="greedy")``), on
the zoo workload's keras-hub model (the model's ``.hub``).

keras-hub chooses how generate runs per backend, so the modes name what it does: on TensorFlow a
``tf.function``, with XLA (``jit_compile=True``, mode ``xla``) or without (``function``); on JAX
always ``jax.jit`` (mode ``xla``; there is no eager generate); on PyTorch op by op under
``torch.no_grad`` (mode ``eager``). Its KV cache is preallocated to the sequence's full length
(prompt + new tokens), and its first forward (prefill) runs over that whole padded length."""

from __future__ import annotations

import numpy as np

MODES = {
    "tensorflow": {"function": "CausalLM.generate (keras-hub), tf.function without XLA",
                   "xla": "CausalLM.generate (keras-hub), tf.function with jit_compile=True (XLA)"},
    "jax": {"xla": "CausalLM.generate (keras-hub), jax.jit (always: keras-hub jits generate on JAX)"},
    "torch": {"eager": "CausalLM.generate (keras-hub), op by op under torch.no_grad (keras-hub compiles nothing)"},
}


def _backend(framework: str) -> str:
    return framework.removeprefix("keras-")


def modes(framework: str) -> dict[str, str]:
    return dict(MODES.get(_backend(framework), {}))


def causal_lm(model):
    """The keras-hub CausalLM inside the workload's model (the zoo workload exposes it as ``.hub``)."""
    return getattr(model, "hub", model)


def parameter_count(lm) -> int:
    return int(lm.count_params())


def generator(lm, mode: str, framework: str, device=None):
    """``generate(prompt (1, P) int ids, n) -> (1, n) new ids``: greedy, exactly ``n`` new tokens
    (``stop_token_ids=None``), in ``mode``. keras-hub without a preprocessor takes the prompt padded
    to the full length with a mask, and fills the masked-out positions."""
    valid = modes(framework)
    if mode not in valid:
        raise ValueError(f"unknown generation mode '{mode}' for {framework}; valid: {', '.join(valid)}")
    options = {"jit_compile": mode == "xla"} if _backend(framework) == "tensorflow" else {}
    lm.compile(sampler="greedy", **options)

    def generate(prompt: np.ndarray, n: int) -> np.ndarray:
        prompt = np.asarray(prompt, dtype=np.int32)
        batch, length = prompt.shape
        ids = np.zeros((batch, length + n), np.int32)
        ids[:, :length] = prompt
        mask = np.zeros((batch, length + n), bool)
        mask[:, :length] = True
        out = lm.generate({"token_ids": ids, "padding_mask": mask}, stop_token_ids=None)
        return np.asarray(out["token_ids"])[:, length:]

    return generate


def logits(lm, ids: np.ndarray) -> np.ndarray:
    """The model's logits over ``ids`` (1, T) in one teacher-forced forward: (1, T, vocab)."""
    import keras

    ids = np.asarray(ids, dtype=np.int32)
    out = lm({"token_ids": ids, "padding_mask": np.ones(ids.shape, bool)}, training=False)
    return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float32)
