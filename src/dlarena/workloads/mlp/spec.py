from dlarena.workloads.base import Workload, dense, dense_flops

IN, HIDDEN, CLASSES = 64, 256, 10


def variant(width: int = HIDDEN) -> Workload:
    """The MLP with hidden layers of ``width`` units (the model-size sweep varies it)."""
    if width < 1:
        raise ValueError(f"workload 'mlp': width must be >= 1, got {width}")
    return Workload(
        name="mlp",
        description=f"Tabular MLP {IN} -> {width} -> {width} -> {CLASSES} (ReLU), cross-entropy",
        input_kind="features",
        input_shape=(IN,),
        num_classes=CLASSES,
        config={"in_features": IN, "hidden": width, "num_classes": CLASSES},
        params={**dense(IN, width, "fc1"), **dense(width, width, "fc2"), **dense(width, CLASSES, "out")},
        batch_sizes={"infer_latency": 1, "infer_throughput": 256, "train": 64, "parity": 16},
        forward_flops=dense_flops(IN, width) + dense_flops(width, width) + dense_flops(width, CLASSES),
    )


WORKLOAD = variant()
