"""What the zoo workloads (llama, bert, vit) share: the package each framework's model needs, with
its install command, what native JAX's column is built from, and their parameter helpers (zoo
initialisation: small weights, as the zoos' own initialisers)."""

from dlarena.workloads.base import ParamSpec

ZOOS = (("torch_model", "transformers", "pip install 'transformers>=5,<6'"),
        ("keras_model", "keras_hub", "pip install keras-hub (see requirements-nodeps.txt: tensorflow-text)"))
# JAX users load these models from keras-hub on Keras's JAX backend (transformers 5 has no Flax
# models, Flax ships no zoo): JAX's column is the keras-hub model (keras_model) on JAX.
JAX_FROM_KERAS_HUB = (("jax_model", "keras_model", "keras-hub on JAX"),)


def dense(n_in: int, n_out: int, prefix: str) -> dict[str, ParamSpec]:
    return {f"{prefix}.kernel": ParamSpec((n_in, n_out), "dense", init="small"),
            f"{prefix}.bias": ParamSpec((n_out,), "vector", init="small")}


def norm(dim: int, prefix: str) -> dict[str, ParamSpec]:
    return {f"{prefix}.gamma": ParamSpec((dim,), "vector", init="ones"),
            f"{prefix}.beta": ParamSpec((dim,), "vector", init="small")}
