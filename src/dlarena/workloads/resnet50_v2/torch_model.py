from dlarena.workloads.resnet.torch_model import build_model, weight_map  # noqa: F401
