"""Parity of text generation, for a decoder workload (one trained on the next token: ``target ==
"next_token"``, a causal language model): beside the workload's
record (logits on its batch within the noise floor, ``check``), each framework decodes greedily from
one fixed prompt through its "llm" plug-in (generate as its zoo's users call it), and the token ids
must be identical for ``GREEDY_STEPS`` steps. A divergence names its first step, with the
reference's margin between its two best logits there (a near tie explains a flip by rounding) and
how far the two frameworks' logits at that step are apart (from one teacher-forced forward over the
prompt and the reference's tokens).

Both sides of the check live here: ``capture`` (in the framework's worker) and ``compare`` (in the
parent, from the two records)."""

from __future__ import annotations

import numpy as np

from dlarena import frameworks
from dlarena.cell import error_line, metric

GREEDY_STEPS = 16  # the horizon over which greedy ids must be identical
PROMPT_TOKENS = 32
FIRST_ORDINARY_ID = 3  # ids below are special (pad, bos, eos): prompts never hold them
PREFIX = "generation:"


def is_decoder(workload) -> bool:
    """A causal language model: trained to predict the next token, so it generates text."""
    return getattr(workload, "target", None) == "next_token"


def prompt(vocab_size: int, length: int, seed: int) -> np.ndarray:
    """A prompt of ``length`` ordinary token ids, (1, length) int32, the same in every framework."""
    rng = np.random.default_rng([seed, length])
    return rng.integers(FIRST_ORDINARY_ID, vocab_size, size=(1, length)).astype(np.int32)


def first_divergence(reference, other, horizon: int = GREEDY_STEPS) -> int | None:
    """The first step (0-based) within ``horizon`` where the two id sequences differ, a missing
    step counting as a difference; None when they agree for all ``horizon`` steps."""
    a, b = np.asarray(reference).reshape(-1)[:horizon], np.asarray(other).reshape(-1)[:horizon]
    for step in range(horizon):
        if step >= len(a) or step >= len(b) or a[step] != b[step]:
            return step
    return None


def vocab_size(workload) -> int:
    return int(workload.vocab_size)


def capture(framework: str, model, workload, seed: int) -> dict[str, np.ndarray]:
    """This framework's greedy record: the prompt, ``GREEDY_STEPS`` greedy ids (its first "llm"
    mode), and the teacher-forced logits at each generated position; a note when it cannot."""
    try:
        plugin = frameworks.plugin_module(framework, "llm")
        lm = plugin.causal_lm(model)
        mode = next(iter(plugin.modes(framework)))
        ids_in = prompt(vocab_size(workload), PROMPT_TOKENS, seed)
        ids = np.asarray(plugin.generator(lm, mode, framework)(ids_in, GREEDY_STEPS)).reshape(1, -1)
        full = np.concatenate([ids_in, ids.astype(np.int32)], axis=1)
        # logits[t] predicts token t+1: the generated steps are predicted at P-1 .. P+n-2
        logits = plugin.logits(lm, full)[0, PROMPT_TOKENS - 1:PROMPT_TOKENS - 1 + ids.shape[1]]
    except Exception as exc:  # noqa: BLE001 - recorded; the generation cells say why they cannot run
        return {PREFIX + "note": np.array(error_line(exc))}
    return {PREFIX + "prompt": ids_in, PREFIX + "ids": ids.reshape(-1), PREFIX + "logits": logits.astype(np.float32),
            PREFIX + "mode": np.array(mode)}


def ids_of(record) -> np.ndarray | None:
    return np.asarray(record[PREFIX + "ids"]) if PREFIX + "ids" in record.files else None


def compare(reference, other) -> tuple[list[dict], str | None]:
    """Rows and the failure (None: identical for ``GREEDY_STEPS`` steps) of ``other``'s greedy ids
    against ``reference``'s; nothing when either record has none (not a decoder, or no plug-in)."""
    ref_ids, other_ids = ids_of(reference), ids_of(other)
    if ref_ids is None or other_ids is None:
        return [], None
    step = first_divergence(ref_ids, other_ids)
    same = GREEDY_STEPS if step is None else step
    distinct = len(set(ref_ids[:GREEDY_STEPS].tolist()))
    extra = {"horizon": GREEDY_STEPS, "prompt_tokens": int(reference[PREFIX + "prompt"].shape[1]),
             "distinct_reference_ids": distinct,
             "rule": f"greedy token ids identical for {GREEDY_STEPS} steps from the same prompt"}
    if step is None:
        return [metric("parity_greedy_identical_steps", "steps", same, **extra)], None
    detail = _at_step(reference, other, step)
    extra.update(first_divergent_step=step, **detail)
    finding = (f"greedy decoding: token ids differ first at step {step} of {GREEDY_STEPS} "
               f"(reference id {_id(ref_ids, step)}, this framework {_id(other_ids, step)})")
    if "reference_top2_margin" in detail:
        finding += (f"; there the reference's two best logits are {detail['reference_top2_margin']:.2e} apart and "
                    f"the frameworks' logits differ by up to {detail['logits_max_abs_diff']:.2e}")
    return [metric("parity_greedy_identical_steps", "steps", same, **extra)], finding


def _id(ids: np.ndarray, step: int) -> str:
    return str(int(ids[step])) if step < len(ids) else "none"


def _at_step(reference, other, step: int) -> dict:
    key = PREFIX + "logits"
    if key not in reference.files or key not in other.files:
        return {}
    a, b = reference[key], other[key]
    if step >= len(a) or step >= len(b):
        return {}
    top2 = np.sort(a[step])[-2:]
    return {"reference_top2_margin": float(top2[1] - top2[0]), "logits_max_abs_diff": float(np.max(np.abs(a[step] - b[step])))}
