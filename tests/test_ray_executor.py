"""The Ray executor on a two-node Ray cluster on loopback (ray.cluster_utils.Cluster), whose
nodes advertise different fake hardware labels (custom resources dlarena_hw_a / dlarena_hw_b).
Timings are synthetic (tests/helpers/fault_speed.py): the tests assert placement, isolation, streaming
to the one database, node loss and resume, not speed."""

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from dlarena.config import build_config
from dlarena.runner.executors.hardware import LABEL_PREFIX, SLOT, Node, group_by_kind, kind_of
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore

TESTS_DIR = Path(__file__).parent
SRC_DIR = TESTS_DIR.parent / "src"
ENTRIES = {"parity": "helpers.fault_cells:same_record"}


def _config(**kw):
    values = {"workloads": ["mlp", "cnn"], "frameworks": ["torch", "tensorflow"], "modes": ["eager"],
              "scenarios": ["infer_throughput", "train"],
              "timing": {"warmup_iters": 0, "warmup_s": 0, "min_iters": 5, "min_s": 0, "max_s": 5},
              "timeout_s": 30, "threads": 1, "repetitions": {"min_windows": 2, "max_windows": 2, "retries": 0, "gap_s": 0}}
    return build_config(**{**values, **kw})


def _node_args(label: str) -> dict:
    return {"num_cpus": 1, "resources": {SLOT: 1, f"{LABEL_PREFIX}{label}": 1}}


@pytest.fixture(scope="module")
def cluster():
    saved = {k: os.environ.get(k) for k in ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "PYTHONPATH")}
    # loopback only (read when Ray is imported); the nodes' workers import dlarena and the test
    # drivers (tests/fault_*.py)
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    os.environ["PYTHONPATH"] = os.pathsep.join([str(TESTS_DIR), str(SRC_DIR), saved["PYTHONPATH"] or ""])
    sys.path.insert(0, str(TESTS_DIR))
    c = Cluster(initialize_head=True, head_node_args=_node_args("a"))
    c.add_node(**_node_args("b"))
    c.wait_for_nodes()
    assert c.address.startswith("127.0.0.1:")
    ray.init(address=c.address, log_to_driver=False)
    try:
        yield c
    finally:
        ray.shutdown()
        c.shutdown()
        sys.path.remove(str(TESTS_DIR))
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _executor(nodes_by="cpu-model", drivers="helpers.fault_cluster_slow"):
    from dlarena.runner.executors.ray_cluster import RayExecutor

    return RayExecutor(nodes_by=nodes_by, entries=ENTRIES, drivers={"speed": drivers})


def _start(tmp_path, config, executor, base="r"):
    store = ResultStore(tmp_path / "r.duckdb")
    runs = executor.start_runs(store, config, base)
    return store, runs


def _intervals(store, run_id):
    return [(r["started_at"], r["started_at"] + r["duration_s"]) for r in store.repetitions(run_id)]


def test_suite_runs_once_per_hardware_kind_each_cell_once_with_its_node_and_no_timed_overlap(cluster, tmp_path):
    config = _config()
    executor = _executor()
    store, runs = _start(tmp_path, config, executor)
    assert {kr.kind: kr.run_id for kr in runs} == {"a": "r.a", "b": "r.b"}
    outcomes = executor.run(config, store, runs)

    local_store = ResultStore(tmp_path / "local.duckdb")
    local_store.start_run("l", "custom", config.model_dump(), {})
    SuiteRunner(config, local_store, "l", entries=ENTRIES, drivers={"speed": "helpers.fault_cluster_slow"}).run()
    local = {c["cell_id"]: c["status"] for c in local_store.cells("l")}
    assert len(local) == 12  # 2 workloads x (2 parity + 2 frameworks x 2 scenarios)

    for kr in runs:
        cells = store.cells(kr.run_id)
        assert {c["cell_id"]: c["status"] for c in cells} == local  # same cells, same statuses, each once
        assert outcomes[kr.run_id].counts == {"ok": 12}
        nodes = {json_node["label"] for json_node in (_runtime(c)["node"] for c in cells)}
        assert nodes == {kr.kind}
        assert all(_runtime(c)["node"]["cpu_model"] and _runtime(c)["node"]["hostname"] for c in cells)
        env = store.run(kr.run_id)["env"]
        assert env["cluster"]["hardware"] == kr.kind and env["cluster"]["group"] == "r"
        assert len(_intervals(store, kr.run_id)) == 8 * 2  # every timed window stored
        # one node per kind here: its timed units (a workload's parity and interleaved windows)
        # ran one after another, from the node's start stamp to the unit's last recorded cell
        spans = sorted(_unit_spans(cells).values())
        assert len(spans) == 2
        assert spans[0][1] <= spans[1][0], f"two timed units overlapped on one node: {spans}"
    # the two kinds' nodes did run at the same time: the placement is parallel across nodes
    a, b = (sorted(_unit_spans(store.cells(kr.run_id)).values()) for kr in runs)
    assert a[0][0] < b[-1][1] and b[0][0] < a[-1][1]


def _unit_spans(cells) -> dict[str, list[float]]:
    spans: dict[str, list[float]] = {}
    for c in cells:
        rt = _runtime(c)
        span = spans.setdefault(rt["unit"], [rt["unit_started_at"], rt["recorded_at"]])
        span[1] = max(span[1], rt["recorded_at"])
    return spans


def _runtime(cell_row):
    import json

    return json.loads(cell_row["runtime"]) if isinstance(cell_row["runtime"], str) else cell_row["runtime"]


def test_hung_cell_is_killed_at_its_timeout_on_its_node(cluster, tmp_path):
    config = _config(workloads=["mlp"], frameworks=["torch"], timeout_s=3)
    executor = _executor(drivers="helpers.fault_cluster_hang")
    store, runs = _start(tmp_path, config, executor)
    executor.run(config, store, runs)
    # The hang sleeps 600 s and would end "ok": the status and message say the 3 s timeout ended it.
    for kr in runs:
        cells = {c["scenario"]: c for c in store.cells(kr.run_id)}
        assert cells["train"]["status"] == "timeout" and "timeout of 3 s" in cells["train"]["error"]
        assert cells["infer_throughput"]["status"] == "ok"
        assert _runtime(cells["train"])["node"]["label"] == kr.kind


def test_lost_node_fails_its_cells_and_resume_completes_them(cluster, tmp_path):
    import ray

    config = _config(workloads=["mlp"], repetitions={"min_windows": 6, "max_windows": 6, "retries": 0, "gap_s": 0})
    executor = _executor()
    store, runs = _start(tmp_path, config, executor)
    node_b = next(n for n in cluster.worker_nodes if n.node_id == runs[1].nodes[0].node_id)
    done, b_started = threading.Event(), threading.Event()

    def on_cell(cell_id, result):  # b's parity is back: its windows are being timed now
        if cell_id.endswith("@ b"):
            b_started.set()

    thread = threading.Thread(target=lambda: (executor.run(config, store, runs, on_cell_done=on_cell), done.set()),
                              daemon=True)
    thread.start()
    assert b_started.wait(60)
    time.sleep(0.5)
    cluster.remove_node(node_b)
    thread.join(90)
    assert done.is_set()
    a = {c["cell_id"]: c for c in store.cells("r.a")}
    b = {c["cell_id"]: c for c in store.cells("r.b")}
    assert set(a) == set(b) and len(a) == 6 and all(c["status"] == "ok" for c in a.values())
    lost = [c for c in b.values() if c["status"] == "failed"]
    assert lost and all(c["error"] == "node lost" for c in lost)
    assert any(c["status"] == "ok" for c in b.values())  # parity came back before the node was lost

    # the node comes back (a new one with b's label): --resume runs b's lost cells, nothing else
    cluster.add_node(**_node_args("b"))
    cluster.wait_for_nodes()
    resumed, missing = _executor().resume_runs(store, config, "r")
    assert missing == [] and [kr.run_id for kr in resumed] == ["r.a", "r.b"]
    before = {cid: c["recorded_at"] for cid, c in a.items()}
    _executor().run(config, store, resumed)
    b = {c["cell_id"]: c for c in store.cells("r.b")}
    assert len(b) == 6 and all(c["status"] == "ok" for c in b.values())
    assert {c["cell_id"]: c["recorded_at"] for c in store.cells("r.a")} == before  # a's cells not rerun
    assert ray.is_initialized()


def test_nodes_group_by_label_gpu_type_and_cpu_model():
    def node(nid, label=None, cpu="Xeon", gpus=()):
        resources = {SLOT: 1, **({f"{LABEL_PREFIX}{label}": 1} if label else {})}
        return Node(nid, "127.0.0.1", resources, {"cpu_model": cpu, "gpus": list(gpus), "hostname": "h"})

    nodes = [node("n1", cpu="Xeon"), node("n2", cpu="EPYC"), node("n3", cpu="Xeon", gpus=["NVIDIA A100, 80 GB"]),
             node("n4", label="fake")]
    assert {k: [n.node_id for n in v] for k, v in group_by_kind(nodes, "cpu-model").items()} == {
        "EPYC": ["n2"], "Xeon": ["n1", "n3"], "fake": ["n4"]}
    assert set(group_by_kind(nodes, "gpu-type")) == {"CPU Xeon", "CPU EPYC", "NVIDIA A100", "fake"}
    assert len(group_by_kind(nodes, "all")) == 4
    assert kind_of(node("n5", label="x"), "gpu-type") == "x"


@pytest.mark.slow
def test_cli_runs_the_smoke_suite_on_the_cluster_with_the_cells_and_statuses_of_local(cluster, tmp_path):
    """`dlarena run --executor ray` end to end with real frameworks (reduced: PyTorch, one scenario;
    DLARENA_FULL_TESTS=1: the whole smoke suite), then `compare --by-hardware` and `--resume`."""
    from typer.testing import CliRunner

    from conftest import FULL
    from dlarena.cli import app
    from dlarena.store.groups import group_runs

    invoke = lambda *a: CliRunner().invoke(app, [str(x) for x in a])  # noqa: E731
    db = tmp_path / "r.duckdb"
    narrow = [] if FULL else ["--frameworks", "torch", "--scenarios", "infer_latency"]
    local = invoke("run", "--suite", "smoke", *narrow, "--db", db)
    assert local.exit_code == 0, local.output
    local_id = ResultStore(db).runs()[0]["run_id"]
    result = invoke("run", "--suite", "smoke", *narrow, "--executor", "ray", "--address", cluster.address,
                    "--nodes-by", "cpu-model", "--db", db)
    assert result.exit_code == 0, result.output
    store = ResultStore(db)
    expected = {c["cell_id"]: c["status"] for c in store.cells(local_id)}
    members = [r for r in store.runs() if r["run_id"] != local_id]
    group = members[0]["run_id"].rsplit(".", 1)[0]
    assert sorted(r["run_id"] for r in group_runs(store, group)) == [f"{group}.a", f"{group}.b"]
    for run in members:
        assert {c["cell_id"]: c["status"] for c in store.cells(run["run_id"])} == expected
        assert store.run(run["run_id"])["status"] == "complete"
    compare = invoke("compare", group, "--by-hardware", "--db", db)
    assert compare.exit_code == 0 and "Ray executor overhead" in " ".join(compare.output.split())
    resumed = invoke("run", "--resume", "--run-id", group, "--address", cluster.address, "--db", db)
    assert resumed.exit_code == 0 and "Resuming on the cluster" in resumed.output


def test_a_cluster_run_is_held_by_its_process_and_a_second_resume_is_refused(tmp_path, monkeypatch):
    """One writer per run on a cluster too: a resume of a run group another process writes is refused
    (StoreBusy, before any run is marked running again); the lock files go with the writer."""
    from dlarena.runner.executors.ray_cluster import RayExecutor
    from dlarena.store.db import StoreBusy

    def node(label):
        return Node(f"n-{label}", "127.0.0.1", {SLOT: 1, f"{LABEL_PREFIX}{label}": 1},
                    {"cpu_model": "x", "gpus": [], "hostname": "h"})

    monkeypatch.setattr(RayExecutor, "nodes", lambda self, config: [node("a"), node("b")])
    config = _config()
    writer, other = ResultStore(tmp_path / "r.duckdb"), ResultStore(tmp_path / "r.duckdb")
    runs = _executor().start_runs(writer, config, "r")
    assert [kr.run_id for kr in runs] == ["r.a", "r.b"]
    for run_id in ("r.a", "r.b"):
        writer.finish_run(run_id, "interrupted")
    writer.release_run()
    writer.hold_run("r.a")  # the other process resumes one of them now
    with pytest.raises(StoreBusy, match="run r.(a|b) is being written by another dlarena process"):
        _executor().resume_runs(other, config, "r")
    assert {other.run(r)["status"] for r in ("r.a", "r.b")} == {"interrupted"}
    other.release_run()  # as the CLI does on the way out
    writer.release_run()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".lock") == []
    resumed, missing = _executor().resume_runs(other, config, "r")
    assert [kr.run_id for kr in resumed] == ["r.a", "r.b"] and missing == []
    assert other.run("r.b")["status"] == "running"
    other.release_run()
