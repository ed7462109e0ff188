import keras
from keras import layers


def build_model(config: dict) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((config["in_features"],)),
            layers.Dense(config["hidden"], activation="relu", name="fc1"),
            layers.Dense(config["hidden"], activation="relu", name="fc2"),
            layers.Dense(config["num_classes"], name="out"),
        ],
        name="mlp",
    )


WEIGHT_MAP = {
    "mlp/fc1/kernel": "fc1.kernel", "mlp/fc1/bias": "fc1.bias",
    "mlp/fc2/kernel": "fc2.kernel", "mlp/fc2/bias": "fc2.bias",
    "mlp/out/kernel": "out.kernel", "mlp/out/bias": "out.bias",
}
