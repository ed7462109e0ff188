"""PyTorch worker: DistributedDataParallel, started by ``torchrun`` (one process per worker).

``torchrun`` sets RANK / LOCAL_RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT; the process group
is gloo on CPU and NCCL on GPUs. The training step is the workload's ordinary PyTorch step
(``frameworks/torch/training.py``) applied to the DDP-wrapped model: DDP all-reduces (averages)
gradients during ``backward()``. Compute-only steps run the same step under ``no_sync()``.

    python -m dlarena.frameworks.torch.distributed_worker SPEC.json
"""

from __future__ import annotations

from dlarena.distributed.worker import die_with_parent

die_with_parent()

import os  # noqa: E402
import sys  # noqa: E402
from datetime import timedelta  # noqa: E402

from dlarena.distributed import worker  # noqa: E402
from dlarena.distributed.spec import WorkerSpec  # noqa: E402


class DDPEngine:
    def __init__(self, spec: WorkerSpec):
        import torch

        self.spec = spec
        self.local_rank = int(os.environ["LOCAL_RANK"])
        self.cuda = torch.cuda.is_available()
        self.backend = "nccl" if self.cuda else "gloo"
        self.description = {"launcher": "torchrun", "engine": "DistributedDataParallel", "backend": self.backend,
                            "compute_split": "same step under DDP.no_sync() (no gradient all-reduce)"}

    def join(self) -> dict:
        import torch
        import torch.distributed as dist

        from dlarena import frameworks

        self.torch, self.dist = torch, dist
        self.adapter = frameworks.load_adapter("torch")
        if self.cuda:
            torch.cuda.set_device(self.local_rank)
        runtime = self.adapter.setup(self.spec.threads, self.spec.interop_threads, self.spec.seed)
        dist.init_process_group(self.backend, timeout=timedelta(seconds=self.spec.collective_timeout_s))
        return {**runtime, "world_size": dist.get_world_size(), "versions": self.adapter.versions()}

    def build(self, params) -> None:
        from torch.nn.parallel import DistributedDataParallel as DDP

        from dlarena import workloads
        from dlarena.frameworks.torch import training as torch_training

        self.workload = workloads.get(self.spec.workload)
        model = self.adapter.build(self.workload, params)
        self.model = DDP(model, device_ids=[self.local_rank] if self.cuda else None)
        self.optimizer = torch_training.make_optimizer(self.model, self.workload.learning_rate)
        self._train_step = torch_training.train_step

    def inputs(self, x, y):
        return self.adapter.inputs(self.workload, x, y)

    def step(self, x, y) -> None:
        self._train_step(self.model, self.optimizer, x, y)

    def local_step(self, x, y) -> None:
        with self.model.no_sync():
            self._train_step(self.model, self.optimizer, x, y)

    def params(self):
        return self.adapter.export_params(self.model.module, self.workload)

    def sum_all(self, value: float) -> float:
        t = self.torch.tensor([value], dtype=self.torch.float64, device=self.adapter.device)
        self.dist.all_reduce(t)
        return float(t.item())

    def sync(self) -> None:
        self.adapter.sync()

    def close(self) -> None:
        # Without the barrier, a fast rank tearing down gloo can abort a slower one (SIGABRT).
        self.dist.barrier()
        self.dist.destroy_process_group()


def main(argv: list[str]) -> int:
    spec = WorkerSpec.load(argv[0])
    return worker.main(DDPEngine(spec), spec, int(os.environ["RANK"]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
