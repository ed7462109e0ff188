"""Training curves: the same model, initial weights, data and optimizer in each framework, on a
small learnable task (labels from a fixed random "teacher"), with loss and accuracy per step."""

from __future__ import annotations

import numpy as np

STEPS = 60
BATCH = 64
N_SAMPLES = 512


def teacher_data(workload, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 7)
    x = rng.standard_normal((N_SAMPLES, *workload.input_shape)).astype(np.float32)
    teacher = rng.standard_normal((int(np.prod(workload.input_shape)), workload.num_classes))
    y = np.argmax(x.reshape(N_SAMPLES, -1) @ teacher, axis=1).astype(np.int32)
    return x, y


def train_curves(adapter, workload, model, seed: int, steps: int = STEPS) -> dict[str, list[float]]:
    x, y = teacher_data(workload, seed)
    step = adapter.trainer(model, "eager", workload.learning_rate)
    predict = adapter.predictor(model, "eager")
    losses, accuracies = [], []
    for i in range(steps):
        lo = (i * BATCH) % N_SAMPLES
        xt, yt = adapter.inputs(workload, x[lo:lo + BATCH], y[lo:lo + BATCH])
        logits = adapter.to_numpy(predict(xt))  # before the update, on the batch being trained
        accuracies.append(float(np.mean(np.argmax(logits, axis=1) == y[lo:lo + BATCH])))
        losses.append(float(adapter.to_numpy(step(xt, yt))))
    return {"loss": losses, "accuracy": accuracies}
