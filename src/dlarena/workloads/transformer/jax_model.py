import jax
import jax.numpy as jnp
from flax import nnx


class EncoderLayer(nnx.Module):
    """Post-LN like BERT (and PyTorch's TransformerEncoderLayer default); eps matches PyTorch."""

    def __init__(self, d_model: int, heads: int, ff: int, *, rngs: nnx.Rngs):
        self.attn = nnx.MultiHeadAttention(num_heads=heads, in_features=d_model, decode=False, rngs=rngs)
        self.ln1 = nnx.LayerNorm(d_model, epsilon=1e-5, rngs=rngs)
        self.ff1 = nnx.Linear(d_model, ff, rngs=rngs)
        self.ff2 = nnx.Linear(ff, d_model, rngs=rngs)
        self.ln2 = nnx.LayerNorm(d_model, epsilon=1e-5, rngs=rngs)

    def __call__(self, x):
        x = self.ln1(x + self.attn(x))
        h = self.ff2(jax.nn.gelu(self.ff1(x), approximate=False))
        return self.ln2(x + h)


class TextClassifier(nnx.Module):
    def __init__(self, vocab_size, seq_len, d_model, heads, ff, layers, num_classes, *, rngs: nnx.Rngs):
        self.tok_emb = nnx.Embed(vocab_size, d_model, rngs=rngs)
        self.pos_emb = nnx.Embed(seq_len, d_model, rngs=rngs)
        self.layers = nnx.List([EncoderLayer(d_model, heads, ff, rngs=rngs) for _ in range(layers)])
        self.cls = nnx.Linear(d_model, num_classes, rngs=rngs)

    def __call__(self, tokens):
        x = self.tok_emb(tokens) + self.pos_emb(jnp.arange(tokens.shape[1]))
        for layer in self.layers:
            x = layer(x)
        return self.cls(x[:, 0])


def build_model(config: dict) -> nnx.Module:
    return TextClassifier(**config, rngs=nnx.Rngs(0))


def _layer(i: int) -> dict:
    p, c = f"layers/{i}/", f"layer{i}."
    attn = {
        f"{p}attn/{flax_name}/{var}": f"{c}{ours}.{var}"
        for flax_name, ours in [("query", "q"), ("key", "k"), ("value", "v"), ("out", "o")]
        for var in ("kernel", "bias")
    }
    return {
        **attn,
        f"{p}ln1/scale": c + "ln1.gamma", f"{p}ln1/bias": c + "ln1.beta",
        f"{p}ff1/kernel": c + "ff1.kernel", f"{p}ff1/bias": c + "ff1.bias",
        f"{p}ff2/kernel": c + "ff2.kernel", f"{p}ff2/bias": c + "ff2.bias",
        f"{p}ln2/scale": c + "ln2.gamma", f"{p}ln2/bias": c + "ln2.beta",
    }


def weight_map(config: dict) -> dict:
    per_layer = {k: v for i in range(config["layers"]) for k, v in _layer(i).items()}
    return {
        "tok_emb/embedding": "tok_emb",
        "pos_emb/embedding": "pos_emb",
        **per_layer,
        "cls/kernel": "cls.kernel",
        "cls/bias": "cls.bias",
    }
