"""The reasons a test may be skipped for. Any other skip fails the session (see skip_guard.py),
so a test that stops running shows up as a failure instead of a quiet "s".

Each entry: a regular expression searched in the skip reason, and why such a skip is legitimate.
A missing optional package is allowed only when the run says so: DLARENA_TESTS_WITHOUT names the
packages this installation leaves out on purpose (comma-separated, e.g. "ray,jax")."""

from __future__ import annotations

import os
import re

ALLOWED: list[tuple[str, str]] = [
    # Tests of the no-GPU path (explicit skips recorded in the store) cannot run where a GPU is present.
    (r"a GPU is present", "the no-GPU path is only observable without a GPU"),
    # GPU-only checks on a CPU machine.
    (r"needs a GPU|no GPU|CUDA is not available|CUDA unavailable", "GPU checks need a GPU"),
    # The full form of a slow check; the reduced form runs by default.
    (r"DLARENA_FULL_TESTS=1", "the full form of a slow check runs only with DLARENA_FULL_TESTS=1"),
    # bf16 timings on a CPU without native bf16 would measure emulation.
    (r"bf16 unsupported on this CPU|bf16 support unknown", "bf16 needs CPU support (avx512_bf16 / amx)"),
    # Platform facilities some checks read (Linux /proc, CPU affinity).
    (r"needs a Linux machine|read from Linux /proc", "the check reads a Linux-only facility"),
    # Tests under the `network` marker that find no route out.
    (r"network unreachable|no network", "a network test on an offline machine"),
]

# How a skip names a missing package: pytest.importorskip, or a framework's install hint.
MISSING_PACKAGE = [r"could not import '([\w.]+)'", r"dlarena\[(\w+)\]", r"no (chromium) browser"]


def declared_missing() -> set[str]:
    return {p.strip().lower() for p in os.environ.get("DLARENA_TESTS_WITHOUT", "").split(",") if p.strip()}


def why_allowed(reason: str) -> str | None:
    """Why a skip with this reason is allowed, or None when it is not."""
    for pattern, why in ALLOWED:
        if re.search(pattern, reason):
            return why
    for pattern in MISSING_PACKAGE:
        match = re.search(pattern, reason)
        if match and match.group(1).split(".")[0].lower() in declared_missing():
            return f"{match.group(1)} is declared missing (DLARENA_TESTS_WITHOUT)"
    return None
