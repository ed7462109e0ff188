"""Llama shapes as ``transformers.LlamaConfig`` keyword arguments, one per size preset. The one
place a Llama size is described: the workload's spec, its PyTorch (HF transformers) and Keras
(keras-hub) models and the generation criterion all read it.

- ``tiny``: a few million parameters, for tests, the quick suite and the demo on 2 CPU cores.
- ``small``: SmolLM-135M's shape (HuggingFaceTB/SmolLM-135M config.json), the ``zoo`` suite.
- ``full``: Llama-3.2-1B's shape (meta-llama/Llama-3.2-1B config.json), for GPUs.
Weights are always random (nothing is downloaded)."""

COMMON = dict(hidden_act="silu", rms_norm_eps=1e-5, attention_bias=False, mlp_bias=False,
              attention_dropout=0.0, bos_token_id=1, eos_token_id=2)

SIZES: dict[str, dict] = {
    "tiny": dict(COMMON, vocab_size=4096, hidden_size=256, intermediate_size=704, num_hidden_layers=4,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, rope_theta=10000.0,
                 tie_word_embeddings=True),
    "small": dict(COMMON, vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                  num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=2048, rope_theta=10000.0,
                  tie_word_embeddings=True),
    "full": dict(COMMON, vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                 num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=131072, rope_theta=500000.0,
                 rope_scaling={"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                               "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 tie_word_embeddings=True),
}
