"""The command line end to end: bad input, a tiny run, report, results, export, resume."""

import json
import re

import duckdb
import pytest
from typer.testing import CliRunner

from dlarena.cli import app

runner = CliRunner()


def _invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("args,message", [
    (["--workloads", "resnet"], "unknown workload 'resnet'; valid: mlp, cnn, transformer"),
    (["--frameworks", "torch,mxnet"], "unknown framework 'mxnet'; valid: torch, tensorflow, jax"),
    (["--modes", "turbo"], "unknown mode 'turbo'; valid: eager, compile, function, xla, jit"),
    (["--scenarios", "serve"], "unknown scenario 'serve'; valid: infer_latency, infer_throughput, train"),
    (["--suite", "huge"], "unknown suite 'huge'; valid: demo, quick, speed, paper, sweep, smoke, zoo, deployment"),
    (["--criteria", "beauty"], "unknown criterion 'beauty'; valid: speed"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, message):
    db = tmp_path / "res" / "r.duckdb"
    result = _invoke("run", *args, "--db", db)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not db.parent.exists()


def test_malformed_config_file(tmp_path):
    bad = tmp_path / "suite.toml"
    bad.write_text("workloads = [mlp")
    result = _invoke("run", "--config", bad, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2
    assert "is malformed" in result.output
    unknown_key = tmp_path / "suite.json"
    unknown_key.write_text(json.dumps({"workload": ["mlp"]}))
    result = _invoke("run", "--config", unknown_key, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2
    assert "config field 'workload': extra inputs are not permitted" in " ".join(result.output.split())


def test_report_and_resume_without_runs(tmp_path):
    assert "no runs in" in _invoke("report", "--db", tmp_path / "r.duckdb").output
    result = _invoke("run", "--resume", "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2 and "no run to resume" in result.output
    result = _invoke("export", "--format", "xlsx", "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2 and "unknown export format 'xlsx'; valid: parquet, csv, json" in result.output


def test_tiny_run_report_results_export(tmp_path):
    db = tmp_path / "r.duckdb"
    config = tmp_path / "tiny.toml"
    config.write_text('[timing]\nwarmup_iters = 1\nwarmup_s = 0.0\nmin_iters = 5\nmin_s = 0.0\n')
    result = _invoke("run", "--suite", "smoke", "--config", config, "--scenarios", "infer_latency,train",
                     "--frameworks", "torch,tensorflow", "--db", db)
    assert result.exit_code == 0, result.output
    assert "6 ok" in result.output  # 2 parity + 2 frameworks x 2 scenarios

    rows = duckdb.connect(str(db), read_only=True).execute(
        "SELECT framework, scenario, metric, value FROM measurements WHERE status = 'ok'").fetchall()
    metrics = {(fw, sc, m) for fw, sc, m, _ in rows}
    for fw in ("torch", "tensorflow"):
        assert (fw, "infer_latency", "latency_ms") in metrics
        assert (fw, "train", "train_throughput_sps") in metrics
        assert (fw, "train", "time_to_first_step_s") in metrics
        assert (fw, "train", "peak_rss_mb") in metrics
    assert ("tensorflow", "parity", "parity_forward_rel_diff") in metrics
    assert all(v > 0 for *_, m, v in rows if m in ("latency_ms", "train_throughput_sps"))

    out = tmp_path / "report"
    result = _invoke("report", "--db", db, "--out", out)
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert '<div class="chart" id="chart-mlp" data-figure="speed:mlp"' in html  # the interactive chart
    assert "Inference latency, batch 1" in html and "Training throughput" in html
    assert "Best mode vs best mode" in html
    md = (out / "summary.md").read_text()
    assert "| torch | eager | 1 |" in md and "TensorFlow: ok — forward" in md
    assert "![mlp: estimate with 95% CI](mlp.png)" in md and (out / "mlp.png").stat().st_size > 1000  # the static path
    assert re.search(r"Compiler settings from the environment: [^\n]*`XLA_FLAGS=[^`]*`[^\n]*\.\nMachine noise: ", md)  # conftest's

    listing = _invoke("results", "--db", db)
    assert "smoke" in listing.output and "complete" in listing.output

    exported = tmp_path / "all.csv"
    assert _invoke("export", "--format", "csv", "--out", exported, "--db", db).exit_code == 0
    assert duckdb.connect().execute(f"SELECT count(*) FROM read_csv_auto('{exported}')").fetchone()[0] == len(rows)

    resumed = _invoke("run", "--resume", "--db", db)
    assert resumed.exit_code == 0
    assert "6 cells already done" in resumed.output
