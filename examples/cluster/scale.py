"""Cells per hour of the Ray executor at 1 and 2 nodes, on one machine (loopback only).

    RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 PYTHONPATH=src:tests python examples/cluster/scale.py

Runs a synthetic suite (tests/fault_cluster_slow.py: each timing window sleeps 0.1 s, so two
local nodes do not compete for the CPU the way real cells would) of 3 workloads x 2 frameworks x
2 scenarios, 3 windows each, plus the 2 parity cells of each workload, through the Ray executor
on a cluster of N nodes of one hardware kind, and prints the wall time, cells per hour and Ray's
overhead per unit and per cell (the driver's span minus the node's, from the stored clocks).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ROOT = Path(__file__).resolve().parents[2]
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from dlarena.config import build_config  # noqa: E402
from dlarena.report.hardware import executor_overhead  # noqa: E402
from dlarena.runner.executors.hardware import SLOT  # noqa: E402
from dlarena.runner.executors.ray_cluster import RayExecutor  # noqa: E402
from dlarena.store.db import ResultStore  # noqa: E402


def measure(nodes: int) -> dict:
    config = build_config(workloads=["mlp", "cnn", "transformer"], frameworks=["torch", "tensorflow"], modes=["eager"],
                          scenarios=["infer_throughput", "train"], threads=1, timeout_s=60,
                          timing={"warmup_iters": 0, "warmup_s": 0, "min_iters": 5, "min_s": 0, "max_s": 5},
                          repetitions={"min_windows": 3, "max_windows": 3, "retries": 0, "gap_s": 0})
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "resources": {SLOT: 1, "dlarena_hw_x": 1}})
    for _ in range(nodes - 1):
        cluster.add_node(num_cpus=1, resources={SLOT: 1, "dlarena_hw_x": 1})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = ResultStore(Path(tmp) / "r.duckdb")
            executor = RayExecutor(nodes_by="cpu-model", entries={"parity": "fault_cells:same_record"},
                                   drivers={"speed": "fault_cluster_slow"})
            runs = executor.start_runs(store, config, "scale")
            started = time.monotonic()
            executor.run(config, store, runs)
            wall = time.monotonic() - started
            cells = len(store.cells(runs[0].run_id))
            return {"nodes": nodes, "cells": cells, "wall_s": round(wall, 2),
                    "cells_per_hour": round(cells / wall * 3600), **executor_overhead(store, runs[0].run_id)}
    finally:
        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    for n in (1, 2):
        print(measure(n), flush=True)
