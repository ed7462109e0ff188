"""Command-line interface. Thin: parses and validates, then calls into the packages."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from dlarena.config import ConfigError, build_config
from dlarena.measure.env import fingerprint
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore, new_run_id
from dlarena.suites import suite_defaults

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="dlarena: PyTorch vs TensorFlow, measured on your own hardware.")
console = Console()
err_console = Console(stderr=True)

DbOption = typer.Option(None, "--db", help="Results database file (default: ./dlarena-results/results.duckdb).")


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _split(values: Optional[list[str]]) -> Optional[list[str]]:
    """Accepts both `--workloads mlp --workloads cnn` and `--workloads mlp,cnn`; a comma followed by
    `key=` continues a workload variant (`--workloads transformer@layers=4,seq=128,mlp`)."""
    if not values:
        return None
    return [v.strip() for value in values for v in re.split(r",(?![A-Za-z_]\w*=)", value) if v.strip()]


def _load_config_file(path: Path) -> dict:
    if not path.exists():
        fail(f"config file not found: {path}")
    try:
        text = path.read_text()
        return tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        fail(f"config file {path} is malformed: {exc}")
    return {}


STATUS_STYLE = {"ok": "green", "skipped": "yellow", "not_comparable": "yellow"}


def _print_cell(out: Console):
    def show(cell_id: str, result: dict) -> None:
        status = result.get("status", "failed")
        style = STATUS_STYLE.get(status, "bold red")
        error = f" — {result['error']}" if result.get("error") else ""
        duration = f" ({result['duration_s']:.1f} s)" if result.get("duration_s") else ""
        out.print(f"[{style}]{status:>14}[/] {cell_id}{duration}{error}", highlight=False, soft_wrap=True)

    return show


@app.command()
def run(
    suite: str = typer.Option("quick", help="Named suite: quick, speed, smoke, paper, sweep."),
    criteria: Optional[list[str]] = typer.Option(None, "--criteria", "-c", help="Criteria to measure (default: speed)."),
    workloads: Optional[list[str]] = typer.Option(None, "--workloads", "-w", help="Workloads (repeat or comma-separate)."),
    frameworks: Optional[list[str]] = typer.Option(None, "--frameworks", "-f", help="Frameworks: torch, tensorflow."),
    modes: Optional[list[str]] = typer.Option(None, "--modes", "-m", help="Modes: eager, compile, function, xla."),
    scenarios: Optional[list[str]] = typer.Option(None, "--scenarios", "-s", help="infer_latency, infer_throughput, train."),
    threads: Optional[int] = typer.Option(None, help="Intra-op threads for every framework (default: physical cores)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Per-cell timeout in seconds."),
    size: Optional[str] = typer.Option(None, "--size", help="Size preset of sized workloads: tiny, small, full."),
    precisions: Optional[list[str]] = typer.Option(None, "--precisions", "-p", help="fp32, bf16 (mixed precision)."),
    device: Optional[str] = typer.Option(None, "--device", help="auto (default), cpu, or gpu (skipped where absent)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML or JSON file with suite settings."),
    resume: bool = typer.Option(False, "--resume", help="Continue a run, skipping cells it already completed."),
    run_id: Optional[str] = typer.Option(None, "--run-id", help="Run to resume (default: the latest)."),
    db: Optional[Path] = DbOption,
) -> None:
    """Run a suite of measurements; every cell in its own process."""
    try:
        values = suite_defaults(suite)
        if config_file:
            values.update(_load_config_file(config_file))
        overrides = {"criteria": _split(criteria), "workloads": _split(workloads), "frameworks": _split(frameworks), "modes": _split(modes),
                     "scenarios": _split(scenarios), "threads": threads, "timeout_s": timeout, "size": size,
                     "precisions": _split(precisions), "device": device}
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = build_config(**values)
    except ConfigError as exc:
        fail(str(exc))

    store = ResultStore(db)
    done: dict[str, str] = {}
    if resume:
        previous = store.run(run_id)
        if previous is None:
            fail(f"no run to resume{f' with id {run_id}' if run_id else ''} in {store.path}")
        run_id = previous["run_id"]
        config = build_config(**previous["config"])
        done = store.completed_cells(run_id)
        store.mark_running(run_id)
        console.print(f"Resuming run [bold]{run_id}[/]: {len(done)} cells already done.")
    else:
        run_id = new_run_id()
        store.start_run(run_id, config.suite, config.model_dump(), fingerprint(config.threads, config.interop_threads))
        console.print(f"Run [bold]{run_id}[/] ({config.suite} suite, {config.threads} threads) -> {store.path}")

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        runner = SuiteRunner(config, store, run_id, on_cell_done=_print_cell(progress.console))
        task = progress.add_task("starting", total=runner.total)
        runner.progress = lambda cell_id, n, total: progress.update(task, completed=n, description=cell_id)
        try:
            outcome = runner.run(done)
        except KeyboardInterrupt:
            store.finish_run(run_id, "interrupted")
            fail(f"interrupted; completed cells are saved. Continue with: dlarena run --resume --run-id {run_id}", 130)
        progress.update(task, description="done")
    store.finish_run(run_id, "complete")
    summary = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts.items()))
    console.print(f"Run [bold]{run_id}[/] finished: {summary}. Next: dlarena report {run_id}")


@app.command()
def report(
    run_id: Optional[str] = typer.Argument(None, help="Run id (default: the latest run)."),
    out: Path = typer.Option(Path("dlarena-results/report"), "--out", help="Folder for report.html and summary.md."),
    db: Optional[Path] = DbOption,
) -> None:
    """Write the HTML report (plots embedded) and a Markdown summary for a run."""
    from dlarena.report.render import write_report

    store = ResultStore(db)
    run_row = store.run(run_id)
    if run_row is None:
        fail(f"no run {run_id!r} in {store.path}" if run_id else f"no runs in {store.path}; start one with: dlarena run")
    html, md = write_report(store, run_row, out)
    console.print(f"Report: [bold]{html.resolve()}[/]\nSummary: [bold]{md.resolve()}[/]")


@app.command()
def results(db: Optional[Path] = DbOption) -> None:
    """List the runs in the results database."""
    store = ResultStore(db)
    rows = store.runs()
    if not rows:
        console.print(f"No runs in {store.path}.")
        return
    table = Table("run", "started (UTC)", "suite", "status", "cells", "ok", "cpu / threads")
    for r in rows:
        env = json.loads(r["env"]) if r["env"] else {}
        table.add_row(r["run_id"], str(r["started_at"])[:19], r["suite"], r["status"], str(r["cells"]), str(r["ok"]),
                      f"{env.get('cpu_model', '?')} / {env.get('intra_op_threads', '?')}")
    console.print(table)


@app.command()
def export(
    format: str = typer.Option("parquet", "--format", help="parquet, csv or json."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output file (default: dlarena-results/export.<format>)."),
    run_id: Optional[str] = typer.Option(None, "--run", help="Only this run (default: all runs)."),
    db: Optional[Path] = DbOption,
) -> None:
    """Export measurements to parquet, csv or json."""
    if format not in ("parquet", "csv", "json"):
        fail(f"unknown export format '{format}'; valid: parquet, csv, json")
    store = ResultStore(db)
    if not store.exists():
        fail(f"no results database at {store.path}")
    if run_id and store.run(run_id) is None:
        fail(f"no run {run_id!r} in {store.path}")
    path = store.export(format, out or store.path.parent / f"export.{format}", run_id)
    console.print(f"Exported to [bold]{path}[/]")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
