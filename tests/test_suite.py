"""The scheduler: parity gating, missing frameworks, resume (crashes and hangs of timed cells:
tests/test_engine.py)."""

import pytest

from dlarena import frameworks
from dlarena.config import build_config
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore


def _config(tiny_timing, **kw):
    values = {"workloads": ["mlp"], "frameworks": ["torch"], "modes": ["eager"],
              "scenarios": ["infer_latency", "infer_throughput", "train"], "timing": tiny_timing, "timeout_s": 20}
    return build_config(**{**values, **kw})


def test_failed_parity_means_not_comparable_and_not_timed(tmp_path, tiny_timing, fault_entries):
    store = ResultStore(tmp_path / "r.duckdb")
    config = _config(tiny_timing, frameworks=["torch", "tensorflow"], scenarios=["infer_latency"])
    store.start_run("r", "custom", config.model_dump(), {})
    SuiteRunner(config, store, "r", entries={"parity": "helpers.fault_cells:raise_error",
                                              "speed": "helpers.fault_cells:crash"}).run()
    speed = [c for c in store.cells("r") if c["scenario"] == "infer_latency"]
    assert {c["status"] for c in speed} == {"not_comparable"}
    assert all("parity check did not pass" in c["error"] for c in speed)


@pytest.mark.parametrize("missing,hint", [("tensorflow", "pip install 'dlarena[tensorflow]'"),
                                           ("jax", "pip install 'dlarena[jax]'")])
def test_missing_framework_is_skipped_with_install_hint(tmp_path, tiny_timing, monkeypatch, fault_entries,
                                                        missing, hint):
    real = frameworks.FRAMEWORKS[missing]
    monkeypatch.setitem(frameworks.FRAMEWORKS, missing,
                        frameworks.FrameworkInfo(**{**real.__dict__, "import_name": f"no_such_{missing}"}))
    store = ResultStore(tmp_path / "r.duckdb")
    config = _config(tiny_timing, frameworks=["torch", missing], scenarios=["infer_throughput"])
    store.start_run("r", "custom", config.model_dump(), {})
    SuiteRunner(config, store, "r", entries={"parity": "helpers.fault_cells:same_record"}, drivers={"speed": "helpers.fault_speed"}).run()
    missing_cells = [c for c in store.cells("r") if c["framework"] == missing]
    assert len(missing_cells) == 2 and {c["status"] for c in missing_cells} == {"skipped"}
    assert all(hint in c["error"] for c in missing_cells)
    torch_speed = [c for c in store.cells("r") if c["framework"] == "torch" and c["scenario"] != "parity"]
    assert [c["status"] for c in torch_speed] == ["ok"]


def test_resume_runs_only_missing_cells(tmp_path, tiny_timing, fault_entries):
    store = ResultStore(tmp_path / "r.duckdb")
    config = _config(tiny_timing, scenarios=["infer_throughput"])
    store.start_run("r", "custom", config.model_dump(), {})
    SuiteRunner(config, store, "r", entries={"parity": "helpers.fault_cells:same_record"}, drivers={"speed": "helpers.fault_speed"}).run()
    first = {c["cell_id"]: c["recorded_at"] for c in store.cells("r")}
    # Resuming a finished run re-runs nothing, even with entries that would now fail.
    done = store.completed_cells("r")
    outcome = SuiteRunner(config, store, "r", entries={"parity": "helpers.fault_cells:crash"},
                          drivers={"speed": "no_such_driver"}).run(done)
    assert {c["cell_id"]: c["recorded_at"] for c in store.cells("r")} == first
    assert outcome.counts == {"ok": 2}


@pytest.mark.parametrize("field,value,message", [
    ("workloads", ["resnet"], "unknown workload 'resnet'; valid: mlp, cnn, transformer, resnet50_v1_5, resnet50_v2, bert_large, lstm, llama, bert, vit"),
    ("frameworks", ["mxnet"], "unknown framework 'mxnet'; valid: torch, tensorflow, jax"),
    ("modes", ["turbo"], "unknown mode 'turbo'; valid: eager, compile, function, xla, jit"),
    ("threads", 0, "config field 'threads': Input should be greater than or equal to 1"),
    ("colour", "red", "config field 'colour': extra inputs are not permitted"),
])
def test_config_errors_are_one_clear_line(field, value, message):
    from dlarena.config import ConfigError

    with pytest.raises(ConfigError) as info:
        build_config(**{field: value})
    assert str(info.value) == message


def test_a_run_starts_by_removing_temp_folders_of_processes_killed_with_sigkill(tmp_path, tiny_timing, monkeypatch):
    """A suite killed with -9 leaves its sessions' folders and compile cache behind: the next run
    removes them before its first cell; a folder of a process still alive stays."""
    import os
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)
    orphans = [tmp_path / f"dlarena-session-{dead}-torch-x", tmp_path / f"dlarena-compile-cache-{dead}-y"]
    alive = tmp_path / f"dlarena-session-{os.getppid()}-torch-z"
    for folder in (*orphans, alive):
        folder.mkdir()
    seen = []
    monkeypatch.setattr(SuiteRunner, "_run_workload",
                        lambda self, workload, done: seen.append(sorted(p.name for p in tmp_path.iterdir())) or [])
    SuiteRunner(_config(tiny_timing), ResultStore(None), "r").run()
    assert seen == [[alive.name]]


@pytest.mark.parametrize("above", [True, False])
def test_a_large_models_parity_capture_runs_in_its_own_process(tmp_path, tiny_timing, fault_entries, monkeypatch,
                                                                above):
    """Above ISOLATED_CAPTURE_PARAMS a capture runs in a process of its own (its memory goes back
    before the next); at the limit, in the framework's worker like every other."""
    from dlarena import workloads
    from dlarena.runner import scheduler

    limit = workloads.get("mlp").parameter_count - (1 if above else 0)
    monkeypatch.setattr(scheduler, "ISOLATED_CAPTURE_PARAMS", limit)
    calls, real = [], scheduler.run_isolated
    monkeypatch.setattr(scheduler, "run_isolated", lambda entry, *a, **k: calls.append(entry) or real(entry, *a, **k))
    store = ResultStore(tmp_path / "r.duckdb")
    config = _config(tiny_timing, scenarios=["infer_throughput"])
    store.start_run("r", "custom", config.model_dump(), {})
    SuiteRunner(config, store, "r", entries={"parity": "helpers.fault_cells:same_record"},
                drivers={"speed": "helpers.fault_speed"}).run()
    assert calls.count("helpers.fault_cells:same_record") == (1 if above else 0)
    assert {c["scenario"]: c["status"] for c in store.cells("r")} == {"parity": "ok", "infer_throughput": "ok"}
