import jax
from flax import nnx


class ConvBNReLU(nnx.Module):
    def __init__(self, c_in: int, c_out: int, *, rngs: nnx.Rngs):
        self.conv = nnx.Conv(c_in, c_out, kernel_size=(3, 3), padding="SAME", use_bias=False, rngs=rngs)
        # PyTorch's defaults (momentum 0.1 == Flax 0.9, eps 1e-5) so all compute the same function.
        self.bn = nnx.BatchNorm(c_out, momentum=0.9, epsilon=1e-5, rngs=rngs)

    def __call__(self, x):
        return jax.nn.relu(self.bn(self.conv(x)))


class SmallCNN(nnx.Module):
    def __init__(self, channels=(32, 64, 128), num_classes: int = 10, *, rngs: nnx.Rngs):
        c1, c2, c3 = channels
        self.block1 = ConvBNReLU(3, c1, rngs=rngs)
        self.block2 = ConvBNReLU(c1, c2, rngs=rngs)
        self.block3 = ConvBNReLU(c2, c3, rngs=rngs)
        self.head = nnx.Linear(c3, num_classes, rngs=rngs)

    def __call__(self, x):
        x = nnx.max_pool(self.block1(x), (2, 2), strides=(2, 2))
        x = nnx.max_pool(self.block2(x), (2, 2), strides=(2, 2))
        x = self.block3(x).mean(axis=(1, 2))
        return self.head(x)


def build_model(config: dict) -> nnx.Module:
    return SmallCNN(**config, rngs=nnx.Rngs(0))


def _block(i: int) -> dict:
    return {
        f"block{i}/conv/kernel": f"conv{i}.kernel",
        f"block{i}/bn/scale": f"bn{i}.gamma",
        f"block{i}/bn/bias": f"bn{i}.beta",
        f"block{i}/bn/mean": f"bn{i}.moving_mean",
        f"block{i}/bn/var": f"bn{i}.moving_var",
    }


WEIGHT_MAP = {**_block(1), **_block(2), **_block(3), "head/kernel": "head.kernel", "head/bias": "head.bias"}
