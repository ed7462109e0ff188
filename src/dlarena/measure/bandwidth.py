"""The machine's memory bandwidth, measured: a copy of an array far larger than the caches
(STREAM's "copy": every byte read once and written once), split over ``threads`` threads (numpy
releases the GIL while it copies), best of several copies. The roof of memory-bound work such as
batch-1 LLM decoding, which reads every weight once per token."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

DEFAULT_BYTES = 256 * 2**20  # per array; far beyond any CPU's last-level cache
CONVENTION = "STREAM copy: bytes read + bytes written per second, numpy, best copy"


def copy_rates_gb_per_s(n_bytes: int = DEFAULT_BYTES, threads: int = 1, repeats: int = 10) -> list[float]:
    """GB/s (1e9 bytes) of each of ``repeats`` timed copies (after one untimed copy that faults
    the pages in)."""
    src = np.ones(n_bytes // 8, dtype=np.float64)
    dst = np.empty_like(src)
    parts = [(dst[s], src[s]) for s in _slices(src.size, max(1, threads))]
    rates = []
    with ThreadPoolExecutor(max(1, threads)) as pool:
        for i in range(repeats + 1):
            started = time.perf_counter()
            list(pool.map(lambda p: np.copyto(*p), parts))
            seconds = time.perf_counter() - started
            if i:
                rates.append(2 * src.nbytes / seconds / 1e9)
    return rates


def _slices(n: int, k: int) -> list[slice]:
    edges = np.linspace(0, n, k + 1).astype(int)
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


def last_level_cache_bytes(cpu_caches: Path = Path("/sys/devices/system/cpu/cpu0/cache")) -> int | None:
    """The size of the CPU's largest cache level (Linux sysfs), or None where it cannot be read.
    Work whose bytes fit in it is not bounded by the memory bandwidth measured here."""
    best: tuple[int, int] | None = None
    for index in sorted(cpu_caches.glob("index*")):
        try:
            level = int((index / "level").read_text())
            kind = (index / "type").read_text().strip()
            size = (index / "size").read_text().strip()
        except (OSError, ValueError):
            continue
        units = {"K": 2**10, "M": 2**20, "G": 2**30}
        value = int(size[:-1]) * units[size[-1]] if size[-1] in units else int(size)
        if kind != "Instruction" and (best is None or level > best[0]):
            best = (level, value)
    return best[1] if best else None
