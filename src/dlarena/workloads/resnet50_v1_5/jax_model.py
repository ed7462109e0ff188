from dlarena.workloads.resnet.jax_model import build_model, weight_map  # noqa: F401
