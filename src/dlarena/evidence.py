"""Evidence grades: what a criterion's score rests on. The one place the rule lives.

Every ``scores()`` line carries a ``grade``:

- ``measured``: measured by this run on this machine (speed, deployment, built zoo models, ...);
- ``snapshot``: a sourced, dated figure no older than ``STALE_MONTHS`` (an API refresh, a
  publication with its date);
- ``stale``: a sourced figure older than that (the article's 2022 figures in 2026);
- ``environment``: depends on what happens to be installed or reachable here (a package list).

Only ``measured`` and ``snapshot`` lines enter the totals and the strongest evidence; the others
are shown, marked, and left out with what would measure them — never scored as 0.
"""

from __future__ import annotations

from datetime import date

GRADES = ("measured", "snapshot", "stale", "environment")
LABELS = {"measured": "measured here", "snapshot": "dated snapshot", "stale": "stale",
          "environment": "environment-dependent"}
SCORED = frozenset({"measured", "snapshot"})
STALE_MONTHS = 24


def parse_date(as_of) -> date | None:
    """``2025``, ``2025-06`` or ``2025-06-30`` (a figure's as-of date) as the first day it may mean:
    a "2022" figure is at least as old as 2022-01-01."""
    if isinstance(as_of, date):
        return as_of
    text = str(as_of or "").strip()
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2][:2]) if len(parts) > 2 else 1
        return date(year, month, day)
    except (ValueError, IndexError):
        return None


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in range(day.day, 27, -1):  # 31 -> 30 -> 29 -> 28 until the month has it
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    return date(year, month + 1, min(day.day, 28))


def grade_of_date(as_of, today: date | None = None, stale_months: int = STALE_MONTHS) -> str:
    """``snapshot`` for a figure at most ``stale_months`` old (to the day), ``stale`` when older or undated."""
    when = parse_date(as_of)
    if when is None:
        return "stale"
    return "stale" if when < months_before(today or date.today(), stale_months) else "snapshot"


def oldest(grades) -> str:
    """The weakest of several grades (a line resting on a stale figure is stale)."""
    order = {g: i for i, g in enumerate(GRADES)}
    present = [g for g in grades if g in order]
    return max(present, key=order.__getitem__) if present else "measured"


def grade(summary: dict) -> str:
    """A summary line's grade; lines from before grades existed were measured here."""
    return summary.get("grade") or "measured"


def counts(summary: dict) -> bool:
    """Whether the line may enter the totals: measured here or a fresh snapshot, with a score (a
    criterion that decided nothing, e.g. every speed comparison undecided, gives none)."""
    return grade(summary) in SCORED and summary.get("score", 0.0) is not None


def label(summary: dict) -> str:
    if grade(summary) in SCORED and summary.get("score", 0.0) is None:
        return summary.get("unscored") or "no score"
    return LABELS.get(grade(summary), grade(summary))
