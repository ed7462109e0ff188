"""File names for report images built from names found in a results file (workloads, frameworks)."""

from __future__ import annotations

import hashlib
import re

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
