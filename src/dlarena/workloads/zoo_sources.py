"""Where the zoo workloads' models come from (llama, bert, vit): the package each framework's
model needs, with its install command, and why native JAX is left out."""

ZOOS = (("torch_model", "transformers", "pip install 'transformers>=5,<6'"),
        ("keras_model", "keras_hub", "pip install keras-hub (see requirements-nodeps.txt: tensorflow-text)"))
NO_JAX = (("jax_model", "JAX users load this zoo model from keras-hub on JAX: measured as keras-jax "
                        "(-f keras-jax); transformers 5 has no Flax models"),)
