"""The ViT a Keras user loads (TensorFlow's tf.keras is Keras 3; also Keras 3 on JAX and PyTorch):
keras-hub's ``ViTImageClassifier`` on a ``ViTBackbone`` from the same config, random weights, no
preprocessor (images in, channels last). Arguments as keras-hub's own Hugging Face converter maps
them (``keras_hub/src/utils/transformers/convert_vit.py``), plus ``layer_norm_epsilon``, which that
converter leaves at keras-hub's default 1e-6 where HF ViT uses ``layer_norm_eps`` (1e-12)."""

import keras
import keras_hub


def build_model(config: dict) -> keras.Model:
    """The class logits; ``.hub`` is the keras-hub classifier."""
    vit = config["vit"]
    image, patch = vit["image_size"], vit["patch_size"]
    backbone = keras_hub.models.ViTBackbone(
        image_shape=(image, image, vit["num_channels"]), patch_size=(patch, patch), num_layers=vit["num_hidden_layers"],
        num_heads=vit["num_attention_heads"], hidden_dim=vit["hidden_size"], mlp_dim=vit["intermediate_size"],
        dropout_rate=vit["hidden_dropout_prob"], attention_dropout=vit["attention_probs_dropout_prob"],
        use_mha_bias=vit["qkv_bias"], layer_norm_epsilon=vit["layer_norm_eps"])
    hub = keras_hub.models.ViTImageClassifier(backbone, num_classes=config["num_classes"], preprocessor=None)
    images = keras.Input((image, image, vit["num_channels"]), name="images")
    model = keras.Model(images, hub(images), name="vit")
    model.hub = hub
    return model


def _pair(layer: str, canonical: str, names=("kernel", "bias"), native=("kernel", "bias")) -> dict:
    return {f"{layer}/{native[0]}": f"{canonical}.{names[0]}", f"{layer}/{native[1]}": f"{canonical}.{names[1]}"}


def weight_map(config: dict) -> dict:
    e = "vit_patching_and_embedding/"
    out = {e + "class_token": "cls_token", e + "position_embedding/embeddings": "pos_emb",
           **_pair(e + "patch_embedding", "patch")}
    norm = (("gamma", "beta"), ("gamma", "beta"))
    for i in range(config["vit"]["num_hidden_layers"]):
        p, c = f"vit_encoder/transformer_block_{i + 1}/", f"layer{i}."
        out.update({**_pair(p + "ln_1", c + "ln1", *norm), **_pair(p + "ln_2", c + "ln2", *norm),
                    **{k: v for x, name in zip("qkvo", ("query", "key", "value", "attention_output"))
                       for k, v in _pair(p + "mha/" + name, c + x).items()},
                    **_pair(p + "mlp/dense_1", c + "ff1"), **_pair(p + "mlp/dense_2", c + "ff2")})
    return {**out, **_pair("vit_encoder/ln", "ln", *norm), **_pair("predictions", "cls")}
