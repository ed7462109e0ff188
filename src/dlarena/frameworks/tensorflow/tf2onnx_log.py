"""tf2onnx logs the ops it cannot convert and still writes a model; both TensorFlow-graph exporters
(Keras, jax2tf) read those log lines to say why a conversion failed."""

from __future__ import annotations

import logging
from contextlib import contextmanager


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def tf2onnx_errors(quiet: bool = False):
    """Yields the list that fills with tf2onnx's error messages; ``quiet`` keeps them off stderr."""
    logger, handler = logging.getLogger("tf2onnx"), _Collect()
    logger.addHandler(handler)
    propagate = logger.propagate
    if quiet:
        logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
