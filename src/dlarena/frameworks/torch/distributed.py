"""How dlarena starts PyTorch DistributedDataParallel workers: ``torchrun`` (static rendezvous on
``master_addr:master_port``), one agent process that starts this node's workers.

The ``distributed`` plugin of the torch framework (see ``frameworks.PLUGIN_AREAS``); imports no
framework, since the launcher and the report read it in the parent process.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from dlarena.distributed.launch import Cluster, Process
from dlarena.distributed.spec import WorkerSpec

ENGINE = "DDP"
MODE_PREFIX = "ddp"
STARTUP = "torch.distributed.init_process_group"
LISTS_WORKERS = None  # the rendezvous needs only node 0's address


def worker_addrs(cluster: Cluster, ports: list[int]) -> list[str]:
    return []


def processes(spec_path: Path, spec: WorkerSpec, cluster: Cluster, rendezvous_timeout_s: float,
              gpus: int) -> list[Process]:
    # torchrun's own rendezvous timeout is set a little later than the launcher's, so that the
    # launcher's message (how many workers joined) is the one recorded.
    argv = [sys.executable, "-m", "torch.distributed.run",
            f"--nnodes={cluster.nodes}", f"--nproc-per-node={cluster.local_size}", f"--node-rank={cluster.node_rank}",
            f"--master-addr={cluster.master_addr}", f"--master-port={cluster.master_port}",
            f"--rdzv-conf=timeout={int(rendezvous_timeout_s) + 10}", "--max-restarts=0", "--monitor-interval=0.1",
            "--shutdown-timeout=2", "-m", "dlarena.frameworks.torch.distributed_worker", str(spec_path)]
    return [Process("torchrun", argv, {}, "torchrun.log")]


def exit_codes(agent_log: str) -> dict[int, int]:
    """rank -> exit code, from the failure summary torchrun prints when a worker fails."""
    summary = agent_log.rsplit(" FAILED", 1)[-1] if " FAILED" in agent_log else ""
    return {int(r): int(c) for r, c in re.findall(r"rank\s*:\s*(\d+).*?exitcode\s*:\s*(-?\d+)", summary, re.S)}
