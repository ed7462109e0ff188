"""End to end through the command line: the new criteria run as isolated cells, the report opens
with the summary table, and `recommend` reads the stored results. The default form runs the two
cheap criteria; DLARENA_FULL_TESTS=1 runs all four (about 6 minutes on a shared 2-core machine)."""

import re

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import FULL
from dlarena.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_run_report_recommend(tmp_path):
    db = tmp_path / "r.duckdb"
    criteria = "ease,debugging,pretrained,community" if FULL else "pretrained,community"
    result = runner.invoke(app, ["run", "--suite", "smoke", "--criteria", criteria, "--modes", "eager,compile,function,xla",
                                 "--threads", "1", "--db", str(db)])
    assert result.exit_code == 0, result.output
    statuses = dict(duckdb.connect(str(db), read_only=True).execute("SELECT cell_id, status FROM cells").fetchall())
    assert statuses["-/tensorflow/inventory/pretrained/b0"] == "ok" and statuses["-/torch/data/community/b0"] == "ok"
    if not FULL:  # no selected criterion depends on a workload's parity: none is run
        assert sorted(statuses) == sorted(f"-/{fw}/{kind}/b0" for fw in ("torch", "tensorflow", "jax")
                                          for kind in ("inventory/pretrained", "data/community"))
    if FULL:
        assert statuses["-/torch/eager/err_dense_shape/b8"] == "ok" and statuses["mlp/torch/compile/dbg_probes/b16"] == "ok"
        assert (tmp_path / "artifacts").exists()

    out = tmp_path / "report"
    assert runner.invoke(app, ["report", "--db", str(db), "--out", str(out)]).exit_code == 0
    html = (out / "report.html").read_text()
    assert html.index('id="summary"') < html.index('id="pretrained"')  # the summary opens the report
    for target in set(re.findall(r'href="#([^"]+)"', html)):
        assert f'id="{target}"' in html
    assert "keras.applications" in html and "Stack Overflow Developer Survey 2022" in html
    # criteria this run left out say how to run them; "not measured yet" is the recommendation's word for them
    assert "not in this run: dlarena run --criteria speed" in html and "not measured yet" in html

    rec = runner.invoke(app, ["recommend", "--priority", "pretrained=2", "--db", str(db)])
    assert rec.exit_code == 0, rec.output
    text = " ".join(rec.output.split())
    # pretrained is built and measured, community is a dated snapshot for all three: JAX is in the totals
    assert re.search(r"(PyTorch|TensorFlow|JAX) scores \d\.\d\d, (PyTorch|TensorFlow|JAX) \d\.\d\d and "
                     r"(PyTorch|TensorFlow|JAX) \d\.\d\d over 2 measured criteria", text), text


def _two_runs(tmp_path):
    from dlarena.config import build_config
    from dlarena.measure.env import fingerprint
    from dlarena.store.db import ResultStore

    store = ResultStore(tmp_path / "r.duckdb")
    config = build_config(workloads=["mlp"], frameworks=["torch", "tensorflow"]).model_dump()
    for run_id in ("20261207-164930-7f7b", "20261207-165418-5939"):
        store.start_run(run_id, "a-suite-name-long-enough-to-squeeze-the-table", config, fingerprint(1, 1))
        store.finish_run(run_id)
    return tmp_path / "r.duckdb"


def test_results_shows_every_run_id_whole_at_80_columns(tmp_path):
    db = _two_runs(tmp_path)
    out = CliRunner().invoke(app, ["results", "--db", str(db)], env={"COLUMNS": "80"}).output
    assert "20261207-164930-7f7b" in out and "20261207-165418-5939" in out  # what --run and compare take


def test_compare_refuses_the_same_run_twice(tmp_path):
    db = _two_runs(tmp_path)
    result = CliRunner().invoke(app, ["compare", "20261207-164930-7f7b", "20261207-164930-7f7b", "--db", str(db)])
    assert result.exit_code == 2
    assert "compare needs two different runs; both are '20261207-164930-7f7b'" in result.output


def test_the_summary_table_folds_long_words_instead_of_cutting_them():
    from rich.console import Console

    from dlarena.report.overview import Cell as SummaryCell, Overview, Row
    from dlarena.report.terminal import summary_table

    text = "torch.onnx.export(dynamo=True) loaded in onnxruntime with parity"
    view = Overview([("torch", "PyTorch"), ("tensorflow", "TensorFlow"), ("jax", "JAX")],
                    [Row("deployment", "Deployment", {fw: SummaryCell(text, 0.5) for fw in ("torch", "tensorflow", "jax")})],
                    [])
    console = Console(width=80, record=True)
    console.print(summary_table(view))
    shown = console.export_text()
    # every character of the long word is there, folded over two lines, and nothing is cut ("…")
    assert "…" not in shown and "torch.onnx.export(d" in shown and "ynamo=True)" in shown
