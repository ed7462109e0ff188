import keras
from keras import layers


def conv_bn_relu(x, filters: int, index: int):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{index}")(x)
    # PyTorch's defaults (momentum 0.1 == Keras 0.9, eps 1e-5) so both compute the same function.
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"bn{index}")(x)
    return layers.ReLU()(x)


def build_model(config: dict) -> keras.Model:
    c1, c2, c3 = config["channels"]
    inputs = keras.Input((32, 32, 3))
    x = conv_bn_relu(inputs, c1, 1)
    x = layers.MaxPooling2D(2)(x)
    x = conv_bn_relu(x, c2, 2)
    x = layers.MaxPooling2D(2)(x)
    x = conv_bn_relu(x, c3, 3)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(config["num_classes"], name="head")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


def _block(i: int) -> dict:
    return {
        f"conv{i}/kernel": f"conv{i}.kernel",
        f"bn{i}/gamma": f"bn{i}.gamma",
        f"bn{i}/beta": f"bn{i}.beta",
        f"bn{i}/moving_mean": f"bn{i}.moving_mean",
        f"bn{i}/moving_variance": f"bn{i}.moving_var",
    }


WEIGHT_MAP = {**_block(1), **_block(2), **_block(3), "head/kernel": "head.kernel", "head/bias": "head.bias"}
