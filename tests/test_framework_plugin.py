"""The architecture test of issue 8: a fourth framework plugs in from its own package (entry point
``dlarena.frameworks``: registry entry, adapter, one model module per workload) and runs through
parity, speed and the report without an edit to dlarena."""

import os
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from helpers.planning import planned
from dlarena import frameworks, workloads
from dlarena.cli import app

SITE = Path(__file__).parent / "fixtures" / "framework_plugin"
runner = CliRunner()


@pytest.fixture
def numpy_framework(monkeypatch):
    monkeypatch.syspath_prepend(str(SITE))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(SITE), os.environ.get("PYTHONPATH")) if p))
    added = frameworks.load_plugins()
    yield added
    frameworks.FRAMEWORKS.pop("numpy", None)
    for name in [m for m in sys.modules if m == "npfw" or m.startswith("npfw.")]:
        sys.modules.pop(name)


def test_plugin_is_registered_with_its_models(numpy_framework):
    assert numpy_framework == ["numpy"]
    assert "numpy" in frameworks.names() and frameworks.color("numpy") == "#4dabcf"
    assert workloads.framework_module("mlp", "numpy_model").WEIGHT_MAP["out.w"] == "out.kernel"
    with pytest.raises(KeyError, match="workload 'cnn' has no 'numpy_model'"):
        workloads.framework_module("cnn", "numpy_model")


def test_fourth_framework_runs_parity_speed_and_report(numpy_framework, tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text("[timing]\nwarmup_iters = 1\nwarmup_s = 0.0\nmin_iters = 5\nmin_s = 0.0\nmax_s = 2.0\n")
    db = tmp_path / "r.duckdb"
    result = runner.invoke(app, ["run", "--frameworks", "torch,numpy", "--workloads", "mlp,cnn", "--criteria", "speed",
                                 "--scenarios", "infer_latency,train", "--modes", "eager", "--threads", "1", "--config", str(config),
                                 "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    cells = {(w, s, m): (st, err) for w, s, m, st, err in con.execute(
        "SELECT workload, scenario, mode, status, error FROM cells WHERE framework = 'numpy'").fetchall()}
    diffs = dict(con.execute("SELECT metric, value FROM measurements WHERE framework = 'numpy' "
                             "AND scenario = 'parity'").fetchall())
    con.close()
    # hand-written backprop computes PyTorch's function, gradients and momentum step
    assert cells[("mlp", "parity", "eager")][0] == "ok"
    assert diffs["parity_forward_rel_diff"] < 1e-5 and diffs["parity_grad_rel_diff"] < 1e-5
    assert diffs["parity_step_rel_diff"] < 1e-5
    assert cells[("mlp", "infer_latency", "eager")][0] == "ok" and cells[("mlp", "train", "eager")][0] == "ok"
    # a workload the plug-in does not implement is a visible skip, not a failure
    assert cells[("cnn", "parity", "eager")] == (
        "skipped", "workload 'cnn' has no NumPy (hand-written) implementation (numpy_model) yet")

    report = runner.invoke(app, ["report", "--db", str(db), "--out", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    html = (tmp_path / "report" / "report.html").read_text()
    assert "NumPy (hand-written)" in html and "PyTorch" in html


def test_fourth_framework_with_an_export_path_gets_deployment_cells(numpy_framework):
    from dlarena import deploy
    from dlarena.config import build_config
    from dlarena.criteria.deployment import cells as deployment

    assert "numpy:npz_onnx" in deploy.path_keys() and deploy.get_path("numpy", "npz_onnx").runtime == "onnxruntime"
    config = build_config(workloads=["mlp"], frameworks=["torch", "numpy"], criteria=["deployment"])
    ids = [c.id for c in planned(config, "deployment", "mlp")]
    assert "mlp/numpy/npz_onnx/deploy_export/b256" in ids and "mlp/numpy/npz_onnx/deploy_runtime/b256" in ids
    assert "mlp/torch/onnx/deploy_export/b256" in ids


def test_broken_plugin_is_reported_and_left_out(tmp_path, monkeypatch, capsys):
    site = tmp_path / "site"
    (site / "badfw").mkdir(parents=True)
    (site / "badfw" / "__init__.py").write_text("FRAMEWORK = {'name': 'bad'}\n")
    dist = site / "badfw-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: badfw\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[dlarena.frameworks]\nbad = badfw:FRAMEWORK\n")
    monkeypatch.syspath_prepend(str(site))
    assert frameworks.load_plugins() == []
    assert "bad" not in frameworks.FRAMEWORKS
    assert ("dlarena: ignoring framework plug-in 'bad' (badfw:FRAMEWORK): "
            "badfw:FRAMEWORK is a dict, not a dlarena FrameworkInfo") in capsys.readouterr().err
    sys.modules.pop("badfw", None)
