"""A worked example of a user-written workload: a residual MLP for tabular data, written once in
PyTorch (torch_model.py) and once in Keras (keras_model.py), loading the same parameters.

Run it:  dlarena run --workload examples/custom_workload --suite smoke
This file is framework-free (dlarena imports it in its parent process to plan the cells); the
framework code lives in the two submodules, which only the isolated worker processes import.
"""

from dlarena.workloads.base import ParamSpec, Tolerance, Workload, dense

IN, WIDTH, CLASSES = 32, 64, 4


def _params() -> dict[str, ParamSpec]:
    return {
        **dense(IN, WIDTH, "stem"),
        "norm.gamma": ParamSpec((WIDTH,), "vector", init="ones"),
        "norm.beta": ParamSpec((WIDTH,), "vector", init="small"),
        **dense(WIDTH, WIDTH, "block"),
        **dense(WIDTH, CLASSES, "head"),
    }


WORKLOAD = Workload(
    name="resmlp",
    description="Residual MLP 32 -> 64 (LayerNorm, GELU, one residual block) -> 4 classes",
    input_kind="features",
    input_shape=(IN,),
    num_classes=CLASSES,
    config={"in_features": IN, "width": WIDTH, "num_classes": CLASSES},
    params=_params(),
    batch_sizes={"infer_latency": 1, "infer_throughput": 128, "train": 64, "parity": 16},
    learning_rate=0.01,
    tolerance=Tolerance(forward=1e-4, loss=1e-4, grad=1e-3),
)
