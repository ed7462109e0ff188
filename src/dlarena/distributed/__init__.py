"""Data-parallel training on the frameworks' own distributed runtimes.

``launch.py`` (parent side, no framework import) starts the workers: ``torchrun`` for PyTorch
DistributedDataParallel, one process per worker with ``TF_CONFIG`` for TensorFlow's
MultiWorkerMirroredStrategy; it watches them with a deadline and kills every process it
started when anything goes wrong. ``worker.py`` is the measurement every worker runs
(correctness steps, timed steps, compute-only steps); ``torch_ddp.py`` and
``tf_multiworker.py`` are the two worker programs, written as users of each framework write
data-parallel training. ``analysis.py`` turns stored rows into scaling tables and verdicts.
"""
