"""What a run prints at its end: the summary table (built by report/overview.py, the same rows
as the report's table), the recommendation for equal priorities with its strongest evidence, and
what failed."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from dlarena.recommend import ORDER
from dlarena.report import overview, rerun


def summary_table(view: overview.Overview, criteria: list[str] | None = None) -> Table:
    """One row per criterion (only ``criteria`` when given), one column per framework; each line
    ends with its evidence grade ("[measured here]", "[stale — not scored]", ...)."""
    # Long words (module paths, "torch.onnx.export") fold onto the next line instead of being cut.
    table = Table(Column("criterion", overflow="fold"), *(Column(name, overflow="fold") for _, name in view.frameworks),
                  show_lines=True, title="Summary")
    for row in view.rows:
        if criteria is not None and row.criterion not in criteria:
            continue
        cells = [(f"{c.score:.2f} — " if c.score is not None else "") + escape(c.text)
                 + (f" [{escape(c.grade_label)}]" if c.grade_label else "")
                 for c in (row.cells[fw] for fw, _ in view.frameworks)]
        table.add_row(row.title, *cells)
    return table


def print_run_summary(console: Console, store, run: dict) -> None:
    """The end of a run that measured several criteria: the table, the recommendation, failures."""
    run_id = run["run_id"]
    selected = [c for c in ORDER if c in run["config"].get("criteria", [])]
    view = overview.for_run(store, run)
    console.print(summary_table(view, selected))
    first = overview.first_screen(store, run)
    console.print(first.paragraph, markup=False, highlight=False, soft_wrap=True)
    for line in first.scope:
        console.print(f"Scope — {line}", markup=False, highlight=False, soft_wrap=True)
    if first.strongest:
        console.print("Strongest evidence:")
        for line in first.strongest:
            console.print(f"  - {line}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"Other priorities: {first.command} (each criterion weighs 1 by default; 0 leaves one out)", markup=False, highlight=False, soft_wrap=True)
    for line in view.failures:
        console.print(f"failed — {line}", markup=False, highlight=False, soft_wrap=True, style="yellow")


def print_rerun_check(console: Console, store, run: dict) -> None:
    """How many of the run's verdicts the previous run on this machine confirms (report/rerun.py)."""
    line = rerun.check(store, run).line()
    if line:
        console.print(f"Rerun check: {line}", markup=False, highlight=False, soft_wrap=True)
