"""Helpers shared by the deployment and serving tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dlarena import workloads
from dlarena.criteria.deployment import cells as deployment


def payload(artifacts: Path, workload: str, framework: str, path: str, scenario: str, timing: dict, **extra) -> dict:
    batch = 1 if scenario == deployment.SERVE else workloads.get(workload).batch_for("infer_throughput")
    cell = {"workload": workload, "framework": framework, "mode": path, "scenario": scenario, "batch": batch}
    return {"cell": cell, "threads": 1, "interop_threads": 1, "seed": 0, "timing": timing,
            "artifacts": str(artifacts), **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, *args: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dlarena.cli", "serve", str(folder), "--port", str(port),
                                 "--threads", "1", *args], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=1, trust_env=False).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
