"""The distributed criterion: DDP, MultiWorkerMirroredStrategy and JAX multi-process SPMD on 2 CPU
workers, correctness against single-process training, failure handling (dead worker, rendezvous
timeout), and the plugin architecture (a framework takes part through its registry entry only)."""

import os
import signal
import sys
import types
import socket
import threading
import time

import psutil
import pytest
from conftest import FULL

from helpers.planning import planned, payload as options_payload
from dlarena import frameworks
from dlarena.config import ConfigError, build_config
from dlarena.criteria.distributed import cells as distributed
from dlarena.criteria.distributed import analysis
from dlarena.process.isolate import run_isolated

FRAMEWORKS = ["torch", "tensorflow", "jax"]
BACKEND = {"torch": "gloo", "tensorflow": "auto", "jax": "gloo"}
QUICK_TIMING = {"warmup_iters": 2, "warmup_s": 0.0, "min_iters": 10, "min_s": 0.2, "max_s": 5.0}
# Long enough that a worker is still training when the test kills it.
LONG_TIMING = {"warmup_iters": 2, "warmup_s": 0.0, "min_iters": 100_000, "max_iters": 100_000, "min_s": 120.0,
               "max_s": 120.0}
# The limits below are derived from these, not from how fast this machine is: a cell's own timeout
# bounds every wait, and a death counts as noticed when the cell ends well before the survivor's
# timed window (LONG_TIMING min_s) would have.
CELL_TIMEOUT_S = 200
NOTICE_DEATH_S = LONG_TIMING["min_s"] / 2


def _payload(framework, workers, timing, timeout_s=150, workdir=None, **dist):
    config = build_config(workloads=["mlp"], frameworks=[framework], criteria=["distributed"], timing=timing,
                          timeout_s=timeout_s, threads=2, distributed={"workers": [workers], **dist})
    [cell] = planned(config, "distributed", "mlp")
    payload = {"cell": cell.model_dump(), "threads": config.threads, "interop_threads": 1, "seed": 0,
               "timing": config.timing.model_dump(), **options_payload(config, "distributed")}
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


# ~20-35 s a framework on 2 cores: one by default, every framework with DLARENA_FULL_TESTS=1
@pytest.mark.parametrize("framework", FRAMEWORKS if FULL else ["torch"])
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
    # Communication is the step time not spent computing; a compute-only step measured slower than
    # the full step (noise) leaves it at 0, never negative.
    step, compute, comm = (m[k]["value"] for k in ("step_time_ms", "compute_time_ms", "communication_time_ms"))
    assert comm == pytest.approx(max(step - compute, 0.0), rel=1e-9, abs=1e-12)
    assert m["communication_fraction"]["value"] == pytest.approx(comm / step, rel=1e-9, abs=1e-12)
    assert m["runtime_startup_s"]["value"] > 0
    runtime = result["runtime"]
    assert runtime["world_size"] == 2 and runtime["threads_per_worker"] == 1 and runtime["intra_op_threads"] == 1
    assert runtime["backend"] == BACKEND[framework]
    assert not _leftovers(str(tmp_path / "w"))


@pytest.mark.slow  # the launcher that notices the death is shared; each runtime: DLARENA_FULL_TESTS=1
@pytest.mark.parametrize("framework", FRAMEWORKS if FULL else ["jax"])
def test_killed_worker_is_a_recorded_error_and_leaves_no_process(framework, tmp_path):
    workdir = tmp_path / "w"
    payload = _payload(framework, 2, LONG_TIMING, timeout_s=CELL_TIMEOUT_S, workdir=workdir)
    box = {}
    runner = threading.Thread(target=lambda: box.update(result=run_isolated(distributed.ENTRY, payload, CELL_TIMEOUT_S)))
    runner.start()
    status = workdir / "rank1.status"
    deadline = time.monotonic() + CELL_TIMEOUT_S  # start-up may take long on a busy machine; the cell's own limit
    victim = None
    while time.monotonic() < deadline and runner.is_alive():
        if status.exists() and '"measure"' in status.read_text():
            victim = int(status.read_text().split('"pid": ')[1].split(",")[0])
            break
        time.sleep(0.1)
    assert victim, "worker 1 never reached its timed steps"
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    runner.join(timeout=NOTICE_DEATH_S)
    assert not runner.is_alive(), f"the cell did not end within {NOTICE_DEATH_S} s of the worker's death"
    ended_after = time.monotonic() - killed_at
    result = box["result"]
    assert result["status"] == "failed"
    assert "worker 1 died during phase 'measure'" in result["error"]
    assert "SIGKILL" in result["error"]
    assert ended_after < NOTICE_DEATH_S  # noticed, not waited out: the survivor's window lasts LONG_TIMING min_s
    assert not _leftovers(str(workdir))


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS if FULL else ["torch"])
def test_killed_launcher_takes_its_workers_with_it(framework, tmp_path):
    """If the cell's own process dies (e.g. killed from outside), no worker is left behind."""
    workdir = tmp_path / "w"
    box = {}
    runner = threading.Thread(target=lambda: box.update(
        result=run_isolated(distributed.ENTRY, _payload(framework, 2, LONG_TIMING, timeout_s=CELL_TIMEOUT_S,
                                                        workdir=workdir), CELL_TIMEOUT_S)))
    runner.start()
    status = workdir / "rank1.status"
    deadline = time.monotonic() + CELL_TIMEOUT_S
    while time.monotonic() < deadline and runner.is_alive() and not (status.exists() and '"measure"' in status.read_text()):
        time.sleep(0.1)
    assert status.exists() and '"measure"' in status.read_text(), "worker 1 never reached its timed steps"
    assert len(_leftovers(str(workdir))) >= 2  # the 2 workers (and torchrun)
    launcher = psutil.Process(_leftovers(str(workdir))[0].pid)
    while "dlarena.process.worker" not in " ".join(launcher.cmdline()):
        launcher = launcher.parent()
    launcher.kill()
    runner.join(timeout=NOTICE_DEATH_S)
    assert box["result"]["status"] == "failed" and "SIGKILL" in box["result"]["error"]
    deadline = time.monotonic() + 10
    while _leftovers(str(workdir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _leftovers(str(workdir))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS if FULL else ["torch"])
def test_two_nodes_map_to_each_runtimes_configuration(framework, tmp_path):
    """Two "nodes" on this host (one worker each), started as two users on two hosts would."""
    port = _free_port()
    payloads = [_payload(framework, 2, QUICK_TIMING, workdir=tmp_path / f"node{rank}", nodes=2, node_rank=rank,
                         master_port=port, node_addrs=["127.0.0.1", "127.0.0.1"]) for rank in (0, 1)]
    for p in payloads:
        p["threads"] = 1
    results = [None, None]
    nodes = [threading.Thread(target=lambda r=r: results.__setitem__(r, run_isolated(distributed.ENTRY, payloads[r], 200)))
             for r in (0, 1)]
    for t in nodes:
        t.start()
    for t in nodes:
        t.join()
    for rank, result in enumerate(results):
        assert result["status"] == "ok", result.get("error")
        assert result["runtime"]["node_rank"] == rank and result["runtime"]["workers_on_this_node"] == 1
        assert _metrics(result)["weights_rel_diff_vs_single_process"]["value"] < 1e-6
        assert result["runtime"]["master"] == f"127.0.0.1:{port}"
    if framework == "tensorflow":
        assert results[0]["runtime"]["worker_addrs"] == [f"127.0.0.1:{port + 1}", f"127.0.0.1:{port + 2}"]
    else:
        assert results[0]["runtime"]["worker_addrs"] == []


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_rendezvous_timeout_is_recorded(framework, tmp_path):
    # Node 0 of 2 waits for a node that never comes (torchrun's rendezvous; JAX's coordinator).
    payload = _payload(framework, 2, QUICK_TIMING, workdir=tmp_path / "w", nodes=2, node_rank=0,
                       master_port=_free_port(), rendezvous_timeout_s=4)
    started = time.monotonic()
    result = run_isolated(distributed.ENTRY, payload, CELL_TIMEOUT_S)
    assert result["status"] == "timeout"
    # the rendezvous limit ended it (the cell's own limit would say "cell exceeded its timeout"), after
    # waiting those 4 s
    assert result["error"] == "rendezvous timed out after 4 s: 0 of 1 workers on this node joined a world of 2"
    assert time.monotonic() - started >= 4
    assert not _leftovers(str(tmp_path / "w"))


@pytest.mark.parametrize("values,message", [
    ({"workers": [0]}, "workers must be integers from 1 to 1024, e.g. 1,2,4"),
    ({"workers": [1025]}, "workers must be integers from 1 to 1024, e.g. 1,2,4"),
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
    cells = planned(config, "distributed", "mlp")
    assert [c.id for c in cells] == ["mlp/torch/ddp-2w/distributed_train/b64", "mlp/torch/ddp-4w/distributed_train/b64",
                                     "mlp/tensorflow/mwms-2w/distributed_train/b64",
                                     "mlp/tensorflow/mwms-4w/distributed_train/b64",
                                     "mlp/jax/spmd-2w/distributed_train/b64", "mlp/jax/spmd-4w/distributed_train/b64"]
    # Runtimes that need only the coordinator's address run on several nodes without node_addrs.
    config = build_config(criteria=["distributed"], frameworks=["torch", "jax"],
                          distributed={"nodes": 2, "workers": [2], "master_port": 29500})
    assert [c.mode for c in planned(config, "distributed", "mlp")] == ["ddp-2w", "spmd-2w"]


def _stored_run(tmp_path, throughputs: dict, failing=(), runtime=None):
    """A run with synthetic distributed cells: {(framework, workers): (median, ci_low, ci_high)}."""
    from dlarena.config import Cell
    from dlarena.store.db import ResultStore

    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {"physical_cores": 2})
    for (fw, n), (value, low, high) in throughputs.items():
        cell = Cell(workload="mlp", framework=fw, mode=analysis.mode_for(fw, n), scenario=analysis.SCENARIO, batch=64)
        if (fw, n) in failing:
            store.record_cell("r", cell, {"status": "failed", "error": "worker 1 died during phase 'measure'"})
            continue
        rows = [{"metric": "global_throughput_sps", "unit": "samples/s", "value": value, "ci_low": low, "ci_high": high},
                {"metric": "step_time_ms", "unit": "ms", "value": 64 * n / value * 1e3},
                {"metric": "weights_rel_diff_vs_single_process", "unit": "ratio", "value": 5e-8}]
        store.record_cell("r", cell, {"status": "ok", "metrics": rows,
                                      "runtime": {"threads_per_worker": 2 // n, **(runtime or {})}})
    return store


@pytest.mark.parametrize("runtime,scored", [
    ({}, False),                                     # CPU workers on one host: process overhead
    ({"device": "CPU:0", "nodes": 1}, False),               # as TensorFlow names it
    ({"device": "cuda:0"}, True),                    # GPUs on one host: real data-parallel scaling
    ({"device": "cpu", "nodes": 2}, True),           # across hosts
])
def test_cpu_workers_on_one_host_are_shown_not_scored(tmp_path, runtime, scored):
    store = _stored_run(tmp_path, {("torch", 1): (1000, 950, 1050), ("torch", 2): (1600, 1550, 1650),
                                   ("tensorflow", 1): (1000, 980, 1020), ("tensorflow", 2): (1000, 960, 1040)},
                        runtime=runtime)
    summary = distributed.scores(store.cells("r"), store.measurements("r"))
    torch = summary["torch"]
    assert torch["scaling_score"] == pytest.approx(0.5 * 0.8 + 0.5 * 1.0)
    if scored:
        assert torch["score"] == torch["scaling_score"] and "unscored" not in torch
    else:
        assert torch["score"] is None
        assert torch["unscored"].startswith("CPU workers on one host: process overhead, not multi-machine scaling")


def test_efficiency_summary_and_verdict_from_stored_rows(tmp_path):
    store = _stored_run(tmp_path, {("torch", 1): (1000, 950, 1050), ("torch", 2): (1600, 1550, 1650),
                                   ("tensorflow", 1): (1000, 980, 1020), ("tensorflow", 2): (1000, 960, 1040)})
    cells, rows = store.cells("r"), store.measurements("r")
    series = analysis.scaling(analysis.points(cells, rows))
    torch2 = series[("mlp", "torch")][1]
    assert torch2.efficiency == pytest.approx(0.8)
    assert torch2.eff_low == pytest.approx(1550 / (2 * 1050)) and torch2.eff_high == pytest.approx(1650 / (2 * 950))
    [verdict] = analysis.workload_verdicts(series)
    assert verdict.efficiency_winner == "torch" and verdict.workers == 2
    assert "PyTorch DDP faster than TensorFlow MultiWorkerMirroredStrategy by 60%" in verdict.throughput_text
    assert analysis.claim_verdict([verdict], "tensorflow").startswith("not supported on this machine")

    summary = distributed.scores(cells, rows)
    assert set(summary) == {"torch", "tensorflow"}
    assert summary["torch"]["scaling_score"] == pytest.approx(0.5 * 0.8 + 0.5 * 1.0)
    assert summary["tensorflow"]["scaling_score"] == pytest.approx(0.5 * 0.5 + 0.5 * 1000 / 1600, abs=1e-3)
    assert "2 workers reach 1,600 samples/s, 80% scaling efficiency" in summary["torch"]["line"]
    assert summary["torch"]["evidence"] == ["mlp/torch/ddp-1w/distributed_train/b64", "mlp/torch/ddp-2w/distributed_train/b64"]

    from dlarena.criteria.distributed.report import build

    section = build(store, store.run("r"), tmp_path)
    assert "Verdict: not supported on this machine" in section.markdown
    assert "cannot speak for 2048 TPU cores" in section.markdown
    assert "| mlp | PyTorch DDP | 2 | 1 | 1,600 (1,550 – 1,650) | 80% (74% – 87%) |" in section.markdown
    assert (tmp_path / "distributed.png").stat().st_size > 1000 and "data:image/png;base64," in section.html


def test_tie_and_failures_in_summary(tmp_path):
    store = _stored_run(tmp_path, {("torch", 1): (1000, 900, 1100), ("torch", 2): (1500, 1300, 1700),
                                   ("tensorflow", 1): (1000, 900, 1100), ("tensorflow", 2): (1400, 1200, 1600)},
                        failing={("tensorflow", 1), ("tensorflow", 2)})
    summary = distributed.scores(store.cells("r"), store.measurements("r"))
    assert summary["tensorflow"]["scaling_score"] == 0.0
    assert "no successful distributed cell (mlp: worker 1 died during phase 'measure')" in summary["tensorflow"]["line"]
    series = analysis.scaling(analysis.points(store.cells("r"), store.measurements("r")))
    assert analysis.claim_verdict(analysis.workload_verdicts(series), "tensorflow").startswith("not measured")

    both = _stored_run(tmp_path / "b", {("torch", 1): (1000, 900, 1100), ("torch", 2): (1500, 1300, 1700),
                                        ("tensorflow", 1): (1000, 900, 1100), ("tensorflow", 2): (1400, 1200, 1600)})
    [verdict] = analysis.workload_verdicts(analysis.scaling(analysis.points(both.cells("r"), both.measurements("r"))))
    assert verdict.efficiency_winner is None
    assert verdict.efficiency_text == ("inconclusive: scaling efficiency 75% (PyTorch DDP) vs 70% "
                                       "(TensorFlow MultiWorkerMirroredStrategy); ratio 1.07 [0.76–1.50]")
    assert analysis.claim_verdict([verdict], "tensorflow").startswith("not shown on this machine")


def test_superlinear_efficiency_makes_the_comparison_inconclusive(tmp_path):
    # A 1-worker baseline far below capacity (threads descheduled on a shared CPU) gives 350%.
    store = _stored_run(tmp_path, {("torch", 1): (6000, 5000, 7000), ("torch", 2): (42000, 40000, 44000),
                                   ("tensorflow", 1): (94000, 93000, 95000), ("tensorflow", 2): (22600, 22000, 23000)})
    series = analysis.scaling(analysis.points(store.cells("r"), store.measurements("r")))
    [verdict] = analysis.workload_verdicts(series)
    assert verdict.efficiency_winner == analysis.INCONCLUSIVE
    assert "PyTorch DDP efficiency 350% is superlinear" in verdict.efficiency_text
    assert analysis.claim_verdict([verdict], "tensorflow").startswith("inconclusive on this machine")
    summary = distributed.scores(store.cells("r"), store.measurements("r"))
    assert summary["torch"]["scaling_score"] == 1.0  # relative throughput only
    assert "superlinear" in summary["torch"]["line"]


def test_three_frameworks_verdicts_summary_and_report(tmp_path):
    store = _stored_run(tmp_path, {("torch", 1): (1000, 950, 1050), ("torch", 2): (1600, 1550, 1650),
                                   ("tensorflow", 1): (1000, 980, 1020), ("tensorflow", 2): (1000, 960, 1040),
                                   ("jax", 1): (1000, 990, 1010), ("jax", 2): (1800, 1780, 1820)})
    cells, rows = store.cells("r"), store.measurements("r")
    series = analysis.scaling(analysis.points(cells, rows))
    [verdict] = analysis.workload_verdicts(series)
    assert verdict.frameworks == ["torch", "tensorflow", "jax"] and verdict.efficiency_winner == "jax"
    assert verdict.efficiency_text == ("JAX multi-process SPMD scales best: efficiency 90% vs 80% (PyTorch DDP), "
                                       "50% (TensorFlow MultiWorkerMirroredStrategy)")
    assert "JAX multi-process SPMD faster than PyTorch DDP by 12%" in verdict.throughput_text
    assert "JAX multi-process SPMD faster than TensorFlow MultiWorkerMirroredStrategy by 80%" in verdict.throughput_text
    assert analysis.claim_verdict([verdict], "tensorflow") == (
        "not supported on this machine: JAX multi-process SPMD's scaling efficiency is higher (mlp at 2 workers)")
    summary = distributed.scores(cells, rows)
    assert summary["jax"]["scaling_score"] == pytest.approx(0.5 * 0.9 + 0.5 * 1.0)
    assert summary["torch"]["scaling_score"] == pytest.approx(0.5 * 0.8 + 0.5 * 1600 / 1800, abs=1e-3)
    assert summary["jax"]["evidence"] == ["mlp/jax/spmd-1w/distributed_train/b64", "mlp/jax/spmd-2w/distributed_train/b64"]

    from dlarena.criteria.distributed.report import build

    section = build(store, store.run("r"), tmp_path)
    assert "| mlp | JAX multi-process SPMD | 2 | 1 | 1,800 (1,780 – 1,820) | 90% (88% – 92%) |" in section.markdown
    assert "Verdict: not supported on this machine: JAX multi-process SPMD's scaling efficiency" in section.markdown


def test_a_fourth_framework_needs_only_its_registry_entry(tmp_path, monkeypatch):
    """A framework registered with a ``distributed`` plugin is planned, analysed and reported by
    the unchanged criterion, analysis and report; its plugin's facts drive the config check."""
    runtime = types.ModuleType("fake_ring_runtime")
    runtime.ENGINE, runtime.MODE_PREFIX, runtime.STARTUP, runtime.LISTS_WORKERS = "RingAllReduce", "ring", "init", "hostfile"
    runtime.CLAIM, runtime.CLAIM_CAVEAT = "Ring scales best.", "A test claim."
    runtime.worker_addrs = lambda cluster, ports: cluster.worker_addrs(ports)
    monkeypatch.setitem(sys.modules, "fake_ring_runtime", runtime)
    monkeypatch.setitem(frameworks.FRAMEWORKS, "ringfw", frameworks.FrameworkInfo(
        name="ringfw", display_name="RingFW", modes=("eager",), import_name="json", model_module="ring_model",
        adapter="ring:Adapter", install_hint="-", plugins=(("distributed", "fake_ring_runtime"),)))
    config = build_config(criteria=["distributed"], frameworks=["torch", "ringfw"], distributed={"workers": [1, 2]})
    assert [c.id for c in planned(config, "distributed", "mlp")][2:] == ["mlp/ringfw/ring-1w/distributed_train/b64",
                                                                   "mlp/ringfw/ring-2w/distributed_train/b64"]
    with pytest.raises(ConfigError) as info:
        build_config(criteria=["distributed"], frameworks=["ringfw"],
                     distributed={"nodes": 2, "workers": [2], "master_port": 29500})
    assert str(info.value).endswith("RingFW's hostfile lists every worker's address: several nodes need node_addrs "
                               "(--node-addrs host0,host1,...)")

    store = _stored_run(tmp_path, {("torch", 1): (1000, 950, 1050), ("torch", 2): (1600, 1550, 1650),
                                   ("ringfw", 1): (1000, 990, 1010), ("ringfw", 2): (1900, 1880, 1920)})
    from dlarena.criteria.distributed.report import build

    section = build(store, store.run("r"), tmp_path)
    assert "| mlp | RingFW RingAllReduce | 2 |" in section.markdown
    assert '### Claim: "Ring scales best."' in section.markdown
    assert "**Verdict: supported on this machine: RingFW RingAllReduce's scaling efficiency is higher" in section.markdown
    assert "TensorFlow" not in section.markdown  # no claim of a framework that did not take part


@pytest.mark.parametrize("args,message", [
    (["--workers", "1,x"], "--workers takes integers, e.g. 1,2,4; got 1,x"),
    (["--nodes", "2", "--workers", "2", "--frameworks", "torch"], "several nodes need an agreed master_port"),
    (["--nodes", "2", "--workers", "2", "--master-port", "29500"], "several nodes need node_addrs"),
])
def test_cli_distributed_options(tmp_path, args, message):
    from typer.testing import CliRunner

    from dlarena.cli import app

    db = tmp_path / "res" / "r.duckdb"
    result = CliRunner().invoke(app, ["run", "--criteria", "distributed", *args, "--db", str(db)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not db.parent.exists()
