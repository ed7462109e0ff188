"""Pre-flight check of a user workload on one framework, in an isolated worker: the module
imports, its builder runs, the canonical parameters load, and a batch of its declared input
shape goes through the model. Each failure names the stage, so the CLI can print one clear
line (and the user's own traceback frames) and exit with code 2 before anything is recorded."""

from __future__ import annotations

import os
import sys
import traceback

from dlarena.cell import error_line
from dlarena import frameworks, workloads
from dlarena.cell import Cell

ENTRY = "dlarena.workloads.check:run_cell"


def _user_frames(exc: BaseException, name: str) -> str:
    module = sys.modules.get(workloads.package_of(name))
    folder = os.path.dirname(getattr(module, "__file__", "") or "")
    return workloads.user_traceback(exc, folder) if folder else ""


def _fail(message: str, exc: BaseException | None = None, name: str | None = None) -> dict:
    frames = _user_frames(exc, name) if exc is not None and name else ""
    return {"status": "failed", "error": message, "user_traceback": frames,
            "traceback": traceback.format_exc() if exc else "", "metrics": []}


def run_cell(payload: dict) -> dict:
    cell = Cell(**payload["cell"])
    info = frameworks.info(cell.framework)
    name = cell.workload
    # The adapter first: a Keras backend must be chosen before the model module imports Keras.
    adapter = frameworks.load_adapter(cell.framework)
    adapter.setup(payload["threads"], payload["interop_threads"], payload["seed"])
    try:
        workload = workloads.get(name)
        module = workloads.framework_module(name, info.model_module)
    except KeyError as exc:  # no model for this framework: the registry's message says which
        return _fail(f"workload '{name}' cannot run on {info.display_name}: {exc.args[0]} "
                     f"(choose frameworks with --frameworks)")
    except Exception as exc:  # noqa: BLE001
        return _fail(f"workload '{name}' cannot run on {info.display_name}: {error_line(exc, limit=None)}", exc, name)
    try:
        module.build_model(workload.config)
    except Exception as exc:  # noqa: BLE001
        return _fail(f"build_model of workload '{name}' ({info.model_module}, {info.display_name}) raised "
                     f"{error_line(exc, limit=None)}", exc, name)
    try:
        model = adapter.build(workload, workload.make_params(payload["seed"]))
    except Exception as exc:  # noqa: BLE001
        return _fail(f"loading workload '{name}''s parameters into the {info.display_name} model failed: "
                     f"{error_line(exc, limit=None)}", exc, name)
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)
    try:
        xt, _ = adapter.inputs(workload, x, y)
        adapter.to_numpy(adapter.predictor(model, "eager")(xt))
    except Exception as exc:  # noqa: BLE001
        return _fail(f"input of shape {tuple(x.shape)} (batch {cell.batch}, WORKLOAD.input_shape "
                     f"{tuple(workload.input_shape)}) does not fit the {info.display_name} model of workload "
                     f"'{name}': {error_line(exc, limit=None)}", exc, name)
    return {"status": "ok", "metrics": []}
