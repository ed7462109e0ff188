"""File names for report images built from names found in a results file (workloads, frameworks)."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

UNSAFE = re.compile(r"[^A-Za-z0-9_.@=,+-]")
MAX_STEM = 100


def safe_filename(name: str) -> str:
    """`name` as one path component: readable names stay as they are (`transformer@layers=4`);
    any other name has its unsafe characters replaced and a short hash of the original appended,
    so two different names never share a file."""
    cleaned = UNSAFE.sub("_", name)
    if cleaned.startswith("."):  # hidden files, "." and ".."
        cleaned = "_" + cleaned[1:]
    if cleaned == name and 0 < len(name) <= MAX_STEM:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned[:MAX_STEM]}-{digest}"


def folder_problem(path: Path, what: str) -> str | None:
    """Why ``path`` cannot be (made) a folder to write ``what`` into, as one line; None when it can.
    Probed by creating a temporary file, so no folder is made for input that fails."""
    if path.exists() and not path.is_dir():
        return f"{path} is not a folder; --out takes a folder for {what}, e.g. {path.parent / 'report'}"
    folder = path.absolute()
    while not folder.exists():
        folder = folder.parent
    try:
        if not folder.is_dir():
            raise NotADirectoryError(20, f"{folder} is not a folder")
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        return f"cannot write {what} to {path}: {exc.strerror or exc}"
    return None
