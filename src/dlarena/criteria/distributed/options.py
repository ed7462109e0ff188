"""Options of the distributed-training criterion (``[distributed]`` in a suite config)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_WORKERS = 1024


class DistributedOptions(BaseModel):
    """Options of the ``distributed`` criterion (data-parallel training on the frameworks' own runtimes).

    ``workers`` are world sizes (worker processes over all nodes); each node runs
    ``workers / nodes`` of them. On several hosts every node runs the same ``dlarena run`` with
    its own ``node_rank``; ``master_addr:master_port`` is the runtime's rendezvous or coordinator
    (torchrun, jax.distributed), and a runtime whose configuration lists every worker (TF_CONFIG)
    gets worker i at ``node_addrs[node]:master_port + 1 + index``.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    workers: list[int] = Field(default_factory=lambda: [1, 2])
    nodes: int = Field(1, ge=1, le=MAX_WORKERS)
    node_rank: int = Field(0, ge=0)
    master_addr: str = "127.0.0.1"
    master_port: int = Field(0, ge=0, le=65535)  # 0: pick a free port (single node only)
    node_addrs: list[str] = Field(default_factory=list)  # one per node, for runtimes that list every worker
    check_steps: int = Field(3, ge=1, le=10_000)  # steps compared against single-process training on the global batch
    rendezvous_timeout_s: float = Field(90.0, gt=0, le=86_400)

    @field_validator("workers")
    @classmethod
    def _workers(cls, v):
        if not v or any(not 1 <= n <= MAX_WORKERS for n in v):
            raise ValueError(f"workers must be integers from 1 to {MAX_WORKERS}, e.g. 1,2,4")
        return sorted(set(v))

    @model_validator(mode="after")
    def _cluster(self):
        if self.node_rank >= self.nodes:
            raise ValueError(f"node_rank {self.node_rank} must be below nodes ({self.nodes})")
        if self.nodes > 1:
            uneven = [n for n in self.workers if n % self.nodes]
            if uneven:
                raise ValueError(f"workers {uneven} cannot be split evenly over {self.nodes} nodes")
            if self.master_port == 0:
                raise ValueError("several nodes need an agreed master_port (--master-port)")
            if self.node_addrs and len(self.node_addrs) != self.nodes:
                raise ValueError(f"node_addrs lists {len(self.node_addrs)} addresses for {self.nodes} nodes")
        return self
