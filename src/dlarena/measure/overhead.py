"""How much does the harness's timing add? Compares measure() on a fixed call with a bare loop.

The bare reference times blocks of calls with one clock read per block, so its per-call figure
carries (almost) no timing overhead; the harness reads the clock and syncs around every call.
The smallest real call (PyTorch MLP inference at batch 1, ~30-40 us) is the worst case.
"""

from __future__ import annotations

import time

import numpy as np

from dlarena.measure.timer import TimingConfig, measure

BLOCK = 100


def bare_per_call_s(fn, blocks: int) -> np.ndarray:
    out = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(BLOCK):
            fn()
        out.append((time.perf_counter() - t0) / BLOCK)
    return np.asarray(out)


def harness_overhead(fn, sync, rounds: int = 5, blocks: int = 50) -> dict:
    """Alternates harness and bare measurements (so drift hits both) and compares medians."""
    config = TimingConfig(warmup_iters=50, warmup_s=0.1, min_iters=blocks * BLOCK, min_s=0.0, max_s=60)
    harness, bare = [], []
    for _ in range(rounds):
        harness.append(float(np.median(measure(fn, sync, config).samples_s)))
        bare.append(float(np.median(bare_per_call_s(fn, blocks))))
    h, b = float(np.median(harness)), float(np.median(bare))
    return {"harness_us": h * 1e6, "bare_us": b * 1e6, "overhead_pct": (h / b - 1) * 100,
            "rounds": rounds, "calls_per_round": blocks * BLOCK}
