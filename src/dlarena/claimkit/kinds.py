"""What every check kind of the claims register uses: a check's scenarios, its decision
(``holds`` / ``fails``), "not measured", a side's name, and the cells of a side with their row of
the check's metric (``side_cells``) tested against the check's condition (``share``)."""

from __future__ import annotations

import fnmatch
from typing import Callable

from dlarena.claimkit.model import CONTRADICTED, NOT_MEASURED, SUPPORTED, Check, CheckResult, Context, Outcome, Side, display


def in_scenarios(row: dict, scenarios: tuple[str, ...]) -> bool:
    return not scenarios or any(fnmatch.fnmatch(row["scenario"], p) for p in scenarios)


def fmt_value(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


def decide(check: Check, holds: bool) -> Outcome:
    return check.options.get("holds", SUPPORTED) if holds else check.options.get("fails", CONTRADICTED)


def not_measured(check: Check, why: str) -> CheckResult:
    return CheckResult(check, NOT_MEASURED, note=f"not measured in this run: {why}", lines=[why])


def who(side: Side) -> str:
    return display(side.framework) + (f" {'/'.join(side.modes)}" if side.modes else "")


OPERATORS: dict[str, Callable] = {
    "equals": lambda v, x: v == x,
    "one_of": lambda v, x: v in x,
    "at_least": lambda v, x: v is not None and v >= x,
    "at_most": lambda v, x: v is not None and v <= x,
    "startswith": lambda v, x: isinstance(v, str) and v.startswith(x),
    "contains": lambda v, x: set(x) <= set(v or ()),
}


def side_cells(check: Check, ctx: Context, side: Side) -> list[tuple[dict, dict | None]]:
    """Per cell of ``side`` in the check's scenarios: (a row of the cell, its row of the check's metric)."""
    found: dict[str, list] = {}
    for r in ctx.rows:
        if in_scenarios(r, check.scenarios) and side.matches(r):
            entry = found.setdefault(r["cell_id"], [r, None])
            if check.metric and r["metric"] == check.metric:
                entry[1] = r
    return [tuple(e) for e in found.values()]


CONDITIONS = {"equals": "{}", "one_of": "one of {}", "at_least": "at least {}", "at_most": "at most {}",
              "startswith": "starting with {}", "contains": "containing {}"}


def _quoted(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_quoted(v) for v in value)
    return f"“{value}”" if isinstance(value, str) else fmt_value(value)


def words(name: str) -> str:
    """``intermediate_read_ok`` -> ``intermediate read ok``: a stored name as readable text."""
    return name.replace("_", " ")


def meets(check: Check, cell: dict, row: dict | None) -> tuple[bool | None, str]:
    """Whether one cell meets the condition (None: the cell did not record the metric), and what it
    shows in words: "intermediate read ok 1 (wanted: at least 1)", "failed (export failed: …)"."""
    field = check.options.get("field", "status")
    op = next((k for k in OPERATORS if k in check.options), None)
    expected = check.options[op] if op else "ok"
    if field == "status":
        value, label = cell["status"], "status"
    elif cell["status"] != "ok":
        return False, f"{cell['status']}" + (f" ({cell['error'][:120]})" if cell.get("error") else "")
    else:
        source = row if check.metric else cell
        if source is None:
            return None, ""
        value = source["value"] if field == "value" else source["extra"].get(field)
        label = words(check.metric or "value") if field == "value" else words(field)
    ok = OPERATORS[op or "equals"](value, expected)
    if field == "status" and op is None:  # the default condition: the cell ran
        return ok, f"status {value}" + (f" ({cell['error'][:120]})" if cell.get("error") else "")
    shown = f"{len(value)} items" if isinstance(value, list) else _quoted(value)
    return ok, f"{label} {shown} (wanted: {CONDITIONS[op or 'equals'].format(_quoted(expected))})"


def share(check: Check, ctx: Context, side: Side) -> tuple[list[bool], list[str], list[str]]:
    results, lines, evidence = [], [], []
    for cell, row in side_cells(check, ctx, side):
        ok, shown = meets(check, cell, row)
        if ok is None:
            continue
        results.append(ok)
        lines.append(f"{display(cell['framework'])} {cell['mode']} on {cell['workload']} ({words(cell['scenario'])}): "
                     f"{shown} — {'meets it' if ok else 'does not'}")
        evidence.append(cell["cell_id"])
    return results, lines, evidence
