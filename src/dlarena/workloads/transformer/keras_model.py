import keras
from keras import layers, ops


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, vocab_size, seq_len, d_model, **kwargs):
        super().__init__(**kwargs)
        self.tok_emb = layers.Embedding(vocab_size, d_model, name="tok_emb")
        self.pos_emb = layers.Embedding(seq_len, d_model, name="pos_emb")

    def call(self, tokens):
        positions = ops.arange(ops.shape(tokens)[-1])
        return self.tok_emb(tokens) + self.pos_emb(positions)


def encoder_layer(x, i: int, d_model: int, heads: int, ff: int):
    # Post-LN like BERT (and PyTorch's TransformerEncoderLayer default); eps matches PyTorch.
    attn = layers.MultiHeadAttention(heads, d_model // heads, name=f"layer{i}_attn")(x, x)
    x = layers.LayerNormalization(epsilon=1e-5, name=f"layer{i}_ln1")(x + attn)
    h = layers.Dense(ff, activation="gelu", name=f"layer{i}_ff1")(x)
    h = layers.Dense(d_model, name=f"layer{i}_ff2")(h)
    return layers.LayerNormalization(epsilon=1e-5, name=f"layer{i}_ln2")(x + h)


def build_model(config: dict) -> keras.Model:
    tokens = keras.Input((config["seq_len"],), dtype="int32")
    x = TokenAndPositionEmbedding(
        config["vocab_size"], config["seq_len"], config["d_model"], name="embed"
    )(tokens)
    for i in range(config["layers"]):
        x = encoder_layer(x, i, config["d_model"], config["heads"], config["ff"])
    outputs = layers.Dense(config["num_classes"], name="cls")(x[:, 0])
    return keras.Model(tokens, outputs, name="text_classifier")


def _layer(i: int) -> dict:
    p, c = f"layer{i}_", f"layer{i}."
    attn = {
        f"{p}attn/{keras_name}/{var}": f"{c}{ours}.{var}"
        for keras_name, ours in [("query", "q"), ("key", "k"), ("value", "v"), ("attention_output", "o")]
        for var in ("kernel", "bias")
    }
    return {
        **attn,
        f"{p}ln1/gamma": c + "ln1.gamma", f"{p}ln1/beta": c + "ln1.beta",
        f"{p}ff1/kernel": c + "ff1.kernel", f"{p}ff1/bias": c + "ff1.bias",
        f"{p}ff2/kernel": c + "ff2.kernel", f"{p}ff2/bias": c + "ff2.bias",
        f"{p}ln2/gamma": c + "ln2.gamma", f"{p}ln2/beta": c + "ln2.beta",
    }


def weight_map(config: dict) -> dict:
    per_layer = {k: v for i in range(config["layers"]) for k, v in _layer(i).items()}
    return {
        "embed/tok_emb/embeddings": "tok_emb",
        "embed/pos_emb/embeddings": "pos_emb",
        **per_layer,
        "cls/kernel": "cls.kernel",
        "cls/bias": "cls.bias",
    }
