"""The BERT a Keras user loads (TensorFlow's tf.keras is Keras 3; also Keras 3 on JAX and PyTorch):
keras-hub's ``BertTextClassifier`` on a ``BertBackbone`` from the same config, random weights, no
preprocessor (token ids in; one segment, no padding). Arguments as keras-hub's own Hugging Face
converter maps them (``keras_hub/src/utils/transformers/convert_bert.py``); keras-hub's BERT fixes
layer-norm epsilon 1e-12 and the tanh-approximated GELU itself."""

import keras
import keras_hub


def build_model(config: dict) -> keras.Model:
    """The class logits; ``.hub`` is the keras-hub classifier."""
    bert = config["bert"]
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=bert["vocab_size"], num_layers=bert["num_hidden_layers"], num_heads=bert["num_attention_heads"],
        hidden_dim=bert["hidden_size"], intermediate_dim=bert["intermediate_size"],
        max_sequence_length=bert["max_position_embeddings"], num_segments=bert["type_vocab_size"],
        dropout=bert["hidden_dropout_prob"])
    hub = keras_hub.models.BertTextClassifier(backbone, num_classes=config["num_classes"], preprocessor=None,
                                              dropout=bert["hidden_dropout_prob"])
    tokens = keras.Input((config["seq_len"],), dtype="int32", name="token_ids")
    logits = hub({"token_ids": tokens, "segment_ids": keras.ops.zeros_like(tokens),
                  "padding_mask": keras.ops.ones_like(tokens)})
    model = keras.Model(tokens, logits, name="bert")
    model.hub = hub
    return model


def _dense(layer: str, canonical: str) -> dict:
    return {f"{layer}/kernel": f"{canonical}.kernel", f"{layer}/bias": f"{canonical}.bias"}


def _norm(layer: str, canonical: str) -> dict:
    return {f"{layer}/gamma": f"{canonical}.gamma", f"{layer}/beta": f"{canonical}.beta"}


def weight_map(config: dict) -> dict:
    out = {"token_embedding/embeddings": "tok_emb", "position_embedding/embeddings": "pos_emb",
           "segment_embedding/embeddings": "seg_emb", **_norm("embeddings_layer_norm", "emb_ln")}
    for i in range(config["bert"]["num_hidden_layers"]):
        p, c = f"transformer_layer_{i}/", f"layer{i}."
        a = p + "self_attention_layer/"
        out.update({**_dense(a + "query", c + "q"), **_dense(a + "key", c + "k"), **_dense(a + "value", c + "v"),
                    **_dense(a + "attention_output", c + "o"), **_norm(p + "self_attention_layer_norm", c + "attn_ln"),
                    **_dense(p + "feedforward_intermediate_dense", c + "ff1"),
                    **_dense(p + "feedforward_output_dense", c + "ff2"), **_norm(p + "feedforward_layer_norm", c + "ffn_ln")})
    return {**out, **_dense("pooled_dense", "pool"), **_dense("logits", "cls")}
