"""LLM generation: per decoder workload (a causal LM: ``target == "next_token"``), each framework's zoo model
generating as its users call it (its "llm" plug-in: transformers' ``model.generate``, keras-hub's
``CausalLM.generate``) in each of its generation modes (eager, and the fast path: a static KV cache
under torch.compile, XLA, jit), parity-checked first (logits within the noise floor and greedy ids
identical for 16 steps: parity/generation.py), then timed in interleaved windows by the speed
engine: prefill tokens/s and time to first token at stated prompt lengths, decode tokens/s and time
per output token at batch 1, peak memory; against the machine's measured limits (memory bandwidth,
GEMM peak: the peak criterion's probes)."""

from __future__ import annotations

from pathlib import Path

from dlarena.cell import Cell
from dlarena.criteria.base import Criterion, Selection
from dlarena.criteria.llm import cells, report, scores
from dlarena.criteria.llm.options import LlmOptions


class Llm(Criterion[LlmOptions]):
    name = "llm"
    title = "LLM generation"
    order = 12
    entry = cells.ENTRY
    options = LlmOptions
    needs_parity = True
    timed_in_windows = True
    weighed = True
    use_cases = {"Production serving on a server": 1}
    stands_for = "LLM prefill and decode speed"
    # The demo's LLM: the tiny Llama cut to one layer (its parity check, float64 pass included, is most
    # of the demo's added time), one prompt length, each framework's path that compiles in seconds:
    # torch.compile and XLA compile generate for minutes on a loaded 2-core host (notes of issue 27).
    # JAX's column (keras-hub on JAX) is left out of the demo for its cost: its parity capture (Keras's
    # jitted steps compiled in float32 and float64, after the keras-hub and TensorFlow imports) took
    # 127 s, and the demo's LLM part 3:40 with it against 1:07 without, under load (+40 s allowed;
    # notes of issue 27, JAX column). It runs in the zoo suite and with --criteria llm.
    demo = {"workloads": ["llama@layers=1,seq=16,size=tiny"],
            "options": {"prompt_lengths": [32], "new_tokens": 8,
                        "skip_modes": ["torch:compile", "tensorflow:xla", "jax:jit"]}}

    def check(self, selection: Selection, options: LlmOptions) -> None:
        for item in options.skip_modes:
            if ":" not in item:
                raise ValueError(f"llm.skip_modes: '{item}' is not framework:mode (e.g. torch:compile)")

    def plan(self, selection: Selection, options: LlmOptions, workload: str) -> list[Cell]:
        return cells.plan(selection, options, workload)

    def window_driver(self):
        return cells

    def scores(self, cells_: list[dict], rows: list[dict], band: float) -> dict[str, dict]:
        return scores.scores(cells_, rows, band)

    def sections(self, store, run: dict, out_dir: Path) -> list:
        return [report.build(store, run, out_dir)]


CRITERION = Llm()
