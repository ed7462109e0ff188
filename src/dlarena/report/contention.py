"""The machine's noise during a run, from its stored windows: how quiet the measurements were."""

from __future__ import annotations

from collections import Counter

import numpy as np

from dlarena import frameworks
from dlarena.measure.drift import BetweenRun
from dlarena.measure.contention import stall_findings
from dlarena.measure.verdict import band_of
from dlarena.store.db import ResultStore


KINDS = ("other processes", "CPU steal", "calibration probe", "the worker's threads waited")  # how measure/noise.py words its flags


def _kind(reason: str) -> str:
    return next((k for k in KINDS if reason.startswith(k)), reason)


def between_run(rows: list[dict]) -> str | None:
    """How the run's absolute CIs allow for the machine's drift between runs (measure/drift.py)."""
    recorded = next((r["extra"]["between_run"] for r in rows if (r.get("extra") or {}).get("between_run")), None)
    if recorded is None:
        return None
    b = BetweenRun(recorded["sigma"], recorded["pairs"], recorded["prior"], tuple(recorded.get("drifts") or ()))
    return (f"absolute CIs include a {b.describe()}; verdicts compare cells of one run, "
            f"where a whole-machine drift cancels")


def summary(store: ResultStore, run: dict, rows: list[dict] | None = None) -> dict | None:
    """Windows measured, how many were flagged and why, and the CPU use of other processes;
    with the run's measurement ``rows``, the between-run allowance of its CIs."""
    reps = store.repetitions(run["run_id"])
    if not reps:
        return None
    other = np.array([r["noise"].get("other_cpu_pct", 0.0) for r in reps])
    steal = np.array([r["noise"].get("steal_pct", 0.0) for r in reps])
    probes = np.array([r["noise"]["probe_s"] for r in reps if r["noise"].get("probe_s")])
    reasons = Counter(_kind(reason) for r in reps if r["flag"] for reason in r["flag"].split("; "))
    start = (run.get("env") or {}).get("noise_at_start") or {}
    return {
        "windows": len(reps),
        "flagged": sum(1 for r in reps if not r["included"]),
        "cells": len({r["cell_id"] for r in reps}),
        "processes": max(r["process"] or 1 for r in reps),
        "reasons": dict(reasons),
        "other_cpu_median": float(np.median(other)),
        "other_cpu_p95": float(np.percentile(other, 95)),
        "steal_max": float(steal.max()),
        "probe_spread": float(np.percentile(probes, 95) / np.percentile(probes, 5)) if probes.size else None,
        "other_cpu_at_start": start.get("other_cpu_pct"),
        "busiest_at_start": start.get("top", []),
        "other_runs_at_start": start.get("other_dlarena_runs", []),
        "between_run": between_run(rows or []),
        "threads": threads_line(run),
        "contention": contention_lines(store, run),
    }


def line(s: dict | None) -> str:
    if s is None:
        return "no windowed measurements in this run"
    text = (f"{s['windows']} timing windows over {s['cells']} cells; {s['flagged']} flagged as contended "
            f"(left out, and re-measured while the budget lasted); other processes used {s['other_cpu_median']:.0f}% of the CPUs in the median window "
            f"({s['other_cpu_p95']:.0f}% at the 95th percentile); CPU steal at most {s['steal_max']:.0f}%")
    if s["reasons"]:
        text += " (flags: " + ", ".join(f"{k} {n}" for k, n in s["reasons"].items()) + ")"
    if s["probe_spread"]:
        text += f"; calibration probe p95/p5 {s['probe_spread']:.2f}"
    if s["other_cpu_at_start"] is not None:
        text += f"; at start, other processes used {s['other_cpu_at_start']:.0f}%"
    if s.get("other_runs_at_start"):
        text += f"; another dlarena run was in progress at start (pid {', '.join(map(str, s['other_runs_at_start']))})"
    if s.get("between_run"):
        text += f"; {s['between_run']}"
    if s.get("threads"):
        text += f"; {s['threads']}"
    for finding in s.get("contention") or []:
        text += f"; {finding}"
    return text


def threads_line(run: dict) -> str | None:
    """How the run's thread count was chosen (measure/cores.py), for the Environment section."""
    fit = (run.get("config") or {}).get("threads_fit") or {}
    if not fit:
        return None
    threads = (run.get("config") or {}).get("threads")
    busy = ", ".join(f"{p:.0f}%" for p in fit.get("busy_pct", []))
    how = "fitted to the free cores (--threads auto)" if fit.get("requested") == "auto" else f"--threads {fit.get('requested')}"
    return (f"{threads} intra-op threads for every framework, {how}: {fit.get('free_cores')} of {fit.get('cpus')} CPUs "
            f"free at the start (CPU busy shares {busy})" + (f"; {fit['warning']}" if fit.get("warning") else ""))


def _probe_only(busy: str) -> bool:
    """A busy note (runner/engine.py busy_note) whose windows only the calibration probe flagged."""
    return "calibration probe" in busy and not any(other in busy for other in ("other processes", "steal", "waited"))


def contention_lines(store: ResultStore, run: dict) -> list[str]:
    """Verdicts withheld because a cell's windows stayed contended, and thread pools that stalled
    under contention (findings, not verdicts)."""
    from dlarena.report.compare_runs import pair_verdicts

    run_id = run["run_id"]
    cells, rows = store.cells(run_id), store.measurements(run_id)
    verdicts = pair_verdicts(cells, rows, band_of(run.get("config")))
    withheld = sum(v.outcome == "busy" for v in verdicts.values())
    out = []
    if withheld:
        notes = {r["cell_id"]: r["extra"]["busy"] for r in rows if (r.get("extra") or {}).get("busy")}
        busy_cells = sorted(notes)
        advice = ("Every one was flagged by the calibration probe alone, with no other process busy: the host itself "
                  "ran slower (e.g. another virtual machine on it); rerun later" if all(map(_probe_only, notes.values()))
                  else "Rerun on a quieter machine, or with --threads auto")
        out.append(f"{withheld} of {len(verdicts)} verdicts withheld (\"undecided: machine busy\"): the windows of "
                   f"{len(busy_cells)} cell{'s' if len(busy_cells) != 1 else ''} stayed contended after re-measurement "
                   f"(e.g. {busy_cells[0]}); the summary and recommendation do not count them. {advice}")
    threads = (run.get("config") or {}).get("threads")
    out += stall_findings(rows, frameworks.display_name, threads)
    return out
