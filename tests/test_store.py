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
