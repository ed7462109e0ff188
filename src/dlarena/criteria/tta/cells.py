"""Time to accuracy (DAWNBench style) on scikit-learn's digits (8x8 images, 10 classes; ships
with scikit-learn, so it works offline).

Every selected framework trains the ``mlp`` workload (64 -> 256 -> 256 -> 10) from the same canonical
initial weights, on the same fixed train/test split, visiting the training set in the same
seeded order, with the workload's own training step (SGD, momentum 0.9) at the same learning
rate and batch size, until the test accuracy reaches the target. Several seeds (initial
weights and data order) per framework and mode. The clock counts training steps only (first
epoch includes tracing/compilation, as a user pays it); evaluation after each epoch is timed
separately.
"""

from __future__ import annotations

import time

import numpy as np

from dlarena import frameworks
from dlarena.cell import Cell
from dlarena.criteria.base import Selection
from dlarena.criteria.tta.options import TtaOptions
from dlarena.cellkit.common import Skipped, metric, prepare

ENTRY = "dlarena.criteria.tta.cells:run_cell"
WORKLOAD = "mlp"
SCENARIO_PREFIX = "tta_seed"
BATCH = 32
LEARNING_RATE = 0.05
TEST_FRACTION = 0.25
SPLIT_SEED = 0  # the split is fixed; seeds vary initial weights and data order


def plan_global(selection: Selection, options: TtaOptions) -> list[Cell]:
    return [Cell(workload=WORKLOAD, framework=fw, mode=mode, scenario=f"{SCENARIO_PREFIX}{seed}", batch=BATCH)
            for fw in selection.frameworks for mode in frameworks.info(fw).modes if mode in selection.modes
            for seed in range(selection.seed, selection.seed + options.seeds)]




def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fixed stratified split of digits, features scaled to [0, 1]."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise Skipped("scikit-learn is not installed (it ships the digits dataset); "
                      "install it with: pip install 'dlarena[tta]'") from None

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int32)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED,
                                                        stratify=y)
    return x_train, y_train, x_test, y_test


def epoch_batches(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Index batches of one epoch; the last partial batch is dropped so every step has one shape."""
    order = rng.permutation(n)
    return [order[i:i + BATCH] for i in range(0, n - BATCH + 1, BATCH)]


def run_cell(payload: dict) -> dict:
    prep = prepare(payload)
    cell, adapter, workload = prep.cell, prep.adapter, prep.workload
    seed = int(cell.scenario.removeprefix(SCENARIO_PREFIX))
    options = TtaOptions(**payload.get("tta", {}))
    target, max_epochs = options.target, options.max_epochs
    x_train, y_train, x_test, y_test = digits_split()
    model = adapter.build(workload, workload.make_params(seed))
    step = adapter.trainer(model, cell.mode, LEARNING_RATE)
    predict = adapter.predictor(model, cell.mode)  # the MLP has no dropout/BN: train/eval modes agree
    x_eval, _ = adapter.inputs(workload, x_test, y_test)
    rng = np.random.default_rng(seed)

    train_s, eval_s, accuracies, epoch_times, reached_at = 0.0, 0.0, [], [], None
    for epoch in range(1, max_epochs + 1):
        batches = [adapter.inputs(workload, x_train[idx], y_train[idx]) for idx in epoch_batches(len(x_train), rng)]
        started = time.perf_counter()
        for xb, yb in batches:
            step(xb, yb)
        adapter.sync()
        epoch_times.append(time.perf_counter() - started)
        train_s += epoch_times[-1]
        started = time.perf_counter()
        logits = adapter.to_numpy(predict(x_eval))
        eval_s += time.perf_counter() - started
        accuracies.append(float(np.mean(np.argmax(logits, axis=1) == y_test)))
        if accuracies[-1] >= target:
            reached_at = epoch
            break

    common = {"target": target, "seed": seed, "batch": BATCH, "learning_rate": LEARNING_RATE, "dataset": "sklearn digits",
              "train_samples": len(x_train), "test_samples": len(x_test)}
    rows = [
        metric("reached_target", "bool", 1.0 if reached_at else 0.0, max_epochs=max_epochs, **common),
        metric("final_test_accuracy", "ratio", accuracies[-1], **common),
        metric("test_accuracy_curve", "ratio", accuracies[-1], samples=accuracies, per="epoch",
               cumulative_train_s=list(np.cumsum(epoch_times))),
        metric("epoch_time_s", "s", float(np.median(epoch_times)), samples=epoch_times),
        metric("eval_time_s", "s", eval_s),
    ]
    if reached_at:
        rows += [metric("time_to_target_s", "s", train_s, **common), metric("epochs_to_target", "epochs", reached_at, **common)]
    return {"status": "ok", "metrics": rows, "runtime": prep.runtime}
