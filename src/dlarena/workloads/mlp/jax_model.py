import jax
from flax import nnx


class MLP(nnx.Module):
    def __init__(self, in_features: int, hidden: int, num_classes: int, *, rngs: nnx.Rngs):
        self.fc1 = nnx.Linear(in_features, hidden, rngs=rngs)
        self.fc2 = nnx.Linear(hidden, hidden, rngs=rngs)
        self.out = nnx.Linear(hidden, num_classes, rngs=rngs)

    def __call__(self, x):
        x = jax.nn.relu(self.fc1(x))
        x = jax.nn.relu(self.fc2(x))
        return self.out(x)


def build_model(config: dict) -> nnx.Module:
    return MLP(**config, rngs=nnx.Rngs(0))


WEIGHT_MAP = {
    "fc1/kernel": "fc1.kernel", "fc1/bias": "fc1.bias",
    "fc2/kernel": "fc2.kernel", "fc2/bias": "fc2.bias",
    "out/kernel": "out.kernel", "out/bias": "out.bias",
}
