"""Data-parallel training on the frameworks' own distributed runtimes.

Each framework takes part through its ``distributed`` plugin module (registered in
``frameworks/__init__.py``): ``runtime_torch.py`` (``torchrun`` for DistributedDataParallel),
``runtime_tf.py`` (one process per worker with ``TF_CONFIG`` for MultiWorkerMirroredStrategy),
``runtime_jax.py`` (one process per worker calling ``jax.distributed.initialize``). A plugin says
how its workers start (``processes``), its mode prefix, its engine name, what its start-up time
measures, whether its configuration lists every worker's address, and optionally a published
claim about it. ``launch.py`` (parent side, no framework import) starts the plugin's processes,
watches them with a deadline and kills every process it started when anything goes wrong.
``worker.py`` is the measurement every worker runs (correctness steps, timed steps, compute-only
steps); ``torch_ddp.py``, ``tf_multiworker.py`` and ``jax_multiprocess.py`` are the worker
programs, written as users of each framework write data-parallel training. ``analysis.py`` turns
stored rows into scaling tables and verdicts.
"""
