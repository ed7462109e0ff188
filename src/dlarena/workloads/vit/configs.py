"""ViT shapes as ``transformers.ViTConfig`` keyword arguments, one per size preset: the one place a
zoo ViT size is described (the spec, the HF transformers and the keras-hub models read it).

- ``tiny``: DeiT-Tiny's width (192, 3 heads) at 4 layers on 32x32 images in 4x4 patches, for tests
  and 2 CPU cores.
- ``small``: ViT-B/16 at 224 (google/vit-base-patch16-224, 86M parameters), the ``zoo`` suite.
- ``full``: ViT-L/16 at 224 (google/vit-large-patch16-224, 304M), for GPUs.
Weights are always random (nothing is downloaded)."""

COMMON = dict(num_channels=3, hidden_act="gelu", layer_norm_eps=1e-12, qkv_bias=True, hidden_dropout_prob=0.0,
              attention_probs_dropout_prob=0.0)

SIZES: dict[str, dict] = {
    "tiny": dict(COMMON, image_size=32, patch_size=4, hidden_size=192, num_hidden_layers=4, num_attention_heads=3,
                 intermediate_size=768),
    "small": dict(COMMON, image_size=224, patch_size=16, hidden_size=768, num_hidden_layers=12,
                  num_attention_heads=12, intermediate_size=3072),
    "full": dict(COMMON, image_size=224, patch_size=16, hidden_size=1024, num_hidden_layers=24,
                 num_attention_heads=16, intermediate_size=4096),
}
CLASSES = {"tiny": 10, "small": 1000, "full": 1000}
