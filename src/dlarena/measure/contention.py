"""Machine noise, made visible: what else used the CPUs while a window was timed.

A timing window is only as good as the machine was quiet during it. Around every window the
parent records the system's CPU time (psutil), the measuring worker's own CPU time, CPU steal
(time the hypervisor gave the vCPUs to another guest) and the load average; inside the worker a
short fixed calibration probe (pure Python, one core) runs before the window, so a slow phase of
the machine (frequency, a co-tenant on the host) shows as a slow probe even when no process here
is to blame. A window measured under contention is flagged, left out of the statistics and
measured again (runner/engine.py).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import psutil

# A window is contended when other processes used more than this share of all CPUs during it,
# the hypervisor stole more than this share, or the probe ran this much slower than usual.
OTHER_CPU_PCT = 20.0
STEAL_PCT = 10.0
PROBE_SLOWDOWN = 1.5
# The measured worker's threads' run-queue wait (summed over its threads, /proc/<pid>/task/*/
# schedstat) is recorded with every window, not judged by default: on a quiet machine with one
# intra-op thread, JAX's own runtime threads waited for each other a median 25-46% of a window
# (PyTorch and TensorFlow < 1%), so the share cannot tell a neighbour from a framework's own threads
# (docs/benchmarks.md). ``repetitions.contended_runq_wait_pct`` turns it into a flag.
RUNQ_WAIT_PCT = None
BUSY_AT_START_PCT = 25.0
# CPU times tick every 10 ms: over a shorter window the shares above are mostly rounding.
MIN_WALL_S = 0.1

_PROBE_N = 20_000


def calibration_probe() -> float:
    """Seconds for a fixed pure-Python loop (~1 ms), best of three: the machine's speed right now."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(_PROBE_N):
            total += i * i
        best = min(best, time.perf_counter() - t0)
    return best


def _busy_and_steal(times) -> tuple[float, float]:
    idle = times.idle + getattr(times, "iowait", 0.0)
    steal = getattr(times, "steal", 0.0)
    total = sum(times)
    # guest time is already counted in user time on Linux
    total -= getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    return total - idle - steal, steal


def _process_cpu(pid: int) -> float:
    try:
        t = psutil.Process(pid).cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return t.user + t.system + t.children_user + t.children_system


def runq_wait_s(pid: int) -> float | None:
    """Seconds the threads of ``pid`` have waited on a run queue (Linux schedstat), None where the
    kernel does not say."""
    total, seen = 0.0, False
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1]) / 1e9
                seen = True
        except (OSError, ValueError, IndexError):
            continue
    return total if seen else None


@dataclass
class Snapshot:
    wall: float
    busy: float
    steal: float
    own: float
    waited: float | None = None  # run-queue wait of the measured workers' threads (s)


class ContentionMeter:
    """Measures, around one window, how much CPU went to processes other than ``pids``."""

    def __init__(self, pids: list[int]):
        self.pids = [os.getpid(), *pids]  # the parent (this process) is ours too
        self.measured = list(pids)  # the workers whose threads must not wait for a CPU
        self.cpus = psutil.cpu_count(logical=True) or 1

    def snapshot(self) -> Snapshot:
        busy, steal = _busy_and_steal(psutil.cpu_times())
        waits = [runq_wait_s(p) for p in self.measured]
        waited = sum(w for w in waits if w is not None) if any(w is not None for w in waits) else None
        return Snapshot(time.perf_counter(), busy, steal, sum(_process_cpu(p) for p in self.pids), waited)

    def between(self, before: Snapshot, after: Snapshot) -> dict:
        capacity = max(after.wall - before.wall, 1e-6) * self.cpus
        other = max(0.0, (after.busy - before.busy) - (after.own - before.own))
        return {"other_cpu_pct": round(min(100.0, 100 * other / capacity), 1),
                "steal_pct": round(min(100.0, 100 * (after.steal - before.steal) / capacity), 1),
                "own_cpu_pct": round(min(100.0, 100 * (after.own - before.own) / capacity), 1),
                "load_1m": round(os.getloadavg()[0], 2), "wall_s": round(after.wall - before.wall, 4),
                **({"runq_wait_pct": round(100 * max(0.0, after.waited - before.waited) / max(after.wall - before.wall, 1e-6), 1)}
                   if before.waited is not None and after.waited is not None else {})}


def why_contended(noise: dict, probe_baseline_s: float | None, other_cpu_pct: float = OTHER_CPU_PCT,
               probe_slowdown: float = PROBE_SLOWDOWN, runq_wait_pct: float | None = RUNQ_WAIT_PCT) -> str | None:
    """Why a window's numbers are suspect, or None when the machine was quiet enough."""
    reasons = []
    if (runq_wait_pct is not None and noise.get("runq_wait_pct", 0) > runq_wait_pct
            and noise.get("wall_s", MIN_WALL_S) >= MIN_WALL_S):
        reasons.append(f"the worker's threads waited {noise['runq_wait_pct']:.0f}% of the window for a CPU")
    if noise.get("wall_s", MIN_WALL_S) < MIN_WALL_S:
        pass  # too short to tell CPU shares apart; the probe still speaks
    elif noise.get("other_cpu_pct", 0) > other_cpu_pct:
        reasons.append(f"other processes used {noise['other_cpu_pct']:.0f}% of the CPUs")
    if noise.get("steal_pct", 0) > STEAL_PCT and noise.get("wall_s", MIN_WALL_S) >= MIN_WALL_S:
        reasons.append(f"CPU steal {noise['steal_pct']:.0f}%")
    probe = noise.get("probe_s")
    if probe and probe_baseline_s and probe > probe_slowdown * probe_baseline_s:
        reasons.append(f"calibration probe {probe / probe_baseline_s:.2f}x slower than usual")
    return "; ".join(reasons) or None


def busy_processes(seconds: float = 1.0, top: int = 3) -> dict:
    """The machine's CPU use by other processes over ``seconds``, and the busiest of them."""
    me = os.getpid()
    procs = []
    for p in psutil.process_iter(["pid", "name"]):
        if p.info["pid"] == me:
            continue
        try:
            p.cpu_percent(None)
            procs.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    meter = ContentionMeter([])
    before = meter.snapshot()
    time.sleep(seconds)
    noise = meter.between(before, meter.snapshot())
    usage = []
    for p in procs:
        try:
            usage.append((p.cpu_percent(None), p.info["name"], p.info["pid"]))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    usage.sort(reverse=True)
    noise["top"] = [{"name": n, "pid": pid, "cpu_pct": round(c, 1)} for c, n, pid in usage[:top] if c >= 5]
    return noise


def busy_warning(noise: dict) -> str | None:
    """A one-line warning when the machine is busy before a run starts."""
    if noise.get("other_cpu_pct", 0) <= BUSY_AT_START_PCT and noise.get("steal_pct", 0) <= STEAL_PCT:
        return None
    top = ", ".join(f"{t['name']} (pid {t['pid']}) {t['cpu_pct']:.0f}%" for t in noise.get("top", []))
    return (f"the machine is busy: other processes use {noise['other_cpu_pct']:.0f}% of the CPUs"
            + (f", steal {noise['steal_pct']:.0f}%" if noise.get("steal_pct") else "")
            + (f" (busiest: {top})" if top else "")
            + ". Windows measured under contention are flagged and repeated, but a quiet machine gives firmer verdicts.")


def _is_dlarena_run(cmdline: list[str]) -> bool:
    """``dlarena run ...`` or ``python -m dlarena.cli run ...``."""
    for i, arg in enumerate(cmdline[:-1]):
        if os.path.basename(arg) in ("dlarena", "dlarena.cli") or arg.endswith("dlarena/cli.py"):
            return cmdline[i + 1] == "run"
    return False


def other_dlarena_runs() -> list[dict]:
    """``dlarena run`` processes on this machine other than this one (and its parents and workers)."""
    me = psutil.Process()
    ours = {me.pid, *(p.pid for p in me.parents()), *(c.pid for c in me.children(recursive=True))}
    found = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmdline = p.info["cmdline"] or []
        if p.info["pid"] not in ours and _is_dlarena_run(cmdline):
            found.append({"pid": p.info["pid"], "cmdline": " ".join(cmdline)})
    return found


def other_runs_warning(runs: list[dict]) -> str | None:
    """A one-line warning when other dlarena runs share the machine: each slows the other's cells."""
    if not runs:
        return None
    listed = ", ".join(f"pid {r['pid']}: {r['cmdline'][:80]}" for r in runs)
    what = "another dlarena run is" if len(runs) == 1 else f"{len(runs)} other dlarena runs are"
    return (f"{what} in progress on this machine ({listed}); runs that share the CPUs slow each other's "
            "cells and both sets of timings suffer. Wait for it to finish, or stop it, for numbers worth comparing.")


# A cell stalls under contention when its contended windows ran this many times slower than its
# quiet ones while the calibration probe (one core, pure Python) slowed less than STALL_PROBE:
# the machine was not much slower, its thread pool was (issue 25: PyTorch 270x, probe ~1.1x).
STALL_FACTOR = 3.0
STALL_PROBE = 1.2


def stall_evidence(windows) -> dict:
    """For a cell with both quiet and contended windows: how much slower its contended windows
    were (median of window medians) and how much slower the probe was, as extra fields; {} else."""
    import statistics

    quiet = [w for w in windows if w.flag is None and w.samples_s]
    loud = [w for w in windows if w.flag is not None and w.samples_s]
    if not quiet or not loud:
        return {}
    med = lambda ws: statistics.median(statistics.median(w.samples_s) for w in ws)  # noqa: E731
    probe = lambda ws: statistics.median(w.noise.get("probe_s") or 0.0 for w in ws)  # noqa: E731
    slowdown = med(loud) / med(quiet) if med(quiet) > 0 else None
    probe_slowdown = probe(loud) / probe(quiet) if probe(quiet) > 0 else None
    return {"contended_slowdown": round(slowdown, 3) if slowdown else None,
            "contended_probe_ratio": round(probe_slowdown, 3) if probe_slowdown else None}


def stalls(slowdown: float | None, probe_slowdown: float | None) -> bool:
    """True when a cell's contended windows slowed far more than the machine did (see STALL_FACTOR)."""
    return (slowdown is not None and slowdown > STALL_FACTOR
            and (probe_slowdown is None or probe_slowdown < STALL_PROBE))


def stall_findings(rows: list[dict], display_name=lambda fw: fw, threads: int | None = None) -> list[str]:
    """One line per framework whose cells stalled under contention (headline rows of speed cells
    carrying ``contended_slowdown``): a finding about its thread pool, not a speed verdict. One
    thread has no pool to stall (a slow contended window there is the window's own bad luck)."""
    if threads is not None and threads <= 1:
        return []
    per_fw: dict[str, list[tuple[float, float | None, str]]] = {}
    for r in rows:
        extra = r.get("extra") if isinstance(r.get("extra"), dict) else {}
        slow, probe = extra.get("contended_slowdown"), extra.get("contended_probe_ratio")
        if stalls(slow, probe):
            per_fw.setdefault(r["framework"], []).append((slow, probe, r.get("cell_id", "")))
    out = []
    for fw, found in per_fw.items():
        worst = max(found)
        probe = f"{worst[1]:.2f}x" if worst[1] else "not measured"
        pool = f" with {threads} threads" if threads else ""
        out.append(f"{display_name(fw)}'s thread pool stalls under contention{pool}: {len(found)} cell"
                   f"{'s' if len(found) != 1 else ''} ran up to {worst[0]:.1f}x slower in contended windows while "
                   f"the calibration probe slowed {probe} (e.g. {worst[2]}); a finding, not a speed verdict")
    return out
