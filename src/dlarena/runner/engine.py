"""The measurement engine: repeated, interleaved windows, spent where verdicts are undecided.

For the cells it is given (every workload's, or one workload's):
1. every timed cell is started once in its framework's worker (runner/session.py): build, first
   call (compilation included, recorded), warm-up;
2. rounds: each round times one window of every cell still in play, in a shuffled order (seed
   recorded), so a slow phase of the machine hits every framework and mode alike, never one of
   them; the machine's noise is recorded around each window, and a window measured under
   contention is left out and measured again (measure/contention.py);
3. after ``min_windows`` rounds, each framework-vs-framework pair (same scenario) gets a verdict
   from the ratio of the two cells' bootstrap replicates (measure/verdict.py); only cells in a
   still-inconclusive pair, or a winner whose CI only just excludes a tie (``fragile``), get
   more windows, up to ``max_windows`` and while the budget lasts;
4. each cell's windows become its metrics (criteria/speed.rows_from_windows: a two-level
   bootstrap over windows, then calls) and are stored with every window and its noise; the
   headline's CI gains the between-run allowance (measure/drift.py), its bootstrap replicates
   do not (verdicts compare cells of one run, where the machine's drift cancels).

With ``processes`` > 1 each framework's worker is replaced between rounds, so repetitions also
span processes (allocator, thread-pool and memory-layout state differ per process).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from itertools import combinations
from typing import Callable

import numpy as np

from dlarena.config import Cell, SuiteConfig
from dlarena.measure import contention, cores, drift
from dlarena.measure.verdict import DEFAULT_BAND, Estimate, compare, fragile
from dlarena.runner.session import Session

RecordFn = Callable[[Cell, dict], None]
StatusFn = Callable[[str], None]


@dataclass
class Window:
    samples_s: list[float]
    process: int
    started_at: float
    duration_s: float
    noise: dict
    flag: str | None = None

    @property
    def included(self) -> bool:
        return self.flag is None


@dataclass
class LiveCell:
    cell: Cell
    session: Session
    payload: dict
    started_in: int = 0  # the session's process number this cell was last started in
    first_rows: list[dict] | None = None  # first-call metrics from the first process it ran in
    runtime: dict = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)
    estimate_cache: tuple[int, object] | None = None

    @property
    def included(self) -> list[Window]:
        return [w for w in self.windows if w.included]

    @property
    def flagged(self) -> int:
        return len(self.windows) - len(self.included)


MIN_QUIET_WINDOWS = 2  # a CI needs windows to vary between


def busy_note(lc: LiveCell) -> str | None:
    """Why a cell's windows decide no verdict: after the re-measurements, most of its windows were
    contended, or fewer than MIN_QUIET_WINDOWS were quiet (how many stayed contended, and the
    first reason); None when the quiet windows carry the estimate."""
    if len(lc.included) >= MIN_QUIET_WINDOWS and lc.flagged <= len(lc.included):
        return None
    reason = next((w.flag for w in lc.windows if w.flag), "contended")
    return f"{lc.flagged} of {len(lc.windows)} windows contended ({reason})"


class SpeedEngine:
    def __init__(self, config: SuiteConfig, criterion, record: RecordFn, status: StatusFn | None = None,
                 driver: str | None = None, between_run: drift.BetweenRun | None = None):
        """``criterion``: a module with ``HEADLINE`` {scenario: metric}, ``HIGHER_IS_BETTER``
        {scenario: bool}, ``to_unit(cell, seconds)``, ``estimate(cell, windows, seed)`` and
        ``rows_from_windows(cell, windows, seed)``;
        ``driver``: the module the workers run (``start``/``window``/``finish``), by default the same;
        ``between_run``: the run-level allowance added to each headline's CI (none by default)."""
        self.config = config
        self.reps = config.repetitions
        self.criterion = criterion
        self.driver = driver or criterion.__name__
        self.rows_from_windows = criterion.rows_from_windows
        self.record = record
        self.status = status or (lambda _text: None)
        self.rng = random.Random(config.seed)
        self.probe_baseline: list[float] = []
        self.between_run = between_run
        # Other processes may use the CPUs this run leaves free (threads fitted to the free cores):
        # only more than that contends with its windows.
        self.other_cpu_limit = cores.other_cpu_limit(config.threads, contention.ContentionMeter([]).cpus,
                                                     self.reps.contended_other_cpu_pct)

    # -- the cells given ---------------------------------------------------------------------
    def run(self, cells: list[tuple[Cell, Session, dict]], deadline: float | None) -> None:
        live = [LiveCell(cell, session, payload) for cell, session, payload in cells]
        live = [lc for lc in live if self._start(lc)]
        replace_after = self._replacement_rounds()
        rounds = 0
        while live:
            todo = self._next_round(live, deadline)
            if not todo:
                break
            if rounds in replace_after:
                for session in {id(lc.session): lc.session for lc in live}.values():
                    session.stop()  # the next request starts a fresh process; cells restart there
            self.rng.shuffle(todo)
            rounds += 1
            for i, lc in enumerate(todo):
                self.status(f"{lc.cell.workload}: round {rounds}, window {i + 1}/{len(todo)} {lc.cell.id}")
                if not self._window(lc):
                    live.remove(lc)
        for lc in live:
            self._finish(lc)

    def _replacement_rounds(self) -> set[int]:
        p = self.reps.processes
        return {math.ceil(self.reps.min_windows * k / p) for k in range(1, p)}

    # -- scheduling -------------------------------------------------------------------------
    def _next_round(self, live: list[LiveCell], deadline: float | None) -> list[LiveCell]:
        # The minimum is owed to every cell; replacing contended windows only while the budget lasts.
        retries = self.reps.retries if deadline is None or time.monotonic() < deadline else 0
        short = [lc for lc in live if len(lc.included) < self.reps.min_windows
                 and len(lc.windows) < self.reps.min_windows + retries]
        if short:
            return short
        undecided = self._undecided(live)
        todo = [lc for lc in undecided if len(lc.windows) < self.reps.max_windows + self.reps.retries
                and len(lc.included) < self.reps.max_windows]
        if not todo:
            return []
        if deadline is not None:
            expected = sum(np.median([w.duration_s for w in lc.windows]) + self.reps.gap_s for lc in todo)
            if time.monotonic() + expected > deadline:
                return []
        return todo

    def _undecided(self, live: list[LiveCell]) -> list[LiveCell]:
        """Cells in at least one framework-vs-framework pair whose verdict is inconclusive or fragile."""
        out: dict[str, LiveCell] = {}
        groups: dict[tuple, list[LiveCell]] = {}  # a pair: same workload, scenario and batch
        for lc in live:
            if len(lc.included) >= 2:
                groups.setdefault((lc.cell.workload, lc.cell.scenario, lc.cell.batch), []).append(lc)
        for group in groups.values():
            for a, b in combinations(group, 2):
                if a.cell.framework == b.cell.framework:
                    continue
                higher = self.criterion.HIGHER_IS_BETTER[a.cell.scenario]
                verdict = compare(self._estimate(a), self._estimate(b), higher, self.band)
                if verdict.outcome == "inconclusive" or fragile(verdict):
                    out[a.cell.id], out[b.cell.id] = a, b
        return list(out.values())

    @property
    def band(self) -> float:
        return getattr(self.config, "equivalence_band", DEFAULT_BAND)

    def _estimate(self, lc: LiveCell) -> Estimate:
        n = len(lc.windows)
        if lc.estimate_cache is None or lc.estimate_cache[0] != n:
            est = self.criterion.estimate(lc.cell, [w.samples_s for w in lc.included], self.config.seed)
            lc.estimate_cache = (n, Estimate(lc.cell.id, est.value, est.ci_low, est.ci_high, tuple(est.replicates)))
        return lc.estimate_cache[1]

    # -- talking to the workers -------------------------------------------------------------
    def _request(self, lc: LiveCell, command: dict) -> dict:
        return lc.session.request({**command, "key": lc.cell.id}, self.config.timeout_s)

    def _start(self, lc: LiveCell) -> bool:
        """Starts the cell in its session's current worker; records it and returns False on failure."""
        self.status(f"{lc.cell.workload}: starting {lc.cell.id}")
        fresh = not lc.session.alive
        payload = {**lc.payload, "process_context": {"worker_process": lc.session.process + (1 if fresh else 0),
                                                     "framework_imported_before": not fresh}}
        result = self._request(lc, {"op": "start", "driver": self.driver, "payload": payload})
        if result.get("status") != "ok":
            self.record(lc.cell, {**result, "repetitions": self._repetition_rows(lc)})
            return False
        lc.started_in = lc.session.process
        if lc.first_rows is None:
            lc.first_rows, lc.runtime = result.get("metrics", []), result.get("runtime", {})
        else:  # started again in a replacement worker: what that cost, for the record
            lc.runtime.setdefault("restart_s", []).append(round(result["duration_s"], 3))
        return True

    def _window(self, lc: LiveCell) -> bool:
        if lc.started_in != lc.session.process or not lc.session.alive:
            if not self._start(lc):
                return False
        time.sleep(self.reps.gap_s)
        meter = contention.ContentionMeter([lc.session.pid])
        before = meter.snapshot()
        result = self._request(lc, {"op": "window", "timing": self.config.timing.model_dump()})
        after = meter.snapshot()
        if result.get("status") != "ok":
            self.record(lc.cell, {**result, "repetitions": self._repetition_rows(lc)})
            return False
        seen = {**meter.between(before, after), "probe_s": result["probe_s"]}
        baseline = float(np.median(self.probe_baseline)) if len(self.probe_baseline) >= 3 else None
        window = Window(result["samples"], lc.session.process, result["started_at"], result["duration_s"], seen,
                        contention.why_contended(seen, baseline, self.other_cpu_limit, self.reps.contended_probe_slowdown,
                                         self.reps.contended_runq_wait_pct))
        if window.included:
            self.probe_baseline.append(result["probe_s"])
        lc.windows.append(window)
        return True

    def _finish(self, lc: LiveCell) -> None:
        result = self._request(lc, {"op": "finish"})
        final = result.get("metrics", []) if result.get("status") == "ok" else []
        windows = lc.included
        quality = {"windows": len(windows), "flagged_windows": lc.flagged,
                   "processes": len({w.process for w in lc.windows})}
        if not windows:  # every window contended: keep them, and say so
            windows = lc.windows
            quality["all_windows_contended"] = True
        busy = busy_note(lc)  # re-measured, and still contended: no verdict from it
        if busy:
            quality["busy"] = busy
        quality.update(contention.stall_evidence(lc.windows))
        rows = self.rows_from_windows(lc.cell, [w.samples_s for w in windows], self.config.seed)
        rows[0]["extra"].update(quality)
        self._add_between_run(rows[0])
        runtime = {**lc.runtime, "repetitions": quality}
        self.record(lc.cell, {"status": "ok", "metrics": rows + (lc.first_rows or []) + final, "runtime": runtime,
                              "duration_s": sum(w.duration_s for w in lc.windows),
                              "repetitions": self._repetition_rows(lc)})

    def _add_between_run(self, head: dict) -> None:
        if self.between_run is None or head.get("ci_low") is None:
            return
        within = (head["ci_low"], head["ci_high"])
        head["ci_low"], head["ci_high"] = drift.widen(head["value"], *within, self.between_run.sigma)
        head["extra"].update(ci_within_run=list(within), between_run=self.between_run.as_dict())

    def _repetition_rows(self, lc: LiveCell) -> list[dict]:
        metric = self.criterion.HEADLINE[lc.cell.scenario]
        to_unit = self.criterion.to_unit
        return [{"metric": metric, "repetition": i + 1, "process": w.process, "started_at": w.started_at,
                 "duration_s": w.duration_s, "n": len(w.samples_s),
                 "median": float(np.median(to_unit(lc.cell, np.asarray(w.samples_s)))),
                 "included": w.included, "flag": w.flag, "noise": w.noise}
                for i, w in enumerate(lc.windows)]
