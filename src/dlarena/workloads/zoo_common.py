"""What the zoo workloads (llama, bert, vit) share: the package each framework's model needs, with
its install command, why native JAX is left out, and their parameter helpers (zoo initialisation:
small weights, as the zoos' own initialisers)."""

from dlarena.workloads.base import ParamSpec

ZOOS = (("torch_model", "transformers", "pip install 'transformers>=5,<6'"),
        ("keras_model", "keras_hub", "pip install keras-hub (see requirements-nodeps.txt: tensorflow-text)"))
NO_JAX = (("jax_model", "JAX users load this zoo model from keras-hub on JAX: measured as keras-jax "
                        "(-f keras-jax); transformers 5 has no Flax models"),)


def dense(n_in: int, n_out: int, prefix: str) -> dict[str, ParamSpec]:
    return {f"{prefix}.kernel": ParamSpec((n_in, n_out), "dense", init="small"),
            f"{prefix}.bias": ParamSpec((n_out,), "vector", init="small")}


def norm(dim: int, prefix: str) -> dict[str, ParamSpec]:
    return {f"{prefix}.gamma": ParamSpec((dim,), "vector", init="ones"),
            f"{prefix}.beta": ParamSpec((dim,), "vector", init="small")}
