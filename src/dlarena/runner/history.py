"""Earlier runs on this machine: how much its speed moved between consecutive runs
(measure/drift.py), for the between-run allowance of this run's absolute CIs."""

from __future__ import annotations

import json

from dlarena.measure.drift import HISTORY_PAIRS, MIN_SHARED_CELLS, BetweenRun, between_run, common_drift
from dlarena.measure.env import machine_key
from dlarena.store.db import ResultStore

def _speeds(rows: list[dict], criterion) -> dict[str, float]:
    """Headline values of a run's ok cells as speeds (higher is faster)."""
    out = {}
    for r in rows:
        if criterion.HEADLINE.get(r["scenario"]) == r["metric"] and r["value"] and r["value"] > 0:
            out[r["cell_id"]] = r["value"] if criterion.HIGHER_IS_BETTER[r["scenario"]] else 1 / r["value"]
    return out


def machine_drifts(store: ResultStore, run_id: str, env: dict, criterion) -> list[float]:
    """Common drift (B's speed over A's) of each consecutive pair of earlier runs on this machine
    that share enough cells, oldest first, the most recent ``HISTORY_PAIRS``."""
    key = machine_key(env)
    runs = [r for r in reversed(store.runs())  # oldest first
            if r["run_id"] != run_id and machine_key(json.loads(r["env"]) if isinstance(r["env"], str) else r["env"]) == key]
    runs = runs[-(HISTORY_PAIRS + 1):]
    metrics = sorted(set(criterion.HEADLINE.values()))
    values = store.headline_values([r["run_id"] for r in runs], metrics)
    speeds = [_speeds(values.get(r["run_id"], []), criterion) for r in runs]
    drifts = []
    for a, b in zip(speeds, speeds[1:]):
        shared = a.keys() & b.keys()
        if len(shared) >= MIN_SHARED_CELLS:
            drifts.append(common_drift((a[c], b[c]) for c in shared))
    return drifts


def allowance(store: ResultStore, run_id: str, env: dict, criterion, sigma: float | None) -> BetweenRun:
    """``sigma`` set by the user wins; otherwise the machine's history with the default prior."""
    if sigma is not None:
        return BetweenRun(sigma, 0, None)
    return between_run(machine_drifts(store, run_id, env, criterion))
