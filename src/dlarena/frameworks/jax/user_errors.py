"""Common mistakes, written as a JAX user would make them with Flax NNX and optax (the "user
code" of the error probes). Each function makes one mistake on the line marked ``# mistake`` and
returns ``(what the code computed, what correct code computes)``, or raises. Only imported inside
a probe cell."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

# Per probe: the words by which a message names the offending layer or function.
NAMES = {
    "dense_shape": ("fc1", "Linear"),
    "label_dtype": ("softmax_cross_entropy_with_integer_labels",),
    "channel_order": ("conv1", "Conv"),
    "use_before_build": ("Sequential", "Linear"),
    "logits_vs_probabilities": ("softmax_cross_entropy_with_integer_labels",),
    "device_mismatch": ("fc1", "Linear"),
}


class Net(nnx.Module):
    def __init__(self, in_features: int, *, rngs: nnx.Rngs):
        self.fc1 = nnx.Linear(in_features, 16, rngs=rngs)
        self.out = nnx.Linear(16, 10, rngs=rngs)

    def __call__(self, x):
        return self.out(jax.nn.relu(self.fc1(x)))


class ConvNet(nnx.Module):
    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(3, 8, kernel_size=(3, 3), padding="VALID", rngs=rngs)

    def __call__(self, x):
        return self.conv1(x)


def dense_shape(x64: np.ndarray, y: np.ndarray):
    model = Net(in_features=32, rngs=nnx.Rngs(0))
    return model(jnp.asarray(x64)), None  # mistake: 64 features into a model built for 32


def label_dtype(logits: np.ndarray, y: np.ndarray):
    labels = jnp.asarray(y.astype(np.float32))  # labels loaded as floats, as from a CSV
    got = optax.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), labels).mean()  # mistake
    return float(got), float(optax.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), jnp.asarray(y)).mean())


def channel_order(images_nchw: np.ndarray, y: np.ndarray):
    model = ConvNet(rngs=nnx.Rngs(0))
    return model(jnp.asarray(images_nchw)), None  # mistake: NCHW images into an NHWC model


def use_before_build(x: np.ndarray, y: np.ndarray):
    # NNX layers take their input size at construction and create their parameters at once:
    # there is no lazy, unbuilt state to count too early. The count is right.
    model = nnx.Sequential(nnx.Linear(x.shape[1], 16, rngs=nnx.Rngs(0)), nnx.relu, nnx.Linear(16, 10, rngs=nnx.Rngs(1)))
    count = sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param)))  # mistake: counted before any input
    return count, x.shape[1] * 16 + 16 + 16 * 10 + 10


def logits_vs_probabilities(x: np.ndarray, y: np.ndarray):
    model = nnx.Sequential(nnx.Linear(x.shape[1], 10, rngs=nnx.Rngs(0)), nnx.softmax)
    probs = model(jnp.asarray(x))
    labels = jnp.asarray(y)
    got = optax.softmax_cross_entropy_with_integer_labels(probs, labels).mean()  # mistake: expects logits
    want = -jnp.take_along_axis(jnp.log(probs), labels[:, None], axis=1).mean()
    return float(got), float(want)


def device_mismatch(x: np.ndarray, y: np.ndarray):
    model = Net(in_features=x.shape[1], rngs=nnx.Rngs(0))
    nnx.update(model, jax.device_put(nnx.state(model), jax.devices("gpu")[0]))
    inputs = jax.device_put(x, jax.devices("cpu")[0])
    return model(inputs), None  # mistake?: model parameters on the GPU, input on the CPU
