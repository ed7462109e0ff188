import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from dlarena.config import Cell
from dlarena.store.db import ResultStore

CELL = Cell(workload="mlp", framework="torch", mode="eager", scenario="infer_latency", batch=1)
OK = {"status": "ok", "duration_s": 1.5, "runtime": {"device": "cpu"}, "peak_rss_mb": 200.0,
      "metrics": [{"metric": "latency_ms", "unit": "ms", "value": 0.5, "samples": [0.4, 0.5, 0.6],
                   "ci_low": 0.45, "ci_high": 0.55, "q1": 0.45, "q3": 0.55, "n": 3, "extra": {"warmup_iters": 5}}]}


@pytest.fixture
def store(tmp_path):
    s = ResultStore(tmp_path / "r.duckdb")
    s.start_run("run1", "quick", {"suite": "quick"}, {"cpu_model": "test"})
    return s


def test_round_trip(store):
    store.record_cell("run1", CELL, OK)
    rows = store.measurements("run1")
    by_metric = {r["metric"]: r for r in rows}
    assert set(by_metric) == {"latency_ms", "peak_rss_mb"}
    assert by_metric["latency_ms"]["samples"] == [0.4, 0.5, 0.6]
    assert by_metric["latency_ms"]["extra"] == {"warmup_iters": 5}
    assert by_metric["latency_ms"]["cell_id"] == "mlp/torch/eager/infer_latency/b1"
    assert store.completed_cells("run1") == {CELL.id: "ok"}
    assert store.run("run1")["env"] == {"cpu_model": "test"}


def test_failure_is_a_row(store):
    store.record_cell("run1", CELL, {"status": "timeout", "error": "cell exceeded its timeout"})
    (row,) = store.measurements("run1")
    assert (row["metric"], row["status"], row["error"]) == ("status", "timeout", "cell exceeded its timeout")


def test_rerecording_a_cell_replaces_it(store):
    store.record_cell("run1", CELL, {"status": "failed", "error": "x"})
    store.record_cell("run1", CELL, OK)
    assert {r["status"] for r in store.measurements("run1")} == {"ok"}


def test_failed_write_rolls_back(store):
    store.record_cell("run1", CELL, OK)
    other = CELL.model_copy(update={"scenario": "train"})
    bad = {"status": "ok", "metrics": [{"metric": "x", "unit": "ms", "value": "not a number"}]}
    with pytest.raises(Exception):
        store.record_cell("run1", other, bad)
    assert set(store.completed_cells("run1")) == {CELL.id}


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_export(store, tmp_path, fmt):
    store.record_cell("run1", CELL, OK)
    out = store.export(fmt, tmp_path / f"out.{fmt}")
    reader = {"parquet": "read_parquet", "csv": "read_csv_auto", "json": "read_json_auto"}[fmt]
    rows = duckdb.sql(f"SELECT metric, value, suite FROM {reader}('{out}') ORDER BY metric").fetchall()
    assert rows == [("latency_ms", 0.5, "quick"), ("peak_rss_mb", 200.0, "quick")]


def test_killed_writer_leaves_earlier_cells_intact(tmp_path):
    """A process killed while writing cells in a loop never corrupts what it committed."""
    db = tmp_path / "r.duckdb"
    script = textwrap.dedent(f"""
        import json, sys
        from dlarena.config import Cell
        from dlarena.store.db import ResultStore
        store = ResultStore({str(db)!r})
        store.start_run("run1", "quick", {{}}, {{}})
        ok = json.loads({json.dumps(json.dumps(OK))})
        i = 0
        while True:
            cell = Cell(workload="mlp", framework="torch", mode="eager", scenario="train", batch=i)
            store.record_cell("run1", cell, ok)
            i += 1
            if i == 20:
                print("ready", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    store = ResultStore(db)
    done = store.completed_cells("run1")
    assert len(done) >= 20
    counts = duckdb.connect(str(db), read_only=True).execute(
        "SELECT count(*) FILTER (WHERE metric = 'latency_ms'), count(DISTINCT cell_id) FROM measurements").fetchone()
    assert counts[0] == counts[1] == len(done)  # every committed cell is whole


def test_a_write_that_fails_inside_its_transaction_keeps_the_cells_old_rows(tmp_path):
    """The DELETEs of a re-recorded cell ran, then an INSERT failed: everything rolls back."""
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    cell = Cell(workload="mlp", framework="torch", mode="eager", scenario="train", batch=8)
    store.record_cell("r", cell, {"status": "ok", "metrics": [{"metric": "train_throughput_sps", "unit": "samples/s", "value": 5.0}]})
    with pytest.raises(Exception, match="(?i)conver|cast"):
        store.record_cell("r", cell, {"status": "ok", "metrics": [{"metric": "train_throughput_sps", "unit": "samples/s",
                                                                   "value": "not a number"}]})
    assert [(m["metric"], m["value"]) for m in store.measurements("r")] == [("train_throughput_sps", 5.0)]
    assert [c["status"] for c in store.cells("r")] == ["ok"]


# The child wraps each connection so that the moment the re-recorded cell's new measurement rows
# are inserted (its old rows already deleted, its new cells row inserted), it SIGKILLs itself
# before COMMIT: a kill at a fixed point inside the transaction, not a race.
KILL_INSIDE_RECORD = """
import json, os, signal, sys
from dlarena.config import Cell
from dlarena.store import db

class KillAfterMeasurements:
    def __init__(self, con):
        self._con = con
    def __getattr__(self, name):
        return getattr(self._con, name)
    def executemany(self, sql, rows):
        result = self._con.executemany(sql, rows)
        if sql.startswith("INSERT INTO measurements"):
            seen = self._con.execute("SELECT count(*) FROM measurements WHERE value = 99.0").fetchone()[0]
            print(f"inside {seen}", flush=True)  # the uncommitted rows are there, in this transaction
            os.kill(os.getpid(), signal.SIGKILL)
        return result

real_open = db.ResultStore._open
db.ResultStore._open = lambda self, read_only: KillAfterMeasurements(real_open(self, read_only))
cell = Cell(**json.loads(sys.argv[2]))
db.ResultStore(sys.argv[1]).record_cell("run1", cell, json.loads(sys.argv[3]))
print("committed", flush=True)
"""


def test_a_kill_inside_a_rerecording_transaction_keeps_the_old_rows_and_no_new_ones(store):
    store.record_cell("run1", CELL, {**OK, "repetitions": [{"metric": "latency_ms", "repetition": 0, "median": 0.5}]})
    before = (store.cells("run1"), store.measurements("run1"), store.repetitions("run1"))
    new = {"status": "failed", "error": "second attempt", "duration_s": 9.0,
           "metrics": [{"metric": "latency_ms", "unit": "ms", "value": 99.0}, {"metric": "extra_metric", "value": 99.0}],
           "repetitions": [{"metric": "latency_ms", "repetition": 0, "median": 99.0}]}
    proc = subprocess.run([sys.executable, "-c", KILL_INSIDE_RECORD, str(store.path), CELL.model_dump_json(),
                           json.dumps(new)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9 and proc.stdout.split() == ["inside", "2"], (proc.returncode, proc.stdout, proc.stderr)
    after = (store.cells("run1"), store.measurements("run1"), store.repetitions("run1"))
    assert after == before
    assert [(c["status"], c["duration_s"]) for c in after[0]] == [("ok", 1.5)]
    assert sorted((m["metric"], m["value"]) for m in after[1]) == [("latency_ms", 0.5), ("peak_rss_mb", 200.0)]
    assert [r["median"] for r in after[2]] == [0.5]
    store.record_cell("run1", CELL, new)  # the file stays writable after the kill
    assert {m["value"] for m in store.measurements("run1")} == {99.0}


def test_resume_skips_failed_timeout_skipped_and_not_comparable_cells(store):
    """--resume reruns only cells with no final row: a cell that failed, timed out, was skipped or
    is not comparable is an answer (rerunning it would spend the budget again on a known outcome)."""
    statuses = ("ok", "failed", "timeout", "skipped", "not_comparable")
    cells = [Cell(workload="mlp", framework="torch", mode="eager", scenario="infer_latency", batch=b)
             for b in range(1, len(statuses) + 1)]
    for cell, status in zip(cells, statuses):
        store.record_cell("run1", cell, {**OK, "status": status, "error": None if status == "ok" else "why"})
    assert store.completed_cells("run1") == {cell.id: status for cell, status in zip(cells, statuses)}


# -- JSON columns a file changed outside dlarena may hold (DuckDB's JSON type refuses what is
# not JSON, not what is nested past Python's parser) ------------------------------------------
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("column, value, expected", [
    ("config", DEEP, "run run1's config in the results database is JSON nested too deep to read"),
    ("env", '{"a": ' + DEEP + "}", "run run1's env in the results database is JSON nested too deep to read"),
])
def test_a_run_whose_json_cannot_be_read_is_a_store_error(store, column, value, expected):
    from dlarena.store.db import StoreError

    con = duckdb.connect(str(store.path))
    con.execute(f"UPDATE runs SET {column} = ?", [value])
    con.close()
    with pytest.raises(StoreError) as caught:
        store.run("run1")
    assert str(caught.value).startswith(expected)
    assert str(caught.value).endswith("; the file was changed outside dlarena")


def test_deep_json_in_a_measurement_or_a_window_is_a_store_error(store):
    from dlarena.store.db import StoreError

    store.record_cell("run1", CELL, {**OK, "repetitions": [{"metric": "latency_ms", "repetition": 0, "noise": {}}]})
    con = duckdb.connect(str(store.path))
    con.execute("UPDATE measurements SET extra = ?", [DEEP])
    con.execute("UPDATE repetitions SET noise = ?", [DEEP])
    con.close()
    with pytest.raises(StoreError, match="the extra of latency_ms of cell .* nested too deep"):
        store.measurements("run1")
    with pytest.raises(StoreError, match="the noise of a window of cell .* nested too deep"):
        store.repetitions("run1")


# -- one writer per run: the lock beside the database ---------------------------------------
def test_a_run_lock_is_held_by_one_store_and_its_file_goes_on_release(tmp_path):
    from dlarena.store.db import StoreBusy, run_lock_path

    first, second = ResultStore(tmp_path / "r.duckdb"), ResultStore(tmp_path / "r.duckdb")
    first.hold_run("a")
    first.hold_run("b")
    assert run_lock_path(first.path, "a").exists() and run_lock_path(first.path, "b").exists()
    with pytest.raises(StoreBusy, match="run a is being written by another dlarena process"):
        second.hold_run("a")
    first.release_run()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    second.hold_run("a")  # free again
    second.release_run()


def test_a_run_lock_makes_the_folder_of_a_new_database(tmp_path):
    store = ResultStore(tmp_path / "new" / "r.duckdb")
    store.hold_run("a")
    store.release_run()
    assert (tmp_path / "new").is_dir() and list((tmp_path / "new").iterdir()) == []


def test_a_taker_that_locked_a_file_its_holder_removed_locks_the_new_one(tmp_path, monkeypatch):
    """B opened the lock file, A removed it and let go, B's flock then succeeds on the removed file:
    B must not count that as holding the run (C, creating the file anew, would hold it too)."""
    import os

    from dlarena.store import run_lock

    path = tmp_path / "r.lock"
    a = run_lock.RunLock(path)
    assert a.acquire()
    stale = os.open(path, os.O_RDWR)  # B's open, before A lets go
    a.release()
    assert not path.exists()
    opened = []
    real_open = os.open

    def open_(p, *args):
        opened.append(p)
        return stale if len(opened) == 1 else real_open(p, *args)

    monkeypatch.setattr(run_lock.os, "open", open_)
    b = run_lock.RunLock(path)
    assert b.acquire()
    assert len(opened) == 2 and path.exists()
    monkeypatch.setattr(run_lock.os, "open", real_open)
    assert not run_lock.RunLock(path).acquire()  # C: B holds the file at the path
    b.release()
    assert not path.exists()


def test_stored_json_that_is_not_json_is_a_store_error():
    from dlarena.store.db import StoreError, stored_json

    assert stored_json('{"a": [1]}', "x") == {"a": [1]} and stored_json({"a": 1}, "x") == {"a": 1}
    with pytest.raises(StoreError, match=r"^x in the results database is not valid JSON \(Expecting"):
        stored_json("{", "x")


def test_a_resumed_run_is_running_again_and_finishing_marks_only_that_run(store):
    store.start_run("run2", "quick", {}, {})
    store.finish_run("run1", "interrupted")
    store.finish_run("run2")
    assert (store.run("run1")["status"], store.run("run2")["status"]) == ("interrupted", "complete")
    assert store.run("run1")["finished_at"] is not None
    store.mark_running("run1")  # --resume
    resumed, other = store.run("run1"), store.run("run2")
    assert (resumed["status"], resumed["finished_at"]) == ("running", None)
    assert other["status"] == "complete" and other["finished_at"] is not None
    assert store.run()["run_id"] == "run2"  # no id: the newest run
    assert store.run("nope") is None


def test_only_final_statuses_are_completed_cells_of_their_own_run(store):
    store.start_run("run2", "quick", {}, {})
    store.record_cell("run1", CELL, {**OK, "status": "running"})  # not an outcome: resume measures it again
    other = Cell(workload="mlp", framework="torch", mode="eager", scenario="infer_latency", batch=2)
    store.record_cell("run2", other, OK)
    assert store.completed_cells("run1") == {} and store.completed_cells("run2") == {other.id: "ok"}
    assert [c["cell_id"] for c in store.cells("run2")] == [other.id]


@pytest.mark.parametrize("where", ["open", "query"])
def test_an_interrupt_inside_duckdb_is_an_interrupt(tmp_path, monkeypatch, where):
    """Ctrl-C / SIGTERM landing inside DuckDB comes out as duckdb.InterruptException; the store gives it
    back as KeyboardInterrupt, so `dlarena run` stops with its clean 130, not a 'cannot open' error (1)."""
    store = ResultStore(tmp_path / "r.duckdb")
    store.start_run("r", "custom", {}, {})
    real = duckdb.connect

    class Interrupting:
        def __init__(self, con):
            self.con = con

        def execute(self, *a, **k):
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

        def close(self):
            self.con.close()

    def connect(*a, **k):
        if where == "open":
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
        return Interrupting(real(*a, **k))

    monkeypatch.setattr(duckdb, "connect", connect)
    with pytest.raises(KeyboardInterrupt):
        store.runs()
    monkeypatch.setattr(duckdb, "connect", real)
    assert [r["run_id"] for r in store.runs()] == ["r"]
