"""Registry of criteria. Each criterion module exposes:

- ``ENTRY``: ``"module:function"`` run inside an isolated worker for each of its cells;
- ``plan(config, workload) -> list[Cell]``: its cells for one workload (run after that
  workload's parity check), and/or ``plan_global(config) -> list[Cell]`` for cells that belong
  to no workload (run after all workloads);
- ``NEEDS_PARITY`` (default True): whether a workload that failed parity is "not comparable";
- optionally ``payload_extra(config) -> {name: options}``: its options model (declared in config.py, nested
  in SuiteConfig under the criterion's name), the one key its cells read their options from;
- optionally ``untimed(cell) -> bool``: True for a cell whose result measures no time (code
  metrics, probes, inventories): such cells run after every timed one, several at a time
  (``untimed_parallel``), each still in its own process with its timeout;
- optionally ``scores(cells, rows) -> {framework: {"score": 0..1, "line": str, "evidence": [cell ids]}}``:
  the criterion's verdict on a run's rows, used by the report's summary table and ``dlarena recommend``
  (``{}`` when the rows hold none of its cells).

Every payload also carries ``artifacts``: this run's folder for files a cell writes.

Modules are imported in the parent process, so they must not import a framework at import time.
"""

from __future__ import annotations

import importlib

from dlarena.config import CRITERIA  # noqa: E402 (name -> module, declared with the config)


def names() -> list[str]:
    return list(CRITERIA)


def load(name: str):
    try:
        return importlib.import_module(CRITERIA[name])
    except KeyError:
        raise KeyError(f"unknown criterion '{name}'; valid: {', '.join(names())}") from None
