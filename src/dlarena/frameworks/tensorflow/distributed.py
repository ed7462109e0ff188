"""How dlarena starts TensorFlow MultiWorkerMirroredStrategy workers: one process per worker,
each with its ``TF_CONFIG`` (which lists every worker's ``host:port``).

The ``distributed`` plugin of the tensorflow framework (see ``frameworks.PLUGIN_AREAS``);
imports no framework.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dlarena.distributed.launch import Cluster, Process
from dlarena.distributed.spec import WorkerSpec

ENGINE = "MultiWorkerMirroredStrategy"
MODE_PREFIX = "mwms"
STARTUP = "MultiWorkerMirroredStrategy() constructor"
LISTS_WORKERS = "TF_CONFIG"  # several nodes need every node's address
# A published claim about this runtime, checked by the report against the measured scaling.
CLAIM = "For large distributed training, TensorFlow's architecture uses parallelism better."
CLAIM_CAVEAT = ("Loopback CPU training on a few cores cannot speak for 2048 TPU cores (the cited benchmark), "
                "where interconnect, compiler (XLA) and accelerator runtime dominate.")


def worker_addrs(cluster: Cluster, ports: list[int]) -> list[str]:
    """TF_CONFIG's worker list: worker i on its node's address and ``ports[i]``."""
    return cluster.worker_addrs(ports)


def tf_config(workers: list[str], index: int) -> dict:
    return {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}


def processes(spec_path: Path, spec: WorkerSpec, cluster: Cluster, rendezvous_timeout_s: float,
              gpus: int) -> list[Process]:
    out = []
    for local, index in enumerate(cluster.local_ranks):
        env = {"TF_CONFIG": json.dumps(tf_config(spec.worker_addrs, index)),
               "TF_NUM_INTRAOP_THREADS": str(spec.threads), "TF_NUM_INTEROP_THREADS": str(spec.interop_threads),
               "TF_CPP_MIN_LOG_LEVEL": "2"}
        if gpus:
            env["CUDA_VISIBLE_DEVICES"] = str(local % gpus)
        out.append(Process(f"worker {index}", [sys.executable, "-m", "dlarena.frameworks.tensorflow.distributed_worker",
                                               str(spec_path), str(index)], env, f"worker{index}.log", rank=index))
    return out


def exit_codes(agent_log: str) -> dict[int, int]:
    return {}  # no agent: the launcher reads each worker's own exit code
