"""Threads fitted to the cores other processes leave free (issue 25).

With one other process spinning on one of two cores, two intra-op threads share one free core:
a thread pool that waits at barriers while a sibling thread is descheduled stalls (PyTorch's
OpenMP pool ran 270x slower), while another framework's pool barely notices. So a run's thread
count is fitted to the free cores at its start (``--threads auto``, the default), the same for
every framework; its workers are pinned to the idlest CPUs; and a window counts as contended only
when other processes took more than the cores the run left to them (``other_cpu_limit``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import psutil

# A CPU counts as free when other processes used less than this share of it: a core busy 30% of
# the time still preempts a thread pool's threads at every barrier.
FREE_BELOW_PCT = 25.0
SAMPLE_S = 0.5


@dataclass
class CoreFit:
    threads: int  # what every framework gets
    requested: str  # "auto" or the number asked for
    cpus: int  # CPUs this process may use
    free_cores: int  # CPUs other processes left (nearly) idle at the start
    busy_pct: list[float] = field(default_factory=list)  # per CPU, over the sample
    prefer: list[int] = field(default_factory=list)  # CPU ids, idlest first: where workers are pinned
    warning: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def usable_cpus() -> list[int]:
    try:
        return sorted(psutil.Process().cpu_affinity())
    except (AttributeError, psutil.Error):
        return list(range(psutil.cpu_count(logical=True) or 1))


def sample_busy(seconds: float = SAMPLE_S) -> dict[int, float]:
    """Per usable CPU id, the share (%) other processes kept it busy over ``seconds``."""
    cpus = usable_cpus()
    per_cpu = psutil.cpu_percent(interval=seconds, percpu=True)
    return {c: float(per_cpu[c]) if c < len(per_cpu) else 0.0 for c in cpus}


def fit(requested: int | str, physical: int, busy: dict[int, float]) -> CoreFit:
    """The thread count for ``requested`` ("auto" or N) given each CPU's busy share: auto takes the
    free CPUs (at least 1, at most ``physical`` cores); N is honoured, with a warning when it is
    more than the free CPUs."""
    cpus = sorted(busy)
    free = sum(1 for c in cpus if busy[c] < FREE_BELOW_PCT)
    # Busy shares spread over several CPUs add up: 2 CPUs at 50% each are one busy core.
    free = max(0, min(free, len(cpus) - math.ceil(sum(busy.values()) / 100 - FREE_BELOW_PCT / 100)))
    prefer = sorted(cpus, key=lambda c: (busy[c], c))
    pct = [round(busy[c], 1) for c in cpus]
    if requested == "auto":
        threads = max(1, min(physical, free))
        return CoreFit(threads, "auto", len(cpus), free, pct, prefer)
    threads = int(requested)
    warning = None
    if threads > max(free, 1):
        warning = (f"--threads {threads} is more than the {free} free core{'s' if free != 1 else ''} of this machine "
                   f"(other processes keep {len(cpus) - free} of {len(cpus)} CPUs busy): thread pools that wait at "
                   "barriers can stall many times over and decide verdicts by who tolerates the neighbour. "
                   "Windows measured under contention are flagged; verdicts from cells that stay contended "
                   "are withheld. --threads auto fits the free cores.")
    return CoreFit(threads, str(requested), len(cpus), free, pct, prefer, warning)


def other_cpu_limit(threads: int, cpus: int, margin_pct: float) -> float:
    """Other processes' share of all CPUs above which a window is contended: the share the run
    leaves them (the CPUs beyond its threads) plus ``margin_pct``. With every CPU in use that is
    the margin alone."""
    spare = max(0, cpus - threads) / max(cpus, 1) * 100
    return min(100.0, spare + margin_pct)
