"""JAX worker: multi-process SPMD data parallelism, as JAX's multi-process guide writes it.

One process per worker. Each calls ``jax.distributed.initialize(coordinator_address,
num_processes, process_id)`` (the coordinator, hosted by process 0, comes from
``JAX_COORDINATOR_ADDRESS``; CPU collectives are gloo, JAX's default); then every process sees
the global devices. A 1-D mesh ``("data",)`` spans them: the model and optimizer state are
replicated over it, and each process contributes its shard of the global batch with
``jax.make_array_from_process_local_data``. The training step is the workload's ordinary Flax NNX
step (``frameworks/jax/training.py``) under ``nnx.jit``: the loss is a mean over the global
(sharded) batch, so XLA's partitioner inserts the gradient all-reduce itself. Compute-only steps
run the same jitted step on a non-distributed copy of the model on the local device.

    JAX_COORDINATOR_ADDRESS=HOST:PORT python -m dlarena.frameworks.jax.distributed_worker SPEC.json PROCESS_ID
"""

from __future__ import annotations

from dlarena.distributed.worker import die_with_parent

die_with_parent()

import os  # noqa: E402
import sys  # noqa: E402

from dlarena.distributed import worker  # noqa: E402
from dlarena.distributed.spec import WorkerSpec  # noqa: E402

JOIN_GRACE_S = 10  # JAX's own initialisation timeout comes after the launcher's, whose message is recorded


class JaxEngine:
    def __init__(self, spec: WorkerSpec, process_id: int):
        self.spec, self.process_id = spec, process_id
        self.description = {"launcher": "one process per worker, JAX_COORDINATOR_ADDRESS",
                            "engine": "jax.distributed + nnx.jit over a global mesh",
                            "compute_split": "same jitted NNX step on a non-distributed copy of the model "
                                             "on the local device (no all-reduce)"}
        # Imported here, not in join(), so that the start-up time is the runtime's, not the imports'.
        # The adapter module sets XLA's thread flags before jax starts its backend.
        from dlarena.frameworks.jax import adapter  # noqa: F401

        import jax

        self.jax = jax

    def join(self) -> dict:
        jax = self.jax
        jax.distributed.initialize(coordinator_address=os.environ.get("JAX_COORDINATOR_ADDRESS") or self.spec.master,
                                   num_processes=self.spec.world_size, process_id=self.process_id,
                                   initialization_timeout=int(self.spec.collective_timeout_s) + JOIN_GRACE_S)
        from dlarena import frameworks

        self.adapter = frameworks.load_adapter("jax")  # after initialize: it asks for the (local) devices
        runtime = self.adapter.setup(self.spec.threads, self.spec.interop_threads, self.spec.seed)
        self.description["backend"] = (jax.config.jax_cpu_collectives_implementation
                                       if self.adapter.device.platform == "cpu" else "nccl")
        return {**runtime, "world_size": jax.process_count(), "global_devices": jax.device_count(),
                "versions": self.adapter.versions()}

    def build(self, params) -> None:
        from flax import nnx
        from jax.sharding import NamedSharding
        from jax.sharding import PartitionSpec as P

        from dlarena import workloads
        from dlarena.frameworks.jax import training as jax_training

        jax = self.jax
        self.workload = workloads.get(self.spec.workload)
        # Auto axes: XLA's partitioner propagates the shardings through the unchanged model code
        # (jax 0.10's default, Explicit, asks sharding-aware code, e.g. out_sharding on gathers).
        mesh = jax.make_mesh((jax.device_count(),), ("data",), axis_types=(jax.sharding.AxisType.Auto,))
        self.replicated, self.batch_sharded = NamedSharding(mesh, P()), NamedSharding(mesh, P("data"))

        self.model = self.adapter.build(self.workload, params)
        self.optimizer = jax_training.make_optimizer(self.model, self.workload.learning_rate)
        state = nnx.state((self.model, self.optimizer))
        nnx.update((self.model, self.optimizer), jax.device_put(state, self.replicated))
        self._step = nnx.jit(jax_training.train_step)

        # The compute-only twin: same weights and step, local device only, hence no all-reduce.
        self.local_model = self.adapter.build(self.workload, params)
        self.local_optimizer = jax_training.make_optimizer(self.local_model, self.workload.learning_rate)
        self._local_step = nnx.jit(jax_training.train_step)

        @jax.jit
        def total(v):
            return v.sum()

        self._total = total

    def inputs(self, x, y):
        """This process's shard of the global batch, as global arrays sharded over the mesh."""
        return tuple(self.jax.make_array_from_process_local_data(self.batch_sharded, a) for a in (x, y))

    def step(self, x, y) -> None:
        self.jax.block_until_ready(self._step(self.model, self.optimizer, x, y))

    def local_step(self, x, y) -> None:
        # addressable_data(0): this process's shard, an ordinary array on the local device.
        self.jax.block_until_ready(self._local_step(self.local_model, self.local_optimizer,
                                                    x.addressable_data(0), y.addressable_data(0)))

    def params(self):
        from flax import nnx

        # Replicated global arrays span other processes' devices; this process's copy is its shard 0.
        graphdef, state = nnx.split(self.model)
        local = self.jax.tree.map(lambda a: a.addressable_data(0), state)
        return self.adapter.export_params(nnx.merge(graphdef, local), self.workload)

    def sum_all(self, value: float) -> float:
        import numpy as np

        v = self.jax.make_array_from_process_local_data(self.batch_sharded, np.array([value], np.float32))
        return float(self._total(v))

    def sync(self) -> None:
        pass  # step() and local_step() block until their results exist

    def close(self) -> None:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices("dlarena-done")  # nobody leaves while another still needs it
        self.jax.distributed.shutdown()


def main(argv: list[str]) -> int:
    spec = WorkerSpec.load(argv[0])
    return worker.main(JaxEngine(spec, int(argv[1])), spec, int(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
