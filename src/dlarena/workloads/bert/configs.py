"""BERT shapes as ``transformers.BertConfig`` keyword arguments, one per size preset: the one place a
zoo BERT size is described (the spec, the HF transformers and the keras-hub models read it).

- ``tiny``: Google's BERT-Tiny shape (google/bert_uncased_L-2_H-128_A-2), for tests and 2 CPU cores.
- ``small``: bert-base-uncased's shape (110M parameters), the ``zoo`` suite.
- ``full``: bert-large-uncased's shape (335M), for GPUs.

``hidden_act`` is the tanh-approximated GELU ("gelu_new", Google's original BERT) that keras-hub's
``BertBackbone`` hard-codes; HF's BertConfig default is the exact erf GELU ("gelu"), a different
function (the ``gelu=exact`` variant of the workload keeps it, and parity names the difference).
Weights are always random (nothing is downloaded)."""

COMMON = dict(vocab_size=30522, max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
              hidden_act="gelu_new", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)

SIZES: dict[str, dict] = {
    "tiny": dict(COMMON, hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512),
    "small": dict(COMMON, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "full": dict(COMMON, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096),
}
