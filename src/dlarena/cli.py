"""Command-line interface. Thin: parses and validates, then calls into the packages."""

from __future__ import annotations

import functools
import json
import re
import signal
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich import box
from rich.table import Column, Table

from dlarena import criteria as criterion_registry
from dlarena import frameworks as framework_registry
from dlarena import workloads as workload_registry
from dlarena.config import MAX_THREADS, PRECISIONS, SPEED_SCENARIOS, ConfigError, SuiteConfig, build_config
from dlarena.measure.env import fingerprint
from dlarena.measure.contention import busy_processes, busy_warning, other_dlarena_runs, other_runs_warning
from dlarena.recommend import ORDER
from dlarena.runner.executors.local import LocalExecutor
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore, StoreBusy, StoreError, check_path, new_run_id, stored_json
from dlarena.suites import SUITES, suite_defaults

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="dlarena: PyTorch vs TensorFlow vs JAX (and any framework you register), measured on your own hardware.")
console = Console()
err_console = Console(stderr=True)

DbOption = typer.Option(None, "--db", help="Results database file (default: ./dlarena-results/results.duckdb).")


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str | None) -> None:
    if message:
        err_console.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def store_errors(command):
    """A results database that is busy or unusable ends the command with one line and exit 2."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except StoreError as exc:
            fail(str(exc))
    return wrapper


def open_store(db: Optional[Path], write: bool = False) -> ResultStore:
    store = ResultStore(db)
    check_path(store.path, write)
    return store


def _split(values: Optional[list[str]]) -> Optional[list[str]]:
    """Accepts both `--workloads mlp --workloads cnn` and `--workloads mlp,cnn`; a comma followed by
    `key=` continues a workload variant (`--workloads transformer@layers=4,seq=128,mlp`)."""
    if not values:
        return None
    return [v.strip() for value in values for v in re.split(r",(?![A-Za-z_]\w*=)", value) if v.strip()]


def _ints(values: Optional[list[str]], option: str) -> Optional[list[int]]:
    if values is None:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ConfigError(f"{option} takes integers, e.g. 1,2,4; got {','.join(values)}") from None


MAX_CONFIG_DEPTH = 32  # a suite config nests 3 levels; far deeper files are hostile or broken


def _depth(value) -> int:
    """How deep lists and tables nest in ``value`` (iterative: a hostile file cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            if level <= MAX_CONFIG_DEPTH:
                stack.extend((child, level + 1) for child in children)
    return deepest


def _load_config_file(path: Path) -> dict:
    if not path.exists():
        fail(f"config file not found: {path}")
    if path.is_dir():
        fail(f"config file {path} is a directory; --config takes a .toml or .json file")
    try:
        text = path.read_text(encoding="utf-8")
        values = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except UnicodeDecodeError:
        fail(f"config file {path} is not UTF-8 text")
    except OSError as exc:
        fail(f"cannot read config file {path}: {exc.strerror or exc}")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        fail(f"config file {path} is malformed: {exc}")
    except RecursionError:
        fail(f"config file {path} nests more than {MAX_CONFIG_DEPTH} levels")
    if _depth(values) > MAX_CONFIG_DEPTH:
        fail(f"config file {path} nests more than {MAX_CONFIG_DEPTH} levels")
    if not isinstance(values, dict):
        fail(f"config file {path} must hold an object of settings, e.g. {{\"workloads\": [\"mlp\"]}}; "
             f"its top level is a {type(values).__name__}")
    return values


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _resume_hint(run_id: str) -> str:
    return f"dlarena run --resume --run-id {run_id}"


def _mark(store: ResultStore, run_id: str, status: str) -> str | None:
    """Records how the run ended; when the results file stays busy, says how to record it later
    (a run must not be left silently 'running')."""
    try:
        store.finish_run(run_id, status)
    except StoreBusy as exc:
        return (f"{exc}. Run {run_id} could not be marked {status}; its finished cells are saved. "
                f"Once the file is free, run: {_resume_hint(run_id)}")
    return None


STATUS_STYLE = {"ok": "green", "skipped": "yellow", "not_comparable": "yellow"}


def _print_cell(out: Console):
    def show(cell_id: str, result: dict) -> None:
        status = result.get("status", "failed")
        style = STATUS_STYLE.get(status, "bold red")
        # messages carry install hints like pip install 'dlarena[torch]': not console markup
        error = f" — {escape(result['error'])}" if result.get("error") else ""
        duration = f" ({result['duration_s']:.1f} s)" if result.get("duration_s") else ""
        out.print(f"[{style}]{status:>14}[/] {escape(cell_id)}{duration}{error}", highlight=False, soft_wrap=True)

    return show


# Help texts from the registries (a framework registered through the entry point is listed too).
_FRAMEWORKS_HELP = (f"Frameworks: {', '.join(framework_registry.names())} (default); Keras 3 on a backend: "
                    f"{', '.join(framework_registry.keras_names())}.")
_MODES_HELP = "Modes, per framework: " + "; ".join(
    f"{name}: {', '.join(fw.modes)}" for name, fw in framework_registry.FRAMEWORKS.items() if fw.family == "native") + "."


@app.command()
@store_errors
def run(
    suite: str = typer.Option("quick", help=f"Named suite: {', '.join(SUITES)} (demo: every criterion, a few minutes)."),
    criteria: Optional[list[str]] = typer.Option(None, "--criteria", "-c", help=f"Criteria to measure: {', '.join(criterion_registry.names())} "
                                                 "(default: speed)."),
    workloads: Optional[list[str]] = typer.Option(None, "--workloads", "-w", help="Workloads (repeat or comma-separate)."),
    frameworks: Optional[list[str]] = typer.Option(None, "--frameworks", "-f", help=_FRAMEWORKS_HELP),
    modes: Optional[list[str]] = typer.Option(None, "--modes", "-m", help=_MODES_HELP),
    scenarios: Optional[list[str]] = typer.Option(None, "--scenarios", "-s", help=", ".join(SPEED_SCENARIOS) + "."),
    threads: Optional[str] = typer.Option(None, help="Intra-op threads for every framework: auto (the default: the "
                                          "cores other processes leave free, at most the physical cores) or a number."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Per-cell timeout in seconds."),
    size: Optional[str] = typer.Option(None, "--size", help="Size preset of sized workloads: tiny, small, full."),
    precisions: Optional[list[str]] = typer.Option(None, "--precisions", "-p", help=", ".join(PRECISIONS) + " (bf16: mixed precision)."),
    device: Optional[str] = typer.Option(None, "--device", help="auto (default), cpu, or gpu (skipped where absent)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML or JSON file with suite settings."),
    workers: Optional[list[str]] = typer.Option(None, "--workers", help="distributed: world sizes, e.g. 1,2,4."),
    nodes: Optional[int] = typer.Option(None, "--nodes", help="distributed: number of hosts (run the same command on each)."),
    node_rank: Optional[int] = typer.Option(None, "--node-rank", help="distributed: this host's rank, 0..nodes-1."),
    master_addr: Optional[str] = typer.Option(None, "--master-addr", help="distributed: address of node 0 (torchrun rendezvous, JAX coordinator)."),
    master_port: Optional[int] = typer.Option(None, "--master-port", help="distributed: agreed port on node 0 (several nodes)."),
    node_addrs: Optional[list[str]] = typer.Option(None, "--node-addrs", help="distributed: every node's address (runtimes that list every worker: TF_CONFIG)."),
    resume: bool = typer.Option(False, "--resume", help="Continue a run, skipping cells it already completed."),
    run_id: Optional[str] = typer.Option(None, "--run-id", help="Run to resume (default: the latest)."),
    workload_paths: Optional[list[str]] = typer.Option(None, "--workload", help="Your own workload: a .py file or "
                                                       "package directory (see docs/custom-workloads.md)."),
    keras_models: Optional[list[str]] = typer.Option(None, "--keras-model", help="A Keras 3 model file (.keras), run "
                                                     "on Keras 3's TensorFlow, PyTorch and JAX backends."),
    input_shape: Optional[str] = typer.Option(None, "--input-shape", help="Per-sample input shape for --keras-model "
                                              "when the file leaves dimensions open, e.g. 32,32,3."),
    convert: Optional[str] = typer.Option(None, "--convert", help="Also compare a converted twin: onnx2tf "
                                          "(PyTorch -> TensorFlow) or onnx2torch (Keras -> PyTorch)."),
    budget: Optional[float] = typer.Option(None, "--budget", help="Wall-time budget in seconds: repetitions beyond "
                                           "the minimum go to still-inconclusive verdicts while it lasts."),
    omp_wait_policy: Optional[str] = typer.Option(None, "--omp-wait-policy", help="OpenMP wait policy for every "
                                                  "framework: default (each runtime's own), passive or active."),
    executor: Optional[str] = typer.Option(None, "--executor", help="Where cells run: local (this machine, the "
                                           "default) or ray (a Ray cluster: install dlarena's cluster extra; "
                                           "see docs/cluster.md)."),
    address: Optional[str] = typer.Option(None, "--address", help="ray: the cluster, auto or HOST:PORT (default: "
                                          "a one-node Ray started on this machine)."),
    nodes_by: Optional[str] = typer.Option(None, "--nodes-by", help="ray: run the suite once per gpu-type "
                                           "(default) or cpu-model found in the cluster, or on every node (all)."),
    db: Optional[Path] = DbOption,
) -> None:
    """Run a suite of measurements; every cell in its own process."""
    _check_executor_options(executor, nodes_by, address, resume)
    store = open_store(db, write=True)
    overrides = {"criteria": _split(criteria), "workloads": _split(workloads), "frameworks": _split(frameworks),
                 "modes": _split(modes), "scenarios": _split(scenarios), "threads": threads, "timeout_s": timeout,
                 "size": size, "precisions": _split(precisions), "device": device, "budget_s": budget,
                 "omp_wait_policy": omp_wait_policy}
    distributed = {"workers": _split(workers), "nodes": nodes, "node_rank": node_rank,
                   "master_addr": master_addr, "master_port": master_port, "node_addrs": _split(node_addrs)}
    previous = signal.signal(signal.SIGTERM, _interrupt)  # before the first child (the user workloads' check)
    try:
        config = _suite_config(suite, config_file, overrides, distributed, resume, convert,
                               UserModels(workload_paths, keras_models, input_shape, frameworks_given=bool(frameworks)))
        if not resume:
            _refuse_empty(config, store, overrides)
    except KeyboardInterrupt:  # its child is gone already (run_isolated kills it on the way out)
        fail("interrupted before the run started; nothing was recorded", 130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    other_runs = other_dlarena_runs()
    if _ran_on_cluster(store, config, executor, resume, run_id, address, nodes_by):
        return
    try:
        run_id, config, done = _resume_run(store, run_id) if resume else _start_run(store, config, other_runs)
        warn(other_runs_warning(other_runs))
        outcome = _run_with_progress(store, config, run_id, done)
        _finish(store, config, run_id, outcome)
    finally:
        store.release_run()


FILTER_FLAGS = {"criteria": "--criteria", "workloads": "-w", "frameworks": "-f", "modes": "-m", "scenarios": "-s",
                "precisions": "--precisions", "device": "--device"}


def _planned_cells(config, store: ResultStore) -> int:
    return SuiteRunner(config, store, "plan").total


def _refuse_empty(config, store: ResultStore, overrides: dict) -> None:
    """A selection that plans no cell is refused (not recorded as a complete run), naming the
    filters that emptied it: those without which cells would be planned."""
    if _planned_cells(config, store):
        return
    given = [key for key in FILTER_FLAGS if overrides.get(key) is not None]
    culprits = [key for key in given if _planned_cells(config.model_copy(update={
        key: SuiteConfig.model_fields[key].get_default(call_default_factory=True)}), store)] or given
    if not culprits:
        fail(f"no cells to run: the {config.suite} suite's selection (with its config file) plans none")
    flags = " ".join(f"{FILTER_FLAGS[key]} {_flag_value(overrides[key])}" for key in culprits)
    fail(f"no cells to run: {flags} {'together select' if len(culprits) > 1 else 'selects'} none; "
         "change or drop " + ("one of them" if len(culprits) > 1 else "it"))


def _flag_value(value) -> str:
    return ",".join(value) if isinstance(value, list) else str(value)


def _check_executor_options(executor: str | None, nodes_by: str | None, address: str | None, resume: bool) -> None:
    from dlarena.runner import executors

    if executor is not None and executor not in executors.EXECUTORS:
        fail(f"unknown --executor '{executor}'; valid: {', '.join(executors.EXECUTORS)}")
    if nodes_by is not None and nodes_by not in executors.NODES_BY:
        fail(f"unknown --nodes-by '{nodes_by}'; valid: {', '.join(executors.NODES_BY)}")
    if executor != "ray" and (address or nodes_by) and not resume:
        fail("--address and --nodes-by choose nodes of a Ray cluster; add --executor ray")
    if executor == "ray":
        try:
            executors.ray_module()
        except executors.ExecutorUnavailable as exc:
            fail(str(exc))


@dataclass
class UserModels:
    """--workload, --keras-model, --input-shape (and whether --frameworks was given)."""

    workload_paths: Optional[list[str]]
    keras_models: Optional[list[str]]
    input_shape: Optional[str]
    frameworks_given: bool


def _suite_config(suite: str, config_file: Optional[Path], overrides: dict, distributed: dict, resume: bool,
                  convert: Optional[str], user: UserModels) -> SuiteConfig:
    """The suite's defaults, then the config file, then the flags; the user's own models registered
    and checked (not on --resume: the recorded run's config is used then)."""
    from dlarena.convert import ConversionUnavailable
    from dlarena.runner import user_workloads
    from dlarena.workloads import WorkloadError

    try:
        values = suite_defaults(suite)
        if config_file:
            values.update(_load_config_file(config_file))
        if not resume:
            user_workloads.apply(values, user.workload_paths, user.keras_models, user.input_shape)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not resume:
            _fit_threads(values)
        distributed = {**distributed, "workers": _ints(distributed["workers"], "--workers")}
        if any(v is not None for v in distributed.values()):
            values["distributed"] = {**values.get("distributed", {}), **{k: v for k, v in distributed.items() if v is not None}}
        config = build_config(**values)
        if convert:
            from dlarena.convert import check as check_converter

            check_converter(convert)
        if not resume:
            config = user_workloads.narrow_frameworks(config, frameworks_given=user.frameworks_given)
            user_workloads.validate(config, frameworks_given=user.frameworks_given)
            user_workloads.preflight(config)
    except (ConfigError, WorkloadError, ConversionUnavailable) as exc:
        fail(str(exc))
    return config


def _fit_threads(values: dict) -> None:
    """``threads`` "auto" (or unset) fitted to the cores other processes leave free; a number kept
    (with a warning at the run's start when it is more than the free cores). How: ``threads_fit``."""
    from dlarena.measure import cores
    from dlarena.measure.env import physical_cores

    requested = values.get("threads")
    requested = "auto" if requested is None else str(requested).strip().lower()
    if requested != "auto" and not (re.fullmatch(r"[0-9]{1,7}", requested) and 1 <= int(requested) <= MAX_THREADS):
        raise ConfigError(f"--threads must be auto or a whole number from 1 to {MAX_THREADS}, "
                          f"got '{values.get('threads')}'")
    fit = cores.fit(requested, physical_cores(), cores.sample_busy())
    values["threads"], values["threads_fit"] = fit.threads, fit.as_dict()


def _ran_on_cluster(store: ResultStore, config, executor: Optional[str], resume: bool, run_id: Optional[str],
                    address: Optional[str], nodes_by: Optional[str]) -> bool:
    """The Ray executor's path: a new run on a cluster, or resuming a run a cluster made (True: done)."""
    if resume and executor != "local":  # a run made on a cluster resumes there
        from dlarena.store.groups import cluster_of, group_runs

        members = group_runs(store, run_id) if run_id else group_runs(store, (store.run() or {}).get("run_id", ""))
        if members:
            record = cluster_of(members[0]["env"])
            _run_on_cluster(store, members[0]["run_id"], address, nodes_by or record.get("nodes_by", "gpu-type"),
                            resume_group=record["group"])
            return True
    if executor == "ray":
        _run_on_cluster(store, None, address, nodes_by or "gpu-type", config=config)
        return True
    return False


def _resume_run(store: ResultStore, run_id: Optional[str]):
    """(run id, its recorded config, its completed cells), the run marked running again."""
    from dlarena.runner import user_workloads
    from dlarena.workloads import WorkloadError

    previous = store.run(run_id)
    if previous is None:
        fail(f"no run to resume{f' with id {run_id}' if run_id else ''} in {store.path}")
    run_id = previous["run_id"]
    try:
        user_workloads.register_recorded(previous["config"])
        config = build_config(**previous["config"])
    except (ConfigError, WorkloadError) as exc:
        fail(f"cannot resume run {run_id}: {exc}")
    store.hold_run(run_id)
    done = store.completed_cells(run_id)
    store.mark_running(run_id)
    console.print(f"Resuming run [bold]{run_id}[/]: {len(done)} cells already done.")
    return run_id, config, done


def _start_run(store: ResultStore, config, other_runs: list[dict]):
    """A new run recorded with this machine's fingerprint and how busy it is: (run id, config, {})."""
    run_id = new_run_id()
    store.hold_run(run_id)
    env = fingerprint(config.threads, config.interop_threads, config.omp_wait_policy, framework_registry.distributions())
    env["noise_at_start"] = {**busy_processes(0.3), "other_dlarena_runs": [r["pid"] for r in other_runs]}
    env["thread_pools"] = {fw: {"pool": framework_registry.info(fw).thread_pool or "not stated",
                                "omp_wait_policy": config.omp_wait_policy}
                           for fw in config.frameworks if fw in framework_registry.FRAMEWORKS}
    env["workloads"] = workload_registry.described(config.workloads)
    store.start_run(run_id, config.suite, config.model_dump(), env)
    fit = config.threads_fit or {}
    how = (f" (auto: {fit['free_cores']} of {fit['cpus']} CPUs free)" if fit.get("requested") == "auto" else "")
    console.print(f"Run [bold]{run_id}[/] ({config.suite} suite, {config.threads} threads{how}"
                  + (f", budget {config.budget_s:g} s" if config.budget_s else "") + f") -> {store.path}")
    warn(fit.get("warning"))
    warn(busy_warning(env["noise_at_start"]))
    return run_id, config, {}


def _run_with_progress(store: ResultStore, config, run_id: str, done: dict[str, str]):
    """Runs the suite on this machine with a progress bar; Ctrl-C / SIGTERM stop it cleanly."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    previous = signal.signal(signal.SIGTERM, _interrupt)  # kill/SIGTERM: the same clean stop as Ctrl-C
    with Progress(*columns, console=console, transient=False) as progress:
        runner = SuiteRunner(config, store, run_id, on_cell_done=_print_cell(progress.console))
        task = progress.add_task("starting", total=runner.total)
        runner.progress = lambda text, n, total: progress.update(task, completed=n, description=runner.describe(text))
        try:
            outcome = LocalExecutor().run(runner, done)
        except KeyboardInterrupt:
            fail(_mark(store, run_id, "interrupted")
                 or f"interrupted; completed cells are saved. Continue with: {_resume_hint(run_id)}", 130)
        except StoreBusy as exc:  # a finished cell could not be recorded
            _mark(store, run_id, "interrupted")
            fail(f"{exc}. Run {run_id} stopped; its other finished cells are saved. Once the file is free, "
                 f"continue with: {_resume_hint(run_id)}")
        finally:
            signal.signal(signal.SIGTERM, previous)
        progress.update(task, description="done")
    return outcome


def _finish(store: ResultStore, config, run_id: str, outcome) -> None:
    problem = _mark(store, run_id, "complete")
    if problem:
        fail(problem)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts.items()))
    if len(set(config.criteria) & set(ORDER)) > 1:
        _print_summary(store, run_id)
    _print_rerun_check(store, run_id)
    _print_contention(store, run_id)
    console.print(f"Run [bold]{run_id}[/] finished: {summary}. Next: dlarena report {run_id}")


def _print_contention(store: ResultStore, run_id: str) -> None:
    """Verdicts withheld because their cells stayed contended, and thread pools that stalled."""
    from dlarena.report.contention import contention_lines

    for line in contention_lines(store, store.run(run_id)):
        warn(line)


def _print_rerun_check(store: ResultStore, run_id: str) -> None:
    from dlarena.report.terminal import print_rerun_check

    try:
        print_rerun_check(console, store, store.run(run_id))
    except Exception as exc:  # the results are stored: `dlarena compare` can still check them
        err_console.print(f"warning: could not check the verdicts against the previous run: {type(exc).__name__}: {exc}",
                          markup=False)


def _run_on_cluster(store: ResultStore, resume_run: Optional[str], address: Optional[str], nodes_by: str,
                    config=None, resume_group: Optional[str] = None) -> None:
    """``run --executor ray``: one run per hardware kind of the cluster (runner/executors/ray_cluster.py)."""
    from dlarena.runner import executors

    try:
        ray_cluster = executors.ray_module()
    except executors.ExecutorUnavailable as exc:
        fail(str(exc))
    if resume_run is not None:
        previous = store.run(resume_run)
        try:
            from dlarena.runner import user_workloads

            user_workloads.register_recorded(previous["config"])
            config = build_config(**previous["config"])
        except Exception as exc:  # noqa: BLE001 - a recorded config that no longer builds
            fail(f"cannot resume run {resume_run}: {exc}")
    cluster = ray_cluster.RayExecutor(address, nodes_by)
    try:
        cluster.connect()
        if resume_group:
            runs, missing = cluster.resume_runs(store, config, resume_group)
            for kind in missing:
                warn(f"no node of hardware kind '{kind}' in the cluster now: its run stays as it is")
            if not runs:
                fail(f"no node of the cluster matches a hardware kind of run group {resume_group}")
            console.print(f"Resuming on the cluster: " + ", ".join(
                f"[bold]{r.run_id}[/] ({len(r.done)} cells done)" for r in runs))
        else:
            runs = cluster.start_runs(store, config, new_run_id())
            console.print(f"Cluster run ({config.suite} suite, by {nodes_by}) -> {store.path}")
            for r in runs:
                console.print(f"  [bold]{escape(r.run_id)}[/]: {escape(r.kind)} — {len(r.nodes)} node(s)")
    except (ray_cluster.ClusterError, StoreError) as exc:  # StoreBusy: another process writes a run of the group
        cluster.shutdown()
        store.release_run()
        fail(str(exc))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("starting", total=None)
            update = lambda text, n, total: progress.update(task, completed=n, total=total, description=escape(text))
            try:
                outcomes = cluster.run(config, store, runs, update, on_cell_done=_print_cell(progress.console))
            except KeyboardInterrupt:
                problems = [p for p in (_mark(store, r.run_id, "interrupted") for r in runs) if p]
                store.release_run()
                fail(problems[0] if problems else "interrupted; completed cells are saved. Continue with: "
                     + _resume_hint(runs[0].run_id), 130)
            progress.update(task, description="done")
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        cluster.shutdown()
    try:
        for r in runs:
            problem = _mark(store, r.run_id, "complete")
            if problem:
                fail(problem)
            summary = ", ".join(f"{n} {status}" for status, n in sorted(outcomes[r.run_id].counts.items()))
            console.print(f"Run [bold]{escape(r.run_id)}[/] ({escape(r.kind)}) finished: {summary}.")
    finally:
        store.release_run()
    group = runs[0].run_id.rsplit(".", 1)[0] if len(runs) > 1 else runs[0].run_id
    console.print(f"Next: dlarena report RUN, or side by side: dlarena compare {group} --by-hardware")


def _print_summary(store: ResultStore, run_id: str) -> None:
    """The summary table and recommendation; a failure here is reported, the run stays a success."""
    from dlarena.report.terminal import print_run_summary

    try:
        print_run_summary(console, store, store.run(run_id))
    except Exception as exc:  # the results are stored: `dlarena report` can still show them
        err_console.print(f"warning: could not print the summary: {type(exc).__name__}: {exc}", markup=False)


@app.command()
@store_errors
def report(
    run_id: Optional[str] = typer.Argument(None, help="Run id (default: the latest run)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for report.html and summary.md "
                                       "(default: 'report' beside the database)."),
    db: Optional[Path] = DbOption,
) -> None:
    """Write the HTML report (plots embedded) and a Markdown summary for a run."""
    from dlarena.document.files import folder_problem
    from dlarena.report.render import write_report

    store = open_store(db)
    out = out or store.path.parent / "report"
    problem = folder_problem(out, "report.html and summary.md")
    if problem:
        fail(problem)
    run_row = store.run(run_id)
    if run_row is None:
        fail(f"no run {run_id!r} in {store.path}" if run_id else f"no runs in {store.path}; start one with: dlarena run")
    html, md = write_report(store, run_row, out)
    console.print(f"Report: [bold]{escape(str(html.resolve()))}[/]\nSummary: [bold]{escape(str(md.resolve()))}[/]")


@app.command()
@store_errors
def results(db: Optional[Path] = DbOption) -> None:
    """List the runs in the results database."""
    store = open_store(db)
    rows = store.runs()
    if not rows:
        console.print(f"No runs in {store.path}.", markup=False)
        return
    # 'running' with no dlarena run left on this machine: killed, or its end could not be recorded
    stopped = [] if other_dlarena_runs() else [r["run_id"] for r in rows if r["status"] == "running"]
    # The run id whole at any width: it is what --run, --resume and compare take (and it holds the
    # start time). The CPU model, long, goes under the table.
    table = Table(Column("run", no_wrap=True, min_width=max(len(r["run_id"]) for r in rows)), "suite", "status",
                  "wall time", "cells", "ok", "threads", box=box.SIMPLE_HEAD)
    cpus: dict[str, list[str]] = {}
    for r in rows:
        env = stored_json(r["env"], f"run {r['run_id']}'s env") or {}
        wall = f"{(r['finished_at'] - r['started_at']).total_seconds():.0f} s" if r["finished_at"] else "–"
        status = "stopped" if r["run_id"] in stopped else r["status"]
        table.add_row(r["run_id"], r["suite"], status, wall, str(r["cells"]), str(r["ok"]), str(env.get("intra_op_threads", "?")))
        cpus.setdefault(env.get("cpu_model", "?"), []).append(r["run_id"])
    console.print(table)
    for cpu, ids in cpus.items():
        console.print(f"CPU: {cpu}" + (f" (runs {', '.join(ids)})" if len(cpus) > 1 else ""), markup=False)
    if stopped:
        console.print(f"stopped: recorded as running, but no dlarena run is in progress on this machine (killed, or "
                      f"its end could not be recorded). Continue one with: {_resume_hint(stopped[0])}", markup=False)


@app.command()
@store_errors
def export(
    format: str = typer.Option("parquet", "--format", help="parquet, csv or json."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output file (default: dlarena-results/export.<format>)."),
    run_id: Optional[str] = typer.Option(None, "--run", help="Only this run (default: all runs)."),
    db: Optional[Path] = DbOption,
) -> None:
    """Export measurements to parquet, csv or json."""
    if format not in ("parquet", "csv", "json"):
        fail(f"unknown export format '{format}'; valid: parquet, csv, json")
    store = open_store(db)
    if not store.exists():
        fail(f"no results database at {store.path}")
    if run_id and store.run(run_id) is None:
        fail(f"no run {run_id!r} in {store.path}")
    path = store.export(format, out or store.path.parent / f"export.{format}", run_id)
    console.print(f"Exported to [bold]{escape(str(path))}[/]")


@app.command()
@store_errors
def recommend(
    priority: Optional[list[str]] = typer.Option(None, "--priority", "-p",
                                                 help="CRITERION=WEIGHT, repeatable (default weight 1; 0 leaves a criterion out). "
                                                      "Criteria: ease, speed, deployment, distributed, pretrained, debugging, community."),
    run_id: Optional[str] = typer.Option(None, "--run", help="Use only this run (default: each criterion's latest run that measured it)."),
    as_json: bool = typer.Option(False, "--json", help="Print the recommendation as JSON."),
    db: Optional[Path] = DbOption,
) -> None:
    """Score each framework from the latest measured results, weighted by your priorities."""
    from dlarena.recommend import PriorityError, latest_factors, parse_priorities
    from dlarena.recommend import recommend as decide

    try:
        weights = parse_priorities(priority)
    except PriorityError as exc:
        fail(str(exc))
    store = open_store(db)
    if not store.exists():
        fail(f"no results database at {store.path}; measure first, e.g.: dlarena run --criteria ease,debugging,pretrained,community")
    if run_id and store.run(run_id) is None:
        fail(f"no run {run_id!r} in {store.path}")
    result = decide(latest_factors(store, weights, run_id))
    if as_json:
        console.print_json(json.dumps({
            "weights": result.weights, "totals": result.totals, "ranking": result.ranking, "paragraph": result.paragraph,
            "factors": [{"criterion": f.criterion, "weight": f.weight, "status": f.status, "run_id": f.run_id,
                         "frameworks": f.per_framework} for f in result.factors]}, default=str))
        return
    fws = result.ranking or []
    table = Table("criterion", "weight", *fws, "evidence (run: cells)", show_lines=True)
    for f in result.factors:
        cells = [_recommend_cell(f.per_framework[fw]) if fw in f.per_framework else f.status for fw in fws]
        evidence = sorted({c for s in f.per_framework.values() for c in s.get("evidence", [])})
        shown = ", ".join(evidence[:4]) + (f" (+{len(evidence) - 4})" if len(evidence) > 4 else "")
        table.add_row(f.title, f"{f.weight:g}", *cells, f"{f.run_id}: {shown}" if f.run_id else "–")
    table.add_row("[bold]weighted total[/]", "", *(f"[bold]{result.totals[fw]:.2f}[/]" for fw in fws), "")
    console.print(table)
    console.print(result.paragraph, markup=False, highlight=False, soft_wrap=True)


def _recommend_cell(summary: dict) -> str:
    """"0.88 — line [measured here]", or "not scored — line [stale]" for a line kept out of the totals."""
    from dlarena import evidence

    score = f"{summary['score']:.2f}" if evidence.counts(summary) else "not scored"
    return f"{score} — {escape(summary['line'])} [{evidence.label(summary)}]"


CLAIM_STYLE = {"supported": "green", "partly supported": "yellow", "contradicted": "bold red", "outdated": "bold yellow"}


@app.command()
@store_errors
def claims(
    run_id: Optional[str] = typer.Option(None, "--run", help="Run to check (default: the latest run)."),
    as_json: bool = typer.Option(False, "--json", help="Print the verdicts as JSON."),
    db: Optional[Path] = DbOption,
) -> None:
    """Check every claim of the source article against a run: supported, contradicted, outdated, inconclusive,
    not measured (with the command that would measure it) or not checkable (with why)."""
    from dlarena import claims as register
    from dlarena.claimkit.model import PARTS
    from dlarena.measure.verdict import band_of

    store = open_store(db)
    if not store.exists():
        fail(f"no results database at {store.path}; measure first, e.g.: dlarena run")
    run_row = store.run(run_id)
    if run_row is None:
        fail(f"no run {run_id!r} in {store.path}" if run_id else f"no runs in {store.path}; start one with: dlarena run")
    results = register.evaluate_all(store.measurements(run_row["run_id"]), band=band_of(run_row["config"]),
                                    cells=store.cells(run_row["run_id"]))
    totals = register.counts(results)["all"]
    if as_json:
        console.print_json(json.dumps({"run_id": run_row["run_id"], "article": register.article(), "counts": totals,
                                       "claims": [register.as_dict(r) for r in results]}, default=str))
        return
    article = register.article()
    table = Table("claim", "verdict", "why / measured here", title=f"“{article.get('title')}” ({article.get('author')}), "
                  f"checked against run {run_row['run_id']}", show_lines=False)
    for part, title in PARTS.items():
        mine = [r for r in results if r.claim.part == part]
        if not mine:
            continue
        table.add_section()
        table.add_row(f"[bold]{escape(title)}[/]", "", "")
        for r in mine:
            style = CLAIM_STYLE.get(r.outcome, "dim")
            table.add_row(f"{escape(r.claim.id)}: “{escape(r.claim.quote)}”", f"[{style}]{escape(r.label)}[/]",
                          escape(r.detail))
    console.print(table)
    console.print(f"{len(results)} claims: " + ", ".join(f"{n} {v}" for v, n in totals.items() if n)
                  + ". Evidence cells: dlarena claims --json, or the report's claims section.", markup=False)


@app.command()
@store_errors
def community(
    refresh: bool = typer.Option(False, "--refresh", help="Fetch current GitHub stars, PyPI downloads and releases (needs the network)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for each API call."),
    db: Optional[Path] = DbOption,
) -> None:
    """Show the community figures (dated and sourced); --refresh adds current ones from the public APIs."""
    from dlarena.criteria.community import sources as figures

    store = open_store(db, write=refresh)  # refreshed figures are written beside the results database
    if refresh:
        try:
            path, fetched, missed = figures.refresh(store.path.parent, timeout)
        except figures.CommunityRefreshError as exc:
            fail(f"community refresh failed: {exc}", 1)
        console.print(f"Fetched {len(fetched)} figures -> [bold]{path}[/]")
        for line in missed:
            console.print(f"not refreshed: {line}", markup=False)
    table = Table("figure", "framework", "value", "as of", "kind", "source")
    for f in figures.load(store.path.parent):
        value = "not available" if f.get("value") is None else ("< " if f.get("qualifier") == "below" else "") + f"{f['value']:,}"
        table.add_row(figures.label(f["metric"]), f["framework"], value, str(f.get("as_of") or "–"),
                      f.get("kind", ""), f.get("source", ""))
    console.print(table)


@app.command()
@store_errors
def pretrained(
    refresh: bool = typer.Option(False, "--refresh", help="Count models per library on the Hugging Face Hub (needs the network)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for the Hub (each library: 3x this)."),
    limit: int = typer.Option(5000, "--limit", min=1, help="Count at most this many models per library."),
    db: Optional[Path] = DbOption,
) -> None:
    """Show the pretrained-model ecosystem figures (dated, sourced, graded; context, not scored);
    --refresh adds current Hugging Face Hub model counts per library."""
    from dlarena.pretrained import refresh as eco

    store = open_store(db, write=refresh)  # refreshed figures are written beside the results database
    if refresh:
        try:
            path, fetched, missed = eco.refresh(store.path.parent, timeout, limit)
        except eco.RefreshError as exc:
            err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2)
        console.print(f"Fetched {len(fetched)} figures -> [bold]{path}[/]")
        for line in missed:
            console.print(line, markup=False)
    table = Table("library", "figure", "value", "as of", "grade", "source")
    for f in eco.load(store.path.parent):
        table.add_row(f["library"], f["metric"], eco.value_text(f), str(f.get("as_of") or "–"), f["grade"],
                      f.get("url") or f.get("source", ""))
    console.print(table)


@app.command()
@store_errors
def compare(
    run_a: str = typer.Argument(..., help="Baseline run id (with --by-hardware: a cluster run or its group id)."),
    run_b: Optional[str] = typer.Argument(None, help="Run id to compare with the baseline (a run on other "
                                          "hardware compares the hardware)."),
    by_hardware: bool = typer.Option(False, "--by-hardware", help="Side by side, the runs a cluster made on each "
                                     "hardware kind (dlarena run --executor ray)."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the comparison as a page, compare.html "
                                       "(interactive chart, works offline), into this folder."),
    db: Optional[Path] = DbOption,
) -> None:
    """Compare two runs of the same cells: headline medians, whether each run's 95% CI covers the
    other's value, and which framework-vs-framework verdicts changed; or, with --by-hardware, the
    hardware kinds of a cluster run side by side."""
    from dlarena.document.files import folder_problem
    from dlarena.report.compare_page import write_compare_page
    from dlarena.report.compare_runs import compare_stored_runs, summary_lines

    store = open_store(db)
    if by_hardware:
        _compare_hardware(store, run_a, as_json)
        return
    if run_b is None:
        fail("compare needs two run ids, or one cluster run with --by-hardware")
    if run_a == run_b:
        fail(f"compare needs two different runs; both are {run_a!r} (dlarena results lists the runs)")
    problem = folder_problem(out, "compare.html") if out is not None else None
    if problem:
        fail(problem)
    for rid in (run_a, run_b):
        if store.run(rid) is None:
            fail(f"no run {rid!r} in {store.path}")
    result = compare_stored_runs(store, run_a, run_b)
    if not result.cells:
        fail("the two runs have no successful cells in common")
    page = write_compare_page(store, result, out) if out is not None else None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=1))
        return
    table = Table("cell", "metric", run_a, run_b, "diff %")
    for r in result.cells:
        table.add_row(escape(r["cell_id"]), r["metric"], f"{r['a']:.4g}", f"{r['b']:.4g}", f"{r['diff_pct']:+.1f}")
    console.print(table)
    for line in summary_lines(result):
        console.print(line, markup=False, highlight=False)
    for c in result.verdicts.changes:
        console.print(f"  {c.kind}: {c.pair}\n    {run_a}: {c.a}\n    {run_b}: {c.b}", markup=False, highlight=False)
    if page is not None:
        console.print(f"Page: [bold]{escape(str(page.resolve()))}[/]")


def _compare_hardware(store: ResultStore, run: str, as_json: bool) -> None:
    from dataclasses import asdict

    from dlarena.report import hardware

    table = hardware.build_table(store, run)
    if table is None:
        fail(f"{run!r} is neither a run made with --executor ray nor a group of them in {store.path}")
    if as_json:
        typer.echo(json.dumps(asdict(table), indent=1))
        return
    console.print(f"Run group [bold]{escape(table.group)}[/]: " + ", ".join(
        f"{escape(k)} = {escape(r)}" for k, r in table.run_ids.items()))
    for headers, rows in (hardware.best_rows(table), hardware.rows(table)):
        out = Table(*headers)
        for row in rows:
            out.add_row(*(escape(str(v)) for v in row))
        console.print(out)
    line = hardware.overhead_line(table)
    if line:
        console.print(line, markup=False, highlight=False)


@app.command("bench-harness")
def bench_harness(
    threads: int = typer.Option(1, help="Threads for the fixed workload."),
    rounds: int = typer.Option(5, min=1, help="Alternating harness/bare rounds."),
) -> None:
    """Measure the timing harness's own overhead on a fixed call (PyTorch MLP, batch 1)."""
    from dlarena.criteria.speed.cells import mlp_call
    from dlarena.measure.overhead import harness_overhead

    fn, sync = mlp_call(framework_registry.names()[0], threads)  # the first registered: PyTorch
    r = harness_overhead(fn, sync, rounds=rounds)
    console.print(f"harness median {r['harness_us']:.2f} us/call, bare loop {r['bare_us']:.2f} us/call: "
                  f"overhead {r['overhead_pct']:+.2f}% ({r['rounds']} rounds x {r['calls_per_round']} calls)")


@app.command()
def serve(
    artifact: Path = typer.Argument(..., help="Artifact folder written by the deployment criterion (or a file in it)."),
    host: str = typer.Option("127.0.0.1", help="Address to bind (default: loopback only)."),
    port: int = typer.Option(8000, help="TCP port."),
    threads: Optional[int] = typer.Option(None, help="Intra-op threads of the runtime (default: physical cores)."),
    interop_threads: int = typer.Option(1, "--interop-threads", help="Inter-op threads of the runtime."),
    batch_max: int = typer.Option(1, "--batch-max", help="Dynamic batching: merge concurrent requests up to this many rows (1: off)."),
    batch_timeout_ms: float = typer.Option(2.0, "--batch-timeout-ms", help="How long a batch waits for more requests."),
    max_body_mb: float = typer.Option(16.0, "--max-body-mb", help="Largest request body accepted (413 above)."),
    max_batch: int = typer.Option(1024, "--max-batch", help="Most samples in one request (413 above)."),
    read_timeout: float = typer.Option(30.0, "--read-timeout", help="Seconds a client has to send its request body (408 after)."),
) -> None:
    """Serve an exported model over HTTP: /health, /metadata, /predict (JSON or .npy/.npz).
    Loading an artifact runs its code: serve only artifacts you trust."""
    import os

    from dlarena.deploy.server import ServeError, check_options, serve as run_server

    try:
        options = check_options(port, threads, interop_threads, batch_max, batch_timeout_ms, max_body_mb, max_batch,
                                read_timeout)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        run_server(artifact, host, port, options)
    except ServeError as exc:
        fail(str(exc))


@app.command()
def loadtest(
    url: str = typer.Argument(..., help="Server URL on this machine, e.g. http://127.0.0.1:8000"),
    concurrency: int = typer.Option(4, "--concurrency", "-c", help="Concurrent clients."),
    duration: float = typer.Option(10.0, "--duration", "-d", help="Seconds to run."),
    batch: int = typer.Option(1, help="Samples per request."),
    body: str = typer.Option("json", help="Request body: json or npy."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Drive a server with concurrent /predict requests (loopback only); report req/s and latency."""
    from dlarena.deploy.loadtest import LoadtestError, run as run_loadtest

    try:
        result = run_loadtest(url, concurrency, duration, batch=batch, body=body)
    except LoadtestError as exc:
        fail(str(exc))
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
        return
    p = result.percentiles()
    console.print(f"{result.url}: {concurrency} clients, {result.duration_s:.1f} s, batch {batch}, {body} bodies")
    table = Table("requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms")
    fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    table.add_row(str(result.requests), str(result.errors), f"{result.requests_per_s:.1f}",
                  fmt(p["p50"]), fmt(p["p90"]), fmt(p["p99"]))
    console.print(table)
    for example in result.error_examples:
        err_console.print(f"[red]error:[/] {escape(example)}", highlight=False, soft_wrap=True)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
