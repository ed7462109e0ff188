"""Thread pinning, one function per threading model, shared by the adapters and the deployment
runtimes. Each takes the already imported library, so this module imports no framework."""

from __future__ import annotations

import os

SINGLE_THREADED_XLA = "--xla_cpu_multi_thread_eigen=false"


def pin_torch_threads(torch, threads: int, interop_threads: int) -> None:
    torch.set_num_threads(threads)
    if torch.get_num_interop_threads() != interop_threads:
        # Only settable before any parallel work; in an isolated cell that always holds. When it
        # does not (a second setup in one process), the recorded value tells.
        try:
            torch.set_num_interop_threads(interop_threads)
        except RuntimeError:
            pass


def pin_tf_threads(tf, threads: int, interop_threads: int) -> None:
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(interop_threads)
    except RuntimeError:
        pass  # already initialised in this process (not the case in an isolated cell); the caller records it


def pin_xla_cpu_threads(threads: int) -> None:
    """Before JAX is imported: XLA's CPU client sizes its thread pool from the machine, not from
    OMP_NUM_THREADS; the only documented knob is single-threaded Eigen, applied for one thread."""
    if threads == 1 and SINGLE_THREADED_XLA not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   f" {SINGLE_THREADED_XLA} intra_op_parallelism_threads=1").strip()


def xla_cpu_single_threaded() -> bool:
    return SINGLE_THREADED_XLA in os.environ.get("XLA_FLAGS", "")
