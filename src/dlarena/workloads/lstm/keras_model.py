import keras
from keras import layers


def build_model(config: dict) -> keras.Model:
    tokens = keras.Input((None,), dtype="int32")
    x = layers.Embedding(config["vocab_size"], config["embed"], name="embedding")(tokens)
    for i in range(config["layers"]):
        x = layers.LSTM(config["hidden"], return_sequences=i < config["layers"] - 1, name=f"lstm{i}")(x)
    outputs = layers.Dense(config["num_classes"], name="fc")(x)
    return keras.Model(tokens, outputs, name="lstm_classifier")


def weight_map(config: dict) -> dict:
    out = {"embedding/embeddings": "embedding", "fc/kernel": "fc.kernel", "fc/bias": "fc.bias"}
    for i in range(config["layers"]):
        out[f"lstm{i}/lstm_cell/kernel"] = f"lstm{i}.kernel"
        out[f"lstm{i}/lstm_cell/recurrent_kernel"] = f"lstm{i}.recurrent_kernel"
        out[f"lstm{i}/lstm_cell/bias"] = f"lstm{i}.bias"
    return out
