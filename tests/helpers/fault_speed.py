"""Speed-cell drivers for the engine tests (the start / window / finish protocol of
criteria/speed.py), run inside session workers: synthetic timings, and deliberate faults chosen
by the environment variable DLARENA_TEST_FAULT."""

import os
import signal
import time
import zlib

import numpy as np

from helpers.fault_cells import hang

# per-call seconds by framework: torch clearly faster than tensorflow; jax as fast as torch on
# average but with a large spread between windows, so torch-vs-jax stays undecided
MEANS = {"torch": 1.0e-3, "tensorflow": 2.0e-3, "jax": 1.0e-3}
BETWEEN_WINDOWS = {"torch": 0.01, "tensorflow": 0.01, "jax": 0.15}


def _fault() -> str:
    return os.environ.get("DLARENA_TEST_FAULT", "")


class Handle:
    def __init__(self, cell: dict):
        self.cell = cell
        self.rng = np.random.default_rng(zlib.crc32(f"{cell['framework']}{cell['mode']}{cell['scenario']}".encode()))
        self.runtime = {"pid": os.getpid()}


def start(payload):
    cell = payload["cell"]
    if _fault() == "crash_latency_start" and cell["scenario"] == "infer_latency":
        os.kill(os.getpid(), signal.SIGSEGV)
    if _fault() == "skip_latency" and cell["scenario"] == "infer_latency":
        from dlarena.cellkit.common import Skipped

        raise Skipped("no GPU here")
    return Handle(cell), [{"metric": "first_call_s", "unit": "s", "value": 0.01, "extra": {}}]


def window(handle, timing):
    cell = handle.cell
    if _fault() == "hang_train" and cell["scenario"] == "train":
        hang({})
    if _fault() == "crash_train_window" and cell["scenario"] == "train":
        os.kill(os.getpid(), signal.SIGSEGV)
    if _fault() == "busy_work":  # real CPU work long enough for CPU shares to be measured
        end = time.perf_counter() + 0.2
        while time.perf_counter() < end:
            pass
    fw = cell["framework"]
    level = MEANS[fw] * max(0.2, 1 + BETWEEN_WINDOWS[fw] * handle.rng.standard_normal())
    return [float(v) for v in level * (1 + 0.01 * handle.rng.standard_normal(50))]


def finish(handle):
    return [{"metric": "worker_pid", "unit": None, "value": float(handle.runtime["pid"]), "extra": {}}]
