"""Starts the workers of one distributed measurement, watches them, and cleans up.

Runs in the cell's process and imports no framework. How a framework's workers are started
(an agent such as ``torchrun`` that starts them all, or one process per worker with its own
configuration) comes from the framework's ``distributed`` plugin module (``runtime_*.py``,
registered in ``frameworks/__init__.py``). Everything ends within bounded time:
- a worker that dies (any exit before its ``done`` phase) fails the measurement at once;
- workers that have not all joined the runtime within ``join_timeout_s`` fail it
  ("rendezvous timed out");
- the whole measurement has a budget.
Whatever happens, every process started here is killed with its process group (an agent may
put each of its workers in a group of its own, so those are killed by the ids they report), and
a last sweep kills any process whose command line names this measurement's spec file. Workers
also ask the kernel to kill them if their parent dies (see ``worker.die_with_parent``).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from dlarena.distributed.spec import WorkerSpec
from dlarena.process.isolate import thread_env

POLL_S = 0.05
AGENT_REPORT_GRACE_S = 5.0  # after a worker death, time an agent (torchrun) gets to report the exit code
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Cluster:
    world_size: int
    nodes: int = 1
    node_rank: int = 0
    master_addr: str = "127.0.0.1"
    master_port: int = 0
    node_addrs: tuple[str, ...] = ()

    @property
    def local_size(self) -> int:
        return self.world_size // self.nodes

    @property
    def local_ranks(self) -> list[int]:
        return list(range(self.node_rank * self.local_size, (self.node_rank + 1) * self.local_size))

    def worker_addrs(self, ports: list[int]) -> list[str]:
        """Every worker's address: worker i on its node's address and ``ports[i]``."""
        hosts = list(self.node_addrs) or [self.master_addr] * self.nodes
        return [f"{hosts[i // self.local_size]}:{ports[i]}" for i in range(self.world_size)]


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """``n`` distinct ports free right now (the usual bind-to-0 trick; a small race remains)."""
    sockets, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            sockets.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


def loopback_interface() -> str | None:
    for name, addrs in psutil.net_if_addrs().items():
        if any(a.address == "127.0.0.1" for a in addrs):
            return name
    return None


@dataclass(frozen=True)
class Process:
    """A process a runtime plugin asks the launcher to start."""

    name: str  # in error messages: "torchrun", "worker 1"
    argv: list[str]
    env: dict[str, str]  # on top of the launcher's environment
    log: str  # file name in the measurement's folder
    rank: int | None = None  # the worker this process is; None for an agent that starts several


def _short(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[:limit] + "..."


KILLED_FROM_OUTSIDE = {f"killed by {sig}" for sig in ("SIGKILL", "SIGTERM", "SIGINT", "SIGHUP")}


def _describe_code(code: int) -> str:
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


def _die_with_parent() -> None:  # preexec_fn of the processes started here
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


@dataclass
class Outcome:
    status: str  # "ok" | "failed" | "timeout"
    error: str | None
    results: dict[int, dict] = field(default_factory=dict)  # rank -> rank{R}.json
    spawned_at: float = 0.0
    joined_after_s: float | None = None  # spawn -> every local worker joined the runtime
    log_tail: str = ""


class Launch:
    """One distributed measurement on this node: its processes, files and deadlines."""

    def __init__(self, spec: WorkerSpec, cluster: Cluster, rendezvous_timeout_s: float, budget_s: float,
                 gpus: int = 0):
        self.spec, self.cluster = spec, cluster
        self.dir = Path(spec.out_dir)
        self.spec_path = self.dir / "spec.json"
        self.rendezvous_timeout_s, self.budget_s, self.gpus = rendezvous_timeout_s, budget_s, gpus
        self.procs: list[subprocess.Popen] = []
        self.started: list[Process] = []  # what each of self.procs is
        self.logs: list[Path] = []
        from dlarena import frameworks

        self.runtime = frameworks.plugin_module(spec.framework, "distributed")

    # -- starting -----------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(thread_env(self.spec.threads, self.spec.interop_threads))
        if self.cluster.nodes == 1 and self.cluster.master_addr in LOOPBACK:
            iface = loopback_interface()
            if iface:
                env["GLOO_SOCKET_IFNAME"] = iface  # else gloo may pick an address that does not route back
        return env

    def _spawn(self, process: Process, env: dict[str, str]) -> None:
        log = self.dir / process.log
        self.logs.append(log)
        with open(log, "w") as out:
            self.procs.append(subprocess.Popen(process.argv, env={**env, **process.env}, stdout=out,
                                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               start_new_session=True, preexec_fn=_die_with_parent))
        self.started.append(process)

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.spec.save(self.spec_path)
        env = self._env()
        for process in self.runtime.processes(self.spec_path, self.spec, self.cluster, self.rendezvous_timeout_s,
                                              self.gpus):
            self._spawn(process, env)

    # -- watching -----------------------------------------------------------------------------
    def _read(self, rank: int, suffix: str) -> dict | str | None:
        path = self.dir / f"rank{rank}.{suffix}"
        try:
            text = path.read_text()
        except OSError:
            return None
        if suffix == "error":
            return text.strip()
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return None

    def statuses(self) -> dict[int, dict]:
        return {r: s for r in self.cluster.local_ranks if (s := self._read(r, "status"))}

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def _dead_workers(self, statuses: dict[int, dict]) -> list[tuple[int, str]]:
        return [(rank, st["phase"]) for rank, st in statuses.items()
                if st["phase"] != "done" and not self._alive(st["pid"])]

    def _agents(self) -> list[tuple[Process, subprocess.Popen]]:
        return [(p, proc) for p, proc in zip(self.started, self.procs) if p.rank is None]

    def _agent_exit_codes(self) -> dict[int, int]:
        """rank -> exit code, as the agents (e.g. torchrun) report them in their logs."""
        codes = {}
        for process, _ in self._agents():
            try:
                codes.update(self.runtime.exit_codes((self.dir / process.log).read_text(errors="replace")))
            except OSError:
                pass
        return codes

    def _exit_of(self, rank: int) -> str:
        for process, proc in zip(self.started, self.procs):
            if process.rank == rank:
                try:
                    # A killed multi-threaded process shows as a zombie before its last thread is
                    # gone and it can be reaped: give it a moment.
                    return _describe_code(proc.wait(timeout=2))
                except subprocess.TimeoutExpired:
                    return ""
        code = self._agent_exit_codes().get(rank)
        return "" if code is None else _describe_code(code)

    def _worker_failure(self, dead: list[tuple[int, str]]) -> str:
        """Names the root cause: a worker that died without an error of its own (killed) comes
        before workers that then failed because a peer was gone."""
        if agents := self._agents():
            deadline = time.monotonic() + AGENT_REPORT_GRACE_S
            while any(proc.poll() is None for _, proc in agents) and time.monotonic() < deadline:
                time.sleep(POLL_S)
            dead = dead + [d for d in self._dead_workers(self.statuses()) if d not in dead]
        errors = {rank: self._read(rank, "error") for rank, _ in dead}
        exits = {rank: self._exit_of(rank) for rank, _ in dead}
        # A peer's death can make the survivor abort (a Gloo "connection reset") without an error
        # file too: one killed from outside comes first, then one that died without an error.
        dead.sort(key=lambda d: (exits[d[0]] not in KILLED_FROM_OUTSIDE, errors[d[0]] is not None))
        rank, phase = dead[0]
        how = exits[rank]
        text = f"worker {rank} died during phase '{phase}'" + (f" ({how})" if how else "")
        if errors[rank]:
            text += f": {_short(errors[rank])}"
        others = [f"worker {r} then failed: {_short(errors[r])}" for r, _ in dead[1:] if errors[r]]
        return "; ".join([text, *others])

    def _first_error(self) -> str | None:
        for rank in self.cluster.local_ranks:
            if error := self._read(rank, "error"):
                return f"worker {rank}: {error}"
        return None

    def wait(self) -> Outcome:
        spawned_at, started = time.time(), time.monotonic()
        joined_after = None
        ranks = self.cluster.local_ranks
        while True:
            elapsed = time.monotonic() - started
            statuses = self.statuses()
            if joined_after is None and len(statuses) == len(ranks) and \
                    all(s["phase"] not in ("joining",) for s in statuses.values()):
                joined_after = elapsed
            if all(s.get("phase") == "done" for s in statuses.values()) and len(statuses) == len(ranks):
                return self._collect(spawned_at, joined_after)
            dead = self._dead_workers(statuses)
            if dead:
                return self._fail("failed", self._worker_failure(dead), spawned_at, joined_after)
            codes = [p.poll() for p in self.procs]
            if any(c is not None for c in codes):
                # A launcher or worker process ended before every worker reported "done".
                if all(c == 0 for c in codes):  # exited cleanly: give the status files a last look
                    statuses = self.statuses()
                    if len(statuses) == len(ranks) and all(s["phase"] == "done" for s in statuses.values()):
                        return self._collect(spawned_at, joined_after)
                error = self._first_error() or self._exit_description(codes)
                return self._fail("failed", error, spawned_at, joined_after)
            if joined_after is None and elapsed > self.rendezvous_timeout_s:
                joined = sum(1 for s in statuses.values() if s["phase"] != "joining")
                return self._fail("timeout", f"rendezvous timed out after {self.rendezvous_timeout_s:g} s: "
                                  f"{joined} of {len(ranks)} workers on this node joined a world of "
                                  f"{self.cluster.world_size}", spawned_at, joined_after)
            if elapsed > self.budget_s:
                return self._fail("timeout", f"distributed run exceeded its budget of {self.budget_s:g} s",
                                  spawned_at, joined_after)
            time.sleep(POLL_S)

    def _exit_description(self, codes: list[int | None]) -> str:
        parts = [f"{process.name} ended early ({_describe_code(code)})"
                 for process, code in zip(self.started, codes) if code not in (None, 0)]
        parts += [f"worker {r}: {_describe_code(c)}" for r, c in self._agent_exit_codes().items()]
        return "; ".join(parts) or "a process ended early"

    def _collect(self, spawned_at: float, joined_after: float | None) -> Outcome:
        results = {r: self._read(r, "json") for r in self.cluster.local_ranks}
        missing = [r for r, v in results.items() if v is None]
        if missing:
            return self._fail("failed", f"workers {missing} finished without results", spawned_at, joined_after)
        self.terminate()
        return Outcome("ok", None, results, spawned_at, joined_after, self.log_tail())

    def _fail(self, status: str, error: str, spawned_at: float, joined_after: float | None) -> Outcome:
        self.terminate()
        return Outcome(status, error, {}, spawned_at, joined_after, self.log_tail())

    # -- cleaning up --------------------------------------------------------------------------
    def terminate(self) -> None:
        """Kills every process of this measurement, by process group, and reaps our children."""
        own = os.getpgid(0)
        groups = {p.pid for p in self.procs} | {s.get("pgid") for s in self.statuses().values()}
        for pgid in groups - {None, own}:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        marker = str(self.spec_path)
        for proc in psutil.process_iter(["pid", "cmdline"]):
            if proc.pid != os.getpid() and marker in " ".join(proc.info["cmdline"] or []):
                try:
                    proc.kill()
                except psutil.Error:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def log_tail(self, lines: int = 12) -> str:
        out = []
        for log in self.logs:
            try:
                text = log.read_text(errors="replace").strip().splitlines()
            except OSError:
                continue
            if text:
                out.append(f"== {log.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(out)


def run(spec: WorkerSpec, cluster: Cluster, rendezvous_timeout_s: float, budget_s: float, gpus: int = 0) -> Outcome:
    launch = Launch(spec, cluster, rendezvous_timeout_s, budget_s, gpus)
    try:
        launch.start()
        return launch.wait()
    finally:
        launch.terminate()
