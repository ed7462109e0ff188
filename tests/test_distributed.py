"""The distributed criterion: DDP and MultiWorkerMirroredStrategy on 2 CPU workers, correctness
against single-process training, and failure handling (dead worker, rendezvous timeout)."""

import os
import signal
import socket
import threading
import time

import psutil
import pytest

from dlarena.config import ConfigError, build_config
from dlarena.criteria import distributed
from dlarena.distributed import analysis
from dlarena.runner.isolate import run_isolated

FRAMEWORKS = ["torch", "tensorflow"]
QUICK_TIMING = {"warmup_iters": 2, "warmup_s": 0.0, "min_iters": 10, "min_s": 0.2, "max_s": 5.0}
# Long enough that a worker is still training when the test kills it.
LONG_TIMING = {"warmup_iters": 2, "warmup_s": 0.0, "min_iters": 100_000, "max_iters": 100_000, "min_s": 120.0,
               "max_s": 120.0}


def _payload(framework, workers, timing, timeout_s=150, workdir=None, **dist):
    config = build_config(workloads=["mlp"], frameworks=[framework], criteria=["distributed"], timing=timing,
                          timeout_s=timeout_s, threads=2, distributed={"workers": [workers], **dist})
    [cell] = distributed.plan(config, "mlp")
    payload = {"cell": cell.model_dump(), "threads": config.threads, "interop_threads": 1, "seed": 0,
               "timing": config.timing.model_dump(), **distributed.payload_extra(config)}
    if workdir:
        payload["workdir"] = str(workdir)
    return payload


def _metrics(result):
    return {m["metric"]: m for m in result["metrics"]}


def _leftovers(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in " ".join(proc.info["cmdline"] or []):
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
            except psutil.NoSuchProcess:
                pass
    return found


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_two_workers_train_like_one_process_on_the_global_batch(framework, tmp_path):
    result = run_isolated(distributed.ENTRY, _payload(framework, 2, QUICK_TIMING, workdir=tmp_path / "w"), 240)
    assert result["status"] == "ok", result.get("error")
    m = _metrics(result)
    # Identical across workers, and the same as single-process training on the concatenated batch.
    assert m["weights_max_abs_diff_across_workers"]["value"] == 0.0
    assert m["weights_rel_diff_vs_single_process"]["value"] < 1e-6
    assert m["weights_rel_diff_vs_single_process"]["extra"]["steps"] == 3
    assert m["global_throughput_sps"]["value"] > 0
    assert m["global_throughput_sps"]["ci_low"] <= m["global_throughput_sps"]["value"] <= m["global_throughput_sps"]["ci_high"]
    assert m["global_throughput_sps"]["extra"]["global_batch"] == 128
    assert m["step_time_ms"]["value"] == pytest.approx(
        m["compute_time_ms"]["value"] + m["communication_time_ms"]["value"], rel=1e-6, abs=1e-9) \
        or m["communication_time_ms"]["value"] == 0.0
    assert m["runtime_startup_s"]["value"] > 0
    runtime = result["runtime"]
    assert runtime["world_size"] == 2 and runtime["threads_per_worker"] == 1 and runtime["intra_op_threads"] == 1
    assert runtime["backend"] == ("gloo" if framework == "torch" else "auto")
    assert not _leftovers(str(tmp_path / "w"))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_killed_worker_is_a_recorded_error_and_leaves_no_process(framework, tmp_path):
    workdir = tmp_path / "w"
    payload = _payload(framework, 2, LONG_TIMING, timeout_s=200, workdir=workdir)
    box = {}
    runner = threading.Thread(target=lambda: box.update(result=run_isolated(distributed.ENTRY, payload, 200)))
    runner.start()
    status = workdir / "rank1.status"
    deadline = time.monotonic() + 120
    victim = None
    while time.monotonic() < deadline and runner.is_alive():
        if status.exists() and '"measure"' in status.read_text():
            victim = int(status.read_text().split('"pid": ')[1].split(",")[0])
            break
        time.sleep(0.1)
    assert victim, "worker 1 never reached its timed steps"
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    runner.join(timeout=60)
    assert not runner.is_alive(), "the cell did not end within 60 s of the worker's death"
    ended_after = time.monotonic() - killed_at
    result = box["result"]
    assert result["status"] == "failed"
    assert "worker 1 died during phase 'measure'" in result["error"]
    assert "SIGKILL" in result["error"]
    assert ended_after < 30
    assert not _leftovers(str(workdir))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rendezvous_timeout_is_recorded(tmp_path):
    # Node 0 of 2 waits for a node that never comes.
    payload = _payload("torch", 2, QUICK_TIMING, workdir=tmp_path / "w", nodes=2, node_rank=0,
                       master_port=_free_port(), rendezvous_timeout_s=4)
    started = time.monotonic()
    result = run_isolated(distributed.ENTRY, payload, 60)
    assert result["status"] == "timeout"
    assert result["error"] == "rendezvous timed out after 4 s: 0 of 1 workers on this node joined a world of 2"
    assert time.monotonic() - started < 30
    assert not _leftovers(str(tmp_path / "w"))


@pytest.mark.parametrize("values,message", [
    ({"workers": [0]}, "workers must be positive integers"),
    ({"nodes": 2, "workers": [3], "master_port": 29500}, "workers [3] cannot be split evenly over 2 nodes"),
    ({"nodes": 2, "workers": [2]}, "several nodes need an agreed master_port"),
    ({"nodes": 2, "node_rank": 2}, "node_rank 2 must be below nodes (2)"),
])
def test_distributed_options_are_validated(values, message):
    with pytest.raises(ConfigError) as info:
        build_config(criteria=["distributed"], frameworks=["torch"], distributed=values)
    assert message in str(info.value)


def test_tensorflow_on_several_nodes_needs_every_node_address():
    with pytest.raises(ConfigError) as info:
        build_config(criteria=["distributed"], distributed={"nodes": 2, "workers": [2], "master_port": 29500})
    assert "node_addrs" in str(info.value)
    config = build_config(criteria=["distributed"], distributed={"nodes": 2, "workers": [2, 4], "master_port": 29500,
                                                                 "node_addrs": ["10.0.0.1", "10.0.0.2"]})
    cells = distributed.plan(config, "mlp")
    assert [c.id for c in cells] == ["mlp/torch/ddp-2w/distributed_train/b64", "mlp/torch/ddp-4w/distributed_train/b64",
                                     "mlp/tensorflow/mwms-2w/distributed_train/b64",
                                     "mlp/tensorflow/mwms-4w/distributed_train/b64"]
