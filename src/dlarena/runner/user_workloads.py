"""Bring your own model: what `dlarena run --workload PATH` and `--keras-model FILE` do before a
suite starts. Registers the user's sources (so worker processes resolve them too), fills in the
selection they imply, and checks each user workload on each framework in an isolated worker, so
that bad input ends with one clear line (exit code 2) before anything is recorded."""

from __future__ import annotations

from pathlib import Path

from dlarena import frameworks, workloads
from dlarena.config import PARITY, Cell, ConfigError, SuiteConfig
from dlarena.process.isolate import run_isolated, thread_env
from dlarena.workloads import WorkloadError


def parse_shape(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        shape = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        shape = []
    if not shape or any(d <= 0 for d in shape):
        raise ConfigError(f"--input-shape '{text}' is not a list of positive integers (per sample, e.g. 32,32,3)")
    return shape


def apply(values: dict, workload_paths: list[str] | None, keras_paths: list[str] | None,
          input_shape: str | None) -> None:
    """Registers the sources and records them in the suite values; raises WorkloadError/ConfigError."""
    selected: list[str] = []
    if workload_paths:
        resolved = [str(Path(p).expanduser().resolve()) for p in workload_paths]
        selected += workloads.register_sources(resolved)
        values["workload_sources"] = resolved
    if keras_paths:
        resolved = [str(Path(p).expanduser().resolve()) for p in keras_paths]
        shape = parse_shape(input_shape)
        selected += workloads.register_keras_models(resolved, tuple(shape) if shape else None)
        values["keras_models"] = resolved
        values["keras_input_shape"] = shape
        values["frameworks"] = frameworks.keras_names()
    elif input_shape:
        raise ConfigError("--input-shape applies to --keras-model only (a workload module declares WORKLOAD.input_shape)")
    if selected:  # the user's models replace the suite's built-ins (an explicit --workloads still wins)
        values["workloads"] = selected


def register_recorded(config: dict) -> None:
    """On --resume: registers the sources a stored run was made with."""
    if config.get("workload_sources"):
        workloads.register_sources(config["workload_sources"])
    if config.get("keras_models"):
        shape = config.get("keras_input_shape")
        workloads.register_keras_models(config["keras_models"], tuple(shape) if shape else None)


def narrow_frameworks(config: SuiteConfig, frameworks_given: bool) -> SuiteConfig:
    """Without --frameworks, run each framework that every selected user workload implements: a user
    workload written for PyTorch and Keras is not an error because JAX is installed. Built-in
    workloads never narrow the selection: one a framework leaves out (``Workload.left_out``) is a
    skipped row saying why, and that framework still runs every other workload."""
    if frameworks_given:
        return config
    user = [w for w in config.workloads if workloads.base_name(w) not in workloads.BUILTIN]
    usable = [fw for fw in config.frameworks
              if all(workloads.implements(w, frameworks.info(fw).model_module) for w in user)]
    return config.model_copy(update={"frameworks": usable or config.frameworks})


def validate(config: SuiteConfig, frameworks_given: bool) -> None:
    keras_workloads = {w for w in config.workloads if w in workloads._keras_workloads()}
    natives = [fw for fw in config.frameworks if frameworks.info(fw).family != "keras"]
    if keras_workloads and natives:
        raise ConfigError(f"a Keras model file runs on Keras 3 backends only; not on {', '.join(natives)} "
                          f"(use --frameworks {','.join(frameworks.keras_names())})")
    if frameworks_given:  # a backend asked for by name must be there; the default matrix just skips it
        for fw in config.frameworks:
            info = frameworks.info(fw)
            if info.family == "keras" and not info.is_installed():
                raise ConfigError(f"{info.display_name} is not available: {info.import_name} is not installed; "
                                  f"install it with: {info.install_hint}")


def preflight(config: SuiteConfig) -> None:
    """Builds and runs each user workload once per installed framework, each in its own process."""
    env = thread_env(config.threads, config.interop_threads)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    keras_files = workloads._keras_workloads()
    for name in config.workloads:
        if workloads.base_name(name) in workloads.BUILTIN or name in keras_files:  # built-ins (and their variants) are tested; files were inspected
            continue
        try:  # an entry-point workload is imported here for the first time
            batch = workloads.get(name).batch_for(PARITY)
        except WorkloadError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise WorkloadError(f"workload '{name}' ({workloads.package_of(name)}) does not import: "
                                f"{type(exc).__name__}: {exc}") from None
        for fw in config.frameworks:
            if not frameworks.info(fw).is_installed():
                continue
            cell = Cell(workload=name, framework=fw, mode="eager", scenario="check", batch=batch)
            payload = {"cell": cell.model_dump(), "threads": config.threads, "interop_threads": config.interop_threads,
                       "seed": config.seed}
            from dlarena.workloads.check import ENTRY

            result = run_isolated(ENTRY, payload, config.timeout_s, env)
            if result.get("status") != "ok":
                message = result.get("error") or "check failed"
                frames = result.get("user_traceback")
                raise WorkloadError(message + (f"\nTraceback in the workload's own files:\n{frames}" if frames else ""))
