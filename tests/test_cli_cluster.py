"""The cluster options of `dlarena run` and the hardware dimension of `dlarena compare`, without a
cluster: Ray missing, bad options, and the side-by-side table read from stored runs."""

import sys

from typer.testing import CliRunner

from dlarena.cli import app

runner = CliRunner()


def _invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result, " ".join(result.output.split())


def test_executor_ray_without_ray_says_how_to_install_it_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as when not installed
    db = tmp_path / "res" / "r.duckdb"
    result, out = _invoke("run", "--suite", "smoke", "--executor", "ray", "--db", db)
    assert result.exit_code == 2
    assert out == "error: --executor ray needs Ray, which is not installed; install it with: pip install 'dlarena[cluster]'"
    assert len(result.output.strip().splitlines()) == 1
    assert not db.parent.exists()


def test_bad_cluster_options_exit_2(tmp_path):
    db = tmp_path / "r.duckdb"
    result, out = _invoke("run", "--executor", "slurm", "--db", db)
    assert result.exit_code == 2 and "unknown --executor 'slurm'; valid: local, ray" in out
    result, out = _invoke("run", "--nodes-by", "gpu-type", "--db", db)
    assert result.exit_code == 2 and "add --executor ray" in out
    result, out = _invoke("run", "--executor", "ray", "--nodes-by", "rack", "--db", db)
    assert result.exit_code == 2 and "unknown --nodes-by 'rack'; valid: gpu-type, cpu-model, all" in out


def _group_store(tmp_path):
    """Two runs a cluster made together (kinds "cpu-x" and "gpu-y"), written as the Ray executor writes them."""
    from dlarena.config import Cell
    from dlarena.store.db import ResultStore

    store = ResultStore(tmp_path / "r.duckdb")
    values = {"cpu-x": {"torch": 100.0, "tensorflow": 50.0}, "gpu-y": {"torch": 1000.0, "tensorflow": 2000.0}}
    for kind, by_fw in values.items():
        run_id = f"g.{kind}"
        store.start_run(run_id, "smoke", {}, {"cpu_model": kind, "cluster": {"executor": "ray", "group": "g",
                                                                             "hardware": kind, "nodes_by": "gpu-type"}})
        for fw, value in by_fw.items():
            cell = Cell(workload="mlp", framework=fw, mode="eager", scenario="infer_throughput", batch=64)
            store.record_cell(run_id, cell, {"status": "ok", "duration_s": 2.0, "metrics": [
                {"metric": "throughput_sps", "unit": "samples/s", "value": value}], "runtime": {
                "unit": "workload mlp", "unit_started_at": 10.0, "recorded_at": 12.0,
                "executor": {"name": "ray", "unit": "workload mlp", "submitted_at": 9.5, "arrived_at": 12.1}}})
    store.start_run("local", "smoke", {}, {"cpu_model": "x"})
    return store


def test_compare_by_hardware_shows_each_kind_side_by_side(tmp_path):
    import json

    _group_store(tmp_path)
    db = tmp_path / "r.duckdb"
    for name in ("g", "g.gpu-y"):  # the group id, or any of its runs
        result, out = _invoke("compare", name, "--by-hardware", "--db", db)
        assert result.exit_code == 0, out
        assert "Run group g: cpu-x = g.cpu-x, gpu-y = g.gpu-y" in out
        # driver span 2.6 s minus the node's 2.0 s: 0.6 s per unit of 2 cells
        assert "0.60 s per unit, 0.30 s per cell" in out
    result, out = _invoke("compare", "g", "--by-hardware", "--json", "--db", db)
    data = json.loads(result.output)
    assert data["kinds"] == ["cpu-x", "gpu-y"] and data["run_ids"] == {"cpu-x": "g.cpu-x", "gpu-y": "g.gpu-y"}
    assert data["best"] == [{"workload": "mlp", "scenario": "infer_throughput", "batch": 64, "metric": "throughput_sps",
                             "per_kind": {"cpu-x": {"torch": 100.0, "tensorflow": 50.0},
                                          "gpu-y": {"torch": 1000.0, "tensorflow": 2000.0}}}]
    result, out = _invoke("compare", "local", "--by-hardware", "--db", db)
    assert result.exit_code == 2 and "neither a run made with --executor ray" in out


def test_report_of_a_cluster_run_has_the_across_hardware_section(tmp_path):
    from dlarena.report import hardware

    store = _group_store(tmp_path)
    section = hardware.build(store, store.run("g.cpu-x"), tmp_path)
    assert section.title == "Across hardware"
    assert "| mlp/tensorflow/eager/infer_throughput/b64 | throughput_sps | 50 | 2,000 | 40.00x |" in section.markdown
    # which framework leads flips between the kinds: PyTorch on cpu-x, TensorFlow on gpu-y
    assert ("| mlp | infer_throughput b64 (throughput_sps) | PyTorch 100, TensorFlow 2.00x slower | "
            "TensorFlow 2,000, PyTorch 2.00x slower |") in section.markdown
    assert hardware.build(store, store.run("local"), tmp_path) is None
