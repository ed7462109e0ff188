"""Does this run's answer hold on a rerun? Its framework-vs-framework verdicts checked against the
previous run of the same cells on the same machine (same host, CPU, threads and packages).

A verdict is only as strong as its rerun: the CIs are calibrated, but one run cannot see how a
phase of the machine that lasts longer than the run treats one framework differently from another
(docs/benchmarks.md: one winner of 144 flipped between two runs 21% apart in machine speed). So
the report and the end of a run say how many verdicts the previous run confirms, and list those
it does not, by the same rule and pairing as ``dlarena compare`` (report/compare_runs.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from dlarena.measure.verdict import band_of
from dlarena.report.compare_runs import CHANGE_KINDS, VerdictChanges, pair_verdicts, probe_speedup, verdict_changes
from dlarena.measure.env import machine_key
from dlarena.store.db import ResultStore, stored_json

MAX_LISTED = 5  # changed verdicts named in the line; `dlarena compare` lists them all
MAX_LOOKBACK = 10  # earlier runs of this machine searched for shared verdicts
MACHINE_MOVED = 0.10  # a calibration-probe change beyond this is named beside the changed verdicts


@dataclass
class RerunCheck:
    run_id: str
    previous: str | None = None  # the earlier run the verdicts were checked against
    changes: VerdictChanges | None = None
    pairs: int = 0  # this run's verdicts (framework-vs-framework pairs)
    probe: float | None = None  # this run's machine speed over the previous run's (calibration probe)

    @property
    def confirmed(self) -> int:
        return 0 if self.changes is None else self.changes.pairs - len(self.changes.changes)

    def line(self) -> str | None:
        if not self.pairs:
            return None
        if self.changes is None:
            return (f"no earlier run of these cells on this machine to check this run's {self.pairs} verdicts "
                    "against: run the same command again, and the report says which verdicts a rerun confirms")
        c = self.changes
        counts = ", ".join(f"{c.count(kind)} {kind}" for kind in CHANGE_KINDS)
        text = (f"{self.confirmed} of {c.pairs} verdicts match the previous run on this machine "
                f"({self.previous}); changed: {counts}")
        if self.probe and abs(self.probe - 1) > MACHINE_MOVED:
            text += (f"; the machine itself ran {abs(self.probe - 1):.0%} {'faster' if self.probe > 1 else 'slower'} "
                     "than in that run (calibration probe), a shift that need not hit every framework alike")
        listed = [f"{ch.pair} ({ch.kind}: now \"{ch.b}\", before \"{ch.a}\")" for ch in c.changes[:MAX_LISTED]]
        if listed:
            more = len(c.changes) - len(listed)
            text += ". " + "; ".join(listed) + (f"; and {more} more" if more > 0 else "")
            text += f" (all: dlarena compare {self.previous} {self.run_id})"
        return text


def earlier_runs(store: ResultStore, run: dict) -> list[str]:
    """Run ids of this machine's earlier runs, newest first."""
    key = machine_key(run.get("env"))
    out = []
    for r in store.runs():  # newest first
        if r["run_id"] == run["run_id"] or str(r["started_at"]) >= str(run["started_at"]):
            continue
        env = stored_json(r["env"], f"run {r['run_id']}'s env")
        if machine_key(env) == key:
            out.append(r["run_id"])
    return out


def check(store: ResultStore, run: dict) -> RerunCheck:
    """This run's verdicts against the newest earlier run on this machine that shares any of them
    (both judged with this run's equivalence band)."""
    band = band_of(run.get("config"))
    mine = pair_verdicts(store.cells(run["run_id"]), store.measurements(run["run_id"]), band)
    out = RerunCheck(run["run_id"], pairs=len(mine))
    if not mine:
        return out
    for earlier in earlier_runs(store, run)[:MAX_LOOKBACK]:
        theirs = pair_verdicts(store.cells(earlier), store.measurements(earlier), band)
        if mine.keys() & theirs.keys():
            out.previous, out.changes = earlier, verdict_changes(theirs, mine, band)
            out.probe = probe_speedup(store.repetitions(earlier), store.repetitions(run["run_id"]))
            return out
    return out
