"""How dlarena starts JAX multi-process workers: one process per worker; each calls
``jax.distributed.initialize(coordinator_address, num_processes, process_id)``, process 0 hosting
the coordinator on ``master_addr:master_port`` (``JAX_COORDINATOR_ADDRESS``).

The ``distributed`` plugin of the jax framework (see ``frameworks.PLUGIN_AREAS``); imports no
framework.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dlarena.distributed.launch import LOOPBACK, Cluster, Process
from dlarena.distributed.spec import WorkerSpec

ENGINE = "multi-process SPMD"
MODE_PREFIX = "spmd"
STARTUP = "jax.distributed.initialize (coordinator connect + barrier)"
LISTS_WORKERS = None  # every process needs only the coordinator's address


def worker_addrs(cluster: Cluster, ports: list[int]) -> list[str]:
    return []


def processes(spec_path: Path, spec: WorkerSpec, cluster: Cluster, rendezvous_timeout_s: float,
              gpus: int) -> list[Process]:
    env = {"JAX_COORDINATOR_ADDRESS": spec.master, "JAX_PLATFORMS": "cuda" if gpus else "cpu"}
    if cluster.nodes == 1 and cluster.master_addr in LOOPBACK:
        env["JAX_COORDINATOR_BIND_ADDRESS"] = spec.master  # JAX's default binds every interface
    out = []
    for local, index in enumerate(cluster.local_ranks):
        worker_env = dict(env)
        if gpus:
            worker_env["CUDA_VISIBLE_DEVICES"] = str(local % gpus)
        out.append(Process(f"worker {index}", [sys.executable, "-m", "dlarena.frameworks.jax.distributed_worker",
                                               str(spec_path), str(index)], worker_env, f"worker{index}.log",
                           rank=index))
    return out


def exit_codes(agent_log: str) -> dict[int, int]:
    return {}  # no agent: the launcher reads each worker's own exit code
