"""Runs a suite: for each workload, the parity check first, then the cells of every selected
criterion; then the criteria's global cells. Parity and the cells timed in windows (speed) run
in one worker process per framework (runner/session.py), and the windows of every workload's
cells are interleaved by runner/engine.py (or one workload at a time, with
``repetitions.interleave_workloads`` off); the cells whose time is not compared (exports, and the
untimed cells, run last) in workers side by side, one lane per framework (runner/lanes.py); every
other cell runs in its own process. Every outcome (including crashes, timeouts and missing
frameworks) is stored."""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from dlarena import criteria, frameworks, workloads
from dlarena.config import PARITY, Cell, SuiteConfig
from dlarena.parity import agreement
from dlarena.parity import check as parity
from dlarena.process.isolate import run_isolated, thread_env
from dlarena.process.tempdirs import owned_prefix, remove_orphaned_temp
from dlarena.runner import history
from dlarena.runner.engine import SpeedEngine
from dlarena.runner.lanes import Lanes, usable_cpus
from dlarena.runner.session import Session
from dlarena.store.db import ResultStore

ProgressFn = Callable[[str, int, int], None]  # (current cell id, done, total)
CellDoneFn = Callable[[str, dict], None]  # (cell id, result) after each cell is stored

# One worker per cell: we pin threads via the environment too, before the framework is
# imported, because some thread pools (OpenMP, oneDNN) read it only at start-up.


@dataclass
class SuiteOutcome:
    run_id: str
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1


class SuiteRunner:
    def __init__(self, config: SuiteConfig, store: ResultStore, run_id: str,
                 progress: ProgressFn | None = None, entries: dict[str, str] | None = None,
                 on_cell_done: CellDoneFn | None = None, drivers: dict[str, str] | None = None):
        self.config = config
        self.store = store
        self.run_id = run_id
        self.progress = progress or (lambda *_: None)
        self.on_cell_done = on_cell_done or (lambda *_: None)
        self.criteria = {name: criteria.load(name) for name in config.criteria}
        self.selection = config.selection()
        # Entry points per criterion (and "parity"); tests swap in deliberately crashing/hanging ones.
        self.entries = {"parity": parity.ENTRY, **{n: c.entry for n, c in self.criteria.items()}, **(entries or {})}
        # Worker modules of criteria timed in windows; tests swap in deliberately failing ones.
        self.drivers = drivers or {}
        self.outcome = SuiteOutcome(run_id)
        self._done = 0
        self._sessions: dict[str, Session] = {}
        self._compile_cache: str | None = None  # this run's compilation caches (see _session)
        self._deferred: list[tuple[str, Cell, str | None]] = []  # untimed cells, run last
        self._criterion_of: dict[str, str] = {}  # cell id -> criterion (parity cells: none)

    def _planned(self, workload: str) -> list[tuple[str, Cell]]:
        return self._owned([(name, cell) for name, criterion in self.criteria.items()
                            if workload in self.config.workloads_of(name)
                            for cell in criterion.plan(self.selection, self.config.options_of(name), workload)])

    def _planned_global(self) -> list[tuple[str, Cell]]:
        return self._owned([(name, cell) for name, criterion in self.criteria.items()
                            for cell in criterion.plan_global(self.selection, self.config.options_of(name))])

    def describe(self, text: str) -> str:
        """A progress text with its cell's criterion in front ("deployment · mlp/torch/onnx/...")."""
        last = text.rsplit(" ", 1)[-1]
        criterion = self._criterion_of.get(last) or (PARITY if f"/{PARITY}/" in last else None)
        return f"{criterion} · {text}" if criterion else text

    def _owned(self, planned: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
        """Notes each cell's criterion: stored with the cell, so a report can say which criterion failed."""
        self._criterion_of.update({cell.id: name for name, cell in planned})
        return planned

    def parity_cells(self, workload: str) -> list[Cell]:
        """The workload's parity cells of the frameworks with a planned cell of it that depends on
        parity; none when no framework has one (e.g. ``--criteria pretrained,community``: nothing
        to check a workload for; or the demo's Llama on JAX, whose generation the demo skips)."""
        checked = {cell.framework for name, cell in self._planned(workload) if self.criteria[name].needs_parity}
        return [cell for cell in self.config.parity_cells(workload) if cell.framework in checked]

    @cached_property
    def total(self) -> int:
        per_workload = sum(len(self.parity_cells(w)) + len(self._planned(w)) for w in self.config.workloads)
        return per_workload + len(self._planned_global())

    def _payload(self, cell: Cell, **extra) -> dict:
        c = self.config
        return {"cell": cell.model_dump(), "threads": c.threads, "interop_threads": c.interop_threads,
                "seed": c.seed, "timing": c.timing.model_dump(), "device": c.device, "timeout_s": c.timeout_s,
                "artifacts": str(self.store.artifacts_dir / self.run_id), **extra}

    def _env(self) -> dict[str, str]:
        env = thread_env(self.config.threads, self.config.interop_threads)
        env["TF_CPP_MIN_LOG_LEVEL"] = "2"
        if self.config.omp_wait_policy != "default":
            env["OMP_WAIT_POLICY"] = self.config.omp_wait_policy.upper()
        return env

    def _session(self, framework: str) -> Session:
        """The worker for ``framework`` (started on its first request; kept for every workload
        unless ``repetitions.interleave_workloads`` is off)."""
        if framework not in self._sessions:
            if self._compile_cache is None:
                self._compile_cache = tempfile.mkdtemp(prefix=owned_prefix("compile-cache"))
            env = {**self._env(), "DLARENA_COMPILE_CACHE_DIR": self._compile_cache}
            prefer = (self.config.threads_fit or {}).get("prefer")
            self._sessions[framework] = Session(framework, env, pinned_cpus(
                self.config.threads, prefer, frameworks.info(framework).bounds_one_thread))
        return self._sessions[framework]

    def _close_sessions(self) -> None:
        for session in self._sessions.values():
            session.close()
        self._sessions = {}

    def _record(self, cell: Cell, result: dict) -> str:
        criterion = self._criterion_of.get(cell.id, PARITY if cell.scenario == PARITY else None)
        if criterion:
            result = {**result, "runtime": {**(result.get("runtime") or {}), "criterion": criterion}}
        self.store.record_cell(self.run_id, cell, result)
        status = result.get("status", "failed")
        self.outcome.add(status)
        self._done += 1
        self.on_cell_done(cell.id, result)
        self.progress(cell.id, self._done, self.total)
        return status

    def _skip_done(self, cell: Cell, done: dict[str, str]) -> str | None:
        if cell.id in done:
            self.outcome.add(done[cell.id])
            self._done += 1
            self.progress(cell.id, self._done, self.total)
            return done[cell.id]
        return None

    def _runnable(self, planned: list[tuple[str, Cell, str | None]], done: dict[str, str]) -> list[tuple[str, Cell]]:
        """The planned cells still to run; those done (resume) are counted, those that cannot run recorded."""
        out = []
        for criterion, cell, not_comparable in planned:
            if self._skip_done(cell, done):
                continue
            result = self._not_runnable(cell, not_comparable)
            if result is not None:
                self._record(cell, result)
            else:
                out.append((criterion, cell))
        return out

    def _options(self, criterion: str) -> dict:
        """The criterion's options for its cells' payloads (``Criterion.payload``: its options model
        under its name, the one way options reach a cell)."""
        return self.criteria[criterion].payload(self.config.options_of(criterion)) if criterion in self.criteria else {}

    def _not_runnable(self, cell: Cell, not_comparable: str | None) -> dict | None:
        """The result of a cell that cannot run (framework or implementation missing, workload
        not comparable), or None."""
        result = self._missing_framework(cell.framework, cell.workload) if cell.framework in frameworks.FRAMEWORKS else None
        if result is None and not_comparable:
            result = {"status": "not_comparable", "error": not_comparable}
        return result

    def _missing_framework(self, name: str, workload: str | None = None) -> dict | None:
        info = frameworks.info(name)
        if not info.is_installed():
            return {"status": "skipped", "error": f"{info.display_name} is not installed; install it with: {info.install_hint}"}
        reason = self._unavailable(workload, info.model_module) if workload is not None else None
        if reason:
            return {"status": "skipped", "error": f"workload '{workload}' on {info.display_name}: {reason}"}
        if workload is not None and not self._implements(workload, info.model_module):
            return {"status": "skipped", "error": f"workload '{workload}' has no {info.display_name} implementation "
                                                  f"({info.model_module}) yet"}
        return None

    def _unavailable(self, workload: str, model_module: str) -> str | None:
        try:
            return workloads.get(workload).unavailable(model_module)
        except (KeyError, ValueError):
            return None  # not a registered workload (a global cell), or one whose cells report the error

    def _implements(self, workload: str, model_module: str) -> bool:
        try:
            return workloads.implements(workload, model_module)
        except (KeyError, ValueError):
            return True  # not a registered workload (a global cell): the criterion decides

    def run(self, done: dict[str, str] | None = None) -> SuiteOutcome:
        remove_orphaned_temp()  # of runs and cells killed with -9
        done = done or {}
        deadline = time.monotonic() + self.config.budget_s if self.config.budget_s else None
        together = self.config.repetitions.interleave_workloads
        windowed: list = []
        try:
            for i, workload in enumerate(self.config.workloads):
                windowed += self._run_workload(workload, done)
                if not together:  # this workload's share of what is left of the budget
                    share = None if deadline is None else time.monotonic() + (deadline - time.monotonic()) / (
                        len(self.config.workloads) - i)
                    self._run_windowed(windowed, done, share)
                    windowed = []
                    self._close_sessions()
            self._run_windowed(windowed, done, deadline)
        finally:
            self._close_sessions()
            if self._compile_cache:
                shutil.rmtree(self._compile_cache, ignore_errors=True)
                self._compile_cache = None
        for criterion, cell in self._planned_global():
            if self._untimed(criterion, cell):
                self._deferred.append((criterion, cell, None))
            else:
                self._run_cell(criterion, cell, done, None)
        self._run_untimed(done)
        return self.outcome

    # -- units of work an executor places on a node (runner/executors/) ---------------------
    def run_workload_unit(self, workload: str, done: dict[str, str]) -> list[tuple[str, Cell, str | None]]:
        """One workload's parity, its own-process cells and its cells timed in windows (the engine
        interleaves them: they must share a machine); returns its untimed cells, not run here."""
        remove_orphaned_temp()
        try:
            self._run_windowed(self._run_workload(workload, done), done, None)
        finally:
            self._close_sessions()
            if self._compile_cache:
                shutil.rmtree(self._compile_cache, ignore_errors=True)
                self._compile_cache = None
        deferred, self._deferred = self._deferred, []
        return deferred

    def run_cell_unit(self, criterion: str, cell: Cell, not_comparable: str | None) -> None:
        """One cell in its own process (a global cell, or an untimed cell placed on its own)."""
        self._run_cell(criterion, cell, {}, not_comparable)

    def untimed(self, criterion: str, cell: Cell) -> bool:
        return self._untimed(criterion, cell)

    def _untimed(self, criterion: str, cell: Cell) -> bool:
        return self.criteria[criterion].untimed(cell)

    def _run_untimed(self, done: dict[str, str]) -> None:
        """The cells that measure no time, after every timed one, in workers side by side."""
        todo, self._deferred = self._deferred, []
        self._run_in_workers(self._runnable(todo, done), "untimed", "untimed cells")

    def _run_in_workers(self, todo: list[tuple[str, Cell]], name: str, what: str) -> None:
        """Cells whose time is not compared, one worker per framework (runner/session.py: the
        framework imported once; a crash or hang is that cell's row and the worker is replaced),
        ``untimed_parallel`` workers at a time, a lane's last cells shared with an idle thread
        (runner/lanes.py); stored as they finish."""
        if not todo:
            return
        lanes = Lanes(todo, lambda item: item[1].framework, self.config.untimed_parallel, usable_cpus())
        cancel, results = threading.Event(), queue.Queue()
        sessions: list[Session] = []

        def drive(thread: int) -> None:
            mine: dict[str, Session] = {}
            try:
                while not cancel.is_set():
                    taken = lanes.take(thread)
                    if taken is None:
                        return
                    framework, (criterion, cell) = taken
                    if framework not in mine:
                        mine[framework] = Session(f"{name}-{framework}-{thread}", self._env())
                        sessions.append(mine[framework])
                    command = {"op": "call", "entry": self.entries[criterion],
                               "payload": self._payload(cell, **self._options(criterion))}
                    try:
                        result = mine[framework].request(command, self.config.timeout_s)
                    except Exception as exc:  # the harness itself, or a worker stopped by a cancel
                        result = {"status": "failed", "error": f"could not run the cell: {type(exc).__name__}: {exc}"}
                    finally:
                        lanes.done()
                    results.put((cell, result))
            finally:  # its workers end with it, not idle until the last lane is done
                for session in mine.values():
                    session.close()

        self.progress(f"{len(todo)} {what}, {lanes.threads} workers at a time", self._done, self.total)
        pool = ThreadPoolExecutor(lanes.threads, thread_name_prefix=f"dlarena-{name}")
        try:
            futures = [pool.submit(drive, i) for i in range(lanes.threads)]
            while not (all(f.done() for f in futures) and results.empty()):
                try:
                    self._record(*results.get(timeout=0.2))
                except queue.Empty:
                    continue
        except BaseException:  # Ctrl-C / SIGTERM: stop the workers still running, keep what is stored
            cancel.set()
            lanes.stop()
            raise
        finally:
            for session in list(sessions):
                session.close()
            pool.shutdown(wait=True, cancel_futures=True)

    def _run_workload(self, workload: str, done: dict[str, str]) -> list[tuple[str, Cell, str | None]]:
        """Parity, then the cells that run in their own process; returns the cells to time in windows."""
        reasons = self._parity(workload, done)
        windowed, own_process = [], []
        for criterion, cell in self._planned(workload):
            not_comparable = reasons.get(cell.framework) if self.criteria[criterion].needs_parity else None
            if self.criteria[criterion].timed_in_windows:
                windowed.append((criterion, cell, not_comparable))
            elif self._untimed(criterion, cell):
                self._deferred.append((criterion, cell, not_comparable))
            else:
                own_process.append((criterion, cell, not_comparable))
        self._run_own_process(own_process, done)
        return windowed

    def _run_own_process(self, planned: list[tuple[str, Cell, str | None]], done: dict[str, str]) -> None:
        """Cells in their own process, in plan order; consecutive cells whose time is not compared
        (``Criterion.side_by_side``) ``untimed_parallel`` at a time."""
        i = 0
        while i < len(planned):
            j = i
            while j < len(planned) and self.criteria[planned[j][0]].side_by_side(planned[j][1]):
                j += 1
            if j - i > 1 and self.config.untimed_parallel > 1:
                self._run_side_by_side(planned[i:j], done)
                i = j
            else:
                self._run_cell(planned[i][0], planned[i][1], done, planned[i][2])
                i += 1

    def _run_side_by_side(self, planned: list[tuple[str, Cell, str | None]], done: dict[str, str]) -> None:
        todo = self._runnable(planned, done)
        if todo:
            self._run_in_workers(todo, "side", f"{todo[0][1].scenario} cells")

    def _run_windowed(self, planned: list[tuple[str, Cell, str | None]], done: dict[str, str],
                      deadline: float | None) -> None:
        """Cells timed in interleaved windows by the engine, one criterion at a time."""
        by_criterion: dict[str, list] = {}
        for criterion, cell in self._runnable(planned, done):
            by_criterion.setdefault(criterion, []).append((cell, self._session(cell.framework),
                                                           self._payload(cell, **self._options(criterion))))
        for criterion, cells in by_criterion.items():
            module = self.criteria[criterion].window_driver()
            between = history.allowance(self.store, self.run_id, (self.store.run(self.run_id) or {}).get("env"), module,
                                        self.config.repetitions.between_run_sigma)
            engine = SpeedEngine(self.config, module, self._record,
                                 lambda text: self.progress(text, self._done, self.total),
                                 driver=self.drivers.get(criterion), between_run=between)
            engine.run(cells, deadline)

    def _run_cell(self, criterion: str, cell: Cell, done: dict[str, str], not_comparable: str | None) -> None:
        if self._skip_done(cell, done):
            return
        self.progress(cell.id, self._done, self.total)
        result = self._not_runnable(cell, not_comparable)
        if result is None:
            result = run_isolated(self.entries[criterion], self._payload(cell, **self._options(criterion)),
                                  self.config.timeout_s, self._env())
        self._record(cell, result)

    def _parity(self, workload: str, done: dict[str, str]) -> dict[str, str | None]:
        """Runs (or, on resume, reads) the parity cells; returns, per framework, why its cells are
        not timed (None: timed), as parity/agreement.py decides from the records. Parity times
        nothing, so the frameworks' captures run side by side (``untimed_parallel``), each in its
        framework's worker; they are compared and stored in order afterwards."""
        cells = self.parity_cells(workload)
        if not cells:
            return {}
        output = {cell.framework: self.store.artifacts_dir / self.run_id / "parity" / f"{workload}__{cell.framework}.npz"
                  for cell in cells}
        previous = {cell.id: self._skip_done(cell, done) for cell in cells}
        fresh = [cell for cell in cells if previous[cell.id] is None]
        results = self._captures(workload, fresh, output) if fresh else {}
        recorded = [c.framework for c in cells if (previous[c.id] or results[c.id].get("status")) == "ok"]
        _, standings = (agreement.decide(recorded, self._comparer(workload, output), frameworks.display_name)
                        if fresh else (None, {}))
        if standings and all(s.not_timed is None for s in standings.values()):
            for framework in recorded:
                parity.slim(output[framework])
        reasons = {}
        for cell in cells:
            if previous[cell.id] is not None:
                reasons[cell.framework] = self._stored_reason(cell, previous[cell.id])
                continue
            result, standing = results[cell.id], standings.get(cell.framework)
            if standing is not None:
                result = {**result, **standing.result,
                          "metrics": (result.get("metrics") or []) + (standing.result.get("metrics") or [])}
            status = self._record(cell, result)
            reasons[cell.framework] = standing.not_timed if standing else _capture_reason(cell.framework, status)
        return reasons

    def _captures(self, workload: str, cells: list[Cell], output: dict) -> dict[str, dict]:
        """Each cell's capture result (its record written to ``output``), or why it has none."""
        results = {cell.id: self._missing_framework(cell.framework, workload) for cell in cells}
        captures = [cell for cell in cells if results[cell.id] is None]
        if _parameters(workload) > ISOLATED_CAPTURE_PARAMS:
            self.progress(f"parity of {workload}: " + ", ".join(c.framework for c in captures)
                          + " (one at a time, each in its own process)", self._done, self.total)
            for cell in captures:
                results[cell.id] = run_isolated(self.entries["parity"], self._payload(
                    cell, output=str(output[cell.framework])), self.config.timeout_s, self._env())
            return results
        for cell in captures:  # started here: a worker dies with the thread that started it (PDEATHSIG)
            if not self._session(cell.framework).alive:
                self._session(cell.framework).start()
        self.progress(f"parity of {workload}: " + ", ".join(c.framework for c in captures), self._done, self.total)
        with ThreadPoolExecutor(max(1, min(len(captures), self.config.untimed_parallel))) as pool:
            futures = {cell.id: pool.submit(self._session(cell.framework).request, {
                "op": "call", "entry": self.entries["parity"],
                "payload": self._payload(cell, output=str(output[cell.framework]))}, self.config.timeout_s)
                for cell in captures}
            results.update({cell_id: future.result() for cell_id, future in futures.items()})
        return results

    def _comparer(self, workload: str, output: dict) -> agreement.Compare:
        spec = workloads.get(workload)

        def compare(reference: str, other: str) -> dict:
            try:
                return parity.compare(spec, str(output[reference]), str(output[other]), reference)
            except OSError as exc:  # e.g. artifacts deleted between an interrupted run and --resume
                return {"status": "failed", "error": f"cannot compare parity records: {exc}"}
        return compare

    def _stored_reason(self, cell: Cell, status: str) -> str | None:
        """Why a framework whose parity cell an earlier attempt stored (resume) is not timed."""
        if status in ("ok", "skipped"):
            return None
        error = next((c["error"] for c in self.store.cells(self.run_id) if c["cell_id"] == cell.id), None)
        return _capture_reason(cell.framework, status) + (f": {error}" if error else "")


# A parity capture holds its model several times over (float32 and float64 passes, gradients, an
# optimizer step, every layer's output): at ~100M parameters 5-10 GB a framework, and a framework's
# worker keeps that memory once it has it (4 workers held 22.5 GB of a 24 GB machine in the zoo suite
# at size small). Above this size each capture runs in its own process, one after the other, and the
# memory goes back before the next.
ISOLATED_CAPTURE_PARAMS = 50_000_000


def _parameters(workload: str) -> int:
    try:
        return workloads.get(workload).parameter_count
    except Exception:  # a workload whose spec cannot be built here: its cells report why
        return 0


def _capture_reason(framework: str, status: str) -> str | None:
    """Why the cells of a framework whose parity record could not be captured are not timed."""
    return None if status in ("ok", "skipped") else f"parity check did not pass ({framework}: {status})"


def pinned_cpus(threads: int, prefer: list[int] | None = None, bounds_one_thread: bool = True) -> list[int] | None:
    """The CPUs a worker is restricted to: ``threads`` of those this process may use, the ones in
    ``prefer`` first (the idlest at the run's start), or None (no restriction) when that is all of
    them. One thread runs unpinned where the framework bounds it by its own setting: unpinned it
    runs wherever the kernel finds a free CPU, while pinned, a neighbour that migrates onto its CPU
    halves its speed (148 of 252 windows flagged beside one spinning process, docs/benchmarks.md).
    A framework that cannot bound one thread (``FrameworkInfo.bounds_one_thread``: XLA's pool
    follows the affinity only) is pinned to one CPU, so "one thread" is one core for everyone."""
    if not hasattr(os, "sched_getaffinity") or (threads <= 1 and bounds_one_thread):
        return None
    available = sorted(os.sched_getaffinity(0))
    order = [c for c in prefer or [] if c in available] + [c for c in available if c not in (prefer or [])]
    threads = max(1, threads)
    return sorted(order[:threads]) if threads < len(available) else None
