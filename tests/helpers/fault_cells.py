"""Deliberately misbehaving cell entry points, run inside isolated workers by the tests."""

import os
import signal
import time


def crash(payload):
    os.kill(os.getpid(), signal.SIGSEGV)


def hang(payload):
    # Spawn a grandchild too: a timeout must kill the whole process group, not just the worker.
    child = os.fork()
    if child == 0:
        time.sleep(600)
        os._exit(0)
    if payload.get("pidfile"):
        with open(payload["pidfile"], "w") as f:
            f.write(f"{os.getpid()} {child}")
    time.sleep(600)


def ok(payload):
    return {"status": "ok", "metrics": []}


def raise_error(payload):
    raise RuntimeError("deliberate failure inside the cell")


def by_scenario(payload):
    """infer_latency crashes, train hangs, infer_throughput succeeds."""
    scenario = payload["cell"]["scenario"]
    if scenario == "infer_latency":
        crash(payload)
    if scenario == "train":
        hang(payload)
    return {"status": "ok", "metrics": [{"metric": "throughput_sps", "unit": "samples/s", "value": 1.0}]}


def same_record(payload):
    """A parity record identical for every framework: parity passes without building a model."""
    import numpy as np

    ones = np.ones(4, dtype=np.float32)
    os.makedirs(os.path.dirname(payload["output"]), exist_ok=True)
    np.savez(payload["output"], forward=ones, loss=np.asarray(1.0), **{"grad:w": ones, "step:w": ones})
    return {"status": "ok", "metrics": []}


def affinity(payload):
    """The CPUs this worker may run on (a session pins them for --threads)."""
    return {"status": "ok", "metrics": [], "cpus": sorted(os.sched_getaffinity(0))}


def interval(payload):
    """Sleeps a little and says when and where it ran: shows which cells ran at the same time, in which process."""
    started = time.time()
    time.sleep(0.5)
    return {"status": "ok", "metrics": [], "runtime": {"ran": [started, time.time()], "pid": os.getpid()}}


def compile_caches(payload):
    """Where torch.compile and JAX keep compiled programs in a worker of a run."""
    import dlarena.frameworks.jax.adapter  # noqa: F401 - as a worker does: the adapters before the frameworks
    import dlarena.frameworks.torch.adapter  # noqa: F401
    import jax
    from torch._inductor.runtime.cache_dir_utils import cache_dir

    return {"status": "ok", "inductor": cache_dir(), "jax": jax.config.jax_compilation_cache_dir}


ODD_GRADIENT = "block_12_depthwise_BN/beta"


def record_by_framework(payload):
    """A parity record with float64 halves: each framework's fp32 gradient of ODD_GRADIENT is 1e-5 off
    its fp64 one (noise floor 2e-5 for a pair, limit 8.1e-5); the frameworks named in
    DLARENA_TEST_PARITY_ODD are 3.05e-2 off everyone else; those in DLARENA_TEST_PARITY_FAIL raise."""
    import numpy as np

    framework = payload["cell"]["framework"]
    if framework in os.environ.get("DLARENA_TEST_PARITY_FAIL", "").split(","):
        raise_error(payload)
    exact = np.array([1.0, 0.5, 0.25, 0.125])
    grad = exact + np.array([1e-5, 0, 0, 0])
    if framework in os.environ.get("DLARENA_TEST_PARITY_ODD", "").split(","):
        grad = grad + np.array([3.05e-2, 0, 0, 0])
        exact = exact + np.array([3.05e-2, 0, 0, 0])
    fp32 = {"forward": np.ones(4), "loss": np.asarray(1.0), f"grad:{ODD_GRADIENT}": grad, "step:w": np.ones(4)}
    fp64 = {**fp32, f"grad:{ODD_GRADIENT}": exact}
    os.makedirs(os.path.dirname(payload["output"]), exist_ok=True)
    np.savez(payload["output"], **{k: v.astype(np.float32) for k, v in fp32.items()},
             **{f"f64:{k}": v for k, v in fp64.items()})
    return {"status": "ok", "metrics": []}
