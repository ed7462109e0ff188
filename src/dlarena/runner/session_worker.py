"""A worker process that keeps cells alive between their timing windows.

``python -m dlarena.runner.session_worker REPLY_FD CPUS`` reads one JSON command per line on
stdin and writes one JSON reply per line to REPLY_FD (stdout and stderr stay free for the
frameworks' own chatter, which goes to the session's log). The framework is imported once per
process, and each cell is built, compiled and warmed up once; the parent (runner/session.py)
then asks for windows in whatever order interleaves the suite. Commands:

- ``{"op": "call", "entry": "module:fn", "payload": {...}}``: a whole cell (parity, for instance);
- ``{"op": "start", "key": K, "driver": MODULE, "payload": {...}}``: ``MODULE.start(payload)``;
- ``{"op": "window", "key": K, "timing": {...}}``: the calibration probe, then ``MODULE.window``;
- ``{"op": "finish", "key": K}``: ``MODULE.finish(handle)``, and the cell is dropped.

Any exception becomes a result with its error; a crash or hang is the parent's to record.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time

from dlarena.measure.contention import calibration_probe
from dlarena.process.lifeline import die_with_parent
from dlarena.process.worker import call_entry, error_result


def pin_cpus(cpus: str) -> None:
    """Restrict this process (and every thread pool it creates) to the given CPUs, before any
    framework is imported: XLA sizes its thread pool from the CPUs it may run on and ignores
    thread-count variables, so this is what makes ``--threads`` hold for every framework."""
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})


def handle_command(cmd: dict, cells: dict) -> dict:
    op = cmd["op"]
    if op == "call":
        return call_entry(cmd["entry"], cmd["payload"])
    try:
        if op == "start":
            driver = importlib.import_module(cmd["driver"])
            handle, rows = driver.start(cmd["payload"])
            cells[cmd["key"]] = (driver, handle)
            return {"status": "ok", "metrics": rows, "runtime": getattr(handle, "runtime", {})}
        driver, handle = cells[cmd["key"]]
        if op == "window":
            probe_s = calibration_probe()
            started = time.time()
            samples = driver.window(handle, cmd["timing"])
            return {"status": "ok", "samples": samples, "probe_s": probe_s, "started_at": started}
        if op == "finish":
            del cells[cmd["key"]]
            return {"status": "ok", "metrics": driver.finish(handle)}
        return {"status": "failed", "error": f"unknown command '{op}'"}
    except Exception as exc:
        return error_result(exc)


def main(argv: list[str]) -> int:
    reply_fd, cpus = int(argv[0]), argv[1] if len(argv) > 1 else ""
    die_with_parent()
    pin_cpus(cpus)
    cells: dict = {}
    with os.fdopen(reply_fd, "w") as reply:
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["op"] == "exit":
                break
            result = handle_command(cmd, cells)
            reply.write(json.dumps(result) + "\n")
            reply.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
