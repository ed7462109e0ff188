"""Grouping stored rows: measurements by cell, and runs made together on a cluster.

Runs made together on a cluster (the Ray executor): one run per hardware kind, each run's env
holding ``cluster`` = {"executor", "group", "hardware", "nodes_by", "nodes"}. The group id is the
base run id the kinds' run ids extend (``<group>.<kind>``; a single kind keeps the base id)."""

from __future__ import annotations


from dlarena.store.db import ResultStore, stored_json


def cluster_of(env) -> dict:
    """A run's cluster record ({} for a run made on one machine)."""
    if isinstance(env, str):
        env = stored_json(env or "{}", "a run's env")
    return (env or {}).get("cluster") or {}


def group_runs(store: ResultStore, run_or_group: str) -> list[dict]:
    """The runs of the group that ``run_or_group`` names (a group id, or any of its runs' ids),
    by hardware kind; [] when it names neither."""
    rows = store.runs()
    group = next((cluster_of(r["env"]).get("group") for r in rows if r["run_id"] == run_or_group), None) or run_or_group
    members = [r for r in rows if cluster_of(r["env"]).get("group") == group]
    return sorted(members, key=lambda r: cluster_of(r["env"]).get("hardware") or "")


def hardware_of(row: dict) -> str | None:
    return cluster_of(row.get("env")).get("hardware")


def metrics_by_cell(rows: list[dict]) -> dict[str, dict[str, dict]]:
    """cell id -> metric -> its measurement row."""
    out: dict[str, dict[str, dict]] = {}
    for r in rows:
        out.setdefault(r["cell_id"], {})[r["metric"]] = r
    return out


def rows_by_cell(rows: list[dict]) -> dict[str, list[dict]]:
    """cell id -> its measurement rows, in order."""
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["cell_id"], []).append(r)
    return out
