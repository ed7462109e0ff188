"""Run-to-run comparison on two synthetic runs: verdict changes by kind, CI coverage both ways,
the spread of the medians, and the CLI that prints them."""

import json

import numpy as np
import pytest

from dlarena.config import Cell, build_config
from dlarena.measure.env import fingerprint
from dlarena.report.compare_runs import CHANGE_KINDS, compare_stored_runs
from dlarena.store.db import ResultStore
from helpers.cli_util import invoke

SCENARIO, BATCH = "infer_throughput", 8


def _metric(value: float, rel_sd: float, seed: int) -> dict:
    """A throughput row whose CI comes from its stored bootstrap replicates."""
    reps = value * np.exp(rel_sd * np.random.default_rng(seed).standard_normal(2000))
    low, high = np.quantile(reps, [0.025, 0.975])
    return {"metric": "throughput_sps", "unit": "samples/s", "value": value, "ci_low": float(low),
            "ci_high": float(high), "bootstrap": reps.tolist()}


# (framework, mode) -> (value, relative sd of its bootstrap), None: the cell failed
RUN_A = {("torch", "eager"): (100, 0.01), ("tensorflow", "function"): (120, 0.01), ("jax", "jit"): (100, 0.01),
         ("torch", "compile"): (200, 0.01)}
RUN_B = {("torch", "eager"): (130, 0.01), ("tensorflow", "function"): (120, 0.01), ("jax", "jit"): (112, 0.08),
         ("torch", "compile"): None}


@pytest.fixture
def store(tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    env = fingerprint(1, 1)  # both runs on this machine
    for run_id, cells in (("a", RUN_A), ("b", RUN_B)):
        store.start_run(run_id, "custom", build_config(workloads=["mlp"]).model_dump(), env)
        for i, ((fw, mode), spec) in enumerate(cells.items()):
            cell = Cell(workload="mlp", framework=fw, mode=mode, scenario=SCENARIO, batch=BATCH)
            if spec is None:
                store.record_cell(run_id, cell, {"status": "failed", "error": "killed"})
            else:
                # tensorflow's cell is the same in both runs, replicates included
                seed = 0 if fw == "tensorflow" else i + (10 if run_id == "b" else 1)
                store.record_cell(run_id, cell, {"status": "ok", "metrics": [_metric(*spec, seed=seed)]})
        store.finish_run(run_id)
    return store


def test_verdict_changes_coverage_and_spread(store):
    result = compare_stored_runs(store, "a", "b")
    # Pairs in both runs: torch eager / tensorflow function / jax jit (torch compile failed in b).
    changes = {c.pair: c for c in result.verdicts.changes}
    assert result.verdicts.pairs == 3 and result.verdicts.band == 0.05
    flip = changes["mlp infer_throughput b8: PyTorch eager vs TensorFlow function"]
    assert flip.kind == "winner flip"
    assert flip.a.startswith("TensorFlow function faster than PyTorch eager by 20%")
    assert flip.b.startswith("PyTorch eager faster than TensorFlow function by 8%")
    assert changes["mlp infer_throughput b8: TensorFlow function vs JAX jit"].kind == "decided vs undecided"
    eq = changes["mlp infer_throughput b8: PyTorch eager vs JAX jit"]
    assert eq.kind == "equivalent vs inconclusive"
    assert eq.a.startswith("PyTorch eager and JAX jit equivalent") and eq.b.startswith("inconclusive: PyTorch eager vs JAX jit")
    assert [result.verdicts.count(k) for k in CHANGE_KINDS] == [1, 1, 1]

    # A's tight CIs cover only tensorflow's unchanged value; B's wide jax CI also covers A's 100.
    cov = result.coverage
    assert (cov.cells, cov.a_covers_b, cov.b_covers_a) == (3, 1, 2)
    assert cov.share_a_covers_b == pytest.approx(1 / 3) and cov.average == pytest.approx(0.5)

    assert [(r["cell_id"].split("/")[1], round(r["diff_pct"])) for r in result.cells] == [
        ("jax", 12), ("tensorflow", 0), ("torch", 30)]
    assert result.spread.median_abs_diff_pct == pytest.approx(12) and result.spread.within == 1


def test_cli_prints_counts_and_shares(store):
    result, text = invoke("compare", "a", "b", "--db", store.path)
    assert result.exit_code == 0, text
    assert "3 cells: median |diff| 12.0%, max 30.0%, 1/3 within 3%" in text
    assert ("a's covers b's in 1/3 (33%), b's covers a's in 2/3 (67%), average 50%") in text
    assert ("Verdicts of 3 framework-vs-framework pairs (band ±5%): 3 changed: 1 winner flip, "
            "1 decided vs undecided, 1 equivalent vs inconclusive") in text
    assert "faster than PyTorch eager by 20% [" in text  # a verdict text, brackets intact

    result, _ = invoke("compare", "a", "b", "--db", store.path, "--json")
    data = json.loads(result.output)
    assert data["verdicts"]["counts"] == {"winner flip": 1, "decided vs undecided": 1, "equivalent vs inconclusive": 1}
    assert data["coverage"]["share_b_covers_a"] == pytest.approx(2 / 3)
    assert data["spread"]["within"] == 1 and len(data["cells"]) == 3


def test_cli_rejects_unknown_runs(store):
    result, text = invoke("compare", "a", "nope", "--db", store.path)
    assert result.exit_code != 0 and "no run 'nope'" in text


def test_machine_drift_is_taken_out_of_coverage_but_named():
    """Run B on a machine 10% faster for every cell: raw CIs (+-2%) cover nothing, yet nothing
    differs but the machine; with the common drift taken out every CI covers."""
    from dlarena.report.compare_runs import ci_coverage, machine_drift

    def rows(scale):
        out = []
        for i, (metric, value) in enumerate([("throughput_sps", 100.0), ("train_throughput_sps", 50.0),
                                             ("latency_ms", 2.0), ("throughput_sps", 7.0)]):
            v = value * scale if metric != "latency_ms" else value / scale
            out.append({"cell_id": f"c{i}", "metric": metric, "status": "ok", "value": v,
                        "ci_low": v * 0.98, "ci_high": v * 1.02})
        return out

    a, b = rows(1.0), rows(1.1)
    assert machine_drift(a, b) == pytest.approx(1.1)
    raw, adjusted = ci_coverage(a, b), ci_coverage(a, b, machine_drift(a, b))
    assert (raw.a_covers_b, raw.b_covers_a) == (0, 0)
    assert (adjusted.a_covers_b, adjusted.b_covers_a, adjusted.cells) == (4, 4, 4)


def test_rerun_check_counts_the_verdicts_the_previous_run_confirms(store):
    from dlarena.report import rerun

    later = rerun.check(store, store.run("b"))
    assert (later.previous, later.pairs, later.confirmed) == ("a", 3, 0)
    line = later.line()
    assert line.startswith("0 of 3 verdicts match the previous run on this machine (a); changed: 1 winner flip, "
                           "1 decided vs undecided, 1 equivalent vs inconclusive. ")
    assert ('mlp infer_throughput b8: PyTorch eager vs TensorFlow function (winner flip: now "PyTorch eager faster '
            'than TensorFlow function by 8%') in line
    assert line.endswith("(all: dlarena compare a b)")

    first = rerun.check(store, store.run("a"))  # nothing before it: says how to get the check
    assert (first.previous, first.pairs) == (None, 5)
    assert first.line().startswith("no earlier run of these cells on this machine to check this run's 5 verdicts")


def test_rerun_check_ignores_runs_of_another_machine(store):
    from dlarena.report import rerun

    store.start_run("c", "custom", {}, {**fingerprint(1, 1), "hostname": "elsewhere"})
    for fw, mode in (("torch", "eager"), ("jax", "jit")):
        cell = Cell(workload="mlp", framework=fw, mode=mode, scenario=SCENARIO, batch=BATCH)
        store.record_cell("c", cell, {"status": "ok", "metrics": [_metric(100, 0.01, seed=3)]})
    store.finish_run("c")
    assert rerun.check(store, store.run("c")).previous is None


def test_report_and_run_end_show_the_rerun_check(store, tmp_path):
    from io import StringIO

    from rich.console import Console

    from dlarena.report.render import write_report
    from dlarena.report.terminal import print_rerun_check

    _, md = write_report(store, store.run("b"), tmp_path / "report")
    assert "Rerun check: 0 of 3 verdicts match the previous run on this machine (a)" in md.read_text()
    out = StringIO()
    print_rerun_check(Console(file=out, width=400), store, store.run("b"))
    assert out.getvalue().startswith("Rerun check: 0 of 3 verdicts match")


def test_rerun_check_names_a_machine_that_moved(store):
    from dlarena.report import rerun

    check = rerun.check(store, store.run("b"))
    assert "calibration probe" not in check.line()  # no windows recorded: no probe to compare
    check.probe = 0.7
    assert "; the machine itself ran 30% slower than in that run (calibration probe)" in check.line()
    check.probe = 1.05  # within 10%: not worth a sentence
    assert "calibration probe" not in check.line()


def test_compiler_settings_a_user_exported_are_recorded(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_enable_fast_math=true")
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", "/somewhere/warm")
    monkeypatch.delenv("TF_XLA_FLAGS", raising=False)
    env = fingerprint(1, 1)
    assert env["compiler_env"]["XLA_FLAGS"] == "--xla_cpu_enable_fast_math=true"
    assert env["compiler_env"]["TORCHINDUCTOR_CACHE_DIR"] == "/somewhere/warm"
    assert "TF_XLA_FLAGS" not in env["compiler_env"]
