"""The training step as a JAX user writes it with Flax NNX and optax; shared by every workload."""

import jax.numpy as jnp
import optax
from flax import nnx


def make_optimizer(model: nnx.Module, learning_rate: float) -> nnx.Optimizer:
    return nnx.Optimizer(model, optax.sgd(learning_rate, momentum=0.9), wrt=nnx.Param)


def compute_loss(model, x, y):
    # The loss in float32 whatever the layers compute in (bfloat16 under mixed precision).
    logits = model(x).astype(jnp.float32)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def train_step(model, optimizer, x, y):
    loss, grads = nnx.value_and_grad(compute_loss)(model, x, y)
    optimizer.update(model, grads)
    return loss


def predict(model, x):
    return model(x)
