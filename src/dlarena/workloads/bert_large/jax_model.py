from dlarena.workloads.transformer.jax_model import build_model, weight_map  # noqa: F401
