"""Hostile inputs: a busy or unusable results file, bad config files and numbers, path-like
workload names in a report, markup-like text in cell messages, another run on the machine."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlarena import cli, frameworks, workloads
from dlarena.config import Cell, build_config
from dlarena.measure import contention
from dlarena.document.files import safe_filename
from dlarena.store import db as store_db
from dlarena.store.db import ResultStore, StoreBusy
from helpers.cli_util import clean_registry_env, invoke  # noqa: F401 - the fixture applies to every test here

CELL = Cell(workload="mlp", framework="torch", mode="eager", scenario="train", batch=8)
OK = {"status": "ok", "metrics": [{"metric": "train_throughput_sps", "unit": "samples/s", "value": 100.0,
                                   "ci_low": 90.0, "ci_high": 110.0}]}


def hold_lock(path: Path, seconds: float, read_only: bool) -> subprocess.Popen:
    """Another process with the results file open; returns once it holds the lock."""
    code = (f"import duckdb, time; con = duckdb.connect({str(path)!r}, read_only={read_only}); "
            f"print('held', flush=True); time.sleep({seconds})")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def store(tmp_path):
    s = ResultStore(tmp_path / "r.duckdb")
    s.start_run("r1", "quick", {}, {})
    return s


# -- a busy database ----------------------------------------------------------------------
def test_write_waits_for_a_reader_in_another_process(store):
    holder = hold_lock(store.path, 3, read_only=True)
    started = time.monotonic()
    try:
        store.record_cell("r1", CELL, OK)
    finally:
        holder.wait()
    assert time.monotonic() - started > 1.0  # it did wait for the other process
    assert [(c["cell_id"], c["status"]) for c in store.cells("r1")] == [(CELL.id, "ok")]


def test_lock_held_past_the_limit_is_a_clear_error(store, monkeypatch):
    monkeypatch.setattr(store_db, "WRITE_WAIT_S", 0.5)
    holder = hold_lock(store.path, 30, read_only=True)
    try:
        with pytest.raises(StoreBusy, match=r"r\.duckdb is held by another process \(waited 0\.5 s\)"):
            store.record_cell("r1", CELL, OK)
    finally:
        holder.kill()
        holder.wait()
    assert store.cells("r1") == []


def test_results_while_another_process_writes_is_one_line(store, monkeypatch):
    monkeypatch.setattr(store_db, "READ_WAIT_S", 0.3)
    holder = hold_lock(store.path, 30, read_only=False)
    try:
        result, out = invoke("results", "--db", store.path)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert out.startswith("error: results database ") and "is held by another process" in out


# -- a run whose end cannot be recorded is not left silently running ----------------------
SKIPPED_RUN = ("run", "-w", "mlp", "-f", "tensorflow", "-m", "eager", "-s", "train")  # with no framework: instant


def _busy(path) -> StoreBusy:
    return StoreBusy(f"results database {path} is held by another process (waited 30 s); close the other "
                     "connection (a notebook, another dlarena command) and retry")


@pytest.fixture
def instant_run(monkeypatch):
    monkeypatch.setattr(frameworks.FrameworkInfo, "is_installed", lambda self: False)  # every cell: skipped
    monkeypatch.setattr(cli, "other_dlarena_runs", lambda: [])  # this machine may run other suites


def test_final_status_that_cannot_be_written_says_how_to_fix_it(tmp_path, monkeypatch, instant_run):
    db = tmp_path / "r.duckdb"
    finish = ResultStore.finish_run

    def busy_at_the_end(self, run_id, status="complete"):
        if status == "complete":
            raise _busy(self.path)
        finish(self, run_id, status)

    monkeypatch.setattr(ResultStore, "finish_run", busy_at_the_end)
    result, out = invoke(*SKIPPED_RUN, "--db", db)
    run_id = ResultStore(db).run()["run_id"]
    assert result.exit_code == 2, out
    assert (f"is held by another process (waited 30 s); close the other connection (a notebook, another dlarena "
            f"command) and retry. Run {run_id} could not be marked complete; its finished cells are saved. Once the "
            f"file is free, run: dlarena run --resume --run-id {run_id}") in out
    assert ResultStore(db).run()["status"] == "running"

    listed, out = invoke("results", "--db", db)
    assert listed.exit_code == 0 and " stopped " in out and " running " not in out
    assert out.endswith(f"Continue one with: dlarena run --resume --run-id {run_id}")

    monkeypatch.setattr(ResultStore, "finish_run", finish)
    resumed, out = invoke("run", "--resume", "--db", db)
    assert resumed.exit_code == 0, out
    assert f"Resuming run {run_id}: 2 cells already done." in out and "finished: 2 skipped" in out
    assert ResultStore(db).run()["status"] == "complete"


def test_cell_that_cannot_be_recorded_stops_the_run_as_interrupted(tmp_path, monkeypatch, instant_run):
    db = tmp_path / "r.duckdb"
    monkeypatch.setattr(ResultStore, "record_cell", lambda self, *args: (_ for _ in ()).throw(_busy(self.path)))
    result, out = invoke(*SKIPPED_RUN, "--db", db)
    run = ResultStore(db).run()
    assert result.exit_code == 2, out
    assert (f"Run {run['run_id']} stopped; its other finished cells are saved. Once the file is free, "
            f"continue with: dlarena run --resume --run-id {run['run_id']}") in out
    assert run["status"] == "interrupted"


def test_a_running_run_with_its_process_alive_is_still_running(tmp_path, monkeypatch):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r1", "quick", {}, {})
    monkeypatch.setattr(cli, "other_dlarena_runs", lambda: [{"pid": 1, "cmdline": "dlarena run"}])
    result, out = invoke("results", "--db", store.path)
    assert " running " in out and "stopped" not in out


# -- bad --db paths -----------------------------------------------------------------------
def _text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n")
    return path


@pytest.mark.parametrize("command", [["results"], ["report"], ["export"], ["run", "-w", "mlp"], ["community"],
                                     ["community", "--refresh"]])
@pytest.mark.parametrize("make_db, expected", [
    (_text_file, "is not a DuckDB results database"),
    (lambda tmp_path: tmp_path, "is a directory; --db takes a file"),
    (lambda tmp_path: Path("/dev/null"), "/dev/null is not a regular file"),
])
def test_bad_db_path_is_one_line_and_exit_2(tmp_path, command, make_db, expected):
    result, out = invoke(*command, "--db", make_db(tmp_path))
    assert result.exit_code == 2, out
    assert result.output.strip().count("\n") == 0
    assert out.startswith("error: ") and expected in out


def test_run_with_db_in_a_place_it_cannot_write_is_one_line(tmp_path):
    # /proc takes no new files, not even from root (for whom permission bits do not hold)
    result, out = invoke("run", "-w", "mlp", "--db", "/proc/dlarena/results.duckdb")
    assert result.exit_code == 2, out
    assert out.startswith("error: cannot write the results database /proc/dlarena/results.duckdb: ")
    assert not Path("/proc/dlarena").exists()


def test_run_with_db_under_a_file_is_one_line_and_writes_nothing(tmp_path):
    parent = _text_file(tmp_path)
    result, out = invoke("run", "-w", "mlp", "--db", parent / "sub" / "r.duckdb")
    assert result.exit_code == 2, out
    assert out == f"error: cannot write the results database {parent}/sub/r.duckdb: {parent} is not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_community_refresh_beside_a_db_under_a_file_is_one_line(tmp_path):
    parent = _text_file(tmp_path)
    result, out = invoke("community", "--refresh", "--db", parent / "sub" / "r.duckdb")
    assert (result.exit_code, out) == (2, f"error: cannot write the results database {parent}/sub/r.duckdb: "
                                          f"{parent} is not a folder")


# -- export targets -----------------------------------------------------------------------
def test_export_to_a_path_with_a_quote(store):
    store.record_cell("r1", CELL, OK)
    out = store.path.parent / "it's here" / "o'brien.csv"
    result, text = invoke("export", "--format", "csv", "--out", out, "--db", store.path)
    assert result.exit_code == 0, text
    header, row = out.read_text().splitlines()[:2]
    assert header.startswith("run_started_at,suite,run_id,cell_id,") and ",train_throughput_sps,100.0," in row


@pytest.mark.parametrize("make_out, expected", [
    (lambda tmp_path: tmp_path, "is a directory; --out takes a file, e.g. "),
    (lambda tmp_path: _text_file(tmp_path) / "x.csv", "notes.txt is not a folder"),
    (lambda tmp_path: Path("/proc/dlarena/x.csv"), "cannot write the export /proc/dlarena/x.csv: "),
])
def test_export_to_a_bad_target_is_one_line(store, tmp_path, make_out, expected):
    result, out = invoke("export", "--format", "csv", "--out", make_out(tmp_path), "--db", store.path)
    assert result.exit_code == 2, out
    assert result.output.strip().count("\n") == 0
    assert out.startswith("error: ") and expected in out


# -- config files and numbers -------------------------------------------------------------
@pytest.mark.parametrize("name, content, expected", [
    ("latin1.json", b'{"suite": "caf\xe9"}', "is not UTF-8 text"),
    ("list.json", b"[1, 2]", "must hold an object of settings"),
    ("number.json", b"3", "its top level is a int"),
    ("folder.json", None, "is a directory; --config takes a .toml or .json file"),
])
def test_bad_config_file_is_one_line(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    result, out = invoke("run", "--config", path, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2, out
    assert result.output.strip().count("\n") == 0
    assert out.startswith("error: config file ") and expected in out


@pytest.mark.parametrize("option, value, expected", [
    ("--timeout", "inf", "config field 'timeout_s': Input should be a finite number"),
    ("--timeout", "nan", "config field 'timeout_s': Input should be a finite number"),
    ("--timeout", "0", "config field 'timeout_s': Input should be greater than 0"),
    ("--budget", "inf", "config field 'budget_s': Input should be a finite number"),
    ("--timeout", "1e308", "config field 'timeout_s': Input should be less than or equal to 604800"),
    ("--timeout", "604801", "config field 'timeout_s': Input should be less than or equal to 604800"),
    ("--budget", "1e308", "config field 'budget_s': Input should be less than or equal to 2592000"),
    ("--budget", "nan", "config field 'budget_s': Input should be a finite number"),
    ("--threads", "1000000", "--threads must be auto or a whole number from 1 to 1024, got '1000000'"),
    ("--threads", "1025", "--threads must be auto or a whole number from 1 to 1024, got '1025'"),
    ("--threads", "99999999999999999999", "--threads must be auto or a whole number from 1 to 1024, "
                                          "got '99999999999999999999'"),
    ("--threads", "0", "--threads must be auto or a whole number from 1 to 1024, got '0'"),
    ("--threads", "\u0661", "--threads must be auto or a whole number from 1 to 1024, got '\u0661'"),
])
def test_non_finite_or_non_positive_limits_are_refused(tmp_path, option, value, expected):
    result, out = invoke("run", option, value, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2
    assert out == f"error: {expected}"


@pytest.mark.parametrize("option, value", [("--timeout", "604800"), ("--threads", "1024"), ("--budget", "2592000")])
def test_numbers_at_the_top_of_their_range_are_accepted(tmp_path, option, value, instant_run):
    result, out = invoke(*SKIPPED_RUN, option, value, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 0, out
    assert ResultStore(tmp_path / "r.duckdb").run()["status"] == "complete"


@pytest.mark.parametrize("content, expected", [
    ('{"timeout_s": 1e308}', "config field 'timeout_s': Input should be less than or equal to 604800"),
    ('{"threads": 99999999999999999999}', "--threads must be auto or a whole number from 1 to 1024, "
                                          "got '99999999999999999999'"),
    ('{"seed": -1}', "config field 'seed': Input should be greater than or equal to 0"),
    ('{"repetitions": {"gap_s": NaN}}', "config field 'repetitions.gap_s': Input should be a finite number"),
    ('{"timing": {"max_s": Infinity}}', "config field 'timing.max_s': Input should be a finite number"),
    ('{"distributed": {"workers": [1, 100000]}}', "config field 'distributed.workers': workers must be integers "
                                                   "from 1 to 1024, e.g. 1,2,4"),
])
def test_out_of_range_numbers_in_a_config_file_are_refused(tmp_path, content, expected):
    path = tmp_path / "c.json"
    path.write_text(content)
    result, out = invoke("run", "--config", path, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, f"error: {expected}")
    assert not (tmp_path / "r.duckdb").exists()


def test_resume_of_a_run_stored_with_an_overflowing_timeout_is_one_line(tmp_path):
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r1", "custom", {**build_config(workloads=["mlp"]).model_dump(), "timeout_s": 1e308}, {})
    result, out = invoke("run", "--resume", "--db", store.path)
    assert (result.exit_code, out) == (2, "error: cannot resume run r1: config field 'timeout_s': Input should be "
                                          "less than or equal to 604800")


@pytest.mark.parametrize("weight", ["nan", "inf", "-inf", "101", "1e308"])
def test_non_finite_or_huge_priority_weights_are_refused(store, weight):
    result, out = invoke("recommend", "--priority", f"speed={weight}", "--json", "--db", store.path)
    assert (result.exit_code, out) == (2, f"error: weight of 'speed' must be a number from 0 to 100, got '{weight}'")


def test_infinite_timeout_in_a_json_config_is_refused(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"timeout_s": Infinity}')
    result, out = invoke("run", "--config", path, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, "error: config field 'timeout_s': Input should be a finite number")


# -- workload names are not file names ----------------------------------------------------
def test_safe_filename_keeps_readable_names_and_separates_the_rest():
    assert safe_filename("mlp") == "mlp"
    assert safe_filename("transformer@layers=4,seq=128") == "transformer@layers=4,seq=128"
    assert re.fullmatch(r"_\._\.\._\.\._evil-[0-9a-f]{8}", safe_filename("../../../evil"))
    assert safe_filename("a/b") != safe_filename("a_b") == "a_b"
    assert safe_filename("..") not in ("..", ".") and safe_filename("") != ""


@pytest.mark.parametrize("name", ["a/b", "../../x", "..", "mlp@width=../x", "mlp\x1b[2J", "mlp\\x", "mlp@a b=1",
                                  "mlp@width=1..2", "mlp\nrun"])
def test_path_like_or_control_workload_names_are_refused_where_they_enter(tmp_path, name):
    result, out = invoke("run", "--workloads", name, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2, out
    assert result.output.strip().count("\n") == 0
    assert out.startswith(f"error: config field 'workloads': invalid workload name {name!r}: a workload name holds "
                          "only letters, digits, '_' and '-'")
    assert not (tmp_path / "r.duckdb").exists()


def test_report_of_path_like_workload_names_stays_in_its_folder(tmp_path):
    store = ResultStore(tmp_path / "db" / "r.duckdb")
    store.start_run("r1", "quick", build_config().model_dump(), {"packages": {}, "gpus": []})
    for workload in ("../../../evil", "a/b", "mlp"):
        for fw in ("torch", "tensorflow"):
            store.record_cell("r1", Cell(workload=workload, framework=fw, mode="eager", scenario="train", batch=8), OK)
    out_dir = tmp_path / "db" / "nested" / "report"
    result, out = invoke("report", "r1", "--db", store.path, "--out", out_dir)
    assert result.exit_code == 0, out
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    outside = {p for p in written if not str(p).startswith(("db/nested/report/", "db/r.duckdb"))}
    assert outside == set()
    pngs = {p.name for p in out_dir.iterdir() if p.suffix == ".png"}
    assert {"mlp.png", f"{safe_filename('a/b')}.png", f"{safe_filename('../../../evil')}.png"} <= pngs


# -- messages are text, not console markup ------------------------------------------------
def test_install_hint_of_a_missing_framework_keeps_its_extras(tmp_path, monkeypatch):
    monkeypatch.setattr(frameworks.FrameworkInfo, "is_installed", lambda self: False)
    result, out = invoke("run", "-w", "mlp", "-f", "tensorflow", "-m", "eager", "-s", "train",
                         "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 0, out
    assert ("TensorFlow is not installed; install it with: pip install 'dlarena[tensorflow]' "
            "(CPU-only: pip install tensorflow-cpu)") in out


# -- another dlarena run on the machine ---------------------------------------------------
@pytest.fixture
def another_run(tmp_path):
    """A process whose command line reads `dlarena run --suite quick`, not a descendant of this one."""
    script = tmp_path / "dlarena"
    script.write_text("import time; time.sleep(60)\n")
    launcher = (f"import subprocess, sys; p = subprocess.Popen([sys.executable, {str(script)!r}, 'run', '--suite', "
                "'quick'], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
                "print(p.pid)")
    pid = int(subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True, check=True).stdout)
    yield pid
    os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("cmdline, expected", [
    (["/venv/bin/dlarena", "run", "--suite", "quick"], True),
    (["python3", "-m", "dlarena.cli", "run"], True),
    (["python3", "/src/dlarena/cli.py", "run", "-w", "mlp"], True),
    (["/venv/bin/dlarena", "report"], False),
    (["bash", "-c", "dlarena run --suite quick"], False),
    (["python3", "-m", "dlarena.process.worker", "run"], False),
    (["/venv/bin/dlarena"], False),
])
def test_what_counts_as_a_dlarena_run(cmdline, expected):
    assert contention._is_dlarena_run(cmdline) is expected


def test_run_warns_about_another_dlarena_run_and_records_it(tmp_path, monkeypatch, another_run):
    assert another_run in [r["pid"] for r in contention.other_dlarena_runs()]
    monkeypatch.setattr(frameworks.FrameworkInfo, "is_installed", lambda self: False)  # every cell: skipped
    result, out = invoke("run", "-w", "mlp", "-f", "tensorflow", "-m", "eager", "-s", "train", "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 0, out
    assert "in progress on this machine (" in out and f"pid {another_run}: " in out
    assert "runs that share the CPUs slow each other's cells" in out
    env = ResultStore(tmp_path / "r.duckdb").run()["env"]
    assert another_run in env["noise_at_start"]["other_dlarena_runs"]


def test_no_warning_without_another_run():
    assert contention.other_runs_warning([]) is None
    one = contention.other_runs_warning([{"pid": 7, "cmdline": "dlarena run"}])
    assert one.startswith("another dlarena run is in progress on this machine (pid 7: dlarena run); ")


# -- a results file runs no code ----------------------------------------------------------
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _run_naming_a_package(tmp_path) -> tuple[ResultStore, Path]:
    """A results file whose run names a workload package that writes a marker when imported."""
    package, marker = tmp_path / "shipped" / "notes", tmp_path / "imported"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    config = {**build_config().model_dump(), "workload_sources": [str(package)], "workloads": ["notes"]}
    env = {"packages": {}, "gpus": [], "workloads": {"notes": {"description": f"stored {HOSTILE}",
                                                               "parameter_count": 36}}}
    store = ResultStore(tmp_path / "db" / "r.duckdb")
    store.start_run("r1", "custom", config, env)
    for fw in ("torch", "tensorflow"):
        store.record_cell("r1", Cell(workload="notes", framework=fw, mode="eager", scenario="parity", batch=4),
                          {"status": "failed", "error": f"boom {HOSTILE}", "metrics": []})
        store.record_cell("r1", Cell(workload="notes", framework=fw, mode="eager", scenario="train", batch=8),
                          {"status": "failed", "error": f"bang {HOSTILE}", "metrics": []})
    return store, marker


def test_report_of_a_run_naming_a_workload_package_imports_nothing(tmp_path):
    store, marker = _run_naming_a_package(tmp_path)
    result, out = invoke("report", "--db", store.path, "--out", tmp_path / "out")
    assert result.exit_code == 0, out
    assert not marker.exists()
    assert "stored &lt;script&gt;" in (tmp_path / "out" / "report.html").read_text()  # the description: from the rows


@pytest.mark.parametrize("command", [["results"], ["recommend"], ["claims"], ["export"]])
def test_other_readers_of_such_a_file_import_nothing(tmp_path, command):
    store, marker = _run_naming_a_package(tmp_path)
    invoke(*command, "--db", store.path)
    assert not marker.exists()


def test_summary_md_escapes_html_from_descriptions_and_errors(tmp_path):
    store, _ = _run_naming_a_package(tmp_path)
    result, out = invoke("report", "--db", store.path, "--out", tmp_path / "out")
    assert result.exit_code == 0, out
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "stored &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in summary
    assert "boom &lt;script&gt;" in summary and "bang &lt;script&gt;" in summary
    assert "<script" not in summary and "<img" not in summary


# -- empty work is refused, not recorded as done ------------------------------------------
@pytest.mark.parametrize("args", [["-f", "jax", "-m", "compile"], ["-w", "mlp", "-f", "jax", "-m", "compile", "-s", "train"]])
def test_filters_that_select_no_cell_are_named_and_nothing_is_recorded(tmp_path, args):
    result, out = invoke("run", *args, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, "error: no cells to run: -f jax -m compile together select none; "
                                          "change or drop one of them")
    assert not (tmp_path / "r.duckdb").exists()


def test_a_config_file_that_selects_no_cell_is_refused(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"frameworks": ["jax"], "modes": ["compile"]}')
    result, out = invoke("run", "--config", path, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, "error: no cells to run: the quick suite's selection (with its config "
                                          "file) plans none")
    assert not (tmp_path / "r.duckdb").exists()


# -- names, report targets and config depth -----------------------------------------------
@pytest.mark.parametrize("name, length", [("m" * 101, 101), ("m" * 300, 300), ("transformer@layers=" + "4" * 90, 109)])
def test_workload_names_over_100_characters_are_refused(tmp_path, name, length):
    result, out = invoke("run", "-w", name, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, f"error: config field 'workloads': workload name {name[:24]!r}... has "
                                          f"{length} characters; at most 100")
    assert not (tmp_path / "r.duckdb").exists()


def test_a_workload_name_of_100_characters_is_accepted():
    assert workloads.parse("m" * 100) == ("m" * 100, {})


def test_a_workload_module_naming_itself_too_long_is_refused(tmp_path):
    source = tmp_path / "long.py"
    source.write_text("from dlarena.workloads.base import Workload, dense\n"
                      "WORKLOAD = Workload(name='w' * 120, description='', input_kind='features', input_shape=(8,), "
                      "num_classes=4, config={}, params=dense(8, 4, 'fc'), batch_sizes={})\n")
    result, out = invoke("run", "--workload", source, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, f"error: workload module {source}: workload name {'w' * 24!r}... has "
                                          "120 characters; at most 100")


@pytest.mark.parametrize("make_out, expected", [
    (lambda tmp_path: _text_file(tmp_path), "{out} is not a folder; --out takes a folder for report.html and "
                                            "summary.md, e.g. {out.parent}/report"),
    (lambda tmp_path: Path("/dev/null"), "/dev/null is not a folder; --out takes a folder for report.html and "
                                         "summary.md, e.g. /dev/report"),
    (lambda tmp_path: _text_file(tmp_path) / "sub", "cannot write report.html and summary.md to {out}: "
                                                    "{out.parent} is not a folder"),
    (lambda tmp_path: Path("/proc/dlarena/report"), "cannot write report.html and summary.md to /proc/dlarena/report: "),
])
def test_report_out_that_cannot_be_a_folder_is_refused_before_any_work(store, tmp_path, monkeypatch, make_out,
                                                                         expected):
    out_dir = make_out(tmp_path)
    monkeypatch.setattr("dlarena.report.render.write_report", lambda *a: pytest.fail("work started"))
    result, out = invoke("report", "--out", out_dir, "--db", store.path)
    assert result.exit_code == 2, out
    assert out.startswith("error: " + expected.format(out=out_dir))


@pytest.mark.parametrize("name, text", [
    ("deep.json", "[" * 100000 + "]" * 100000),
    ("deep.toml", "a = " + "[" * 100000 + "]" * 100000),
    ("deep33.json", '{"a": ' + "[" * 32 + "]" * 32 + "}"),
])
def test_config_files_nested_too_deep_are_one_line(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    result, out = invoke("run", "--config", path, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, f"error: config file {path} nests more than 32 levels")


def test_a_config_file_nested_32_deep_gets_past_the_depth_check(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"a": ' + "[" * 31 + "]" * 31 + "}")
    result, out = invoke("run", "--config", path, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (2, "error: config field 'a': extra inputs are not permitted")


# -- a database file cut short ------------------------------------------------------------
@pytest.mark.parametrize("command", [["results"], ["report"], ["recommend"], ["export"], list(SKIPPED_RUN)])
@pytest.mark.parametrize("size", [0, 100, 8192, 20000])
def test_a_database_file_cut_short_is_one_line_saying_what_to_do(store, tmp_path, command, size):
    stub = tmp_path / "stub.duckdb"
    stub.write_bytes(store.path.read_bytes()[:size])
    result, out = invoke(*command, "--db", stub)
    assert (result.exit_code, out) == (2, f"error: {stub} is not a complete DuckDB file (a first write cut short, "
                                          "e.g. by a full disk); move it away or delete it, and dlarena starts a new one")
    assert stub.stat().st_size == size


def test_sigterm_during_the_pre_run_check_is_a_clean_stop(tmp_path, monkeypatch):
    from dlarena.runner import user_workloads

    monkeypatch.setattr(user_workloads, "preflight", lambda config: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    result, out = invoke(*SKIPPED_RUN, "--db", tmp_path / "r.duckdb")
    assert (result.exit_code, out) == (130, "error: interrupted before the run started; nothing was recorded")
    assert not (tmp_path / "r.duckdb").exists()
    assert signal.getsignal(signal.SIGTERM) == before


# -- one writer per run -------------------------------------------------------------------
def test_a_second_resume_of_a_run_being_written_is_refused(tmp_path, instant_run):
    db = tmp_path / "r.duckdb"
    assert invoke(*SKIPPED_RUN, "--db", db)[0].exit_code == 0
    run_id = ResultStore(db).run()["run_id"]
    ResultStore(db).mark_running(run_id)  # as while the first resume runs
    code = (f"import filelock, time; lock = filelock.FileLock({str(store_db.run_lock_path(db, run_id))!r}); "
            "lock.acquire(); print('held', flush=True); time.sleep(30)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result, out = invoke("run", "--resume", "--db", db)
    finally:
        holder.kill()
        holder.wait()
    assert (result.exit_code, out) == (2, f"error: run {run_id} is being written by another dlarena process; wait "
                                          "for it to end (or stop it) and resume again")
    assert ResultStore(db).run()["status"] == "running"
    resumed, out = invoke("run", "--resume", "--db", db)  # its writer gone (killed: the kernel let go of the lock)
    assert resumed.exit_code == 0, out
    assert ResultStore(db).run()["status"] == "complete"


def test_a_clean_run_and_resume_leave_no_lock_file(tmp_path, instant_run):
    db = tmp_path / "results" / "r.duckdb"  # a folder the run makes
    assert invoke(*SKIPPED_RUN, "--db", db)[0].exit_code == 0
    assert invoke("run", "--resume", "--db", db)[0].exit_code == 0
    assert sorted(p.name for p in db.parent.iterdir() if p.suffix == ".lock") == []


@pytest.mark.parametrize("command", [["report"], ["claims"], ["recommend"], ["run", "--resume"]])
def test_a_run_config_nested_too_deep_is_one_line(tmp_path, command):
    import duckdb

    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r1", "quick", {}, {})
    con = duckdb.connect(str(store.path))
    con.execute("UPDATE runs SET config = ?", ["[" * 100_000 + "]" * 100_000])
    con.close()
    result, out = invoke(*command, "--db", store.path, *(["--out", tmp_path / "out"] if command == ["report"] else []))
    assert (result.exit_code, out) == (2, "error: run r1's config in the results database is JSON nested too deep "
                                          "to read; the file was changed outside dlarena")
