"""The demo suite: every criterion planned, untimed cells run side by side after the timed ones,
failures shown in their criterion's row, and the terminal summary built from the report's rows."""

import json
import pytest
from rich.console import Console

from helpers.planning import planned
from dlarena import criteria
from dlarena.config import Cell, build_config
from dlarena.recommend import ORDER
from dlarena.report import overview, use_cases
from dlarena.report.terminal import print_run_summary, summary_table
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore
from dlarena.suites import suite_defaults


def test_demo_plans_every_criterion_of_the_summary():
    config = build_config(**suite_defaults("demo"))
    # and the peak criterion's bandwidth probe (unweighed): the roof of the demo LLM's decoding; not
    # distributed training (unweighed: on one host it measures process start-up, 105 s of the demo)
    assert set(config.criteria) == (set(ORDER) | {"peak"}) - {"distributed"}
    assert config.options_of("peak").probes == ["memory_bandwidth"]
    runner = SuiteRunner(config, ResultStore(None), "plan-only")
    planned = {name for w in config.workloads for name, _ in runner._planned(w)} | {
        name for name, _ in runner._planned_global()}
    llm_workloads = [w for w in config.workloads if runner._planned(w) and w.startswith("llama")]
    assert planned == (set(ORDER) | {"peak"}) - {"distributed"} - (set() if llm_workloads else {"llm"})
    # deployment and time to first result on the MLP only; speed on every quick workload
    assert {c.workload for name, c in runner._planned("cnn")} == {"cnn"}
    assert {name for name, _ in runner._planned("cnn")} == {"speed"}
    assert config.workloads_of("deployment") == ["mlp"] and config.workloads_of("speed") == ["mlp", "cnn", "transformer"]


def test_demo_leaves_jax_s_keras_hub_llama_out_for_its_cost_parity_included():
    """JAX's column of the zoo Llama (keras-hub on JAX) runs with --criteria llm and in the zoo suite;
    the demo skips its generation, and so its parity capture, the costly part (criteria/llm)."""
    config = build_config(**suite_defaults("demo"))
    runner = SuiteRunner(config, ResultStore(None), "plan-only")
    llama = next(w for w in config.workloads if w.startswith("llama"))
    assert {(c.framework, c.mode) for name, c in runner._planned(llama)} == {("torch", "eager"), ("tensorflow", "function")}
    assert [c.framework for c in runner.parity_cells(llama)] == ["torch", "tensorflow"]  # nothing of JAX's to check
    assert [c.framework for c in runner.parity_cells("mlp")] == ["torch", "tensorflow", "jax"]
    full = SuiteRunner(build_config(criteria=["llm"], workloads=[llama]), ResultStore(None), "plan-only")
    assert [c.framework for c in full.parity_cells(llama)] == ["torch", "tensorflow", "jax"]
    assert ("jax", "jit") in {(c.framework, c.mode) for _, c in full._planned(llama)}


def test_demo_leaves_jax_and_tensorflow_eager_out_of_speed_only():
    config = build_config(**suite_defaults("demo"))
    timed = {(c.framework, c.mode) for c in planned(config, "speed", "mlp")}
    assert timed == {("torch", "eager"), ("torch", "compile"), ("tensorflow", "function"), ("tensorflow", "xla"),
                     ("jax", "jit")}
    assert {fw for fw in ("jax", "tensorflow")} <= {c.framework for c in planned(config, "debugging") if c.mode == "eager"}
    with pytest.raises(Exception, match="unknown framework:mode 'jax:compile'; valid: torch:eager, "):
        build_config(skip_speed_modes=["jax:compile"])


def test_criterion_workloads_fall_back_to_the_first_selected_workload():
    config = build_config(**{**suite_defaults("demo"), "workloads": ["cnn", "transformer"]})
    assert config.workloads_of("deployment") == ["cnn"]
    with pytest.raises(Exception, match="unknown criterion 'speedy'"):
        build_config(criterion_workloads={"speedy": ["mlp"]})


def _untimed_run(tmp_path, entries):
    config = build_config(criteria=["debugging", "pretrained"], frameworks=["torch", "tensorflow"], workloads=["mlp"],
                          untimed_parallel=2, timeout_s=30)
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", config.model_dump(), {})
    runner = SuiteRunner(config, store, "r", entries=entries)
    runner.run()
    return store, config


def test_untimed_cells_run_in_one_worker_per_framework_side_by_side(tmp_path, fault_entries):
    store, _ = _untimed_run(tmp_path, {"parity": "helpers.fault_cells:same_record", "debugging": "helpers.fault_cells:interval",
                                       "pretrained": "helpers.fault_cells:raise_error"})
    cells = {c["cell_id"]: c for c in store.cells("r")}
    debugging = [json.loads(c["runtime"]) for c in cells.values() if "dbg_" in c["cell_id"]]
    assert len(debugging) >= 4 and all(r["criterion"] == "debugging" for r in debugging)
    spans = sorted(r["ran"] for r in debugging)
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:])), "no two untimed cells overlapped"
    # a worker per framework (a second one where a lane shared its last cells with an idle thread,
    # runner/lanes.py): the framework imported once for many untimed cells, never once per cell
    ran = {fw: [json.loads(c["runtime"])["pid"] for c in cells.values() if "dbg_" in c["cell_id"] and c["framework"] == fw]
           for fw in ("torch", "tensorflow")}
    assert all(len(set(p)) <= 2 < len(p) for p in ran.values()) and not set(ran["torch"]) & set(ran["tensorflow"])
    # a failing criterion: its rows say so, with the error, and the run went on
    failed = [c for c in cells.values() if c["scenario"] == "pretrained"]
    assert {c["status"] for c in failed} == {"failed"} and len(failed) == 2
    view = overview.for_run(store, store.run("r"))
    row = next(r for r in view.rows if r.criterion == "pretrained")
    assert row.cells["torch"].text == "failed: 1 of 1 cells; RuntimeError: deliberate failure inside the cell"
    assert view.failures == ["Pretrained models: 2 of 2 cells failed, e.g. -/tensorflow/inventory/pretrained/b0: "
                             "RuntimeError: deliberate failure inside the cell"]


def test_a_long_lane_shares_its_last_cells_with_an_idle_worker(tmp_path, fault_entries, monkeypatch):
    from dlarena.runner import scheduler

    monkeypatch.setattr(scheduler, "usable_cpus", lambda: 2)
    config = build_config(criteria=["debugging"], frameworks=["torch", "tensorflow"], workloads=["mlp"],
                          untimed_parallel=2, timeout_s=30)
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", config.model_dump(), {})
    runner = SuiteRunner(config, store, "r", entries={"debugging": "helpers.fault_cells:interval"})
    todo = [("debugging", Cell(workload="mlp", framework=fw, mode="eager", scenario=f"dbg_probes_{i}", batch=1))
            for fw, n in (("tensorflow", 6), ("torch", 1)) for i in range(n)]
    runner._run_in_workers(todo, "untimed", "cells")
    cells = store.cells("r")
    assert len(cells) == 7 and {c["status"] for c in cells} == {"ok"}
    pids = {fw: {json.loads(c["runtime"])["pid"] for c in cells if c["framework"] == fw} for fw in ("torch", "tensorflow")}
    # torch's one cell done, a CPU idle: TensorFlow's last cells ran in a second TensorFlow worker
    assert len(pids["torch"]) == 1 and len(pids["tensorflow"]) == 2


def _store_with_summary(tmp_path):
    store = ResultStore(tmp_path / "s.duckdb")
    config = build_config(criteria=["ease", "community"], workloads=["mlp"])
    store.start_run("s", "demo", config.model_dump(), {})
    for fw, lines in (("torch", 30.0), ("tensorflow", 20.0)):
        cell = Cell(workload="mlp", framework=fw, mode="source", scenario="ease_code", batch=0)
        store.record_cell("s", cell, {"status": "ok", "runtime": {"criterion": "ease"}, "metrics": [
            {"metric": "code_lines", "unit": "lines", "value": lines}, {"metric": "code_tokens", "unit": "tokens", "value": lines * 10},
            {"metric": "api_symbols", "unit": "symbols", "value": 5.0}]})
        cell = Cell(workload="-", framework=fw, mode="figures", scenario="community", batch=0)
        store.record_cell("s", cell, {"status": "failed", "error": "no figures file\nTraceback...",
                                      "runtime": {"criterion": "community"}})
    store.finish_run("s")
    return store


def test_terminal_summary_is_the_report_table(tmp_path):
    store = _store_with_summary(tmp_path)
    run = store.run("s")
    view = overview.for_run(store, run)
    console = Console(width=400, record=True)
    print_run_summary(console, store, run)
    printed = console.export_text()
    ease = next(r for r in view.rows if r.criterion == "ease")
    for fw in ("torch", "tensorflow"):
        assert f"{ease.cells[fw].score:.2f} — {ease.cells[fw].text}" in printed
    assert "failed: 1 of 1 cells; no figures file" in printed  # community's row, first line of the error
    assert "Community: 2 of 2 cells failed" in printed
    assert "dlarena recommend --run s --priority" in printed
    # only the run's criteria are rows of the terminal table
    assert list(summary_table(view, ["ease", "community"]).columns[0].cells) == ["Ease of use", "Community"]


def test_use_cases_say_not_measured_without_their_criteria(tmp_path):
    store = _store_with_summary(tmp_path)
    view = overview.for_run(store, store.run("s"))
    answers = {a.question: a for a in use_cases.answers(view, store.cells("s"), store.measurements("s"))}
    assert list(answers) == ["Research prototyping", "Production serving on a server", "Mobile / edge",
                             "Multi-machine training", "Learning curve"]
    assert answers["Multi-machine training"].text == "not measured in this run: distributed training"
    assert answers["Mobile / edge"].text == "not measured in this run: deployment"
    assert answers["Learning curve"].text == "not measured in this run: community"
    assert not any(a.measured for a in answers.values())


def test_a_built_in_workload_that_leaves_a_framework_out_does_not_narrow_the_run(monkeypatch):
    # A built-in workload may leave a framework out (Workload.left_out: its cells skipped, with the
    # reason); the framework must still run every other workload and count in the totals. (The demo's
    # tiny Llama no longer leaves JAX out, its JAX column is keras-hub on JAX: here it is made to.)
    from dlarena import workloads
    from dlarena.runner import user_workloads

    monkeypatch.setattr(workloads, "implements", lambda name, module: not (name.startswith("llama") and module == "jax_model"))
    config = build_config(**suite_defaults("demo"))
    assert "llama" in {w.partition("@")[0] for w in config.workloads}
    assert user_workloads.narrow_frameworks(config, frameworks_given=False).frameworks == ["torch", "tensorflow", "jax"]
