"""Temp folders that name the process that made them (``dlarena-<kind>-<pid>-…``): one left by a
process killed with -9, which removes nothing, is removed by the next run or cell once that process
is gone."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

KINDS = ("cell", "session", "compile-cache", "dist")
OWNED = re.compile(r"dlarena-(?:" + "|".join(re.escape(k) for k in KINDS) + r")-(\d+)-")


def owned_prefix(kind: str) -> str:
    """The ``prefix`` of a temp folder this process owns."""
    assert kind in KINDS, kind
    return f"dlarena-{kind}-{os.getpid()}-"


def remove_orphaned_temp() -> list[Path]:
    """Removes the temp folders of dlarena processes that no longer exist; returns them."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob("dlarena-*-*"):
        owner = OWNED.match(folder.name)
        if owner and folder.is_dir() and not _exists(int(owner.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True
