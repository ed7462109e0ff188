"""Compilation caches private to a run (torch.compile's inductor cache, JAX's persistent cache).

The scheduler creates one empty folder per run (``DLARENA_COMPILE_CACHE_DIR``) and hands it to
every worker: a run's first compilation is cold for every framework, in every run, so time to
first step means the same thing on a rerun; a replacement worker within the run reuses what
the run's first worker compiled. Left to their defaults, inductor would share one cache per user
across runs (the first run cold, later ones warm) while JAX keeps none. A cache folder the user
exported is kept (and recorded: measure/env.py ``compiler_env``).
"""

from __future__ import annotations

import os


def use_run_cache(variable: str, name: str) -> str | None:
    """Points ``variable`` at ``name`` inside this run's cache folder, unless the user set it;
    the folder in force (None outside a run's worker)."""
    root = os.environ.get("DLARENA_COMPILE_CACHE_DIR")
    if root:
        os.environ.setdefault(variable, os.path.join(root, name))
    return os.environ.get(variable)
