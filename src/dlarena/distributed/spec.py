"""What the launcher tells every worker (written as JSON next to the workers' outputs)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dlarena.workloads.base import Workload

CHECK_SEED_OFFSET = 100  # correctness batches: seed + 100 + step (timed batch: seed + 1, as in speed)


@dataclass
class WorkerSpec:
    workload: str
    framework: str
    world_size: int
    local_world_size: int
    node_rank: int
    batch: int  # per worker; the global batch is world_size * batch
    threads: int  # intra-op threads of each worker
    interop_threads: int
    seed: int
    check_steps: int
    warmup_iters: int
    min_iters: int
    min_s: float
    max_iters: int
    max_s: float
    collective_timeout_s: float
    out_dir: str
    master: str = ""  # host:port of the runtime's rendezvous / coordinator (node 0)
    # host:port of every worker, in rank order, for runtimes whose configuration lists them all
    # (``worker_addrs`` in the runtime's plugin module); empty otherwise.
    worker_addrs: list[str] = field(default_factory=list)

    @property
    def global_batch(self) -> int:
        return self.world_size * self.batch

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> "WorkerSpec":
        return cls(**json.loads(Path(path).read_text()))


def global_batch(workload: Workload, spec: WorkerSpec, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The concatenated global batch of correctness step ``step`` (what single-process training sees)."""
    return workload.make_batch(spec.global_batch, seed=spec.seed + CHECK_SEED_OFFSET + step)


def shard(x: np.ndarray, y: np.ndarray, rank: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    return x[rank * batch:(rank + 1) * batch], y[rank * batch:(rank + 1) * batch]
