"""Model-zoo ResNet-50s timed as shipped: each framework registers the ResNet-50 its users get
from a zoo (its "zoo" plugin: torchvision's resnet50, keras.applications.ResNet50, the latter via
Keras 3 on JAX for JAX users).

They are different implementations (Keras' is ResNet v1 with the stride on the first 1x1 conv
and biased convolutions; torchvision's is v1.5), so there is NO parity claim and no verdict:
these cells only show what a user gets from each zoo. Random weights (no download). A zoo that
cannot be imported (torchvision beside this torch build) is recorded as skipped with the reason.
"""

from __future__ import annotations

import numpy as np

from dlarena import frameworks, workloads
from dlarena.cell import Cell
from dlarena.criteria.base import NoOptions, Selection
from dlarena.cellkit.common import metric, setup_adapter
from dlarena.measure.stats import sample_summary
from dlarena.measure.timer import TimingConfig, measure

ENTRY = "dlarena.criteria.zoo.cells:run_cell"
WORKLOAD = "resnet50_zoo"
SCENARIOS = {"zoo_infer_throughput": "infer_throughput", "zoo_train": "train"}
LABEL = "different implementation, no parity claim"


def _inputs_spec(size: str | None):
    return workloads.get(workloads.with_size("resnet50_v1_5", size))


def plan_global(selection: Selection, options: NoOptions) -> list[Cell]:
    spec = _inputs_spec(selection.size)
    name = WORKLOAD if spec.size in (None, "full") else f"{WORKLOAD}@size={spec.size}"
    return [Cell(workload=name, framework=fw, mode=mode, scenario=scenario, batch=spec.batch_for(speed_scenario))
            for fw in frameworks.with_plugin("zoo", selection.frameworks)
            for mode in frameworks.info(fw).modes if mode in selection.modes
            for scenario, speed_scenario in SCENARIOS.items()]


def run_cell(payload: dict) -> dict:
    cell = Cell(**payload["cell"])
    adapter, runtime = setup_adapter(payload, cell)
    spec = _inputs_spec(workloads.parse(cell.workload)[1].get("size"))
    zoo = frameworks.plugin_module(cell.framework, "zoo")
    # The zoo may be timed by another adapter than the cell's (JAX users run Keras 3 on JAX).
    model, adapter, mode = zoo.build(adapter, spec, cell.mode, payload["seed"])
    x, y = spec.make_batch(cell.batch, seed=payload["seed"] + 1)
    xt, yt = adapter.inputs(spec, x, y)
    if SCENARIOS[cell.scenario] == "train":
        step = adapter.trainer(model, mode, spec.learning_rate)
        call = lambda: step(xt, yt)  # noqa: E731
        name = "train_throughput_sps"
    else:
        predict = adapter.predictor(model, mode)
        call = lambda: predict(xt)  # noqa: E731
        name = "throughput_sps"
    timing = measure(call, adapter.sync, TimingConfig(**payload["timing"]))
    sps = cell.batch / np.asarray(timing.samples_s)
    s = sample_summary(sps)
    params = zoo.parameter_count(model)
    rows = [metric(name, "samples/s", s.median, s, sps, label=LABEL, image=spec.input_shape[0], model=zoo.DESCRIPTION,
                   timed_as=mode),
            metric("first_call_s", "s", timing.first_call_s),
            metric("zoo_parameter_count", "params", params, label=LABEL)]
    return {"status": "ok", "metrics": rows, "runtime": runtime}
