"""Model-zoo ResNet-50s timed as shipped: keras.applications.ResNet50 and torchvision's resnet50.

They are different implementations (Keras' is ResNet v1 with the stride on the first 1x1 conv
and biased convolutions; torchvision's is v1.5), so there is NO parity claim and no verdict:
these cells only show what a user gets from each zoo. Random weights (no download). A zoo that
cannot be imported (torchvision beside this torch build) is recorded as skipped with the reason.
"""

from __future__ import annotations

import numpy as np

from dlarena import frameworks, workloads
from dlarena.config import Cell, SuiteConfig
from dlarena.criteria.common import Skipped, metric, setup_adapter
from dlarena.measure.stats import summarize
from dlarena.measure.timer import TimingConfig, measure

ENTRY = "dlarena.criteria.zoo:run_cell"
NEEDS_PARITY = False
WORKLOAD = "resnet50_zoo"
SCENARIOS = {"zoo_infer_throughput": "infer_throughput", "zoo_train": "train"}
LABEL = "different implementation, no parity claim"


ZOO_FRAMEWORKS = ("torch", "tensorflow")  # torchvision and keras.applications ship a ResNet-50


def _inputs_spec(size: str | None):
    return workloads.get(workloads.with_size("resnet50_v1_5", size))


def plan_global(config: SuiteConfig) -> list[Cell]:
    spec = _inputs_spec(config.size)
    name = WORKLOAD if spec.size in (None, "full") else f"{WORKLOAD}@size={spec.size}"
    return [Cell(workload=name, framework=fw, mode=mode, scenario=scenario, batch=spec.batch_for(speed_scenario))
            for fw in config.frameworks if fw in ZOO_FRAMEWORKS
            for mode in frameworks.info(fw).modes if mode in config.modes
            for scenario, speed_scenario in SCENARIOS.items()]


def build_zoo_model(framework: str, image: int, classes: int):
    if framework == "torch":
        try:
            import torchvision
        except Exception as exc:  # e.g. "operator torchvision::nms does not exist" beside a mismatched torch
            raise Skipped(f"torchvision is not importable here: {type(exc).__name__}: {exc}") from None
        return torchvision.models.resnet50(weights=None, num_classes=classes)
    if framework == "tensorflow":
        import keras

        return keras.applications.ResNet50(weights=None, input_shape=(image, image, 3), classes=classes)
    raise Skipped(f"no model zoo known for framework '{framework}'")


def run_cell(payload: dict) -> dict:
    cell = Cell(**payload["cell"])
    adapter, runtime = setup_adapter(payload, cell)
    spec = _inputs_spec(workloads.parse(cell.workload)[1].get("size"))
    model = build_zoo_model(cell.framework, spec.input_shape[0], spec.num_classes)
    if cell.framework == "torch":
        model = model.to(adapter.device)
    x, y = spec.make_batch(cell.batch, seed=payload["seed"] + 1)
    xt, yt = adapter.inputs(spec, x, y)
    if SCENARIOS[cell.scenario] == "train":
        step = adapter.trainer(model, cell.mode, spec.learning_rate)
        call = lambda: step(xt, yt)  # noqa: E731
        name = "train_throughput_sps"
    else:
        predict = adapter.predictor(model, cell.mode)
        call = lambda: predict(xt)  # noqa: E731
        name = "throughput_sps"
    timing = measure(call, adapter.sync, TimingConfig(**payload["timing"]))
    sps = cell.batch / np.asarray(timing.samples_s)
    s = summarize(sps)
    params = sum(int(np.prod(w.shape)) for w in (model.parameters() if cell.framework == "torch" else model.trainable_weights))
    rows = [metric(name, "samples/s", s.median, s, sps, label=LABEL, image=spec.input_shape[0]),
            metric("first_call_s", "s", timing.first_call_s),
            metric("zoo_parameter_count", "params", params, label=LABEL)]
    return {"status": "ok", "metrics": rows, "runtime": runtime}
