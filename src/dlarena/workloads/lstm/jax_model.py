"""LSTM classifier in Flax NNX: ``nnx.RNN`` scans an ``nnx.OptimizedLSTMCell`` per layer.

OptimizedLSTMCell keeps the four gates fused as Keras does: ``dense_i`` (in, 4h) without bias,
``dense_h`` (h, 4h) with the one bias, gate order i, f, g, o, sigmoid gates and tanh; so the
canonical (Keras-layout) tensors load as they are. Flax adds no forget-gate bias offset at run
time (Keras' unit_forget_bias is an initializer only), so the function is the same.
"""

from flax import nnx


class LSTMClassifier(nnx.Module):
    def __init__(self, vocab_size: int, embed: int, hidden: int, layers: int, num_classes: int, *, rngs: nnx.Rngs):
        self.embedding = nnx.Embed(vocab_size, embed, rngs=rngs)
        self.lstm = nnx.List([nnx.RNN(nnx.OptimizedLSTMCell(embed if i == 0 else hidden, hidden, rngs=rngs))
                              for i in range(layers)])
        self.fc = nnx.Linear(hidden, num_classes, rngs=rngs)

    def __call__(self, tokens):
        x = self.embedding(tokens)
        for layer in self.lstm:
            (_, h), x = layer(x, return_carry=True)
        return self.fc(h)


def build_model(config: dict) -> nnx.Module:
    return LSTMClassifier(**config, rngs=nnx.Rngs(0))


def weight_map(config: dict) -> dict:
    out = {"embedding/embedding": "embedding", "fc/kernel": "fc.kernel", "fc/bias": "fc.bias"}
    for i in range(config["layers"]):
        out[f"lstm/{i}/cell/dense_i/kernel"] = f"lstm{i}.kernel"
        out[f"lstm/{i}/cell/dense_h/kernel"] = f"lstm{i}.recurrent_kernel"
        out[f"lstm/{i}/cell/dense_h/bias"] = f"lstm{i}.bias"
    return out
