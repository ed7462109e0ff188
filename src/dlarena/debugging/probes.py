"""What the probes record, shared by every framework's probe module."""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field

import numpy as np

from dlarena.cell import error_line

STEPS = 3  # training steps each probe runs
PRINT_MARKER = "dlarena-debug-print"
NATIVE_PRINT_MARKER = "dlarena-native-print"  # a framework's own print op (not a superstring of the above)


@dataclass
class HookCounts:
    prints: int = 0
    breakpoints: int = 0
    error: str | None = None


@contextmanager
def counting_hooks(counts: HookCounts):
    """Counts prints (by marker on stdout) and breakpoint() calls (sys.breakpointhook replaced)."""
    buffer = io.StringIO()
    previous = sys.breakpointhook

    def hook(*args, **kwargs):
        counts.breakpoints += 1

    sys.breakpointhook = hook
    try:
        with redirect_stdout(buffer):
            yield
    finally:
        sys.breakpointhook = previous
        counts.prints = buffer.getvalue().count(PRINT_MARKER)


def behaviour(calls: int, steps: int, error: str | None) -> str:
    if error:
        return "breaks the compile" if calls == 0 else "error after running"
    if calls == 0:
        return "never runs"
    if calls >= steps:
        return "runs every step"
    return "runs at trace time only"


BEHAVIOUR_POINTS = {"runs every step": 1.0, "runs at trace time only": 0.5}


@dataclass
class ProbeResult:
    """One probe's facts; ``value`` is what the metric row stores."""
    metric: str
    value: float
    unit: str
    extra: dict = field(default_factory=dict)
    samples: list[float] | None = None


def intermediate_grad(how: str, read) -> ProbeResult:
    """The "gradient of an intermediate" probe: ``read()`` returns that gradient (batch first) or
    raises; either way the result says how the framework was asked for it."""
    try:
        grad = np.asarray(read())
    except Exception as exc:  # noqa: BLE001 - the failure is the probe's finding
        return ProbeResult("intermediate_grad_ok", 0.0, "bool", {"how": how, "error": error_line(exc)})
    return ProbeResult("intermediate_grad_ok", 1.0, "bool", {"how": how, "l2": float(np.linalg.norm(grad))},
                       grad[0].tolist())
