"""A new criterion is one package (issue 26): the worked example of docs/adding-a-criterion.md
(tests/fixtures/criterion_plugin/srcsize), registered only by its distribution's entry point
``dlarena.criteria``, is offered by the CLI, configured through the suite config, planned, run in
an isolated worker, stored, scored, reported and weighed by ``recommend``, with no edit to
dlarena. The CLI runs in a subprocess, as a user's would, so the plug-in is found at import."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dlarena import criteria

SITE = Path(__file__).parent / "fixtures" / "criterion_plugin"


def dlarena(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(SITE), os.environ.get("PYTHONPATH")) if p)}
    return subprocess.run([sys.executable, "-m", "dlarena.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_plugin_is_not_registered_unless_installed():
    assert "source_size" not in criteria.names()


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plugin")
    (folder / "suite.toml").write_text("[source_size]\nmax_lines = 400\n")
    db = folder / "r.duckdb"
    run = dlarena("run", "--criteria", "source_size", "--frameworks", "torch,tensorflow,jax", "--config",
                  "suite.toml", "--db", str(db), cwd=folder)
    return folder, db, run


def test_the_cli_offers_it_and_the_run_plans_runs_and_stores_its_cells(plugin_run):
    folder, db, run = plugin_run
    assert run.returncode == 0, run.stdout + run.stderr
    assert "source_size" in dlarena("run", "--help", cwd=folder).stdout
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT framework, status, value, extra FROM measurements WHERE metric = 'training_code_lines' "
                         "ORDER BY framework").fetchall()
    config = json.loads(con.execute("SELECT config FROM runs").fetchone()[0])
    con.close()
    assert [(fw, status) for fw, status, _, _ in stored] == [("jax", "ok"), ("tensorflow", "ok"), ("torch", "ok")]
    assert all(value > 10 for _, _, value, _ in stored)
    # its option reached its cells through the suite config, typed and validated
    assert config["source_size"] == {"max_lines": 400}
    assert {json.loads(extra)["max_lines"] for *_, extra in stored} == {400}


def test_a_bad_option_is_refused_in_one_line(plugin_run):
    folder, _, _ = plugin_run
    (folder / "bad.toml").write_text("[source_size]\nmax_lines = 0\n")
    bad = dlarena("run", "--criteria", "source_size", "--config", "bad.toml", "--db", str(folder / "x.duckdb"), cwd=folder)
    assert bad.returncode == 2
    assert "source_size.max_lines" in bad.stdout + bad.stderr


def test_it_is_reported_and_weighed(plugin_run):
    folder, db, _ = plugin_run
    report = dlarena("report", "--db", str(db), "--out", str(folder / "out"), cwd=folder)
    assert report.returncode == 0, report.stdout + report.stderr
    html = (folder / "out" / "report.html").read_text()
    assert 'id="source-size"' in html or "Training code size" in html
    assert "lines of training code" in html  # its score line in the summary table
    rec = dlarena("recommend", "--db", str(db), "--json", "--priority", "source_size=2", cwd=folder)
    assert rec.returncode == 0, rec.stdout + rec.stderr
    result = json.loads(rec.stdout)
    factor = next(f for f in result["factors"] if f["criterion"] == "source_size")
    assert factor["weight"] == 2 and factor["status"] == "measured"
    assert set(factor["frameworks"]) == {"torch", "tensorflow", "jax"}
    assert all(0 <= s["score"] <= 1 for s in factor["frameworks"].values())
    assert result["ranking"] and set(result["totals"]) == {"torch", "tensorflow", "jax"}
