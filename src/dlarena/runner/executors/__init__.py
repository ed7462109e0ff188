"""Executors: where the scheduler's units of work run.

- ``local`` (the default): on this machine, one after another, as ``SuiteRunner.run`` always has;
- ``ray``: on a Ray cluster (runner/executors/ray_cluster.py), one Ray task per unit, placed by
  hardware kind (runner/executors/hardware.py); the units are the scheduler's own
  (runner/executors/units.py), so a cell measures the same way on a node as it does here.

Ray is imported only by ray_cluster.py, and only when that executor is chosen.
"""

from __future__ import annotations

EXECUTORS = ("local", "ray")
NODES_BY = ("gpu-type", "cpu-model", "all")
RAY_INSTALL_HINT = "pip install 'dlarena[cluster]'"


class ExecutorUnavailable(RuntimeError):
    """The chosen executor cannot run here; the message is one line for the user."""


def ray_module():
    """The Ray executor module, or ExecutorUnavailable when Ray is not installed."""
    try:
        import ray  # noqa: F401 - only checks that it imports
    except ImportError:
        raise ExecutorUnavailable(f"--executor ray needs Ray, which is not installed; install it with: "
                                  f"{RAY_INSTALL_HINT}") from None
    from dlarena.runner.executors import ray_cluster

    return ray_cluster
