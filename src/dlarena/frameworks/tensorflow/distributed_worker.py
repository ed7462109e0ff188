"""TensorFlow worker: MultiWorkerMirroredStrategy, configured by ``TF_CONFIG`` (one process per worker).

The strategy's collectives are ring/auto on CPU and NCCL on GPUs. The training step is written
as TensorFlow's distributed custom-training-loop guide writes it: per-example losses,
``tf.nn.compute_average_loss(global_batch_size=...)``, ``strategy.run`` inside a
``tf.function``; the Keras optimizer sums gradients over replicas. Compute-only steps run the
workload's ordinary Keras step (``frameworks/keras/training.py``) on a non-distributed copy of the
model, outside the strategy, on the same per-worker batch.

    TF_CONFIG='{"cluster": {"worker": [...]}, "task": {"type": "worker", "index": I}}' \
        python -m dlarena.frameworks.tensorflow.distributed_worker SPEC.json I
"""

from __future__ import annotations

from dlarena.distributed.worker import die_with_parent

die_with_parent()

import os  # noqa: E402
import sys  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dlarena.distributed import worker  # noqa: E402
from dlarena.distributed.spec import WorkerSpec  # noqa: E402


class MWMSEngine:
    def __init__(self, spec: WorkerSpec):
        self.spec = spec
        self.description = {"launcher": "TF_CONFIG", "engine": "MultiWorkerMirroredStrategy",
                            "compute_split": "same Keras step on a non-distributed copy of the model (no all-reduce)"}

    def join(self) -> dict:
        from dlarena import frameworks

        self.adapter = frameworks.load_adapter("tensorflow")
        # Threads first: they can only be set before the runtime starts, and the strategy starts it.
        runtime = self.adapter.setup(self.spec.threads, self.spec.interop_threads, self.spec.seed)
        import tensorflow as tf

        self.tf = tf
        impl = (tf.distribute.experimental.CommunicationImplementation.NCCL if self.adapter.gpu
                else tf.distribute.experimental.CommunicationImplementation.AUTO)
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=impl, timeout_seconds=self.spec.collective_timeout_s)
        # Blocks until every worker in TF_CONFIG has joined.
        self.strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
        self.description["backend"] = impl.name.lower()
        return {**runtime, "world_size": self.strategy.num_replicas_in_sync, "versions": self.adapter.versions()}

    def build(self, params) -> None:
        import keras

        from dlarena import workloads
        from dlarena.frameworks.keras import training as keras_training

        tf, strategy = self.tf, self.strategy
        self.workload = workloads.get(self.spec.workload)
        with strategy.scope():
            model = self.adapter.build(self.workload, params)
            optimizer = keras_training.make_optimizer(self.workload.learning_rate)
            optimizer.build(model.trainable_variables)
        self.model = model
        per_example_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)
        global_batch = self.spec.global_batch

        def replica_step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.nn.compute_average_loss(per_example_loss(y, model(x, training=True)),
                                                  global_batch_size=global_batch)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        @tf.function
        def step(x, y):
            return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica_step, args=(x, y)), axis=None)

        @tf.function
        def sum_all(v):
            return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(tf.identity, args=(v,)), axis=None)

        self._step, self._sum_all = step, sum_all
        # The compute-only twin: same weights and step, no strategy, hence no all-reduce.
        local_model = self.adapter.build(self.workload, params)
        local_optimizer = keras_training.make_optimizer(self.workload.learning_rate)
        self._local_step = tf.function(lambda x, y: keras_training.train_step(local_model, local_optimizer, x, y))

    def inputs(self, x, y):
        return self.adapter.inputs(self.workload, x, y)

    def step(self, x, y) -> None:
        self._step(x, y)

    def local_step(self, x, y) -> None:
        self._local_step(x, y)

    def params(self):
        return self.adapter.export_params(self.model, self.workload)

    def sum_all(self, value: float) -> float:
        return float(self._sum_all(self.tf.constant(value, self.tf.float32)).numpy())

    def sync(self) -> None:
        self.adapter.sync()

    def close(self) -> None:
        self.sum_all(0.0)  # nobody leaves while another worker still runs a collective


def main(argv: list[str]) -> int:
    spec = WorkerSpec.load(argv[0])
    return worker.main(MWMSEngine(spec), spec, int(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
