"""The Llama a Keras user loads (TensorFlow's tf.keras is Keras 3; also Keras 3 on JAX and
PyTorch): keras-hub's ``LlamaCausalLM`` on a ``LlamaBackbone`` from the same config, with random
weights and no preprocessor (token ids in). The arguments are those of keras-hub's own Hugging Face
converter (``keras_hub/src/utils/transformers/convert_llama3.py``), plus ``layer_norm_epsilon``,
which that converter leaves at keras-hub's default 1e-6 where Llama uses ``rms_norm_eps``."""

import keras
import keras_hub


def backbone_arguments(llama: dict) -> dict:
    arguments = dict(vocabulary_size=llama["vocab_size"], num_layers=llama["num_hidden_layers"],
                     num_query_heads=llama["num_attention_heads"], hidden_dim=llama["hidden_size"],
                     intermediate_dim=llama["intermediate_size"], num_key_value_heads=llama["num_key_value_heads"],
                     tie_word_embeddings=llama["tie_word_embeddings"], rope_max_wavelength=llama["rope_theta"],
                     layer_norm_epsilon=llama["rms_norm_eps"])
    scaling = llama.get("rope_scaling")
    if scaling:  # Llama 3.1+ frequency scaling, as the converter maps it
        arguments.update(rope_frequency_adjustment_factor=scaling["factor"],
                         rope_low_freq_factor=scaling["low_freq_factor"],
                         rope_high_freq_factor=scaling["high_freq_factor"],
                         rope_pretraining_sequence_length=scaling["original_max_position_embeddings"])
    return arguments


def build_model(config: dict) -> keras.Model:
    """The logits at every position; ``.hub`` is the keras-hub CausalLM (``.hub.generate``)."""
    hub = keras_hub.models.LlamaCausalLM(backbone=keras_hub.models.LlamaBackbone(**backbone_arguments(config["llama"])),
                                         preprocessor=None)
    tokens = keras.Input((config["seq_len"],), dtype="int32", name="token_ids")
    logits = hub({"token_ids": tokens, "padding_mask": keras.ops.ones_like(tokens)})
    model = keras.Model(tokens, logits, name="llama")
    model.hub = hub
    return model


def weight_map(config: dict) -> dict:
    llama = config["llama"]
    out = {"token_embedding/embeddings": "embed", "sequence_output_layernorm/scale": "norm.gamma"}
    if not llama["tie_word_embeddings"]:
        out["token_embedding/reverse_embeddings"] = "lm_head.kernel"
    for i in range(llama["num_hidden_layers"]):
        p, c = f"transformer_layer_{i}/", f"layer{i}."
        out.update({p + "self_attention_layernorm/scale": c + "attn_norm.gamma",
                    p + "feedforward_layernorm/scale": c + "mlp_norm.gamma",
                    p + "self_attention/query/kernel": c + "q.kernel",
                    p + "self_attention/key/kernel": c + "k.kernel",
                    p + "self_attention/value/kernel": c + "v.kernel",
                    p + "self_attention/attention_output/kernel": c + "o.kernel",
                    p + "feedforward_gate_dense/kernel": c + "gate.kernel",
                    p + "feedforward_intermediate_dense/kernel": c + "up.kernel",
                    p + "feedforward_output_dense/kernel": c + "down.kernel"})
    return out
