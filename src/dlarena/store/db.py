"""Results database (DuckDB, one file).

Every cell's rows are written in a single transaction, and the connection is opened only for
the duration of a write: a process killed mid-run leaves every earlier cell intact (DuckDB's
write-ahead log makes each commit atomic), and other commands can read between cells.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from dlarena.cell import Cell
from dlarena.store.run_lock import RunLock

DEFAULT_DIR = Path("dlarena-results")
FINAL_STATUSES = ("ok", "failed", "timeout", "skipped", "not_comparable")
CELL_COLUMNS = ("workload", "framework", "mode", "scenario", "batch")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR,
    suite VARCHAR, config JSON, env JSON);
CREATE TABLE IF NOT EXISTS cells (
    run_id VARCHAR, cell_id VARCHAR, workload VARCHAR, framework VARCHAR, mode VARCHAR,
    scenario VARCHAR, batch INTEGER, status VARCHAR, error VARCHAR, duration_s DOUBLE,
    runtime JSON, recorded_at TIMESTAMP, PRIMARY KEY (run_id, cell_id));
CREATE TABLE IF NOT EXISTS measurements (
    run_id VARCHAR, cell_id VARCHAR, workload VARCHAR, framework VARCHAR, mode VARCHAR,
    scenario VARCHAR, batch INTEGER, metric VARCHAR, value DOUBLE, unit VARCHAR,
    samples DOUBLE[], ci_low DOUBLE, ci_high DOUBLE, q1 DOUBLE, q3 DOUBLE, n INTEGER,
    status VARCHAR, error VARCHAR, extra JSON);
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS bootstrap DOUBLE[];
CREATE TABLE IF NOT EXISTS repetitions (
    run_id VARCHAR, cell_id VARCHAR, metric VARCHAR, repetition INTEGER, process INTEGER,
    started_at DOUBLE, duration_s DOUBLE, n INTEGER, median DOUBLE, included BOOLEAN,
    flag VARCHAR, noise JSON);
"""
# measurements columns a write names explicitly (older files gain ``bootstrap`` on first open)
MEASUREMENT_COLUMNS = ("run_id", "cell_id", "workload", "framework", "mode", "scenario", "batch", "metric",
                       "value", "unit", "samples", "ci_low", "ci_high", "q1", "q3", "n", "status", "error",
                       "extra", "bootstrap")
REPETITION_COLUMNS = ("run_id", "cell_id", "metric", "repetition", "process", "started_at", "duration_s", "n",
                      "median", "included", "flag", "noise")


# How long an open waits for another process's connection to let go (a notebook, `dlarena
# results` in a second terminal): a write must not cost a finished cell, a read may give up sooner.
WRITE_WAIT_S = 30.0
READ_WAIT_S = 5.0
DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB file
LOCK_MESSAGES = ("Could not set lock", "Conflicting lock")
# What DuckDB says of a file cut short (the first write of a run under a full disk or a file-size limit)
INCOMPLETE_MESSAGES = ("Could not read enough bytes", "not a valid DuckDB database file")


class StoreError(RuntimeError):
    """The results database cannot be used; the message is one line for the user."""


class StoreBusy(StoreError):
    pass


def check_path(path: Path, write: bool) -> None:
    """Raises StoreError when `path` cannot be a results database (for reading, or also writing)."""
    if path.is_dir():
        raise StoreError(f"results database {path} is a directory; --db takes a file, e.g. {path / 'results.duckdb'}")
    if path.exists():
        if not path.is_file():
            raise StoreError(f"results database {path} is not a regular file")
        try:
            with path.open("rb") as f:
                head = f.read(12)
        except OSError as exc:
            raise StoreError(f"cannot read results database {path}: {exc.strerror or exc}") from None
        if head and head[8:12] != DUCKDB_MAGIC:
            raise StoreError(f"{path} is not a DuckDB results database")
    if write:  # probed without creating anything: bad input writes nothing
        folder = _existing_ancestor(path)
        try:
            if not folder.is_dir():
                raise NotADirectoryError(20, f"{folder} is not a folder")
            if path.exists():
                with path.open("r+b"):
                    pass
            else:
                tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            raise StoreError(f"cannot write the results database {path}: {exc.strerror or exc}") from None


def stored_json(text, what: str):
    """A JSON column as read back (text parsed, anything else as is); one-line StoreError when it is
    not JSON dlarena wrote (a file edited or made elsewhere: nested past the parser's depth, cut)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except RecursionError:
        raise StoreError(f"{what} in the results database is JSON nested too deep to read; "
                         "the file was changed outside dlarena") from None
    except ValueError as exc:
        raise StoreError(f"{what} in the results database is not valid JSON ({exc}); "
                         "the file was changed outside dlarena") from None


def incomplete(path: Path) -> StoreError:
    return StoreError(f"{path} is not a complete DuckDB file (a first write cut short, e.g. by a full disk); "
                      "move it away or delete it, and dlarena starts a new one")


def _is_incomplete(exc: duckdb.Error) -> bool:
    return isinstance(exc, duckdb.IOException) and any(m in str(exc) for m in INCOMPLETE_MESSAGES)


def _existing_ancestor(path: Path) -> Path:
    """The closest folder (or file) above ``path`` that exists: where creating it would start."""
    folder = path.parent.absolute()
    while not folder.exists():
        folder = folder.parent
    return folder


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return isinstance(exc, duckdb.IOException) and any(m in str(exc) for m in LOCK_MESSAGES)


def default_path() -> Path:
    return Path(os.environ.get("DLARENA_RESULTS", DEFAULT_DIR)) / "results.duckdb"


def new_run_id() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def run_lock_path(db: Path, run_id: str) -> Path:
    """The lock beside the database that one writer of ``run_id`` holds (a hash: ids come from files)."""
    return db.with_name(f"{db.name}.{hashlib.sha256(run_id.encode()).hexdigest()[:12]}.lock")


class ResultStore:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self._run_locks: dict[str, RunLock] = {}

    def hold_run(self, run_id: str) -> None:
        """Makes this process the one writer of ``run_id`` until ``release_run`` (or its exit, kill -9
        included: the kernel drops the lock); StoreBusy when another process writes it now."""
        if run_id in self._run_locks:
            return
        lock = RunLock(run_lock_path(self.path, run_id))
        try:
            held = lock.acquire()
        except OSError as exc:
            raise StoreError(f"cannot lock run {run_id} beside {self.path}: {exc.strerror or exc}") from None
        if not held:
            raise StoreBusy(f"run {run_id} is being written by another dlarena process; wait for it to end "
                            "(or stop it) and resume again")
        self._run_locks[run_id] = lock

    def release_run(self) -> None:
        """Lets go of every run this store holds; their lock files go too."""
        locks, self._run_locks = self._run_locks, {}
        for lock in locks.values():
            lock.release()

    @property
    def artifacts_dir(self) -> Path:
        return self.path.parent / "artifacts"

    def exists(self) -> bool:
        return self.path.exists()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Opens the file, waiting (bounded, with backoff) while another process holds its lock."""
        wait = READ_WAIT_S if read_only else WRITE_WAIT_S
        deadline, delay = time.monotonic() + wait, 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.InterruptException:
                raise KeyboardInterrupt from None  # see _connect
            except duckdb.Error as exc:
                if _is_incomplete(exc):
                    raise incomplete(self.path) from None
                if not _is_lock_conflict(exc):
                    raise StoreError(f"cannot open results database {self.path}: {str(exc).splitlines()[0]}") from None
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"results database {self.path} is held by another process (waited {wait:g} s); "
                                    "close the other connection (a notebook, another dlarena command) and retry") from None
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 1.0)

    @contextmanager
    def _connect(self, read_only: bool = False):
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of results database {self.path}: {exc.strerror or exc}") from None
        con = self._open(read_only)
        try:
            if not read_only:
                con.execute(SCHEMA)
            yield con
        except duckdb.InterruptException:
            # Ctrl-C or SIGTERM (whose handler raises KeyboardInterrupt) landing inside DuckDB comes out as
            # DuckDB's own error: given back as the interrupt it is, the run stops cleanly (exit 130), not as
            # "cannot open results database" (exit 1).
            raise KeyboardInterrupt from None
        except duckdb.IOException as exc:  # a block past the end of a file cut short
            if _is_incomplete(exc):
                raise incomplete(self.path) from None
            raise
        finally:
            con.close()

    def _rows(self, sql: str, params: list | None = None) -> list[dict]:
        if not self.exists():
            return []
        with self._connect(read_only=True) as con:
            cur = con.execute(sql, params or [])
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    # -- writes ---------------------------------------------------------------------------
    def start_run(self, run_id: str, suite: str, config: dict, env: dict) -> None:
        with self._connect() as con:
            con.execute("INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, ?, ?)",
                        [run_id, _now(), suite, json.dumps(config), json.dumps(env)])

    def finish_run(self, run_id: str, status: str = "complete") -> None:
        with self._connect() as con:
            con.execute("UPDATE runs SET finished_at = ?, status = ? WHERE run_id = ?", [_now(), status, run_id])

    def mark_running(self, run_id: str) -> None:
        with self._connect() as con:
            con.execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE run_id = ?", [run_id])

    def record_cell(self, run_id: str, cell: Cell, result: dict) -> None:
        status, error = result.get("status", "failed"), result.get("error")
        key = [getattr(cell, c) for c in CELL_COLUMNS]
        with self._connect() as con:
            con.begin()
            try:
                con.execute("DELETE FROM cells WHERE run_id = ? AND cell_id = ?", [run_id, cell.id])
                con.execute("DELETE FROM measurements WHERE run_id = ? AND cell_id = ?", [run_id, cell.id])
                con.execute("DELETE FROM repetitions WHERE run_id = ? AND cell_id = ?", [run_id, cell.id])
                con.execute("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [run_id, cell.id, *key, status, error, result.get("duration_s"),
                             json.dumps(result.get("runtime") or {}), _now()])
                rows = list(result.get("metrics") or [])
                if status == "ok" and "peak_rss_mb" in result:
                    rows.append({"metric": "peak_rss_mb", "unit": "MB", "value": result["peak_rss_mb"]})
                if not rows:  # a failure is a result too: keep one row that says so
                    rows = [{"metric": "status", "unit": None, "value": None}]
                con.executemany(
                    f"INSERT INTO measurements ({', '.join(MEASUREMENT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(MEASUREMENT_COLUMNS))})",
                    [[run_id, cell.id, *key, r["metric"], r.get("value"), r.get("unit"), r.get("samples"),
                      r.get("ci_low"), r.get("ci_high"), r.get("q1"), r.get("q3"), r.get("n"),
                      status, error, json.dumps(r.get("extra") or {}), r.get("bootstrap")] for r in rows],
                )
                reps = [[run_id, cell.id, rep.get("metric"), rep["repetition"], rep.get("process"),
                         rep.get("started_at"), rep.get("duration_s"), rep.get("n"), rep.get("median"),
                         rep.get("included", True), rep.get("flag"), json.dumps(rep.get("noise") or {})]
                        for rep in result.get("repetitions") or []]
                if reps:
                    con.executemany(f"INSERT INTO repetitions ({', '.join(REPETITION_COLUMNS)}) "
                                    f"VALUES ({', '.join('?' * len(REPETITION_COLUMNS))})", reps)
                con.commit()
            except BaseException:
                con.rollback()
                raise

    # -- reads ----------------------------------------------------------------------------
    def runs(self) -> list[dict]:
        return self._rows(
            "SELECT r.run_id, r.started_at, r.finished_at, r.status, r.suite, r.env, "
            "count(c.cell_id) AS cells, count(c.cell_id) FILTER (WHERE c.status = 'ok') AS ok "
            "FROM runs r LEFT JOIN cells c USING (run_id) GROUP BY ALL ORDER BY r.started_at DESC")

    def run(self, run_id: str | None = None) -> dict | None:
        if run_id is None:
            rows = self._rows("SELECT * FROM runs ORDER BY started_at DESC LIMIT 1")
        else:
            rows = self._rows("SELECT * FROM runs WHERE run_id = ?", [run_id])
        if not rows:
            return None
        row = rows[0]
        what = f"run {row['run_id']}'s"
        row["config"], row["env"] = stored_json(row["config"], f"{what} config"), stored_json(row["env"], f"{what} env")
        return row

    def cells(self, run_id: str) -> list[dict]:
        return self._rows("SELECT * FROM cells WHERE run_id = ? ORDER BY recorded_at", [run_id])

    def completed_cells(self, run_id: str) -> dict[str, str]:
        return {r["cell_id"]: r["status"] for r in self.cells(run_id) if r["status"] in FINAL_STATUSES}

    def measurements(self, run_id: str) -> list[dict]:
        rows = self._rows("SELECT * FROM measurements WHERE run_id = ? ORDER BY cell_id, metric", [run_id])
        for row in rows:
            row["extra"] = stored_json(row["extra"], f"the extra of {row['metric']} of cell {row['cell_id']}") or {}
        return rows

    def headline_values(self, run_ids: list[str], metrics: list[str]) -> dict[str, list[dict]]:
        """Per run: the ok rows of the given metrics (cell_id, scenario, metric, value), nothing else."""
        if not run_ids or not metrics:
            return {}
        rows = self._rows(
            f"SELECT run_id, cell_id, scenario, metric, value FROM measurements WHERE status = 'ok' "
            f"AND value IS NOT NULL AND run_id IN ({', '.join('?' * len(run_ids))}) "
            f"AND metric IN ({', '.join('?' * len(metrics))})", [*run_ids, *metrics])
        out: dict[str, list[dict]] = {}
        for row in rows:
            out.setdefault(row.pop("run_id"), []).append(row)
        return out

    def repetitions(self, run_id: str) -> list[dict]:
        """Every timed repetition (window) of a run's cells, with the machine noise seen during it."""
        try:
            rows = self._rows("SELECT * FROM repetitions WHERE run_id = ? ORDER BY started_at", [run_id])
        except duckdb.CatalogException:  # a file written before repetitions were recorded
            return []
        for row in rows:
            row["noise"] = stored_json(row["noise"], f"the noise of a window of cell {row['cell_id']}") or {}
        return rows

    def export(self, fmt: str, out: Path, run_id: str | None = None) -> Path:
        """Writes the measurements (joined with run info) as parquet, csv or json."""
        if fmt not in ("parquet", "csv", "json"):
            raise ValueError(f"unknown export format '{fmt}'; valid: parquet, csv, json")
        if out.is_dir():
            raise StoreError(f"export target {out} is a directory; --out takes a file, e.g. {out / f'export.{fmt}'}")
        if not _existing_ancestor(out).is_dir():
            raise StoreError(f"cannot write the export {out}: {_existing_ancestor(out)} is not a folder")
        where = "WHERE m.run_id = ?" if run_id else ""
        query = ("SELECT r.started_at AS run_started_at, r.suite, m.* FROM measurements m "
                 f"JOIN runs r USING (run_id) {where} ORDER BY m.run_id, m.cell_id, m.metric")
        options = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER", "json": "FORMAT json, ARRAY true"}[fmt]
        target = str(out).replace("'", "''")  # COPY takes the file name as an SQL string literal, not a parameter
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with self._connect(read_only=True) as con:
                con.execute(f"COPY ({query}) TO '{target}' ({options})", [run_id] if run_id else [])
        except OSError as exc:
            raise StoreError(f"cannot write the export {out}: {exc.strerror or exc}") from None
        except duckdb.IOException as exc:
            raise StoreError(f"cannot write the export {out}: {str(exc).splitlines()[0]}") from None
        return out
