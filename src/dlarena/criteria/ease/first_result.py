"""Time to first result in a fresh process: framework import, model build, first training step."""

from __future__ import annotations

import importlib
import sys
import time

from dlarena import frameworks, workloads
from dlarena.cell import Cell



def measure(payload: dict) -> dict:
    from dlarena.cell import metric

    cell = Cell(**payload["cell"])
    modules = frameworks.info(cell.framework).user_modules  # what a user imports (frameworks/*/training.py)
    already = [m for m in modules if m in sys.modules]
    if already:
        return {"status": "failed", "error": f"not a fresh process: {', '.join(already)} already imported", "metrics": []}

    started = time.perf_counter()
    for name in modules:
        importlib.import_module(name)
    import_s = time.perf_counter() - started

    workload = workloads.get(cell.workload)
    # thread setup is not part of the user's wait; the adapter of the model the framework's column runs
    adapter = frameworks.load_adapter(cell.framework, workload.model_module_for(frameworks.info(cell.framework).model_module))
    runtime = adapter.setup(payload["threads"], payload["interop_threads"], payload["seed"])
    model_module = workloads.framework_module(cell.workload, adapter.info.model_module)
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)

    started = time.perf_counter()
    model = model_module.build_model(workload.config)
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    xt, yt = adapter.inputs(workload, x, y)
    step = adapter.trainer(model, "eager", workload.learning_rate)
    loss = step(xt, yt)
    adapter.to_numpy(loss)  # the value is in hand: the user has a first result
    first_step_s = time.perf_counter() - started

    total = import_s + build_s + first_step_s
    rows = [
        metric("import_s", "s", import_s, modules=list(modules)),
        metric("build_s", "s", build_s),
        metric("first_step_s", "s", first_step_s),
        metric("first_result_s", "s", total, import_s=import_s, build_s=build_s, first_step_s=first_step_s),
    ]
    return {"status": "ok", "metrics": rows, "runtime": runtime}
