"""The timing loop: warm-up, then repeated individually-timed calls.

Choices, and why:
- The first call is timed on its own: it includes tracing/compilation (torch.compile,
  tf.function, XLA), which is a real cost users pay, but not steady-state speed.
- Warm-up runs until both a minimum count and a minimum duration are met (as optimum-benchmark
  and MLPerf LoadGen do): caches, allocator pools and lazy initialisation settle; these
  samples are recorded but excluded from the statistics.
- Measurement likewise runs until both ``min_iters`` and ``min_s`` are met (a fast call gets
  many samples, a slow one at least ``min_iters``), capped by ``max_s``/``max_iters``.
- Every call is followed by ``sync()`` before the clock is read, so asynchronous devices
  (CUDA) are timed to completion, not to kernel launch. The same host clock with explicit
  sync is used for every framework: CUDA events exist only in PyTorch, and comparing two
  different clocks would be less honest than one slightly coarser clock.
- ``time.perf_counter_ns`` is monotonic with sub-microsecond resolution; its overhead
  (~100 ns) is below 1% of the fastest call measured here (~30 us), see docs/benchmarks.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field


class TimingConfig(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    warmup_iters: int = Field(5, ge=0, le=1_000_000)
    warmup_s: float = Field(0.2, ge=0, le=3600)
    min_iters: int = Field(30, ge=1, le=10_000_000)
    min_s: float = Field(1.0, ge=0, le=3600)
    max_iters: int = Field(20_000, ge=1, le=10_000_000)
    max_s: float = Field(20.0, gt=0, le=86_400)


@dataclass
class Timing:
    first_call_s: float
    warmup_iters: int
    warmup_s: float
    samples_s: list[float] = field(default_factory=list)


def _run_until(fn: Callable[[], object], sync: Callable[[], None], min_iters: int, min_s: float,
               max_iters: int, max_s: float) -> list[float]:
    # Kept lean on purpose: everything between the two clock reads is harness overhead, and
    # everything after them runs once per call too; integer nanoseconds avoid float work.
    samples: list[int] = []
    append = samples.append
    clock = time.perf_counter_ns
    started = clock()
    min_end, max_end = started + int(min_s * 1e9), started + int(max_s * 1e9)
    n = 0
    while True:
        t0 = clock()
        fn()
        sync()
        t1 = clock()
        append(t1 - t0)
        n += 1
        if (n >= min_iters and t1 >= min_end) or n >= max_iters or t1 >= max_end:
            return [t * 1e-9 for t in samples]


def measure(fn: Callable[[], object], sync: Callable[[], None], config: TimingConfig) -> Timing:
    t0 = time.perf_counter()
    fn()
    sync()
    first = time.perf_counter() - t0
    warm = _run_until(fn, sync, config.warmup_iters, config.warmup_s, max(config.warmup_iters, 1_000),
                      config.max_s) if (config.warmup_iters or config.warmup_s) else []
    samples = _run_until(fn, sync, config.min_iters, config.min_s, config.max_iters, config.max_s)
    return Timing(first_call_s=first, warmup_iters=len(warm), warmup_s=sum(warm), samples_s=samples)


def warm_up(fn: Callable[[], object], sync: Callable[[], None], config: TimingConfig) -> tuple[int, float]:
    """The first call is timed by the caller; this settles caches and pools: (calls, seconds)."""
    if not (config.warmup_iters or config.warmup_s):
        return 0, 0.0
    warm = _run_until(fn, sync, config.warmup_iters, config.warmup_s, max(config.warmup_iters, 1_000), config.max_s)
    return len(warm), sum(warm)


def window(fn: Callable[[], object], sync: Callable[[], None], config: TimingConfig, warmup_calls: int = 2) -> list[float]:
    """One repetition: a few untimed calls (other cells ran since this one last did), then the
    calls timed until ``min_iters`` and ``min_s`` are both met (capped by ``max_iters``/``max_s``)."""
    for _ in range(warmup_calls):
        fn()
        sync()
    return _run_until(fn, sync, config.min_iters, config.min_s, config.max_iters, config.max_s)
