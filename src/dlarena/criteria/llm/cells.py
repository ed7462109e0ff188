"""LLM generation cells: per decoder workload, framework and generation mode, prefill at each
stated prompt length and decoding with the KV cache at batch 1, timed in interleaved windows by the
speed engine (runner/engine.py) like the speed criterion's cells, and compared by the same verdict
rule (measure/verdict.py).

A cell is started once in its framework's worker (``start``: the zoo model built by the adapter
from the canonical parameters, its "llm" plug-in's generate in the cell's mode, the first call
with compilation recorded, this mode's greedy ids checked against the framework's parity record,
warm-up); then each ``window`` times samples:
- ``llm_prefill_p<P>``: one generate of 1 token after a P-token prompt: the time to first token
  (TTFT); prefill tokens/s = P / TTFT;
- ``llm_decode_p<P>``: a generate of 1 + N tokens and one of 1 token, back to back; time per
  output token (TPOT) = their difference / N; decode tokens/s = 1 / TPOT.
The parent turns the windows into rows (``rows_from_windows``), with the bytes read and FLOPs per
token the roofline section divides by (roofline.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from dlarena import frameworks, workloads
from dlarena.cell import Cell
from dlarena.cellkit.common import metric, prepare, split_mode
from dlarena.criteria.base import Selection
from dlarena.criteria.llm import roofline
from dlarena.criteria.llm.options import LlmOptions
from dlarena.measure import stats
from dlarena.measure.memory import current_rss_mb, peak_rss_mb
from dlarena.measure.timer import TimingConfig
from dlarena.parity import generation

ENTRY = "dlarena.criteria.llm.cells:run_cell"
PREFILL, DECODE = "prefill", "decode"
SCENARIO = re.compile(r"llm_(prefill|decode)_p(\d+)")
METRIC = {PREFILL: "llm_prefill_tokens_per_s", DECODE: "llm_decode_tokens_per_s"}
PER_TOKEN = {PREFILL: "llm_ttft_ms", DECODE: "llm_tpot_ms"}


def scenario(kind: str, prompt: int) -> str:
    return f"llm_{kind}_p{prompt}"


def parse(scenario_name: str) -> tuple[str, int] | None:
    """``"llm_decode_p32"`` -> ``("decode", 32)``; None for another criterion's scenario."""
    found = SCENARIO.fullmatch(scenario_name or "")
    return (found.group(1), int(found.group(2))) if found else None


class _ByScenario(Mapping):
    """Scenario -> value for this criterion's scenarios (their prompt lengths are options, so the
    names are not a fixed list); iterates over one representative per kind."""

    def __init__(self, of_kind: dict[str, object]):
        self._of_kind = of_kind

    def __getitem__(self, name: str):
        parsed = parse(name)
        if parsed is None:
            raise KeyError(name)
        return self._of_kind[parsed[0]]

    def __iter__(self):
        return iter(scenario(kind, 1) for kind in self._of_kind)

    def __len__(self) -> int:
        return len(self._of_kind)


# The engine's view: scenario -> headline metric, and higher is better (tokens/s)
HEADLINE = _ByScenario(METRIC)
HIGHER_IS_BETTER = _ByScenario({PREFILL: True, DECODE: True})


class ModeDiverges(Exception):
    """This mode's greedy ids differ from its framework's parity-checked ids: not timed."""

    status = "not_comparable"


def is_decoder(workload_name: str) -> bool:
    try:
        return generation.is_decoder(workloads.get(workload_name))
    except (KeyError, ValueError, TypeError):
        return False


def modes_of(framework: str) -> dict[str, str]:
    """The framework's generation modes (its "llm" plug-in, light to import), or none."""
    try:
        return frameworks.plugin_module(framework, "llm").modes(framework)
    except (LookupError, ImportError):
        return {}


def plan(selection: Selection, options: LlmOptions, workload: str) -> list[Cell]:
    if not is_decoder(workload):
        return []
    kinds = [(PREFILL, p) for p in options.prompt_lengths] + [(DECODE, options.prompt_lengths[0])]
    return [Cell(workload=workload, framework=fw, mode=mode, scenario=scenario(kind, p), batch=1)
            for fw in frameworks.with_plugin("llm", selection.frameworks)
            for mode in modes_of(fw)
            if mode in selection.modes and f"{fw}:{mode}" not in options.skip_modes
            for kind, p in kinds]


@dataclass
class Generating:
    """A built and warmed-up generation cell held by a worker between its windows."""

    sample: Callable[[], float | None]  # seconds of one sample (None: not a valid sample)
    sync: Callable[[], None]
    adapter: object
    runtime: dict


def _parity_record(payload: dict, cell: Cell) -> Path:
    """Where the workload's parity check stored this framework's record (runner/scheduler.py)."""
    return Path(payload.get("artifacts", ".")) / "parity" / f"{cell.workload}__{cell.framework}.npz"


def check_mode(generate, payload: dict, cell: Cell, workload) -> dict:
    """This mode's greedy ids from the parity prompt against those its framework's parity record
    holds (checked there against the other frameworks); raises ModeDiverges when they differ."""
    path = _parity_record(payload, cell)
    record = np.load(path) if path.exists() else None
    expected = generation.ids_of(record) if record is not None else None
    if expected is None:
        return {"mode_greedy_check": "no parity record with greedy ids (not checked)"}
    ids = generate(record[generation.PREFIX + "prompt"], generation.GREEDY_STEPS)
    step = generation.first_divergence(expected, ids)
    reference_mode = str(record[generation.PREFIX + "mode"]) if generation.PREFIX + "mode" in record.files else "?"
    if step is not None:
        raise ModeDiverges(f"greedy ids in mode {cell.mode} differ from {workloads.column_label(cell.workload, cell.framework)}'s "
                           f"parity-checked {reference_mode} ids at step {step} of {generation.GREEDY_STEPS}: not timed")
    return {"mode_greedy_check": f"identical to the parity-checked {reference_mode} ids for {generation.GREEDY_STEPS} steps"}


def start(payload: dict) -> tuple[Generating, list[dict]]:
    prep = prepare(payload)
    cell, adapter, workload = prep.cell, prep.adapter, prep.workload
    kind, prompt_len = parse(cell.scenario)
    options = LlmOptions(**payload.get("llm", {}))
    mode, precision = split_mode(cell.mode)
    plugin = frameworks.plugin_module(cell.framework, "llm")
    rss_before = current_rss_mb()
    started = time.perf_counter()
    lm = plugin.causal_lm(adapter.build(workload, workload.make_params(payload["seed"])))
    generate = plugin.generator(lm, mode, cell.framework)
    build_s = time.perf_counter() - started
    prompt = generation.prompt(generation.vocab_size(workload), prompt_len, payload["seed"] + 1)
    n = options.new_tokens

    def call(tokens: int) -> float:
        t0 = time.perf_counter()
        generate(prompt, tokens)
        adapter.sync()
        return time.perf_counter() - t0

    first_call_s = call(1)
    if kind == DECODE:
        first_call_s += call(1 + n)  # a second shape: compiled paths compile again
        sample = lambda: _per_token(call(1 + n), call(1), n)  # noqa: E731
    else:
        sample = lambda: call(1)  # noqa: E731
    checked = check_mode(generate, payload, cell, workload)
    warm = _samples(sample, TimingConfig(**payload["timing"]), warmup=True)
    params = plugin.parameter_count(lm)
    cost = roofline_rows(workload, kind, prompt_len, n, precision)
    prep.runtime.update(generation={"mode": modes_of(cell.framework).get(mode, mode), "prompt_tokens": prompt_len,
                                    "new_tokens": n if kind == DECODE else 1, **checked},
                        warmup={"samples": len(warm)})
    rows = [
        metric("first_call_s", "s", first_call_s, note="first generate call(s), compilation included"),
        metric("time_to_first_step_s", "s", build_s + first_call_s, build_s=build_s),
        metric("llm_parameter_count", "params", params, counted="the zoo model's parameters (tied weights once)"),
        metric("rss_growth_mb", "MB", current_rss_mb() - rss_before,
               note="resident memory added by building, compiling and warming up this cell"),
        metric("peak_rss_mb", "MB", peak_rss_mb(),
               note="peak of the worker process, which holds this framework's cells of every workload"),
        *cost,
    ]
    return Generating(sample, adapter.sync, adapter, prep.runtime), rows


def _per_token(long_s: float, short_s: float, n: int) -> float | None:
    """Seconds per output token from a paired sample; None when noise made it non-positive."""
    per_token = (long_s - short_s) / n
    return per_token if per_token > 0 else None


def _samples(sample: Callable[[], float | None], timing: TimingConfig, warmup: bool = False) -> list[float]:
    """Samples until both the minimum count and duration are met (capped), as the timer does;
    ``warmup``: the warm-up's count and duration instead."""
    low_n, low_s = (timing.warmup_iters, timing.warmup_s) if warmup else (timing.min_iters, timing.min_s)
    out: list[float] = []
    calls, began = 0, time.perf_counter()
    while True:
        elapsed = time.perf_counter() - began
        if (calls >= low_n and elapsed >= low_s) or calls >= timing.max_iters or elapsed >= timing.max_s:
            return out
        value = sample()
        calls += 1
        if value is not None:
            out.append(value)


def window(handle: Generating, timing: dict) -> list[float]:
    """One repetition: one untimed sample (other cells ran since), then timed samples: seconds
    per prefill (to first token), or per output token."""
    handle.sample()
    samples = _samples(handle.sample, TimingConfig(**timing))
    if not samples:  # every paired decode difference was non-positive: noise larger than the decoding
        raise RuntimeError("no valid sample in this window: generating 1 + N tokens never took longer than 1 token")
    return samples


def finish(handle: Generating) -> list[dict]:
    return [metric(name, "MB", value) for name, value in handle.adapter.device_memory().items()]


def to_unit(cell: Cell, seconds: np.ndarray) -> np.ndarray:
    """Seconds per sample in tokens/s: prompt tokens / TTFT, or 1 / TPOT."""
    kind, prompt = parse(cell.scenario)
    return (prompt if kind == PREFILL else 1.0) / seconds


def estimate(cell: Cell, windows_s: list[list[float]], seed: int = 0) -> stats.CellEstimate:
    return stats.estimate([to_unit(cell, np.asarray(w, dtype=np.float64)) for w in windows_s], seed=seed)


def rows_from_windows(cell: Cell, windows_s: list[list[float]], seed: int = 0) -> list[dict]:
    """The headline (tokens/s) with its two-level bootstrap CI, the per-token time (TTFT or TPOT,
    ms, with its own CI), and the bytes read and FLOPs per token of this model (the roofline)."""
    kind, prompt = parse(cell.scenario)
    est = estimate(cell, windows_s, seed)
    pooled = to_unit(cell, np.concatenate([np.asarray(w, dtype=np.float64) for w in windows_s]))
    head = metric(METRIC[kind], "tokens/s", est.value, samples=pooled, windows=est.n_windows, prompt_tokens=prompt,
                  ci_method="two-level bootstrap: windows, then calls")
    head.update(ci_low=est.ci_low, ci_high=est.ci_high, n=est.n_samples, bootstrap=est.replicates_list())
    ms = stats.estimate([np.asarray(w, dtype=np.float64) * 1e3 for w in windows_s], seed=seed)
    per_token = metric(PER_TOKEN[kind], "ms", ms.value, prompt_tokens=prompt,
                       meaning="time to first token (1-token generate)" if kind == PREFILL else
                       "time per output token: (generate of 1 + N tokens - generate of 1) / N")
    per_token.update(ci_low=ms.ci_low, ci_high=ms.ci_high, n=ms.n_samples)
    return [head, per_token]


def roofline_rows(workload, kind: str, prompt: int, new_tokens: int, precision: str) -> list[dict]:
    """What one token costs this model: bytes read per decoded token, FLOPs per prompt token."""
    shape = roofline.shape_of(workload.config)
    if shape is None:
        return []
    itemsize = roofline.BYTES_PER_PARAM.get(precision, 4)
    if kind == DECODE:
        context = prompt + new_tokens / 2  # the mean cached length over a decode sample's tokens
        return [metric("llm_bytes_per_token", "bytes", roofline.decode_bytes_per_token(shape, context, itemsize),
                       convention="every weight read once per token (+ the KV cache so far)",
                       context_tokens=context, bytes_per_param=itemsize)]
    return [metric("llm_flops_per_token", "FLOP", roofline.prefill_flops_per_token(shape, prompt),
                   convention="2 per multiply-add: blocks' matmuls, causal attention, LM head once per prompt")]


def run_cell(payload: dict) -> dict:
    """The whole cell in one process, a few windows back to back (tests; suites use the engine)."""
    handle, rows = start(payload)
    windows = [window(handle, payload["timing"]) for _ in range(max(1, payload.get("windows", 3)))]
    cell = Cell(**payload["cell"])
    return {"status": "ok", "metrics": rows_from_windows(cell, windows, payload.get("seed", 0)) + rows + finish(handle),
            "runtime": handle.runtime}
