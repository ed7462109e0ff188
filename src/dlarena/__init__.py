"""dlarena: PyTorch vs TensorFlow (and JAX), measured on your own hardware."""

__version__ = "0.1.0"
