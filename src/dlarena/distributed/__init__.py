"""Data-parallel training on the frameworks' own distributed runtimes: the framework-neutral part.

Each framework takes part through the ``distributed`` plug-in of its folder
(``frameworks/<name>/distributed.py``: ``torchrun`` for DistributedDataParallel, one process per
worker with ``TF_CONFIG`` for MultiWorkerMirroredStrategy, one process per worker calling
``jax.distributed.initialize``) and its worker program (``frameworks/<name>/distributed_worker.py``,
run with ``python -m``, written as users of each framework write data-parallel training). A plugin
says how its workers start (``processes``), its mode prefix, its engine name, what its start-up
time measures, whether its configuration lists every worker's address, and optionally a published
claim about it. ``launch.py`` (parent side, no framework import) starts the plugin's processes,
watches them with a deadline and kills every process it started when anything goes wrong.
``worker.py`` is the measurement every worker runs (correctness steps, timed steps, compute-only
steps). The criterion itself (planning, the launcher cell, scaling analysis and scores) is
``criteria/distributed/``; this package is what it shares with the frameworks' plug-ins.
"""
