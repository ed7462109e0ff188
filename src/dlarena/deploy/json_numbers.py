"""Reads ``{"inputs": <nested array of numbers>}`` straight into numpy, without building Python
lists: the Python objects json.loads makes take many times the body's size (see docs/deployment.md).
Returns None for anything else (other keys, null, NaN, strings, ragged or empty rows, integers of
2**53 or more, numbers that do not read to their end), which the caller parses with json.loads and
reports precisely. Numbers are read as numpy reads them (a leading "+" or "." is accepted)."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np

MAX_DIMS = 32
EXACT_INTEGERS = 2**53  # beyond this json.loads (exact Python ints) decides; an int64 read clamps
_HEAD = re.compile(rb'\A\s*\{\s*"inputs"\s*:\s*(?=\[)')
_TAIL = re.compile(rb'\]\s*\}\s*\Z')
_ARRAY_CHARS = b"0123456789.eE+-[], \t\r\n"
_SPACE = b" \t\r\n"
_NUMBER_CHARS = b"0123456789.eE+-"
_EMPTY_ELEMENT = (b"[]", b"[,", b",,", b",]")


def _shape(skeleton: bytes) -> tuple[int, ...] | None:
    """The shape of a rectangular array with this skeleton (its brackets and commas), else None.
    In a rectangular skeleton the first group of level k ends at the first run of (ndim - k)
    closing brackets, which gives each dimension from the one inside it; the skeleton rebuilt from
    that shape must then equal the one sent."""
    ndim = len(skeleton) - len(skeleton.lstrip(b"["))
    if not 0 < ndim <= MAX_DIMS:
        return None
    shape: list[int] = []
    inner_length = 0  # characters of one group of the level inside, brackets included
    for level in reversed(range(ndim)):
        closing = skeleton.find(b"]" * (ndim - level))
        if closing < 0:
            return None
        length = closing + (ndim - level) - level  # this level's first group, from its "[" to its "]"
        if level == ndim - 1:
            size = length - 1  # "[" + (size - 1) commas + "]"
        else:
            size, rest = divmod(length - 1, inner_length + 1)  # "[" + size children joined by "," + "]"
            if rest:
                return None
        shape.insert(0, size)
        inner_length = length
    if math.prod(shape) > len(skeleton):  # no rebuilding of a shape the skeleton cannot hold
        return None
    return tuple(shape) if skeleton == _skeleton(shape) else None


def _skeleton(shape: list[int]) -> bytes:
    inner = b"[" + b"," * (shape[-1] - 1) + b"]"
    for size in reversed(shape[:-1]):
        inner = b"[" + inner + (b"," + inner) * (size - 1) + b"]"  # (bytes.join keeps a buffer per item)
    return inner


def parse_inputs(body: bytes) -> np.ndarray | None:
    head, tail = _HEAD.match(body), _TAIL.search(body)
    if not head or not tail:
        return None
    text = body[head.end():tail.start() + 1]
    if text.translate(None, _ARRAY_CHARS):
        return None
    compact = text.translate(None, _SPACE)
    if any(empty in compact for empty in _EMPTY_ELEMENT):
        return None
    shape = _shape(compact.translate(None, _NUMBER_CHARS))
    del compact  # the peak below is the text, its numbers and the array
    if shape is None:
        return None
    integers = not any(c in text for c in (b".", b"e", b"E"))  # json.loads would give ints
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns (and stops) where a number does not read to its end
        try:
            values = np.fromstring(text.translate(bytes.maketrans(b"[],", b"   ")),
                                   dtype=np.int64 if integers else np.float64, sep=" ")
        except (ValueError, DeprecationWarning):
            return None
    if values.size != math.prod(shape):  # a "number" that read as two
        return None
    if integers and values.size and max(values.max(), -values.min()) >= EXACT_INTEGERS:  # huge (or clamped at int64's edge)
        return None
    return values.reshape(shape)
