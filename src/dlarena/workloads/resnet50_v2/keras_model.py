from dlarena.workloads.resnet.keras_model import build_model, weight_map  # noqa: F401
