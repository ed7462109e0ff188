from dlarena.workloads.base import Workload, dense

IN, HIDDEN, CLASSES = 64, 256, 10

WORKLOAD = Workload(
    name="mlp",
    description="Tabular MLP 64 -> 256 -> 256 -> 10 (ReLU), cross-entropy",
    input_kind="features",
    input_shape=(IN,),
    num_classes=CLASSES,
    config={"in_features": IN, "hidden": HIDDEN, "num_classes": CLASSES},
    params={**dense(IN, HIDDEN, "fc1"), **dense(HIDDEN, HIDDEN, "fc2"), **dense(HIDDEN, CLASSES, "out")},
    batch_sizes={"infer_latency": 1, "infer_throughput": 256, "train": 64, "parity": 16},
)
