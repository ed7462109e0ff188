"""Entry point of an isolated measurement process.

``python -m dlarena.process.worker ENTRY PAYLOAD.json RESULT.json`` imports ``module:function``
ENTRY, calls it with the payload and writes its result dict atomically. Anything the function
raises becomes a ``failed`` result with the error text; a crash or kill leaves no result file,
which the parent turns into a result of its own.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

from dlarena.measure.memory import peak_rss_mb
from dlarena.process.lifeline import die_with_parent


def _write(path: str, result: dict) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, path)


def error_result(exc: BaseException) -> dict:
    """An exception raised inside a cell, as a result: every failure becomes data."""
    if isinstance(exc, MemoryError):
        return {"status": "failed", "error": f"out of memory: {exc}", "traceback": traceback.format_exc()}
    # An exception may say it is not a failure (criteria.common.Skipped: "skipped", its reason).
    status = getattr(exc, "status", "failed")
    error = f"{type(exc).__name__}: {exc}".strip() if status == "failed" else str(exc)
    return {"status": status, "error": error, "traceback": traceback.format_exc()}


def call_entry(entry: str, payload: dict) -> dict:
    try:
        module, func = entry.split(":")
        result = getattr(importlib.import_module(module), func)(payload)
    except Exception as exc:  # MemoryError is an Exception too
        result = error_result(exc)
    result.setdefault("metrics", [])
    return result


def main(argv: list[str]) -> int:
    die_with_parent()
    entry, payload_path, result_path = argv
    with open(payload_path) as f:
        payload = json.load(f)
    result = call_entry(entry, payload)
    result["peak_rss_mb"] = peak_rss_mb()
    _write(result_path, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
